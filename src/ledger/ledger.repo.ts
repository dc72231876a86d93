// The ledger's reads and writes in SQL. Writes become statements for one atomic() call:
// every statement is idempotent (unique keys, ON CONFLICT), so a redelivered or
// concurrently processed event can never record the same money twice.
import { and, eq, inArray } from 'drizzle-orm';
import type { Db, Statement } from '../../db/db.js';
import { gifts, ledgerEntries, recurringGifts, type Frequency } from '../../db/schema.js';
import { bool, ifNewer, sqlJoin, sqlList, sqlTemplate, type SqlTemplate } from '../../db/sql.js';
import { normalizeEmail, normalizeEmailOrNull } from '../lib/email.js';
import { queueEmailStatement } from '../mail/mail.port.js';
import { newId } from '../lib/ids.js';
import { GIFT_ADVANCES_FROM } from './ledger.gifts.js';
import { isMoneyWrite, PAYMENT_KINDS, type GiftRef, type GiftWrite, type Write } from './ledger.js';
import { moneyStatements } from './ledger.money.repo.js';
import { cancelledNoticeStatement, refundNoticesStatement } from './ledger.notices.repo.js';
import { recurringBracket, rollupBracket } from './ledger.rollups.repo.js';

/** The columns of a GiftRef. */
const GIFT_REF = {
  fragment: `select id, status, frequency, amount_minor as amountMinor, currency, email, supporter_id as supporterId, payment_intent_id as paymentIntentId, subscription_id as subscriptionId, checkout_session_id as checkoutSessionId from gifts`,
};
const giftById = sqlTemplate`${GIFT_REF} where id = ${'id'}`;
const giftBySession = sqlTemplate`${GIFT_REF} where checkout_session_id = ${'id'} limit 1`;
const giftBySubscription = sqlTemplate`${GIFT_REF} where subscription_id = ${'id'} limit 1`;
const recurringBySubscription = sqlTemplate`select gift_id as giftId, "interval" from recurring_gifts where stripe_subscription_id = ${'id'}`;

export function findGift(db: Db, id: string): Promise<GiftRef | null> {
  return db.sql.first<GiftRef>(giftById.bind({ id }));
}

export function findGiftBySession(db: Db, sessionId: string): Promise<GiftRef | null> {
  return db.sql.first<GiftRef>(giftBySession.bind({ id: sessionId }));
}

export function findGiftBySubscription(db: Db, subscriptionId: string): Promise<GiftRef | null> {
  return db.sql.first<GiftRef>(giftBySubscription.bind({ id: subscriptionId }));
}

export function findRecurring(db: Db, subscriptionId: string): Promise<{ giftId: string | null; interval: 'month' | 'year' | null } | null> {
  return db.sql.first(recurringBySubscription.bind({ id: subscriptionId }));
}

/** Resolves a gift from our id (client_reference_id / metadata), then Stripe's ids. */
export async function resolveGift(
  db: Db,
  refs: { giftId?: string | null; sessionId?: string | null; subscriptionId?: string | null },
): Promise<GiftRef | null> {
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

/** The ledger's writes as statements for one atomic() call, in order, with the rollups kept in step around them. */
export function writeStatements(writes: readonly Write[], ctx: { now: number; eventId: string | null }): Statement[] {
  const rollups = rollupBracket(writes);
  const recurring = recurringBracket(writes);
  const out: Statement[] = [...rollups.before, ...recurring.before];
  for (const w of writes) {
    if (isMoneyWrite(w)) out.push(...moneyStatements(w, ctx));
    else out.push(giftStatement(w, ctx));
  }
  out.push(...rollups.after, ...recurring.after);
  return out;
}

// The writes below run for every payment event, so their SQL is written once (db/sql.ts).
// Each is idempotent: a unique key with ON CONFLICT, filling only what is still unknown.

const upsertSupporter = sqlTemplate`
  insert into supporters (id, email, name, stripe_customer_id, created_at)
  values (${'id'}, ${'email'}, ${'name'}, ${'customerId'}, ${'now'})
  on conflict (email) do update set
    name = coalesce(supporters.name, excluded.name),
    stripe_customer_id = coalesce(supporters.stripe_customer_id, excluded.stripe_customer_id)
  where supporters.name is null or supporters.stripe_customer_id is null`;

const insertExternalGift = sqlTemplate`
  insert into gifts (id, status, frequency, amount_minor, currency, email, checkout_session_id, subscription_id, from_checkout, created_at, updated_at)
  values (${'id'}, 'pending', ${'frequency'}, ${'amountMinor'}, ${'currency'}, ${'email'}, ${'sessionId'}, ${'subscriptionId'}, 0, ${'now'}, ${'now'})
  on conflict do nothing`;

type AdvanceName = 'to' | 'email' | 'paymentIntentId' | 'subscriptionId' | 'sessionId' | 'now' | 'giftId';

// Each link is set only where the event brings it: setting an indexed column, even to its
// own value, makes SQLite rewrite that index entry, which doubled the cost of this update.
const ADVANCE_LINKS = {
  email: sqlTemplate`supporter_id = coalesce(supporter_id, (select s.id from supporters s where s.email = ${'email'})), email = coalesce(email, ${'email'})`,
  paymentIntentId: sqlTemplate`payment_intent_id = coalesce(payment_intent_id, ${'paymentIntentId'})`,
  subscriptionId: sqlTemplate`subscription_id = coalesce(subscription_id, ${'subscriptionId'})`,
  sessionId: sqlTemplate`checkout_session_id = coalesce(checkout_session_id, ${'sessionId'})`,
} as const;
const ADVANCE_LINK_NAMES = Object.keys(ADVANCE_LINKS) as (keyof typeof ADVANCE_LINKS)[];
const advanceTemplates = new Map<string, SqlTemplate<AdvanceName>>();

/** The gift's status moves forward only (GIFT_ADVANCES_FROM); links fill what is unknown. */
function advanceGift(w: Extract<Write, { type: 'gift.advance' }>, now: number): Statement {
  const values = {
    to: w.to,
    email: normalizeEmailOrNull(w.email),
    paymentIntentId: w.paymentIntentId ?? null,
    subscriptionId: w.subscriptionId ?? null,
    sessionId: w.checkoutSessionId ?? null,
    now,
    giftId: w.giftId,
  };
  const links = ADVANCE_LINK_NAMES.filter((name) => values[name] != null);
  const shape = `${w.to}:${links.join(',')}`;
  let template = advanceTemplates.get(shape);
  if (!template) {
    template = sqlJoin<AdvanceName>(
      [
        sqlTemplate`update gifts set status = case when status in (${sqlList(GIFT_ADVANCES_FROM[w.to])}) then ${'to'} else status end`,
        ...links.map((name) => ADVANCE_LINKS[name]),
        sqlTemplate`updated_at = ${'now'} where id = ${'giftId'}`,
      ],
      ', ',
    );
    advanceTemplates.set(shape, template);
  }
  return template.bind(values);
}

/** Links learned from any event fill what we do not yet know and never overwrite (recurring.ensure). */
const ensureRecurring = sqlTemplate`
  insert into recurring_gifts (id, stripe_subscription_id, gift_id, supporter_id, stripe_customer_id, status, "interval", amount_minor, currency, state_order, created_at, updated_at)
  values (${'id'}, ${'subscriptionId'}, ${'giftId'}, (select s.id from supporters s where s.email = ${'email'}), ${'customerId'}, 'active', ${'interval'}, ${'amountMinor'}, ${'currency'}, 0, ${'now'}, ${'now'})
  on conflict (stripe_subscription_id) do update set
    gift_id = coalesce(recurring_gifts.gift_id, excluded.gift_id),
    supporter_id = coalesce(recurring_gifts.supporter_id, excluded.supporter_id),
    stripe_customer_id = coalesce(recurring_gifts.stripe_customer_id, excluded.stripe_customer_id),
    "interval" = coalesce(recurring_gifts."interval", excluded."interval"),
    amount_minor = coalesce(recurring_gifts.amount_minor, excluded.amount_minor),
    currency = coalesce(recurring_gifts.currency, excluded.currency)
  where recurring_gifts.gift_id is null or recurring_gifts.supporter_id is null or recurring_gifts.stripe_customer_id is null
    or recurring_gifts."interval" is null or recurring_gifts.amount_minor is null or recurring_gifts.currency is null`;

/**
 * Subscription state, applied unless older than what we hold (state_order). Two changes a
 * supporter makes within one second share an order (Stripe's `created` is in seconds, and
 * both are customer.subscription.updated), so an equal order applies in arrival order; a
 * redelivered event is stopped earlier, by its id. The state arriving confirms whatever
 * change the account was waiting for (pending_change). Invoice
 * events move the status alone, so it has its own ordering key (status_order). Every SET
 * expression sees the row as it was before this update.
 */
const applyRecurringState = sqlTemplate`
  insert into recurring_gifts (id, stripe_subscription_id, gift_id, stripe_customer_id, status, "interval", amount_minor, currency,
    cancel_at_period_end, current_period_end, cancel_at, canceled_at, pause_behavior, state_order, status_order, created_at, updated_at)
  values (${'id'}, ${'subscriptionId'}, ${'giftId'}, ${'customerId'}, ${'status'}, ${'interval'}, ${'amountMinor'}, ${'currency'},
    ${'cancelAtPeriodEnd'}, ${'currentPeriodEnd'}, ${'cancelAt'}, ${'canceledAt'}, ${'pauseBehavior'}, ${'order'}, ${'order'}, ${'now'}, ${'now'})
  on conflict (stripe_subscription_id) do update set
    gift_id = coalesce(recurring_gifts.gift_id, excluded.gift_id),
    supporter_id = coalesce(recurring_gifts.supporter_id, excluded.supporter_id),
    stripe_customer_id = coalesce(recurring_gifts.stripe_customer_id, excluded.stripe_customer_id),
    ${ifNewer('recurring_gifts', 'status_order', ['status'])},
    status_order = max(recurring_gifts.status_order, excluded.status_order),
    ${ifNewer('recurring_gifts', 'state_order', ['cancel_at', 'canceled_at', '"interval"', 'amount_minor', 'currency', 'cancel_at_period_end', 'current_period_end', 'pause_behavior'], '>=')},
    pending_change = case when excluded.state_order >= recurring_gifts.state_order then null else recurring_gifts.pending_change end,
    state_order = max(recurring_gifts.state_order, excluded.state_order),
    updated_at = ${'now'}`;

const applyRecurringStatus = sqlTemplate`
  insert into recurring_gifts (id, stripe_subscription_id, gift_id, status, status_order, created_at, updated_at)
  values (${'id'}, ${'subscriptionId'}, ${'giftId'}, ${'status'}, ${'order'}, ${'now'}, ${'now'})
  on conflict (stripe_subscription_id) do update set
    gift_id = coalesce(recurring_gifts.gift_id, excluded.gift_id),
    ${ifNewer('recurring_gifts', 'status_order', ['status'])},
    status_order = max(recurring_gifts.status_order, excluded.status_order),
    updated_at = ${'now'}`;

/** The open payment problem of a recurring gift; the placeholder row's status (order 0) is outranked by any status write. */
const applyRecurringHealth = sqlTemplate`
  insert into recurring_gifts (id, stripe_subscription_id, status, payment_issue, decline_code, next_payment_attempt_at, issue_invoice_id, health_order, created_at, updated_at)
  values (${'id'}, ${'subscriptionId'}, 'active', ${'issue'}, ${'declineCode'}, ${'nextPaymentAttemptAt'}, ${'invoiceId'}, ${'order'}, ${'now'}, ${'now'})
  on conflict (stripe_subscription_id) do update set
    ${ifNewer('recurring_gifts', 'health_order', ['payment_issue', 'decline_code', 'next_payment_attempt_at', 'issue_invoice_id'])},
    health_order = max(recurring_gifts.health_order, excluded.health_order),
    updated_at = ${'now'}`;

/** The statement of one gift or supporter write; every kind has its case, or this does not compile. */
function giftStatement(w: GiftWrite, ctx: { now: number; eventId: string | null }): Statement {
  const now = ctx.now;
  switch (w.type) {
    case 'supporter.upsert': {
      const s = w.supporter;
      return upsertSupporter.bind({ id: newId('sup', now), email: normalizeEmail(s.email), name: s.name, customerId: s.stripeCustomerId, now });
    }
    case 'gift.createExternal': {
      const g = w.gift;
      return insertExternalGift.bind({
        id: g.id,
        frequency: g.frequency,
        amountMinor: g.amountMinor,
        currency: g.currency,
        email: normalizeEmailOrNull(g.email),
        sessionId: g.checkoutSessionId,
        subscriptionId: g.subscriptionId,
        now,
      });
    }
    case 'gift.advance':
      return advanceGift(w, now);
    case 'recurring.ensure': {
      const r = w.recurring;
      return ensureRecurring.bind({
        id: newId('rec', now),
        subscriptionId: r.subscriptionId,
        giftId: r.giftId,
        email: normalizeEmailOrNull(r.email),
        customerId: r.stripeCustomerId,
        interval: r.interval,
        amountMinor: r.amountMinor,
        currency: r.currency,
        now,
      });
    }
    case 'recurring.state': {
      const r = w.recurring;
      return applyRecurringState.bind({
        id: newId('rec', now),
        subscriptionId: r.subscriptionId,
        giftId: r.giftId,
        customerId: r.stripeCustomerId,
        status: r.status,
        interval: r.interval,
        amountMinor: r.amountMinor,
        currency: r.currency,
        cancelAtPeriodEnd: bool(r.cancelAtPeriodEnd),
        currentPeriodEnd: r.currentPeriodEnd,
        cancelAt: r.cancelAt,
        canceledAt: r.canceledAt,
        pauseBehavior: r.pauseBehavior,
        order: r.order,
        now,
      });
    }
    case 'recurring.status': {
      const r = w.recurring;
      return applyRecurringStatus.bind({ id: newId('rec', now), subscriptionId: r.subscriptionId, giftId: r.giftId, status: r.status, order: r.order, now });
    }
    case 'recurring.health': {
      const r = w.recurring;
      return applyRecurringHealth.bind({
        id: newId('rec', now),
        subscriptionId: r.subscriptionId,
        issue: r.issue,
        declineCode: r.declineCode,
        nextPaymentAttemptAt: r.nextPaymentAttemptAt,
        invoiceId: r.invoiceId,
        order: r.order,
        now,
      });
    }
    case 'notice.refunds':
      return refundNoticesStatement({ paymentIntentId: w.paymentIntentId, entryKey: null }, now);
    case 'notice.cancelled':
      return cancelledNoticeStatement(w.subscriptionId, now);
    case 'email':
      return queueEmailStatement({ ...w.email, to: normalizeEmail(w.email.to) }, now);
    default: {
      const unhandled: never = w;
      throw new Error(`no statement for write ${(unhandled as Write).type}`);
    }
  }
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

export type NewGift = GiftIntent & {
  id: string;
  referrer: string | null;
  country: string | null;
  /** SHA-256 of the giver's browser cookie (supporters.registration.ts), null for API clients without one */
  browserHash?: string | null;
};

const insertPending = sqlTemplate`
  insert into gifts (id, status, frequency, amount_minor, currency, email, article, section, campaign, variant, referrer, country, browser_hash, from_checkout, created_at, updated_at)
  values (${'id'}, 'pending', ${'frequency'}, ${'amountMinor'}, ${'currency'}, ${'email'}, ${'article'}, ${'section'}, ${'campaign'}, ${'variant'}, ${'referrer'}, ${'country'}, ${'browserHash'}, 1, ${'now'}, ${'now'})`;

/** The gift's attribution row, written by POST /checkout before Stripe is called so a webhook can always join to it. */
export async function insertPendingGift(db: Db, g: NewGift, now: number): Promise<void> {
  await db.sql.run(
    insertPending.bind({
      id: g.id,
      frequency: g.frequency,
      amountMinor: g.amountMinor,
      currency: g.currency,
      email: normalizeEmailOrNull(g.email),
      article: g.article,
      section: g.section,
      campaign: g.campaign,
      variant: g.variant,
      referrer: g.referrer,
      country: g.country,
      browserHash: g.browserHash ?? null,
      now,
    }),
  );
}

// Only a gift without a session: a replayed create (same idempotency key) never moves it.
const attachSession = sqlTemplate`
  update gifts set checkout_session_id = ${'sessionId'}, updated_at = ${'now'} where id = ${'id'} and checkout_session_id is null`;

export async function attachCheckoutSession(db: Db, giftId: string, sessionId: string, now: number): Promise<void> {
  await db.sql.run(attachSession.bind({ id: giftId, sessionId, now }));
}

/**
 * The subscription a recorded payment belongs to: `{ subscriptionId: null }` for a one-off
 * gift, null when the ledger has not recorded the payment at all. Read once per lost
 * dispute, so through drizzle.
 */
export async function findPaymentSubscription(db: Db, paymentIntentId: string): Promise<{ subscriptionId: string | null } | null> {
  const entries = await db.orm
    .select({ subscriptionId: recurringGifts.stripeSubscriptionId })
    .from(ledgerEntries)
    .leftJoin(recurringGifts, eq(recurringGifts.id, ledgerEntries.recurringGiftId))
    .where(and(eq(ledgerEntries.paymentIntentId, paymentIntentId), inArray(ledgerEntries.kind, [...PAYMENT_KINDS])))
    .limit(1);
  if (entries[0]) return { subscriptionId: entries[0].subscriptionId };
  const oneOff = await db.orm.select({ id: gifts.id }).from(gifts).where(eq(gifts.paymentIntentId, paymentIntentId)).limit(1);
  return oneOff[0] ? { subscriptionId: null } : null;
}
