// What every finance read shares: a half-open UTC range (from <= occurred_at < to, so the
// ledger's (occurred_at, id) index serves each one), the kinds of entries each figure sums,
// and a range split into the whole months and the days the rollups answer it with.
import { and, gte, lt, sql } from 'drizzle-orm';
import { ledgerEntries, type EntryKind } from '../../db/schema.js';
import { sqlList } from '../../db/sql.js';
import { DAY_MS } from '../ledger/ledger.rollups.repo.js';

export type Range = { fromMs: number; toMs: number };

export const PAYMENT: EntryKind[] = ['gift', 'renewal'];
export const REFUND: EntryKind[] = ['refund', 'refund_reversal'];
export const DISPUTE: EntryKind[] = ['dispute', 'dispute_fee', 'dispute_reversal'];
export const PAYMENT_LIST = sqlList(PAYMENT);
export const REFUND_LIST = sqlList(REFUND);
export const DISPUTE_LIST = sqlList(DISPUTE);
export const kindIn = (kinds: readonly EntryKind[]) => sql.raw(`(${kinds.map((k) => `'${k}'`).join(', ')})`);

export const inRange = (r: Range) => and(gte(ledgerEntries.occurredAt, r.fromMs), lt(ledgerEntries.occurredAt, r.toMs));

/** A range of whole UTC days, which the daily rollups answer; any other range is summed from the entries. */
export const wholeDays = (r: Range) => r.fromMs % DAY_MS === 0 && r.toMs % DAY_MS === 0;

export const monthKey = (ms: number) => {
  const d = new Date(ms);
  return d.getUTCFullYear() * 100 + d.getUTCMonth() + 1;
};

/**
 * A whole-day range as the calendar months wholly inside it plus the days before and after
 * them: [fromDay, headEnd) and [tailStart, toDay) are days, [fromMonth, toMonth) months
 * (202611 style). Without a whole month inside, it is all days.
 */
export function monthsAndDays(r: Range) {
  const from = new Date(r.fromMs);
  const firstMonth =
    r.fromMs === Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1) ? r.fromMs : Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1);
  const to = new Date(r.toMs);
  const endMonth = Date.UTC(to.getUTCFullYear(), to.getUTCMonth(), 1);
  const fromDay = r.fromMs / DAY_MS;
  const toDay = r.toMs / DAY_MS;
  if (firstMonth >= endMonth) return { fromMonth: 0, toMonth: 0, fromDay, headEnd: toDay, tailStart: toDay, toDay };
  return { fromMonth: monthKey(firstMonth), toMonth: monthKey(endMonth), fromDay, headEnd: firstMonth / DAY_MS, tailStart: endMonth / DAY_MS, toDay };
}
