// Who to tell about a change: the reads behind the emails that subscription and refund
// events cause. A subscription or a refund names no email address, so it comes from what
// the ledger already holds.
import { and, desc, eq, inArray, isNotNull, or } from 'drizzle-orm';
import type { Db } from '../../db/db.js';
import { gifts, ledgerEntries, recurringGifts, supporters } from '../../db/schema.js';
import { PAYMENT_KINDS } from './ledger.js';

/** The supporter's address for a subscription: its supporter, else its gift's email, else the Stripe customer's supporter. */
export async function subscriptionContact(db: Db, subscriptionId: string, customerId: string | null): Promise<string | null> {
  const rows = await db
    .select({ supporterEmail: supporters.email, giftEmail: gifts.email })
    .from(recurringGifts)
    .leftJoin(supporters, eq(supporters.id, recurringGifts.supporterId))
    .leftJoin(gifts, eq(gifts.id, recurringGifts.giftId))
    .where(eq(recurringGifts.stripeSubscriptionId, subscriptionId))
    .limit(1);
  const known = rows[0]?.supporterEmail ?? rows[0]?.giftEmail;
  if (known) return known;
  if (!customerId) return null;
  const byCustomer = await db.select({ email: supporters.email }).from(supporters).where(eq(supporters.stripeCustomerId, customerId)).limit(1);
  return byCustomer[0]?.email ?? null;
}

/** The recorded payment a refund reverses: who paid and its receipt number. */
export async function paymentContact(db: Db, refs: { paymentIntentId: string | null; chargeId: string | null }): Promise<{ email: string; receiptNumber: string } | null> {
  const match = [refs.paymentIntentId ? eq(ledgerEntries.paymentIntentId, refs.paymentIntentId) : null, refs.chargeId ? eq(ledgerEntries.chargeId, refs.chargeId) : null].filter((m) => m !== null);
  if (!match.length) return null;
  const rows = await db
    .select({ email: ledgerEntries.email, stripeId: ledgerEntries.stripeId })
    .from(ledgerEntries)
    .where(and(or(...match), inArray(ledgerEntries.kind, [...PAYMENT_KINDS]), isNotNull(ledgerEntries.email)))
    .orderBy(desc(ledgerEntries.occurredAt))
    .limit(1);
  const row = rows[0];
  return row?.email ? { email: row.email, receiptNumber: row.stripeId } : null;
}
