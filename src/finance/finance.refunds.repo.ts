// Reads and writes behind a gift's refund: the payments it has, what the ledger already
// holds against each, and the refund requests staff made.
import { and, asc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Db, Statement } from '../../db/db.js';
import { ledgerEntries, refundRequests, type RefundReason } from '../../db/schema.js';

export type RefundRequestRow = typeof refundRequests.$inferSelect;

/** A payment of the gift, as the ledger recorded it (the first gift, or a renewal). */
export type LedgerPayment = { paymentIntentId: string; kind: 'gift' | 'renewal'; amountMinor: number; currency: string; occurredAt: number };

export async function giftPayments(db: Db, giftId: string): Promise<LedgerPayment[]> {
  const rows = await db.orm
    .select({
      paymentIntentId: ledgerEntries.paymentIntentId,
      kind: ledgerEntries.kind,
      amountMinor: ledgerEntries.amountMinor,
      currency: ledgerEntries.currency,
      occurredAt: ledgerEntries.occurredAt,
    })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.giftId, giftId), inArray(ledgerEntries.kind, ['gift', 'renewal']), isNotNull(ledgerEntries.paymentIntentId)))
    .orderBy(asc(ledgerEntries.occurredAt), asc(ledgerEntries.id));
  return rows.map((r) => ({ ...r, paymentIntentId: r.paymentIntentId!, kind: r.kind as 'gift' | 'renewal' }));
}

/**
 * Refunds the ledger holds against each payment intent, as a positive amount: refunds less
 * failed refunds credited back. Found by payment intent rather than gift, so a refund made
 * in Stripe's dashboard counts too, however it was linked.
 */
export async function refundedByPayment(db: Db, paymentIntentIds: readonly string[]): Promise<Map<string, number>> {
  if (paymentIntentIds.length === 0) return new Map();
  const rows = await db.orm
    .select({ paymentIntentId: ledgerEntries.paymentIntentId, total: sql<number>`sum(${ledgerEntries.amountMinor})` })
    .from(ledgerEntries)
    .where(and(inArray(ledgerEntries.paymentIntentId, [...paymentIntentIds]), inArray(ledgerEntries.kind, ['refund', 'refund_reversal'])))
    .groupBy(ledgerEntries.paymentIntentId);
  return new Map(rows.map((r) => [r.paymentIntentId!, -Number(r.total)]));
}

export function refundRequestsOfGift(db: Db, giftId: string): Promise<RefundRequestRow[]> {
  return db.orm.select().from(refundRequests).where(eq(refundRequests.giftId, giftId)).orderBy(asc(refundRequests.createdAt), asc(refundRequests.id));
}

export async function findRefundRequest(db: Db, id: string): Promise<RefundRequestRow | null> {
  const [row] = await db.orm.select().from(refundRequests).where(eq(refundRequests.id, id)).limit(1);
  return row ?? null;
}

/** When the ledger took in a Stripe refund, and when its failure credited the money back (refund.failed), if it did. */
export type RefundInLedger = { appliedAt: number; failedAt: number | null };

/** The Stripe refunds among these whose entry the ledger already holds (their webhook arrived). */
export async function refundsInLedger(db: Db, refundIds: readonly string[]): Promise<Map<string, RefundInLedger>> {
  if (refundIds.length === 0) return new Map();
  const rows = await db.orm
    .select({ key: ledgerEntries.key, occurredAt: ledgerEntries.occurredAt })
    .from(ledgerEntries)
    .where(
      inArray(
        ledgerEntries.key,
        refundIds.flatMap((id) => [`refund:${id}`, `refund:${id}:failed`]),
      ),
    );
  const out = new Map<string, RefundInLedger>();
  for (const r of rows.filter((x) => !x.key.endsWith(':failed'))) out.set(r.key.slice('refund:'.length), { appliedAt: r.occurredAt, failedAt: null });
  for (const r of rows.filter((x) => x.key.endsWith(':failed'))) {
    const applied = out.get(r.key.slice('refund:'.length, -':failed'.length));
    if (applied) applied.failedAt = r.occurredAt;
  }
  return out;
}

/** A plain insert: a second request with the same id fails, so its audit row is never written twice. */
export function insertRefundRequest(
  db: Db,
  r: { id: string; giftId: string; paymentIntentId: string; amountMinor: number; currency: string; reason: RefundReason; staffId: string },
  now: number,
): Statement {
  return db.orm.insert(refundRequests).values({ ...r, status: 'requested', createdAt: now, updatedAt: now });
}

export function recordStripeAnswer(
  db: Db,
  id: string,
  answer: { status: 'sent'; stripeRefundId: string } | { status: 'refused'; error: string },
  now: number,
): Statement {
  return db.orm
    .update(refundRequests)
    .set(
      answer.status === 'sent'
        ? { status: 'sent', stripeRefundId: answer.stripeRefundId, error: null, updatedAt: now }
        : { status: 'refused', error: answer.error, updatedAt: now },
    )
    .where(eq(refundRequests.id, id));
}
