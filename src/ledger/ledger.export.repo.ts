// The export's reads. Its lines are a measured hot path (a million rows a run), so they are
// hand-written SQL (db/sql.ts); the few rows SQLite's line cannot vouch for are read again
// as values through drizzle (exportQuery), the reference every line must equal. Every cell
// comes from the entry's own row: the gift's attribution is copied onto it when it gains
// its gift, and the gift's status is kept on it by triggers (docs/decisions/0011), so no
// entry is joined to its gift.
import { and, asc, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/db.js';
import { ledgerEntries } from '../../db/schema.js';
import { sqlJoin, sqlTemplate, type SqlStatement, type SqlTemplate } from '../../db/sql.js';

/** Half-open UTC range in ms: from <= occurred_at < to. */
export type ExportRange = { fromMs?: number; toMs?: number };

/** Where the next page starts: the last row's sort key (exclusive). */
export type Cursor = { occurredAt: number; id: string };

/**
 * The version of the export's columns (README, The contributions CSV), written in its last
 * column so a file says which layout it has after it has left the app. Raise it whenever a
 * column is added, removed, renamed or changes meaning.
 */
export const EXPORT_SCHEMA_VERSION = 1;

/**
 * The export's rows as values, in EXPORT_COLUMNS order (ledger.export.ts), optionally only
 * these ids: the reference that every line SQLite builds must equal once formatted by
 * exportRowToCsv, and the path for the lines it cannot vouch for.
 */
export function exportQuery(db: Db, range: ExportRange, ids?: readonly string[]) {
  const where: SQL[] = [];
  if (range.fromMs != null) where.push(gte(ledgerEntries.occurredAt, range.fromMs));
  if (range.toMs != null) where.push(lt(ledgerEntries.occurredAt, range.toMs));
  if (ids) where.push(inArray(ledgerEntries.id, [...ids]));
  return db.orm
    .select({
      id: ledgerEntries.id,
      occurredAt: ledgerEntries.occurredAt,
      kind: ledgerEntries.kind,
      frequency: ledgerEntries.frequency,
      currency: ledgerEntries.currency,
      amountMinor: ledgerEntries.amountMinor,
      feeMinor: ledgerEntries.feeMinor,
      netMinor: ledgerEntries.netMinor,
      settlementCurrency: ledgerEntries.settlementCurrency,
      exchangeRate: ledgerEntries.exchangeRate,
      status: ledgerEntries.giftStatus,
      email: ledgerEntries.email,
      stripeId: ledgerEntries.stripeId,
      giftId: ledgerEntries.giftId,
      article: ledgerEntries.article,
      campaign: ledgerEntries.campaign,
      variant: ledgerEntries.variant,
      balanceTransactionId: ledgerEntries.balanceTransactionId,
      schemaVersion: sql<number>`${sql.raw(String(EXPORT_SCHEMA_VERSION))}`,
    })
    .from(ledgerEntries)
    .where(where.length ? and(...where) : undefined)
    .orderBy(asc(ledgerEntries.occurredAt), asc(ledgerEntries.id));
}

// What SQLite puts in the cells after created_at of a line it builds, in EXPORT_COLUMNS
// order. Text and numbers go in as they are: the line is only used when CLEAN_REST
// (ledger.export.ts) proves that csvLine would have written exactly that. The first two
// cells, the id and created_at, are written in JavaScript from the values the row hands
// over anyway for the cursor: formatting the time there, one toISOString per day, costs
// less than SQLite's strftime per row (~0.4 s of CPU at 1M rows).
const t = (column: string) => `coalesce(${column}, '')`;
const REST_CELLS = [
  t('ledger_entries.kind'),
  t('ledger_entries.frequency'),
  t('ledger_entries.currency'),
  t('ledger_entries.amount_minor'),
  t('ledger_entries.fee_minor'),
  t('ledger_entries.net_minor'),
  t('ledger_entries.settlement_currency'),
  t('ledger_entries.exchange_rate'),
  t('ledger_entries.gift_status'),
  t('ledger_entries.email'),
  t('ledger_entries.stripe_id'),
  t('ledger_entries.gift_id'),
  t('ledger_entries.article'),
  t('ledger_entries.campaign'),
  t('ledger_entries.variant'),
  t('ledger_entries.balance_transaction_id'),
  `'${EXPORT_SCHEMA_VERSION}'`,
];

const SELECT_LINES = {
  // concat_ws builds the line in one pass (every cell is coalesced, so none is skipped as
  // null); a chain of || copies the growing line at each cell: 1.50 against 1.65-1.87 s of
  // CPU for the query at 1M rows
  fragment: `select ',' || concat_ws(',', ${REST_CELLS.join(', ')}) || char(13, 10) as rest, ledger_entries.occurred_at as occurredAt, ledger_entries.id as id
    from ledger_entries`,
};

type LineParam = 'fromMs' | 'toMs' | 'afterAt' | 'afterId' | 'limit';
const FROM: SqlTemplate<LineParam> = sqlTemplate`ledger_entries.occurred_at >= ${'fromMs'}`;
const TO: SqlTemplate<LineParam> = sqlTemplate`ledger_entries.occurred_at < ${'toMs'}`;
// a row-value comparison keeps each page an index range scan (docs/platform-notes.md, Keyset paging)
const AFTER: SqlTemplate<LineParam> = sqlTemplate`(ledger_entries.occurred_at, ledger_entries.id) > (${'afterAt'}, ${'afterId'})`;
const SELECT = sqlTemplate<LineParam>`${SELECT_LINES}`;
const WHERE = sqlTemplate<LineParam>`where`;
const ORDER_LIMIT: SqlTemplate<LineParam> = sqlTemplate`order by ledger_entries.occurred_at, ledger_entries.id limit ${'limit'}`;
const lineTemplates = new Map<string, SqlTemplate<LineParam>>();

/**
 * One page of the export as [rest, occurred_at, id] rows, with the line's cells after
 * created_at built by SQLite (from its comma on): one string per row crosses into
 * JavaScript instead of 17 values that would then be formatted one by one.
 */
export function exportLinesQuery(range: ExportRange, after: Cursor | null, limit: number): SqlStatement {
  // `from` only on the first page, as in the filtered query below: with both, SQLite starts each
  // page's index range at `from` and walks every earlier page again
  const parts = [range.fromMs != null && !after ? FROM : null, range.toMs != null ? TO : null, after ? AFTER : null];
  const shape = parts.map((p) => (p ? '1' : '0')).join('');
  let template = lineTemplates.get(shape);
  if (!template) {
    const conditions = parts.filter((p): p is SqlTemplate<LineParam> => p !== null);
    const where: SqlTemplate<LineParam>[] = conditions.length ? [sqlJoin([WHERE, sqlJoin(conditions, ' and ')], ' ')] : [];
    template = sqlJoin([SELECT, ...where, ORDER_LIMIT], ' ');
    lineTemplates.set(shape, template);
  }
  return template.bind({ fromMs: range.fromMs ?? null, toMs: range.toMs ?? null, afterAt: after?.occurredAt ?? null, afterId: after?.id ?? null, limit });
}

/**
 * The contributions list's filters (finance), which a download from that page applies to the
 * export: the same shape, so the page hands over what it parsed and both select the same rows.
 */
export type ExportFilter = {
  range: ExportRange;
  kind?: string;
  frequency?: string;
  currency?: string;
  minMinor?: number;
  maxMinor?: number;
  /** compared case-insensitively */
  email?: string;
  status?: string;
  campaign?: string;
  article?: string;
  variant?: string;
};

type FilterParam = LineParam | 'kind' | 'frequency' | 'currency' | 'minMinor' | 'maxMinor' | 'email' | 'status' | 'campaign' | 'article' | 'variant';

// Each condition is checked on rows the (occurred_at, id) index hands over in order, so a
// page still stops after `limit` matches; the gift's status and attribution are read from
// the entry, as the line's own cells are. Once there is a cursor, `from` is left out: the cursor is a row that
// met it, so it adds nothing, and with both SQLite starts the index range at `from`, so
// every page would scan again every row of the pages before it.
const FILTER_PARTS: readonly [present: (f: ExportFilter, after: Cursor | null) => boolean, template: SqlTemplate<FilterParam>][] = [
  [(f, after) => f.range.fromMs != null && !after, FROM],
  [(f) => f.range.toMs != null, TO],
  [(f) => f.kind != null, sqlTemplate`ledger_entries.kind = ${'kind'}`],
  [(f) => f.frequency != null, sqlTemplate`ledger_entries.frequency = ${'frequency'}`],
  [(f) => f.currency != null, sqlTemplate`ledger_entries.currency = ${'currency'}`],
  [(f) => f.minMinor != null, sqlTemplate`ledger_entries.amount_minor >= ${'minMinor'}`],
  [(f) => f.maxMinor != null, sqlTemplate`ledger_entries.amount_minor <= ${'maxMinor'}`],
  [(f) => f.email != null, sqlTemplate`lower(ledger_entries.email) = ${'email'}`],
  [(f) => f.status != null, sqlTemplate`ledger_entries.gift_status = ${'status'}`],
  [(f) => f.campaign != null, sqlTemplate`ledger_entries.campaign = ${'campaign'}`],
  [(f) => f.article != null, sqlTemplate`ledger_entries.article = ${'article'}`],
  [(f) => f.variant != null, sqlTemplate`ledger_entries.variant = ${'variant'}`],
];
const filteredTemplates = new Map<string, SqlTemplate<FilterParam>>();

/**
 * One page of the export restricted to a filter, in the export's order and with its lines:
 * the CSV download of the contributions page. Built from the same pieces as
 * exportLinesQuery, one compiled text per combination of filters set.
 */
export function exportFilteredLinesQuery(filter: ExportFilter, after: Cursor | null, limit: number): SqlStatement {
  const present = FILTER_PARTS.map(([has]) => has(filter, after));
  const shape = present.map((p) => (p ? '1' : '0')).join('') + (after ? '1' : '0');
  let template = filteredTemplates.get(shape);
  if (!template) {
    const conditions = [...FILTER_PARTS.filter((_, i) => present[i]).map(([, part]) => part), ...(after ? [AFTER] : [])];
    const where: SqlTemplate<FilterParam>[] = conditions.length ? [sqlJoin([WHERE, sqlJoin(conditions, ' and ')], ' ')] : [];
    template = sqlJoin<FilterParam>([SELECT, ...where, ORDER_LIMIT], ' ');
    filteredTemplates.set(shape, template);
  }
  return template.bind({
    fromMs: filter.range.fromMs ?? null,
    toMs: filter.range.toMs ?? null,
    afterAt: after?.occurredAt ?? null,
    afterId: after?.id ?? null,
    limit,
    kind: filter.kind ?? null,
    frequency: filter.frequency ?? null,
    currency: filter.currency ?? null,
    minMinor: filter.minMinor ?? null,
    maxMinor: filter.maxMinor ?? null,
    email: filter.email?.toLowerCase() ?? null,
    status: filter.status ?? null,
    campaign: filter.campaign ?? null,
    article: filter.article ?? null,
    variant: filter.variant ?? null,
  });
}
