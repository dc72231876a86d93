// The contributions export: one row per recorded money fact, oldest first. Refunds and
// disputes are rows of their own with negative amounts, linked to their gift by gift_id;
// fee and net are in the settlement currency, at Stripe's exchange rate when it converted.
import { and, asc, eq, gte, lt, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/db.js';
import { gifts, ledgerEntries } from '../../db/schema.js';
import { csvLine, type CsvCell } from '../lib/csv.js';

export const EXPORT_COLUMNS = [
  'contribution_id',
  'created_at',
  'kind',
  'frequency',
  'currency',
  'amount_minor',
  'fee_minor',
  'net_minor',
  'settlement_currency',
  'exchange_rate',
  'status',
  'supporter_email',
  'stripe_id',
  'gift_id',
  'article',
  'campaign',
  'variant',
  'balance_transaction_id',
] as const;

export const EXPORT_HEADER = csvLine(EXPORT_COLUMNS);

/** Half-open UTC range in ms: from <= occurred_at < to. */
export type ExportRange = { fromMs?: number; toMs?: number };

/** The export's rows as a query, in EXPORT_COLUMNS order; `.toSQL()` lets Node stream it. */
export function exportQuery(db: Db, range: ExportRange) {
  const where: SQL[] = [];
  if (range.fromMs != null) where.push(gte(ledgerEntries.occurredAt, range.fromMs));
  if (range.toMs != null) where.push(lt(ledgerEntries.occurredAt, range.toMs));
  return db
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
      status: gifts.status,
      email: ledgerEntries.email,
      stripeId: ledgerEntries.stripeId,
      giftId: ledgerEntries.giftId,
      article: gifts.article,
      campaign: gifts.campaign,
      variant: gifts.variant,
      balanceTransactionId: ledgerEntries.balanceTransactionId,
    })
    .from(ledgerEntries)
    .leftJoin(gifts, eq(gifts.id, ledgerEntries.giftId))
    .where(where.length ? and(...where) : undefined)
    .orderBy(asc(ledgerEntries.occurredAt), asc(ledgerEntries.id));
}

/** A row as the query returns it in raw (array) mode, in column order. */
export function exportRowToCsv(row: readonly unknown[]): string {
  const cells = row.map((v, i) => (i === 1 && typeof v === 'number' ? new Date(v).toISOString() : (v as CsvCell)));
  return csvLine(cells);
}

/** "YYYY-MM-DD" (UTC) -> ms at its start; `--to` is inclusive of that whole day. */
export function parseDay(day: string, field: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`${field} must be a date like 2026-11-01`);
  const ms = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== day) throw new Error(`${field} is not a real date: ${day}`);
  return ms;
}

export const DAY_MS = 86_400_000;
