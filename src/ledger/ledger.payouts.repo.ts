// Reads for payout statements: each payout, its balance transactions, and the gift each
// one settles (through the payment intent of its charge, refund or dispute).
import { and, asc, desc, eq, gte, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/db.js';
import { ledgerEntries, payoutItems, payouts } from '../../db/schema.js';
import { storedCurrency, storedId, storedIsoTime, storedMinor, storedText, UNREADABLE } from './ledger.cells.js';
import { PAYMENT_KINDS } from './ledger.js';
import { payoutStatement, type PayoutStatement } from './ledger.payouts.js';

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
