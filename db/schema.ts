// One schema for both runtimes: better-sqlite3 on Node, D1 on Workers.
// Money is always an integer number of minor units beside an ISO currency code.
// Times are integer milliseconds since the epoch (UTC); Stripe's own `created`
// seconds are kept as they arrive, in columns named *_stripe_created.
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

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
    /** ms; the supporter's personal data was erased at their request (the row stays so the ledger keeps its links) */
    erasedAt: integer('erased_at'),
  },
  // the finance supporters list: newest first, paged by keyset on (created_at, id)
  (t) => [uniqueIndex('supporters_email').on(t.email), index('supporters_created').on(t.createdAt, t.id)],
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
    /** Radar early fraud warning on the gift's payment (issfr_…): staff should review or refund */
    fraudWarningId: text('fraud_warning_id'),
    /**
     * SHA-256 of the random value POST /checkout set as a cookie in the giver's browser: the
     * thank-you page signs in only the browser that started the checkout. Cleared once used.
     */
    browserHash: text('browser_hash'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('gifts_checkout_session').on(t.checkoutSessionId),
    index('gifts_payment_intent').on(t.paymentIntentId),
    index('gifts_created').on(t.createdAt, t.id),
    index('gifts_subscription').on(t.subscriptionId),
    // a supporter's gifts and lifetime giving on the finance pages
    index('gifts_supporter').on(t.supporterId),
    // the failed payments page: the few failed gifts, newest first
    index('gifts_failed').on(t.updatedAt, t.id).where(sql`status = 'failed'`),
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
    /** ordering key of the event that set `status`: invoice events move the status too, without the rest of the subscription */
    statusOrder: integer('status_order').notNull().default(0),
    /** ms; a cancellation scheduled for this time */
    cancelAt: integer('cancel_at'),
    /** ms; when the cancellation was made */
    canceledAt: integer('canceled_at'),
    /** the open payment problem: 'payment_failed' | 'action_required' | null once an invoice is paid */
    paymentIssue: text('payment_issue'),
    /** Stripe's decline code (or error code) of the failed attempt */
    declineCode: text('decline_code'),
    /** ms; when Stripe's Smart Retries will try again, null when it will not */
    nextPaymentAttemptAt: integer('next_payment_attempt_at'),
    issueInvoiceId: text('issue_invoice_id'),
    /** ordering key of the invoice event that set the payment-issue columns */
    healthOrder: integer('health_order').notNull().default(0),
    /** Stripe's pause_collection.behavior while collection is paused, null while it runs */
    pauseBehavior: text('pause_behavior'),
    /**
     * A change the supporter asked for and Stripe accepted, as JSON ({kind, ..., order}), shown
     * as pending until a subscription event newer than `order` (state_order then) confirms it.
     */
    pendingChange: text('pending_change'),
    /** why the supporter cancelled, as they chose it, and their own words */
    cancelReason: text('cancel_reason'),
    cancelComment: text('cancel_comment'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('recurring_gifts_subscription').on(t.stripeSubscriptionId),
    // failed renewals on the finance pages: the few rows with an open payment problem
    // (id too: the overview's first 20 awaiting retry come in index order, without sorting them all)
    index('recurring_gifts_payment_issue').on(t.nextPaymentAttemptAt, t.id).where(sql`payment_issue is not null`),
    // a supporter's recurring gifts (the finance supporter page, their account): without it, a scan of every recurring gift
    index('recurring_gifts_supporter').on(t.supporterId, t.createdAt),
  ],
);

export const ENTRY_KINDS = ['gift', 'renewal', 'refund', 'refund_reversal', 'dispute', 'dispute_fee', 'dispute_reversal'] as const;
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
    /** Stripe's fee in the settlement currency (negative when Stripe returns a fee); null until the balance transaction is known */
    feeMinor: integer('fee_minor'),
    /** what this fact adds to (or takes from) our Stripe balance, in the settlement currency */
    netMinor: integer('net_minor'),
    settlementCurrency: text('settlement_currency'),
    /** Stripe's exchange rate from `currency` to the settlement currency, as the decimal Stripe sent; null when none applied */
    exchangeRate: text('exchange_rate'),
    balanceTransactionId: text('balance_transaction_id'),
    /** links refunds and disputes to the payment they reverse, whichever arrives first */
    paymentIntentId: text('payment_intent_id'),
    chargeId: text('charge_id'),
    email: text('email'),
    stripeId: text('stripe_id').notNull(),
    stripeEventId: text('stripe_event_id'),
    /** when the money moved, per Stripe (ms) */
    occurredAt: integer('occurred_at').notNull(),
    createdAt: integer('created_at').notNull(),
    // The gift's attribution, copied from it in the same statement that sets gift_id: the
    // reports, rollups and export read it here instead of joining every entry to its gift.
    article: text('article'),
    section: text('section'),
    campaign: text('campaign'),
    variant: text('variant'),
    // The gift's current status, kept equal to gifts.status by triggers (migration 0013,
    // docs/decisions/0011): the export reads every entry's row in order and, with this
    // here, no longer searches the gifts index once per entry (~1.5 s of a 1M-row export).
    giftStatus: text('gift_status', { enum: GIFT_STATUSES }),
  },
  (t) => [
    uniqueIndex('ledger_entries_key').on(t.key),
    index('ledger_entries_occurred').on(t.occurredAt, t.id),
    index('ledger_entries_gift').on(t.giftId),
    index('ledger_entries_payment_intent').on(t.paymentIntentId),
    index('ledger_entries_balance_transaction').on(t.balanceTransactionId),
    // a payout item's refund or dispute finds its entry (and gift) by Stripe id: without it each was a scan of every entry
    index('ledger_entries_stripe').on(t.stripeId),
    // the finance contributions list sorted by amount, paged by keyset on (amount_minor, id)
    index('ledger_entries_amount').on(t.amountMinor, t.id),
  ],
);

/** Stripe's refund reasons (https://docs.stripe.com/api/refunds/create#create_refund-reason). */
export const REFUND_REASONS = ['requested_by_customer', 'duplicate', 'fraudulent'] as const;
export type RefundReason = (typeof REFUND_REASONS)[number];
export const REFUND_REQUEST_STATUSES = ['requested', 'sent', 'refused'] as const;

/**
 * A refund staff asked for, stored before Stripe is asked: its id is the idempotency key's
 * source, so sending the same confirmation twice creates one refund. It moves no money in
 * the ledger; the refund's entry comes from Stripe's webhook, as for any refund.
 */
export const refundRequests = sqliteTable(
  'refund_requests',
  {
    id: text('id').primaryKey(),
    giftId: text('gift_id')
      .notNull()
      .references(() => gifts.id),
    paymentIntentId: text('payment_intent_id').notNull(),
    amountMinor: integer('amount_minor').notNull(),
    currency: text('currency').notNull(),
    reason: text('reason', { enum: REFUND_REASONS }).notNull(),
    /** requested: stored, Stripe's answer not yet known; sent: Stripe made the refund; refused: Stripe said no (`error`) */
    status: text('status', { enum: REFUND_REQUEST_STATUSES }).notNull(),
    stripeRefundId: text('stripe_refund_id'),
    error: text('error'),
    staffId: text('staff_id').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('refund_requests_gift').on(t.giftId, t.createdAt)],
);

// Rollups of the ledger (docs/decisions/0010-ledger-rollups.md): kept by the same atomic
// write as the entries they sum (ledger.rollups.repo.ts), rebuilt and compared by
// `ledger rollups check`. Days are UTC days since the epoch (occurred_at / 86,400,000).

/** Every entry, per day, currency, settlement currency (the entry's own when unknown), kind and frequency. */
export const ledgerDayTotals = sqliteTable(
  'ledger_day_totals',
  {
    day: integer('day').notNull(),
    currency: text('currency').notNull(),
    settlementCurrency: text('settlement_currency').notNull(),
    kind: text('kind', { enum: ENTRY_KINDS }).notNull(),
    frequency: text('frequency', { enum: FREQUENCIES }).notNull(),
    entries: integer('entries').notNull(),
    amountMinor: integer('amount_minor').notNull(),
    feeMinor: integer('fee_minor').notNull(),
    netMinor: integer('net_minor').notNull(),
    /** entries whose fee Stripe has not reported yet */
    feesPending: integer('fees_pending').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.day, t.currency, t.settlementCurrency, t.kind, t.frequency] }),
    // every column, in the overview's group order: a long range reads it whole with no sort (finance.totals.repo.ts currencyTotals)
    index('ledger_day_totals_by_currency').on(
      t.currency,
      t.settlementCurrency,
      t.day,
      t.kind,
      t.frequency,
      t.entries,
      t.amountMinor,
      t.feeMinor,
      t.netMinor,
      t.feesPending,
    ),
  ],
);

export const ATTRIBUTION_DIMENSIONS = ['article', 'section', 'campaign', 'variant'] as const;

/**
 * Payments (gift and renewal entries) per attribution dimension, value, day, currency, kind
 * and frequency. `has_value` 0 is the payments without one (value ''), kept apart from an
 * empty value because a key column cannot be null.
 */
export const ledgerDayAttribution = sqliteTable(
  'ledger_day_attribution',
  {
    dimension: text('dimension', { enum: ATTRIBUTION_DIMENSIONS }).notNull(),
    day: integer('day').notNull(),
    hasValue: integer('has_value').notNull(),
    value: text('value').notNull(),
    currency: text('currency').notNull(),
    kind: text('kind', { enum: ENTRY_KINDS }).notNull(),
    frequency: text('frequency', { enum: FREQUENCIES }).notNull(),
    payments: integer('payments').notNull(),
    amountMinor: integer('amount_minor').notNull(),
  },
  (t) => [primaryKey({ columns: [t.dimension, t.day, t.hasValue, t.value, t.currency, t.kind, t.frequency] })],
);

/** The same per calendar month (month = year * 100 + month, 202611): a long range reads months, and days only at its ends. */
export const ledgerMonthAttribution = sqliteTable(
  'ledger_month_attribution',
  {
    dimension: text('dimension', { enum: ATTRIBUTION_DIMENSIONS }).notNull(),
    month: integer('month').notNull(),
    hasValue: integer('has_value').notNull(),
    value: text('value').notNull(),
    currency: text('currency').notNull(),
    kind: text('kind', { enum: ENTRY_KINDS }).notNull(),
    frequency: text('frequency', { enum: FREQUENCIES }).notNull(),
    payments: integer('payments').notNull(),
    amountMinor: integer('amount_minor').notNull(),
  },
  (t) => [primaryKey({ columns: [t.dimension, t.month, t.hasValue, t.value, t.currency, t.kind, t.frequency] })],
);

/**
 * Who gave in a calendar month ('2026-11') or year ('2026'), per currency: distinct
 * supporters cannot be summed from days, so each (period, currency, email) is kept once
 * and counted in ledger_supporter_counts when first seen.
 */
export const ledgerSupporterPeriods = sqliteTable(
  'ledger_supporter_periods',
  {
    period: text('period').notNull(),
    currency: text('currency').notNull(),
    email: text('email').notNull(),
  },
  (t) => [primaryKey({ columns: [t.period, t.currency, t.email] })],
);

export const ledgerSupporterCounts = sqliteTable(
  'ledger_supporter_counts',
  {
    period: text('period').notNull(),
    currency: text('currency').notNull(),
    supporters: integer('supporters').notNull(),
  },
  (t) => [primaryKey({ columns: [t.period, t.currency] })],
);

/**
 * Each UTC day a supporter (lower(email)) gave in a currency, with the day they last gave
 * in it before (prev_day; -1 for their first). The distinct supporters of days [a, b) are
 * the rows with a <= day < b and prev_day < a: each supporter's first giving day in the
 * range, and only that one (docs/decisions/0012-distinct-supporters-for-any-range.md).
 */
export const ledgerSupporterDays = sqliteTable(
  'ledger_supporter_days',
  {
    currency: text('currency').notNull(),
    email: text('email').notNull(),
    day: integer('day').notNull(),
    prevDay: integer('prev_day').notNull(),
  },
  (t) => [primaryKey({ columns: [t.currency, t.email, t.day] })],
);

/** ledger_supporter_days counted per day and prev_day: the days at a range's ends. */
export const ledgerSupporterDayCounts = sqliteTable(
  'ledger_supporter_day_counts',
  {
    day: integer('day').notNull(),
    prevDay: integer('prev_day').notNull(),
    currency: text('currency').notNull(),
    supporters: integer('supporters').notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.prevDay, t.currency] })],
);

/** The same per calendar month of the day (202611 style): the whole months inside a range. */
export const ledgerSupporterMonthCounts = sqliteTable(
  'ledger_supporter_month_counts',
  {
    month: integer('month').notNull(),
    prevDay: integer('prev_day').notNull(),
    currency: text('currency').notNull(),
    supporters: integer('supporters').notNull(),
  },
  (t) => [primaryKey({ columns: [t.month, t.prevDay, t.currency] })],
);

/** Recurring gifts per currency, interval and Stripe status ('' where not known yet): the overview's live counts and MRR. */
export const recurringGiftTotals = sqliteTable(
  'recurring_gift_totals',
  {
    currency: text('currency').notNull(),
    interval: text('interval').notNull(),
    status: text('status').notNull(),
    gifts: integer('gifts').notNull(),
    amountMinor: integer('amount_minor').notNull(),
  },
  (t) => [primaryKey({ columns: [t.currency, t.interval, t.status] })],
);

/** Recurring gifts started (by created_at) and cancelled (by canceled_at) per UTC day and currency. */
export const recurringGiftDays = sqliteTable(
  'recurring_gift_days',
  {
    day: integer('day').notNull(),
    currency: text('currency').notNull(),
    event: text('event', { enum: ['started', 'cancelled'] }).notNull(),
    gifts: integer('gifts').notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.currency, t.event] })],
);

/**
 * Charges as Stripe reports them: the link from a charge to its PaymentIntent and the
 * settlement facts of its balance transaction. A charge can be learned of before or after
 * the gift it pays for; ledger entries take their fee and net from here either way.
 */
export const stripeCharges = sqliteTable(
  'stripe_charges',
  {
    id: text('id').primaryKey(),
    paymentIntentId: text('payment_intent_id'),
    amountMinor: integer('amount_minor'),
    currency: text('currency'),
    balanceTransactionId: text('balance_transaction_id'),
    feeMinor: integer('fee_minor'),
    netMinor: integer('net_minor'),
    settlementCurrency: text('settlement_currency'),
    exchangeRate: text('exchange_rate'),
    earlyFraudWarningId: text('early_fraud_warning_id'),
    fraudType: text('fraud_type'),
    /** Stripe's created, seconds */
    stripeCreated: integer('stripe_created'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('stripe_charges_payment_intent').on(t.paymentIntentId)],
);

/**
 * Which payment intent paid which invoice (Stripe's InvoicePayment, from
 * `invoice_payment.paid`): since API 2025-03-31 invoices no longer name their payment, and
 * this is how a recurring payment's entry finds its charge, fee and net without asking
 * Stripe while the webhook waits. Either event may arrive first.
 */
export const invoicePayments = sqliteTable(
  'invoice_payments',
  {
    /** inpay_… */
    id: text('id').primaryKey(),
    invoiceId: text('invoice_id').notNull(),
    paymentIntentId: text('payment_intent_id'),
    status: text('status').notNull(),
    amountPaidMinor: integer('amount_paid_minor'),
    currency: text('currency'),
    /** Stripe's paid_at, seconds */
    paidAt: integer('paid_at'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('invoice_payments_invoice').on(t.invoiceId)],
);

/** A dispute's state; its money is in ledger_entries (withdrawn, fee, reinstated). */
export const disputes = sqliteTable(
  'disputes',
  {
    id: text('id').primaryKey(),
    chargeId: text('charge_id'),
    paymentIntentId: text('payment_intent_id'),
    amountMinor: integer('amount_minor').notNull(),
    currency: text('currency').notNull(),
    reason: text('reason'),
    /** Stripe's status: warning_needs_response, needs_response, under_review, won, lost, ... */
    status: text('status').notNull(),
    /** ms */
    evidenceDueBy: integer('evidence_due_by'),
    /** the subscription we cancelled because this dispute was lost */
    canceledSubscriptionId: text('canceled_subscription_id'),
    stateOrder: integer('state_order').notNull().default(0),
    /** Stripe's created, seconds */
    stripeCreated: integer('stripe_created').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('disputes_payment_intent').on(t.paymentIntentId)],
);

export const payouts = sqliteTable(
  'payouts',
  {
    id: text('id').primaryKey(),
    amountMinor: integer('amount_minor').notNull(),
    currency: text('currency').notNull(),
    /** pending, in_transit, paid, failed, canceled: only moves forward */
    status: text('status').notNull(),
    reconciliationStatus: text('reconciliation_status').notNull(),
    automatic: integer('automatic', { mode: 'boolean' }).notNull(),
    /** ms */
    arrivalDate: integer('arrival_date'),
    stripeCreated: integer('stripe_created').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  // the month view: the payouts arriving in the bank in one month
  (t) => [index('payouts_arrival').on(t.arrivalDate)],
);

/** The balance transactions a payout settled, as Stripe lists them (`GET /v1/balance_transactions?payout=`). */
export const payoutItems = sqliteTable(
  'payout_items',
  {
    balanceTransactionId: text('balance_transaction_id').primaryKey(),
    payoutId: text('payout_id').notNull(),
    type: text('type').notNull(),
    reportingCategory: text('reporting_category').notNull(),
    /** ch_…, re_…, dp_…: the object that moved the money */
    sourceId: text('source_id'),
    paymentIntentId: text('payment_intent_id'),
    amountMinor: integer('amount_minor').notNull(),
    feeMinor: integer('fee_minor').notNull(),
    netMinor: integer('net_minor').notNull(),
    currency: text('currency').notNull(),
    stripeCreated: integer('stripe_created').notNull(),
    /**
     * The gift this money belongs to, found when the item was recorded (ledger.payouts.repo.ts).
     * Null while the ledger has no entry for it yet: readers then look again, so a gift learned
     * later still shows; `ledger rollups check` compares the stored ones with the ledger.
     */
    giftId: text('gift_id'),
  },
  (t) => [
    // a payout's items in the statement's order, paged by keyset on (stripe_created, balance_transaction_id)
    index('payout_items_payout').on(t.payoutId, t.stripeCreated, t.balanceTransactionId),
    // the few items still waiting for their gift: the unmatched count reads only these
    index('payout_items_unmatched').on(t.payoutId).where(sql`gift_id is null`),
  ],
);

/**
 * Each payout's statement summed from its items (ledger.payouts.repo.ts), recomputed by the
 * same atomic write that records the payout or its items, so a payout of tens of thousands
 * of balance transactions is shown without reading them. Derived: `ledger rollups check
 * [--rebuild]` sums the items again and compares.
 */
export const payoutTotals = sqliteTable('payout_totals', {
  payoutId: text('payout_id').primaryKey(),
  /** the readable balance transactions summed below, the payout's own withdrawal included */
  items: integer('items').notNull(),
  grossMinor: integer('gross_minor').notNull(),
  feesMinor: integer('fees_minor').notNull(),
  refundsMinor: integer('refunds_minor').notNull(),
  disputesMinor: integer('disputes_minor').notNull(),
  otherMinor: integer('other_minor').notNull(),
  /** items with a cell that cannot be what its column says: left out of the sums, named by the statement */
  unreadable: integer('unreadable').notNull(),
});

/** Every webhook event we accepted, once. */
export const stripeEvents = sqliteTable(
  'stripe_events',
  {
    id: text('id').primaryKey(),
    type: text('type').notNull(),
    stripeCreated: integer('stripe_created').notNull(),
    livemode: integer('livemode', { mode: 'boolean' }).notNull(),
    receivedAt: integer('received_at').notNull(),
    processedAt: integer('processed_at'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /**
     * The body as Stripe sent it. Last, so the columns before it sit in the row's first page:
     * the duplicate check reads processed_at on every delivery, and a column stored after a
     * multi-page payload is only reached by reading the payload's overflow pages.
     */
    payload: text('payload').notNull(),
    /**
     * ms; set when a signed event failed parsing: it wrote no money and no email, and is
     * marked processed so Stripe's redeliveries are duplicates. After the payload: added
     * later (SQLite appends columns), and read only when staff list quarantined events.
     */
    quarantinedAt: integer('quarantined_at'),
    /** JSON object: each field that failed parsing -> why (messages only, never the values sent) */
    quarantineErrors: text('quarantine_errors'),
  },
  (t) => [
    index('stripe_events_unprocessed').on(t.processedAt).where(sql`processed_at is null`),
    index('stripe_events_quarantined').on(t.quarantinedAt, t.id).where(sql`quarantined_at is not null`),
  ],
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
    status: text('status', { enum: ['pending', 'sent', 'failed'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    lastError: text('last_error'),
    createdAt: integer('created_at').notNull(),
    sentAt: integer('sent_at'),
  },
  (t) => [
    uniqueIndex('outbox_key').on(t.key),
    index('outbox_due').on(t.status, t.nextAttemptAt),
    // the emails sent to one supporter (the finance supporter page, erasure): without it, a scan of every email
    index('outbox_to').on(t.to, t.createdAt, t.id),
  ],
);

/** The offline sandbox's own store of Stripe-shaped objects (only used without a Stripe key). */
export const sandboxObjects = sqliteTable('sandbox_objects', {
  id: text('id').primaryKey(),
  type: text('type').notNull(),
  data: text('data').notNull(),
  createdAt: integer('created_at').notNull(),
});

// Identity (src/auth/). Every secret a person holds (session token, sign-in link, recovery
// code) is stored only as its SHA-256: a copy of the database signs nobody in.

export const STAFF_ROLES = ['viewer', 'finance', 'admin'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export const staff = sqliteTable(
  'staff',
  {
    id: text('id').primaryKey(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    role: text('role', { enum: STAFF_ROLES }).notNull(),
    disabled: integer('disabled', { mode: 'boolean' }).notNull().default(false),
    /** PBKDF2-SHA256 output, base64; null until the person sets a password through a link */
    passwordHash: text('password_hash'),
    /** base64; the iteration count beside it so it can be raised for new hashes without breaking old ones */
    passwordSalt: text('password_salt'),
    passwordIterations: integer('password_iterations'),
    /** base32 TOTP secret; set when enrolment starts, trusted only once totp_enrolled_at is set */
    totpSecret: text('totp_secret'),
    totpEnrolledAt: integer('totp_enrolled_at'),
    /** the last 30-second step accepted, so one code cannot be used twice */
    totpLastStep: integer('totp_last_step'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('staff_email').on(t.email)],
);

export const staffRecoveryCodes = sqliteTable(
  'staff_recovery_codes',
  {
    codeHash: text('code_hash').primaryKey(),
    staffId: text('staff_id')
      .notNull()
      .references(() => staff.id),
    createdAt: integer('created_at').notNull(),
    usedAt: integer('used_at'),
  },
  (t) => [index('staff_recovery_codes_staff').on(t.staffId)],
);

export const SESSION_KINDS = ['staff', 'supporter'] as const;
export type SessionKind = (typeof SESSION_KINDS)[number];

export const sessions = sqliteTable(
  'sessions',
  {
    /** SHA-256 of the cookie's token, hex */
    tokenHash: text('token_hash').primaryKey(),
    kind: text('kind', { enum: SESSION_KINDS }).notNull(),
    /** staff.id or supporters.id */
    subjectId: text('subject_id').notNull(),
    /** 'second_factor': the password was right, the TOTP step is still to come */
    stage: text('stage', { enum: ['active', 'second_factor'] }).notNull(),
    createdAt: integer('created_at').notNull(),
    /** absolute: no activity extends it */
    expiresAt: integer('expires_at').notNull(),
    /** idle expiry counts from here */
    lastSeenAt: integer('last_seen_at').notNull(),
    userAgent: text('user_agent'),
    /** per-session token every form of a signed-in person carries */
    csrfToken: text('csrf_token').notNull(),
  },
  (t) => [index('sessions_subject').on(t.kind, t.subjectId)],
);

export const VERIFICATION_PURPOSES = ['supporter_signin', 'staff_password'] as const;
export type VerificationPurpose = (typeof VERIFICATION_PURPOSES)[number];

/** Single-use emailed links (sign in, set a password). */
export const verifications = sqliteTable(
  'verifications',
  {
    tokenHash: text('token_hash').primaryKey(),
    purpose: text('purpose', { enum: VERIFICATION_PURPOSES }).notNull(),
    email: text('email').notNull(),
    /** the staff or supporter row the link acts for, when it exists */
    subjectId: text('subject_id'),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    usedAt: integer('used_at'),
  },
  (t) => [index('verifications_expires').on(t.expiresAt)],
);

/** Fixed-window counters (sign-in attempts, links asked for), one row per key. */
export const throttles = sqliteTable('throttles', {
  key: text('key').primaryKey(),
  windowStart: integer('window_start').notNull(),
  count: integer('count').notNull(),
});

/**
 * Per-staff API tokens for the finance JSON API (BI tools, scripts). Only the SHA-256 of the
 * token is kept, as for sessions; the token acts with its owner's role at the time of each
 * request, so a role change or a disabled account takes effect at once.
 */
export const apiTokens = sqliteTable(
  'api_tokens',
  {
    id: text('id').primaryKey(),
    /** SHA-256 of the token, hex */
    tokenHash: text('token_hash').notNull(),
    staffId: text('staff_id')
      .notNull()
      .references(() => staff.id),
    /** what it is for, as the admin named it ("Metabase", "month-end sheet") */
    name: text('name').notNull(),
    /** "staff:<id>" of the admin who made it, or "cli" */
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at').notNull(),
    /** null: no expiry */
    expiresAt: integer('expires_at'),
    /** written at most once a minute, not on every request */
    lastUsedAt: integer('last_used_at'),
    revokedAt: integer('revoked_at'),
  },
  (t) => [uniqueIndex('api_tokens_hash').on(t.tokenHash), index('api_tokens_staff').on(t.staffId)],
);

export const auditLog = sqliteTable(
  'audit_log',
  {
    id: text('id').primaryKey(),
    /** "staff:<id>", "supporter:<id>", "cli", or null when nobody is known (a failed sign-in) */
    actor: text('actor'),
    action: text('action').notNull(),
    target: text('target'),
    at: integer('at').notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    details: text('details').notNull().default('{}'),
  },
  (t) => [index('audit_log_at').on(t.at, t.id)],
);

/**
 * One row per reconcile run (CLI, Node timer, Workers cron): when it ran and what it found,
 * so the finance overview can say how fresh the ledger's check is without asking Stripe.
 */
export const reconcileRuns = sqliteTable(
  'reconcile_runs',
  {
    id: text('id').primaryKey(),
    ranAt: integer('ran_at').notNull(),
    /** seconds: the window's start, as Stripe counts time */
    sinceSec: integer('since_sec').notNull(),
    drift: integer('drift', { mode: 'boolean' }).notNull(),
    eventsRecovered: integer('events_recovered').notNull(),
    eventsFailed: integer('events_failed').notNull(),
    feesFilled: integer('fees_filled').notNull(),
    objectsDiffering: integer('objects_differing').notNull(),
    /** the settlement currencies whose totals differ, comma-separated */
    currenciesDiffering: text('currencies_differing').notNull().default(''),
  },
  (t) => [index('reconcile_runs_ran').on(t.ranAt)],
);
