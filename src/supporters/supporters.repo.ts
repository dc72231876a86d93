// Every read and write of a supporter's own account. Reads of gifts always carry the
// supporter's id in their WHERE clause: a row of someone else's is "not found", whatever
// id was asked for.
import { and, desc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import type { Db, Statement } from '../../db/db.js';
import { gifts, ledgerEntries, outbox, recurringGifts, sessions, supporters, verifications } from '../../db/schema.js';
import { eraseSupporterRollupStatements } from '../ledger/ledger.rollups.repo.js';

export type SupporterRow = typeof supporters.$inferSelect;
export type RecurringRow = typeof recurringGifts.$inferSelect;
export type PaymentRow = typeof ledgerEntries.$inferSelect;

/** The entry kinds a supporter paid: a gift, or one renewal of a recurring gift. */
const PAYMENT_KINDS = ['gift', 'renewal'] as const;

export async function findGiverBinding(db: Db, giftId: string): Promise<{ browserHash: string | null; checkoutSessionId: string | null } | null> {
  const rows = await db.orm
    .select({ browserHash: gifts.browserHash, checkoutSessionId: gifts.checkoutSessionId })
    .from(gifts)
    .where(eq(gifts.id, giftId))
    .limit(1);
  return rows[0] ?? null;
}

/** Clears the binding if it still holds this hash; true for the one request that did. */
export async function useGiverBinding(db: Db, giftId: string, browserHash: string, now: number): Promise<boolean> {
  const rows = await db.orm
    .update(gifts)
    .set({ browserHash: null, updatedAt: now })
    .where(and(eq(gifts.id, giftId), eq(gifts.browserHash, browserHash)))
    .returning({ id: gifts.id });
  return rows.length === 1;
}

export async function insertSupporterIfNew(
  db: Db,
  s: { id: string; email: string; name: string | null; stripeCustomerId: string | null; now: number },
): Promise<void> {
  await db.orm
    .insert(supporters)
    .values({ id: s.id, email: s.email, name: s.name, stripeCustomerId: s.stripeCustomerId, createdAt: s.now })
    .onConflictDoNothing();
}

export async function findSupporterByEmail(db: Db, email: string): Promise<SupporterRow | null> {
  return (await db.orm.select().from(supporters).where(eq(supporters.email, email)).limit(1))[0] ?? null;
}

export async function findSupporterById(db: Db, id: string): Promise<SupporterRow | null> {
  return (await db.orm.select().from(supporters).where(eq(supporters.id, id)).limit(1))[0] ?? null;
}

export function recurringOf(db: Db, supporterId: string): Promise<RecurringRow[]> {
  return db.orm.select().from(recurringGifts).where(eq(recurringGifts.supporterId, supporterId)).orderBy(desc(recurringGifts.createdAt));
}

export async function findRecurringOf(db: Db, supporterId: string, recurringId: string): Promise<RecurringRow | null> {
  const rows = await db.orm
    .select()
    .from(recurringGifts)
    .where(and(eq(recurringGifts.id, recurringId), eq(recurringGifts.supporterId, supporterId)))
    .limit(1);
  return rows[0] ?? null;
}

const ownedBy = (supporterId: string) =>
  or(
    inArray(ledgerEntries.giftId, sql`(select ${gifts.id} from ${gifts} where ${gifts.supporterId} = ${supporterId})`),
    inArray(ledgerEntries.recurringGiftId, sql`(select ${recurringGifts.id} from ${recurringGifts} where ${recurringGifts.supporterId} = ${supporterId})`),
  );

export function paymentsOf(db: Db, supporterId: string): Promise<PaymentRow[]> {
  return db.orm
    .select()
    .from(ledgerEntries)
    .where(and(inArray(ledgerEntries.kind, [...PAYMENT_KINDS]), ownedBy(supporterId)))
    .orderBy(desc(ledgerEntries.occurredAt), desc(ledgerEntries.id));
}

export async function findPaymentOf(db: Db, supporterId: string, entryId: string): Promise<PaymentRow | null> {
  const rows = await db.orm
    .select()
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.id, entryId), inArray(ledgerEntries.kind, [...PAYMENT_KINDS]), ownedBy(supporterId)))
    .limit(1);
  return rows[0] ?? null;
}

export function setPendingChange(db: Db, recurringId: string, change: string | null, now: number): Statement {
  return db.orm.update(recurringGifts).set({ pendingChange: change, updatedAt: now }).where(eq(recurringGifts.id, recurringId));
}

export function setCancelReason(db: Db, recurringId: string, reason: string, comment: string | null, now: number): Statement {
  return db.orm.update(recurringGifts).set({ cancelReason: reason, cancelComment: comment, updatedAt: now }).where(eq(recurringGifts.id, recurringId));
}

/** Everything we hold about a supporter, for their own download (and finance's, on request). */
export async function supporterData(db: Db, supporter: SupporterRow) {
  const [giftRows, recurringRows, payments] = await Promise.all([
    db.orm.select().from(gifts).where(eq(gifts.supporterId, supporter.id)).orderBy(gifts.createdAt),
    recurringOf(db, supporter.id),
    paymentsOf(db, supporter.id),
  ]);
  return {
    supporter: {
      id: supporter.id,
      email: supporter.email,
      name: supporter.name,
      stripe_customer_id: supporter.stripeCustomerId,
      created_at: iso(supporter.createdAt),
    },
    gifts: giftRows.map((g) => ({
      id: g.id,
      status: g.status,
      frequency: g.frequency,
      amount_minor: g.amountMinor,
      currency: g.currency,
      email: g.email,
      article: g.article,
      campaign: g.campaign,
      referrer: g.referrer,
      country: g.country,
      created_at: iso(g.createdAt),
    })),
    recurring_gifts: recurringRows.map((r) => ({
      id: r.id,
      stripe_subscription_id: r.stripeSubscriptionId,
      status: r.status,
      interval: r.interval,
      amount_minor: r.amountMinor,
      currency: r.currency,
      paused: r.pauseBehavior !== null,
      next_payment_at: r.currentPeriodEnd !== null ? iso(r.currentPeriodEnd) : null,
      cancel_reason: r.cancelReason,
      cancel_comment: r.cancelComment,
      created_at: iso(r.createdAt),
    })),
    payments: payments.map((p) => ({
      id: p.id,
      kind: p.kind,
      amount_minor: p.amountMinor,
      currency: p.currency,
      email: p.email,
      occurred_at: iso(p.occurredAt),
    })),
  };
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The address an erased supporter's row keeps: unique, and deliverable to no one (RFC 2606 .invalid). */
export const erasedEmail = (supporterId: string): string => `erased+${supporterId}@erased.invalid`;

/**
 * Erases a supporter's personal data in one atomic write. Their ledger entries stay (the
 * money happened, and totals must not move) with the email on them removed; their gifts
 * keep amount, frequency and attribution but lose email, referrer and country; emails not
 * yet sent to them are dropped; every session and sign-in link of theirs ends.
 */
export function eraseStatements(db: Db, supporter: SupporterRow, now: number): Statement[] {
  const giftIds = sql`(select ${gifts.id} from ${gifts} where ${gifts.supporterId} = ${supporter.id})`;
  const recurringIds = sql`(select ${recurringGifts.id} from ${recurringGifts} where ${recurringGifts.supporterId} = ${supporter.id})`;
  return [
    ...eraseSupporterRollupStatements(supporter.id, supporter.email),
    db.orm
      .update(ledgerEntries)
      .set({ email: null })
      .where(or(inArray(ledgerEntries.giftId, giftIds), inArray(ledgerEntries.recurringGiftId, recurringIds), eq(ledgerEntries.email, supporter.email))),
    db.orm
      .update(gifts)
      .set({ email: null, referrer: null, country: null, browserHash: null, updatedAt: now })
      .where(or(eq(gifts.supporterId, supporter.id), eq(gifts.email, supporter.email))),
    db.orm.update(recurringGifts).set({ cancelComment: null, pendingChange: null, updatedAt: now }).where(eq(recurringGifts.supporterId, supporter.id)),
    db.orm.delete(outbox).where(eq(outbox.to, supporter.email)),
    db.orm.delete(verifications).where(eq(verifications.email, supporter.email)),
    db.orm.delete(sessions).where(and(eq(sessions.kind, 'supporter'), eq(sessions.subjectId, supporter.id))),
    db.orm
      .update(supporters)
      .set({ email: erasedEmail(supporter.id), name: null, erasedAt: now })
      .where(and(eq(supporters.id, supporter.id), isNull(supporters.erasedAt))),
  ];
}
