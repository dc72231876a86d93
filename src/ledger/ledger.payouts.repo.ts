// Reads for payout statements: each payout, its balance transactions, and the gift each
// one settles (through the payment intent of its charge, refund or dispute). The finance
// pages and the API read each payout's stored totals and one page of its items
// (payoutSummaries, payoutItemsPage); the CLI statement reads every item (payoutReports),
// which is also what the stored totals are checked against.
import { and, asc, desc, eq, gte, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db, Statement } from '../../db/db.js';
import { ledgerEntries, payoutItems, payouts } from '../../db/schema.js';
import { sqlList, type SqlValue } from '../../db/sql.js';
import { storedCurrency, storedId, storedIsoTime, storedMinor, storedText, UNREADABLE } from './ledger.cells.js';
import { PAYMENT_KINDS } from './ledger.js';
import { payoutStatement, statementFromSums, type PayoutStatement } from './ledger.payouts.js';

export type PayoutStatementItem = {
  balanceTransactionId: string;
  type: string;
  reportingCategory: string;
  sourceId: string | null;
  amountMinor: number;
  feeMinor: number;
  netMinor: number;
  /** our gift this money belongs to, null when the ledger cannot match it */
  giftId: string | null;
};

export type PayoutReport = PayoutStatement & {
  status: string;
  arrivalDate: number | null;
  items: PayoutStatementItem[];
  unmatched: number;
  /** stored cells that cannot be what their columns say, by payout or balance transaction id: left out of the sums */
  problems: string[];
};

type Stored<T> = { [K in keyof T]: unknown };

/** The checks a stored money row passes before it is summed; each failure names its column. */
function reader() {
  const bad: string[] = [];
  return {
    bad,
    need<T>(column: string, value: T | null, reason: string): T {
      if (value === null) bad.push(`${column} ${reason}`);
      return value as T;
    },
  };
}

function readItem(raw: Stored<PayoutStatementItem>): PayoutStatementItem | string {
  const r = reader();
  const item: PayoutStatementItem = {
    balanceTransactionId: storedId(raw.balanceTransactionId),
    type: r.need('type', storedText(raw.type), UNREADABLE.text),
    reportingCategory: r.need('reporting_category', storedText(raw.reportingCategory), UNREADABLE.text),
    sourceId: raw.sourceId == null ? null : storedId(raw.sourceId),
    amountMinor: r.need('amount_minor', storedMinor(raw.amountMinor), UNREADABLE.minor),
    feeMinor: r.need('fee_minor', storedMinor(raw.feeMinor), UNREADABLE.minor),
    netMinor: r.need('net_minor', storedMinor(raw.netMinor), UNREADABLE.minor),
    giftId: raw.giftId == null ? null : storedId(raw.giftId),
  };
  return r.bad.length ? `balance transaction ${item.balanceTransactionId}: ${r.bad.join('; ')}` : item;
}

export async function payoutReports(db: Db, filter: { payoutId?: string; sinceSec?: number }): Promise<PayoutReport[]> {
  const where: SQL[] = [];
  if (filter.payoutId) where.push(eq(payouts.id, filter.payoutId));
  if (filter.sinceSec != null) where.push(gte(payouts.stripeCreated, filter.sinceSec));
  const rows = await db.orm
    .select()
    .from(payouts)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(payouts.stripeCreated));
  if (!rows.length) return [];
  // refunds and disputes name their own entries; charges are matched by payment intent.
  // The outer columns are named with their table: drizzle writes a column of a one-table
  // select bare, and a bare payment_intent_id inside the subquery is the entry's own, which
  // matched every item to the first payment in the ledger.
  const item = (column: string) => sql.raw(`"payout_items"."${column}"`);
  const gift = sql<string | null>`coalesce(
    (select e.gift_id from ${ledgerEntries} e where e.payment_intent_id = ${item('payment_intent_id')} and e.kind in (${sql.join(
      PAYMENT_KINDS.map((k) => sql`${k}`),
      sql`, `,
    )}) limit 1),
    (select e.gift_id from ${ledgerEntries} e where e.stripe_id = ${item('source_id')} and e.gift_id is not null limit 1))`;
  const items = await db.orm
    .select({
      payoutId: payoutItems.payoutId,
      balanceTransactionId: payoutItems.balanceTransactionId,
      type: payoutItems.type,
      reportingCategory: payoutItems.reportingCategory,
      sourceId: payoutItems.sourceId,
      amountMinor: payoutItems.amountMinor,
      feeMinor: payoutItems.feeMinor,
      netMinor: payoutItems.netMinor,
      giftId: gift,
    })
    .from(payoutItems)
    .where(
      inArray(
        payoutItems.payoutId,
        rows.map((r) => r.id),
      ),
    )
    .orderBy(asc(payoutItems.stripeCreated), asc(payoutItems.balanceTransactionId));
  return rows.map((p) => {
    const id = storedId(p.id);
    const r = reader();
    const amountMinor = r.need('amount_minor', storedMinor(p.amountMinor), UNREADABLE.minor) ?? 0;
    const currency = r.need('currency', storedCurrency(p.currency), UNREADABLE.currency) ?? '';
    const arrivalDate = p.arrivalDate == null ? null : storedIsoTime(p.arrivalDate) === null ? r.need('arrival_date', null, UNREADABLE.time) : p.arrivalDate;
    const problems = r.bad.length ? [`payout ${id}: ${r.bad.join('; ')}`] : [];
    const mine: PayoutStatementItem[] = [];
    for (const { payoutId, ...raw } of items) {
      if (payoutId !== p.id) continue;
      const item = readItem(raw);
      if (typeof item === 'string') problems.push(item);
      else mine.push(item);
    }
    const statement = payoutStatement({ payoutId: id, amountMinor, currency }, mine);
    return {
      ...statement,
      // a payout with an unreadable cell cannot be shown to balance
      balanced: statement.balanced && problems.length === 0,
      status: storedText(p.status) ?? storedId(p.status),
      arrivalDate,
      items: mine,
      unmatched: mine.filter((i) => i.type !== 'payout' && !i.giftId).length,
      problems,
    };
  });
}

// ---------------------------------------------------------------------------------------
// Stored totals and gifts (payout_totals, payout_items.gift_id): the same sums and the same
// match as above, in SQL, kept by the write that records a payout and its items.

const PAYMENT_KIND_LIST = sqlList(PAYMENT_KINDS);

/** The gift of a balance transaction: the payment of its payment intent, else the entry its source (refund, dispute) made. */
const giftOf = (paymentIntent: string, source: string) =>
  `coalesce(
    (select e.gift_id from ledger_entries e where e.payment_intent_id = ${paymentIntent} and e.kind in (${PAYMENT_KIND_LIST.fragment}) limit 1),
    (select e.gift_id from ledger_entries e where e.stripe_id = ${source} and e.gift_id is not null limit 1))`;

const GIFT_OF_ITEM = giftOf('i.payment_intent_id', 'i.source_id');

// whole minor units JavaScript holds exactly, as storedMinor reads them
const whole = (c: string) => `(typeof(${c}) in ('integer', 'real') and ${c} = cast(${c} as integer) and abs(${c}) <= 9007199254740991)`;
/** An item whose cells are what their columns say (readItem's checks, in SQL): only these are summed. */
const READABLE = `(typeof(i.type) = 'text' and typeof(i.reporting_category) = 'text' and ${whole('i.amount_minor')} and ${whole('i.fee_minor')} and ${whole('i.net_minor')})`;
const IN_SUMS = `${READABLE} and i.type != 'payout'`;
const sumWhere = (cond: string, col = 'i.amount_minor') => `coalesce(sum(case when ${IN_SUMS} and ${cond} then ${col} end), 0)`;

/** payoutStatement's buckets (CATEGORY in ledger.payouts.ts) as SQL, per payout. */
const TOTALS_COLUMNS = `coalesce(sum(case when ${READABLE} then 1 end), 0) as items,
  ${sumWhere(`i.reporting_category = 'charge'`)} as gross_minor,
  ${sumWhere('true', 'i.fee_minor')} as fees_minor,
  ${sumWhere(`i.reporting_category in ('refund', 'refund_failure')`)} as refunds_minor,
  ${sumWhere(`i.reporting_category in ('dispute', 'dispute_reversal')`)} as disputes_minor,
  ${sumWhere(`i.reporting_category not in ('charge', 'refund', 'refund_failure', 'dispute', 'dispute_reversal')`)} as other_minor,
  coalesce(sum(case when ${READABLE} then 0 else 1 end), 0) as unreadable`;

const TOTALS_OF = (where: string) =>
  `select p.id as payout_id, ${TOTALS_COLUMNS} from payouts p left join payout_items i on i.payout_id = p.id where ${where} group by p.id`;

const TOTALS_INSERT = 'insert into payout_totals (payout_id, items, gross_minor, fees_minor, refunds_minor, disputes_minor, other_minor, unreadable)';
const TOTALS_SET = ['items', 'gross_minor', 'fees_minor', 'refunds_minor', 'disputes_minor', 'other_minor', 'unreadable']
  .map((c) => `${c} = excluded.${c}`)
  .join(', ');

const compact = (text: string) => text.replace(/\s+/g, ' ').trim();

/** Summed again from the payout's items, whole: exact whatever order and however often its items arrived. */
const RECOMPUTE_SQL = compact(`${TOTALS_INSERT} ${TOTALS_OF('p.id = ?')} on conflict (payout_id) do update set ${TOTALS_SET}`);

/**
 * Items are recorded without their gift and matched here, after them in the same write; one
 * whose payment is not in the ledger yet stays unmatched (readers look again) and is matched
 * again whenever its payout is next written.
 */
const RESOLVE_GIFTS_SQL = compact(`update payout_items set gift_id = ${giftOf('payout_items.payment_intent_id', 'payout_items.source_id')}
  where payout_id = ? and gift_id is null and type != 'payout'`);

/** The statements of a `payout.totals` write, after the payout's state and items in the same atomic write. */
export function payoutTotalsStatements(payoutId: string): Statement[] {
  return [
    { sql: RESOLVE_GIFTS_SQL, params: [payoutId] },
    { sql: RECOMPUTE_SQL, params: [payoutId] },
  ];
}

// Rebuilding and checking them: `ledger rollups check [--rebuild]`, the migration's backfill
// and the seed's last step.

/** Every item matched again and every payout summed again from its items, as SQL text (the migration holds the same). */
export const PAYOUTS_REBUILD_SQL: readonly string[] = [
  compact(
    `update payout_items set gift_id = case when type = 'payout' then null else ${giftOf('payout_items.payment_intent_id', 'payout_items.source_id')} end`,
  ),
  'delete from payout_totals',
  compact(`${TOTALS_INSERT} ${TOTALS_OF('true')}`),
];

export function payoutsRebuildStatements(): Statement[] {
  return PAYOUTS_REBUILD_SQL.map((sql) => ({ sql, params: [] as SqlValue[] }));
}

/**
 * What the items and entries say now against what is stored, in the rollup check's shape
 * (keyed rows, ledger.rollups.repo.ts compareRollups). A stored gift must be the one the
 * ledger gives; an item still without one is looked up by every reader, so it cannot be wrong.
 */
export const PAYOUTS_CHECK_QUERIES: { table: string; expected: string; actual: string; keys: number }[] = [
  {
    table: 'payout_totals',
    expected: compact(TOTALS_OF('true')),
    actual: 'select payout_id, items, gross_minor, fees_minor, refunds_minor, disputes_minor, other_minor, unreadable from payout_totals',
    keys: 1,
  },
  {
    table: 'payout_items.gift_id',
    expected: compact(`select i.balance_transaction_id, ${GIFT_OF_ITEM} from payout_items i where i.gift_id is not null`),
    actual: 'select balance_transaction_id, gift_id from payout_items where gift_id is not null',
    keys: 1,
  },
];

// The pages' reads.

/** A payout's statement from its stored totals: every item summed, none of them read. */
export type PayoutSummary = PayoutStatement & {
  status: string;
  arrivalDate: number | null;
  /** readable balance transactions, the payout's own withdrawal included */
  itemCount: number;
  unmatched: number;
  problems: string[];
};

type SummaryRow = {
  id: unknown;
  amount_minor: unknown;
  currency: unknown;
  status: unknown;
  arrival_date: unknown;
  kept: number | null;
  items: number;
  gross_minor: number;
  fees_minor: number;
  refunds_minor: number;
  disputes_minor: number;
  other_minor: number;
  unreadable: number;
  unmatched: number;
};

const SUMMARY_SELECT = `select p.id, p.amount_minor, p.currency, p.status, p.arrival_date,
    t.payout_id is not null as kept, t.items, t.gross_minor, t.fees_minor, t.refunds_minor, t.disputes_minor, t.other_minor, t.unreadable,
    (select count(*) from payout_items i where i.payout_id = p.id and i.gift_id is null and ${IN_SUMS} and ${GIFT_OF_ITEM} is null) as unmatched
  from payouts p left join payout_totals t on t.payout_id = p.id`;
const summariesArriving = compact(`${SUMMARY_SELECT} where p.arrival_date >= ? and p.arrival_date < ? order by p.stripe_created desc, p.id`);
const summaryOf = compact(`${SUMMARY_SELECT} where p.id = ?`);
/** A payout written before its totals were kept (rows put in by hand, say): summed now. */
const totalsNow = compact(TOTALS_OF('p.id = ?'));
const ITEM_COLUMNS = `i.balance_transaction_id as balanceTransactionId, i.type, i.reporting_category as reportingCategory, i.source_id as sourceId,
  i.amount_minor as amountMinor, i.fee_minor as feeMinor, i.net_minor as netMinor, i.stripe_created as stripeCreated`;
const unreadableItems = compact(
  `select ${ITEM_COLUMNS}, null as giftId from payout_items i where i.payout_id = ? and not ${READABLE} order by i.stripe_created, i.balance_transaction_id`,
);
/** The gift a reader shows for item `i`: the one stored, else looked up now (its payment may have been recorded since). */
export const ITEM_GIFT_SQL = compact(`coalesce(i.gift_id, case when i.type != 'payout' then ${GIFT_OF_ITEM} end)`);
const PAGE_SELECT = `select ${ITEM_COLUMNS}, ${ITEM_GIFT_SQL} as giftId
  from payout_items i where i.payout_id = ?`;
const firstItems = compact(`${PAGE_SELECT} order by i.stripe_created, i.balance_transaction_id limit ?`);
const itemsAfter = compact(
  `${PAGE_SELECT} and (i.stripe_created, i.balance_transaction_id) > (?, ?) order by i.stripe_created, i.balance_transaction_id limit ?`,
);

async function summaryFrom(db: Db, row: SummaryRow): Promise<PayoutSummary> {
  const id = storedId(row.id);
  const r = reader();
  const amountMinor = r.need('amount_minor', storedMinor(row.amount_minor), UNREADABLE.minor) ?? 0;
  const currency = r.need('currency', storedCurrency(row.currency), UNREADABLE.currency) ?? '';
  const arrivalDate =
    row.arrival_date == null ? null : storedIsoTime(row.arrival_date) === null ? r.need('arrival_date', null, UNREADABLE.time) : (row.arrival_date as number);
  const problems = r.bad.length ? [`payout ${id}: ${r.bad.join('; ')}`] : [];
  let t: Omit<SummaryRow, 'kept' | 'unmatched' | 'id' | 'amount_minor' | 'currency' | 'status' | 'arrival_date'> = row;
  if (!row.kept) {
    const [now] = await db.sql.all<typeof t>({ sql: totalsNow, params: [row.id as SqlValue] });
    if (now) t = now;
  }
  if (t.unreadable > 0) {
    const bad = await db.sql.all<Stored<PayoutStatementItem>>({ sql: unreadableItems, params: [row.id as SqlValue] });
    for (const raw of bad) {
      const item = readItem(raw);
      if (typeof item === 'string') problems.push(item);
    }
  }
  const statement = statementFromSums(
    { payoutId: id, amountMinor, currency },
    { grossMinor: t.gross_minor, feesMinor: t.fees_minor, refundsMinor: t.refunds_minor, disputesMinor: t.disputes_minor, otherMinor: t.other_minor },
  );
  return {
    ...statement,
    // a payout with an unreadable cell cannot be shown to balance
    balanced: statement.balanced && problems.length === 0,
    status: storedText(row.status) ?? storedId(row.status),
    arrivalDate,
    itemCount: t.items,
    unmatched: row.unmatched,
    problems,
  };
}

/** The payouts arriving in the bank in [fromMs, toMs), newest first, from their stored totals. */
export async function payoutSummariesArriving(db: Db, range: { fromMs: number; toMs: number }): Promise<PayoutSummary[]> {
  const rows = await db.sql.all<SummaryRow>({ sql: summariesArriving, params: [range.fromMs, range.toMs] });
  return Promise.all(rows.map((row) => summaryFrom(db, row)));
}

export async function payoutSummary(db: Db, payoutId: string): Promise<PayoutSummary | null> {
  const [row] = await db.sql.all<SummaryRow>({ sql: summaryOf, params: [payoutId] });
  return row ? summaryFrom(db, row) : null;
}

/** Where a page of a payout's items starts: after this item in the statement's order. */
export type PayoutItemCursor = { stripeCreated: number; balanceTransactionId: string };

/**
 * One page of a payout's items in the statement's order (keyset on stripe_created, then
 * balance transaction id), each with its gift; `next` is where the following page starts.
 * Unreadable items are left out here: the summary names them.
 */
export async function payoutItemsPage(
  db: Db,
  payoutId: string,
  opts: { after: PayoutItemCursor | null; limit: number },
): Promise<{ items: PayoutStatementItem[]; next: PayoutItemCursor | null }> {
  const rows = await db.sql.all<Stored<PayoutStatementItem> & { stripeCreated: unknown }>(
    opts.after
      ? { sql: itemsAfter, params: [payoutId, opts.after.stripeCreated, opts.after.balanceTransactionId, opts.limit + 1] }
      : { sql: firstItems, params: [payoutId, opts.limit + 1] },
  );
  const shown = rows.slice(0, opts.limit);
  const items: PayoutStatementItem[] = [];
  for (const { stripeCreated: _, ...raw } of shown) {
    const item = readItem(raw);
    if (typeof item !== 'string') items.push(item);
  }
  const last = rows.length > opts.limit ? shown[shown.length - 1] : undefined;
  return {
    items,
    next: last ? { stripeCreated: Number(last.stripeCreated), balanceTransactionId: storedId(last.balanceTransactionId) } : null,
  };
}
