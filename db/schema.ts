// One schema for both runtimes: better-sqlite3 on Node, D1 on Workers.
// Money is always an integer number of minor units beside an ISO currency code.
// Times are integer milliseconds since the epoch (UTC); Stripe's own `created`
// seconds are kept as they arrive, in columns named *_stripe_created.
import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const FREQUENCIES = ['one_off', 'monthly', 'annual'] as const;
export type Frequency = (typeof FREQUENCIES)[number];

export const GIFT_STATUSES = ['pending', 'processing', 'paid', 'failed', 'expired'] as const;
export type GiftStatus = (typeof GIFT_STATUSES)[number];

export const supporters = sqliteTable(
  'supporters',
  {
    id: text('id').primaryKey(),
    email: text('email').notNull(),
    name: text('name'),
    stripeCustomerId: text('stripe_customer_id'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('supporters_email').on(t.email)],
);

/** A reader's intent to give, created by POST /checkout; Stripe's facts join to it. */
export const gifts = sqliteTable(
  'gifts',
  {
    id: text('id').primaryKey(),
    status: text('status', { enum: GIFT_STATUSES }).notNull(),
    frequency: text('frequency', { enum: FREQUENCIES }).notNull(),
    amountMinor: integer('amount_minor').notNull(),
    currency: text('currency').notNull(),
    email: text('email'),
    supporterId: text('supporter_id').references(() => supporters.id),
    // attribution
    article: text('article'),
    section: text('section'),
    campaign: text('campaign'),
    variant: text('variant'),
    referrer: text('referrer'),
    country: text('country'),
    // Stripe links
    checkoutSessionId: text('checkout_session_id'),
    paymentIntentId: text('payment_intent_id'),
    subscriptionId: text('subscription_id'),
    /** false for payments that did not start at our checkout (a Payment Link, say) */
    fromCheckout: integer('from_checkout', { mode: 'boolean' }).notNull().default(true),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('gifts_checkout_session').on(t.checkoutSessionId),
    index('gifts_created').on(t.createdAt, t.id),
    index('gifts_subscription').on(t.subscriptionId),
  ],
);

export const recurringGifts = sqliteTable(
  'recurring_gifts',
  {
    id: text('id').primaryKey(),
    stripeSubscriptionId: text('stripe_subscription_id').notNull(),
    giftId: text('gift_id').references(() => gifts.id),
    supporterId: text('supporter_id').references(() => supporters.id),
    stripeCustomerId: text('stripe_customer_id'),
    /** Stripe's subscription status: active, past_due, canceled, ... */
    status: text('status').notNull(),
    interval: text('interval', { enum: ['month', 'year'] }),
    amountMinor: integer('amount_minor'),
    currency: text('currency'),
    cancelAtPeriodEnd: integer('cancel_at_period_end', { mode: 'boolean' }).notNull().default(false),
    currentPeriodEnd: integer('current_period_end'),
    /** ordering key of the event whose state we hold (ledger.subscriptionStateOrder); older events do not overwrite it */
    stateOrder: integer('state_order').notNull().default(0),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('recurring_gifts_subscription').on(t.stripeSubscriptionId)],
);

export const ENTRY_KINDS = ['gift', 'renewal', 'refund', 'dispute', 'dispute_fee', 'dispute_reversal'] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

/** Append-only. One row per money fact from Stripe, unique by `key`. Totals are derived. */
export const ledgerEntries = sqliteTable(
  'ledger_entries',
  {
    id: text('id').primaryKey(),
    /** the Stripe fact: "payment:pi_…", "invoice:in_…", "refund:re_…" */
    key: text('key').notNull(),
    kind: text('kind', { enum: ENTRY_KINDS }).notNull(),
    giftId: text('gift_id').references(() => gifts.id),
    recurringGiftId: text('recurring_gift_id').references(() => recurringGifts.id),
    frequency: text('frequency', { enum: FREQUENCIES }).notNull(),
    amountMinor: integer('amount_minor').notNull(),
    currency: text('currency').notNull(),
    feeMinor: integer('fee_minor'),
    netMinor: integer('net_minor'),
    email: text('email'),
    stripeId: text('stripe_id').notNull(),
    stripeEventId: text('stripe_event_id'),
    /** when the money moved, per Stripe (ms) */
    occurredAt: integer('occurred_at').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('ledger_entries_key').on(t.key),
    index('ledger_entries_occurred').on(t.occurredAt, t.id),
    index('ledger_entries_gift').on(t.giftId),
  ],
);

/** Every webhook event we accepted, once. */
export const stripeEvents = sqliteTable(
  'stripe_events',
  {
    id: text('id').primaryKey(),
    type: text('type').notNull(),
    stripeCreated: integer('stripe_created').notNull(),
    livemode: integer('livemode', { mode: 'boolean' }).notNull(),
    payload: text('payload').notNull(),
    receivedAt: integer('received_at').notNull(),
    processedAt: integer('processed_at'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
  },
  (t) => [index('stripe_events_unprocessed').on(t.processedAt).where(sql`processed_at is null`)],
);

/** Emails are written here in the same atomic write as the change that causes them. */
export const outbox = sqliteTable(
  'outbox',
  {
    id: text('id').primaryKey(),
    /** one email per cause: "receipt:payment:pi_…" */
    key: text('key').notNull(),
    template: text('template').notNull(),
    to: text('to_address').notNull(),
    props: text('props').notNull(),
    status: text('status', { enum: ['pending', 'sent', 'failed'] }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    lastError: text('last_error'),
    createdAt: integer('created_at').notNull(),
    sentAt: integer('sent_at'),
  },
  (t) => [uniqueIndex('outbox_key').on(t.key), index('outbox_due').on(t.status, t.nextAttemptAt)],
);

/** The offline sandbox's own store of Stripe-shaped objects (only used without a Stripe key). */
export const sandboxObjects = sqliteTable('sandbox_objects', {
  id: text('id').primaryKey(),
  type: text('type').notNull(),
  data: text('data').notNull(),
  createdAt: integer('created_at').notNull(),
});
