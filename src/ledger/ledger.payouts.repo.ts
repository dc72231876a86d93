// Reads for payout statements: each payout, its balance transactions, and the gift each
// one settles (through the payment intent of its charge, refund or dispute).
import { and, asc, desc, eq, gte, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/db.js';
import { ledgerEntries, payoutItems, payouts } from '../../db/schema.js';
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

export type PayoutReport = PayoutStatement & { status: string; arrivalDate: number | null; items: PayoutStatementItem[]; unmatched: number };

export async function payoutReports(db: Db, filter: { payoutId?: string; sinceSec?: number }): Promise<PayoutReport[]> {
  const where: SQL[] = [];
  if (filter.payoutId) where.push(eq(payouts.id, filter.payoutId));
  if (filter.sinceSec != null) where.push(gte(payouts.stripeCreated, filter.sinceSec));
  const rows = await db.select().from(payouts).where(where.length ? and(...where) : undefined).orderBy(desc(payouts.stripeCreated));
  if (!rows.length) return [];
  // refunds and disputes name their own entries; charges are matched by payment intent
  const gift = sql<string | null>`coalesce(
    (select e.gift_id from ${ledgerEntries} e where e.payment_intent_id = ${payoutItems.paymentIntentId} and e.kind in (${sql.join(PAYMENT_KINDS.map((k) => sql`${k}`), sql`, `)}) limit 1),
    (select e.gift_id from ${ledgerEntries} e where e.stripe_id = ${payoutItems.sourceId} and e.gift_id is not null limit 1))`;
  const items = await db
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
    .where(inArray(payoutItems.payoutId, rows.map((r) => r.id)))
    .orderBy(asc(payoutItems.stripeCreated), asc(payoutItems.balanceTransactionId));
  return rows.map((p) => {
    const mine = items.filter((i) => i.payoutId === p.id).map(({ payoutId, ...i }) => i);
    return {
      ...payoutStatement({ payoutId: p.id, amountMinor: p.amountMinor, currency: p.currency }, mine),
      status: p.status,
      arrivalDate: p.arrivalDate,
      items: mine,
      unmatched: mine.filter((i) => i.type !== 'payout' && !i.giftId).length,
    };
  });
}
