// The ledger's reads and writes in SQL. Writes become statements for one atomic() call:
// every statement is idempotent (unique keys, ON CONFLICT), so a redelivered or
// concurrently processed event can never record the same money twice.
import { and, eq, sql } from 'drizzle-orm';
import type { Db, Statement } from '../../db/db.js';
import { gifts, outbox, recurringGifts, supporters, type Frequency } from '../../db/schema.js';
import { normalizeEmail } from '../lib/email.js';
import { newId } from '../lib/ids.js';
import { GIFT_ADVANCES_FROM } from './ledger.gifts.js';
import type { GiftRef, Write } from './ledger.js';
import { moneyStatements } from './ledger.money.repo.js';

const giftRefColumns = {
  id: gifts.id,
  status: gifts.status,
  frequency: gifts.frequency,
  amountMinor: gifts.amountMinor,
  currency: gifts.currency,
};

export async function findGift(db: Db, id: string): Promise<GiftRef | null> {
  const rows = await db.select(giftRefColumns).from(gifts).where(eq(gifts.id, id)).limit(1);
  return rows[0] ?? null;
}

export async function findGiftBySession(db: Db, sessionId: string): Promise<GiftRef | null> {
  const rows = await db.select(giftRefColumns).from(gifts).where(eq(gifts.checkoutSessionId, sessionId)).limit(1);
  return rows[0] ?? null;
}

export async function findGiftBySubscription(db: Db, subscriptionId: string): Promise<GiftRef | null> {
  const rows = await db.select(giftRefColumns).from(gifts).where(eq(gifts.subscriptionId, subscriptionId)).limit(1);
  return rows[0] ?? null;
}

export async function findRecurring(db: Db, subscriptionId: string): Promise<{ giftId: string | null; interval: 'month' | 'year' | null } | null> {
  const rows = await db
    .select({ giftId: recurringGifts.giftId, interval: recurringGifts.interval })
    .from(recurringGifts)
    .where(eq(recurringGifts.stripeSubscriptionId, subscriptionId))
    .limit(1);
  return rows[0] ?? null;
}

/** Resolves a gift from our id (client_reference_id / metadata), then Stripe's ids. */
export async function resolveGift(db: Db, refs: { giftId?: string | null; sessionId?: string | null; subscriptionId?: string | null }): Promise<GiftRef | null> {
  if (refs.giftId) {
    const g = await findGift(db, refs.giftId);
    if (g) return g;
  }
  if (refs.sessionId) {
    const g = await findGiftBySession(db, refs.sessionId);
    if (g) return g;
  }
  if (refs.subscriptionId) {
    const g = await findGiftBySubscription(db, refs.subscriptionId);
    if (g) return g;
    const r = await findRecurring(db, refs.subscriptionId);
    if (r?.giftId) return findGift(db, r.giftId);
  }
  return null;
}


const supporterIdByEmail = (email: string | null) =>
  email ? sql`(select ${supporters.id} from ${supporters} where ${supporters.email} = ${normalizeEmail(email)})` : sql`null`;

export function writeStatements(db: Db, writes: readonly Write[], ctx: { now: number; eventId: string | null }): Statement[] {
  return writes.flatMap((w) => moneyStatements(db, w, ctx) ?? [giftStatement(db, w, ctx)]);
}

function giftStatement(db: Db, w: Write, ctx: { now: number; eventId: string | null }): Statement {
  {
    switch (w.type) {
      case 'supporter.upsert': {
        const s = w.supporter;
        return db
          .insert(supporters)
          .values({ id: newId('sup', ctx.now), email: normalizeEmail(s.email), name: s.name, stripeCustomerId: s.stripeCustomerId, createdAt: ctx.now })
          .onConflictDoUpdate({
            target: supporters.email,
            set: {
              name: sql`coalesce(${supporters.name}, excluded.name)`,
              stripeCustomerId: sql`coalesce(${supporters.stripeCustomerId}, excluded.stripe_customer_id)`,
            },
          });
      }
      case 'gift.createExternal': {
        const g = w.gift;
        return db
          .insert(gifts)
          .values({
            id: g.id,
            status: 'pending',
            frequency: g.frequency,
            amountMinor: g.amountMinor,
            currency: g.currency,
            email: g.email ? normalizeEmail(g.email) : null,
            checkoutSessionId: g.checkoutSessionId,
            subscriptionId: g.subscriptionId,
            fromCheckout: false,
            createdAt: ctx.now,
            updatedAt: ctx.now,
          })
          .onConflictDoNothing();
      }
      case 'gift.advance': {
        const from = GIFT_ADVANCES_FROM[w.to];
        const fromList = sql.join(from.map((s) => sql`${s}`), sql`, `);
        return db
          .update(gifts)
          .set({
            status: from.length ? sql`case when ${gifts.status} in (${fromList}) then ${w.to} else ${gifts.status} end` : sql`${gifts.status}`,
            supporterId: sql`coalesce(${gifts.supporterId}, ${supporterIdByEmail(w.email)})`,
            email: sql`coalesce(${gifts.email}, ${w.email ? normalizeEmail(w.email) : null})`,
            paymentIntentId: sql`coalesce(${gifts.paymentIntentId}, ${w.paymentIntentId ?? null})`,
            subscriptionId: sql`coalesce(${gifts.subscriptionId}, ${w.subscriptionId ?? null})`,
            checkoutSessionId: sql`coalesce(${gifts.checkoutSessionId}, ${w.checkoutSessionId ?? null})`,
            updatedAt: ctx.now,
          })
          .where(eq(gifts.id, w.giftId));
      }
      case 'recurring.ensure': {
        const r = w.recurring;
        return db
          .insert(recurringGifts)
          .values({
            id: newId('rec', ctx.now),
            stripeSubscriptionId: r.subscriptionId,
            giftId: r.giftId,
            supporterId: supporterIdByEmail(r.email),
            stripeCustomerId: r.stripeCustomerId,
            status: 'active',
            interval: r.interval,
            amountMinor: r.amountMinor,
            currency: r.currency,
            stateOrder: 0,
            createdAt: ctx.now,
            updatedAt: ctx.now,
          })
          .onConflictDoUpdate({ target: recurringGifts.stripeSubscriptionId, set: fillGaps() });
      }
      case 'recurring.state': {
        const r = w.recurring;
        const newer = sql`excluded.state_order > ${recurringGifts.stateOrder}`;
        const ifNewer = (col: string, current: unknown) => sql`case when ${newer} then excluded.${sql.raw(col)} else ${current} end`;
        // invoice events move the status alone, so it has its own ordering key
        const newerStatus = sql`excluded.status_order > ${recurringGifts.statusOrder}`;
        return db
          .insert(recurringGifts)
          .values({
            id: newId('rec', ctx.now),
            stripeSubscriptionId: r.subscriptionId,
            giftId: r.giftId,
            stripeCustomerId: r.stripeCustomerId,
            status: r.status,
            interval: r.interval,
            amountMinor: r.amountMinor,
            currency: r.currency,
            cancelAtPeriodEnd: r.cancelAtPeriodEnd,
            currentPeriodEnd: r.currentPeriodEnd,
            cancelAt: r.cancelAt,
            canceledAt: r.canceledAt,
            stateOrder: r.order,
            statusOrder: r.order,
            createdAt: ctx.now,
            updatedAt: ctx.now,
          })
          .onConflictDoUpdate({
            target: recurringGifts.stripeSubscriptionId,
            set: {
              ...fillGaps(),
              status: sql`case when ${newerStatus} then excluded.status else ${recurringGifts.status} end`,
              statusOrder: sql`max(${recurringGifts.statusOrder}, excluded.status_order)`,
              cancelAt: ifNewer('cancel_at', recurringGifts.cancelAt),
              canceledAt: ifNewer('canceled_at', recurringGifts.canceledAt),
              interval: ifNewer('interval', recurringGifts.interval),
              amountMinor: ifNewer('amount_minor', recurringGifts.amountMinor),
              currency: ifNewer('currency', recurringGifts.currency),
              cancelAtPeriodEnd: ifNewer('cancel_at_period_end', recurringGifts.cancelAtPeriodEnd),
              currentPeriodEnd: ifNewer('current_period_end', recurringGifts.currentPeriodEnd),
              // every SET expression sees the row as it was before this update
              stateOrder: sql`max(${recurringGifts.stateOrder}, excluded.state_order)`,
              updatedAt: ctx.now,
            },
          });
      }
      case 'recurring.status': {
        const r = w.recurring;
        return db
          .insert(recurringGifts)
          .values({ id: newId('rec', ctx.now), stripeSubscriptionId: r.subscriptionId, giftId: r.giftId, status: r.status, statusOrder: r.order, createdAt: ctx.now, updatedAt: ctx.now })
          .onConflictDoUpdate({
            target: recurringGifts.stripeSubscriptionId,
            set: {
              giftId: sql`coalesce(${recurringGifts.giftId}, excluded.gift_id)`,
              status: sql`case when excluded.status_order > ${recurringGifts.statusOrder} then excluded.status else ${recurringGifts.status} end`,
              statusOrder: sql`max(${recurringGifts.statusOrder}, excluded.status_order)`,
              updatedAt: ctx.now,
            },
          });
      }
      case 'recurring.health': {
        const r = w.recurring;
        const newer = sql`excluded.health_order > ${recurringGifts.healthOrder}`;
        const ifNewer = (col: string, current: unknown) => sql`case when ${newer} then excluded.${sql.raw(col)} else ${current} end`;
        return db
          .insert(recurringGifts)
          .values({
            id: newId('rec', ctx.now),
            stripeSubscriptionId: r.subscriptionId,
            // placeholder with order 0: any status write outranks it
            status: 'active',
            paymentIssue: r.issue,
            declineCode: r.declineCode,
            nextPaymentAttemptAt: r.nextPaymentAttemptAt,
            issueInvoiceId: r.invoiceId,
            healthOrder: r.order,
            createdAt: ctx.now,
            updatedAt: ctx.now,
          })
          .onConflictDoUpdate({
            target: recurringGifts.stripeSubscriptionId,
            set: {
              paymentIssue: ifNewer('payment_issue', recurringGifts.paymentIssue),
              declineCode: ifNewer('decline_code', recurringGifts.declineCode),
              nextPaymentAttemptAt: ifNewer('next_payment_attempt_at', recurringGifts.nextPaymentAttemptAt),
              issueInvoiceId: ifNewer('issue_invoice_id', recurringGifts.issueInvoiceId),
              healthOrder: sql`max(${recurringGifts.healthOrder}, excluded.health_order)`,
              updatedAt: ctx.now,
            },
          });
      }
      case 'email':
        return db
          .insert(outbox)
          .values({ id: newId('eml', ctx.now), key: w.key, template: w.template, to: normalizeEmail(w.to), props: JSON.stringify(w.props), nextAttemptAt: ctx.now, createdAt: ctx.now })
          .onConflictDoNothing();
      default:
        throw new Error(`no statement for write ${w.type}`);
    }
  }
}

/** Links learned from any event fill what we do not yet know and never overwrite. */
function fillGaps() {
  return {
    giftId: sql`coalesce(${recurringGifts.giftId}, excluded.gift_id)`,
    supporterId: sql`coalesce(${recurringGifts.supporterId}, excluded.supporter_id)`,
    stripeCustomerId: sql`coalesce(${recurringGifts.stripeCustomerId}, excluded.stripe_customer_id)`,
    interval: sql`coalesce(${recurringGifts.interval}, excluded.interval)`,
    amountMinor: sql`coalesce(${recurringGifts.amountMinor}, excluded.amount_minor)`,
    currency: sql`coalesce(${recurringGifts.currency}, excluded.currency)`,
  };
}

/** What a reader asked to give, and where the appeal met them. */
export type GiftIntent = {
  frequency: Frequency;
  amountMinor: number;
  currency: string;
  email: string | null;
  article: string | null;
  section: string | null;
  campaign: string | null;
  variant: string | null;
};

export type NewGift = GiftIntent & { id: string; referrer: string | null; country: string | null };

export async function insertPendingGift(db: Db, g: NewGift, now: number): Promise<void> {
  await db.insert(gifts).values({ ...g, email: g.email ? normalizeEmail(g.email) : null, status: 'pending', createdAt: now, updatedAt: now });
}

export async function attachCheckoutSession(db: Db, giftId: string, sessionId: string, now: number): Promise<void> {
  await db
    .update(gifts)
    .set({ checkoutSessionId: sessionId, updatedAt: now })
    .where(and(eq(gifts.id, giftId), sql`${gifts.checkoutSessionId} is null`));
}
