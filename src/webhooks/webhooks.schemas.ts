// What Storyfund reads of Stripe's events and objects, parsed at the boundary. A signature
// proves that Stripe sent a payload, not that its fields hold what the ledger expects: a
// signed event with `amount_total: "a lot"` or `created: 1e20` must never become a ledger
// row. Each schema names only the fields Storyfund reads (zod drops the rest), so Stripe
// adding fields changes nothing; a field we read that is missing or of the wrong kind fails
// the parse, and the event is quarantined (see applyEvent) instead of applied.
//
// Objects fetched through the SDK while an event is applied are parsed by the same schemas
// (`parseStripe`), so a handler only ever reads parsed, typed values.
import { z } from 'zod';
import { isKnownCurrency } from '../lib/money.js';
import { fieldErrors, type FieldErrors } from '../lib/validate.js';

/**
 * The largest amount, in minor units, any Stripe amount field may hold here: twelve digits.
 * Stripe takes at most eight digits for a charge in most currencies and twelve in a few
 * (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts); a balance
 * transaction or payout that sums many charges stays far below this for a newsroom, and
 * every value up to it is a safe integer in JavaScript and SQLite alike.
 */
export const MAX_MINOR = 999_999_999_999;

/**
 * Stripe times are seconds since the epoch. Anything before 2000 or from 2100 on is not a
 * time Stripe wrote (its fixtures' oldest is 2002): refusing it keeps every stored time
 * inside what both runtimes and the export can format.
 */
export const EARLIEST_SECONDS = Date.UTC(2000, 0, 1) / 1000;
export const LATEST_SECONDS = Date.UTC(2100, 0, 1) / 1000;

const minor = (signed: boolean) => {
  const message = `must be a whole number of minor units from ${signed ? -MAX_MINOR : 0} to ${MAX_MINOR}`;
  return z.number({ error: message }).refine((n) => Number.isSafeInteger(n) && n <= MAX_MINOR && n >= (signed ? -MAX_MINOR : 0), message);
};
const amount = minor(false);
const signedAmount = minor(true);

const TIME_MESSAGE = 'must be a time in whole seconds between 2000 and 2100';
const seconds = z.number({ error: TIME_MESSAGE }).refine((n) => Number.isInteger(n) && n >= EARLIEST_SECONDS && n < LATEST_SECONDS, TIME_MESSAGE);

/** Stripe sends ISO codes in lower case (https://docs.stripe.com/currencies); one lib/money knows, or the ledger cannot format it. */
const currency = z
  .string({ error: 'must be a currency code' })
  .regex(/^[a-z]{3}$/, 'must be a three-letter lower-case currency code')
  .refine(isKnownCurrency, 'is not a currency Storyfund knows');

/** Free text Stripe holds for someone (an email address, a name): bounded, never echoed in errors. */
const text = (max: number) => z.string().max(max, `must be at most ${max} characters`);
/** Stripe's machine words (a decline code, a reporting category): short text. */
const word = text(100);

/** `prefix_tail`: Stripe ids are a short lower-case prefix then letters and digits. */
const stripeIdOf = (...prefixes: string[]) =>
  z
    .string({ error: `must be a Stripe id starting ${prefixes.map((p) => `${p}_`).join(' or ')}` })
    .regex(new RegExp(`^(?:${prefixes.join('|')})_[A-Za-z0-9_]{1,250}$`), `must be a Stripe id starting ${prefixes.map((p) => `${p}_`).join(' or ')}`);

const ids = {
  event: stripeIdOf('evt'),
  session: stripeIdOf('cs'),
  paymentIntent: stripeIdOf('pi'),
  subscription: stripeIdOf('sub'),
  customer: stripeIdOf('cus'),
  invoice: stripeIdOf('in'),
  invoicePayment: stripeIdOf('inpay'),
  charge: stripeIdOf('ch', 'py'),
  refund: stripeIdOf('re', 'pyr'),
  dispute: stripeIdOf('dp', 'du'),
  earlyFraudWarning: stripeIdOf('issfr'),
  payout: stripeIdOf('po'),
  balanceTransaction: stripeIdOf('txn'),
  /** a balance transaction's source can be any of a dozen kinds of object */
  any: z.string({ error: 'must be a Stripe id' }).regex(/^[a-z]{1,20}_[A-Za-z0-9_]{1,250}$/, 'must be a Stripe id'),
};

/** A field Stripe may leave out or set to null: always null when absent, so handlers test one value. */
const opt = <S extends z.ZodType>(schema: S) => schema.nullish().transform((v): z.output<S> | null => v ?? null);

/** A reference Stripe sends as an id, or as the object when expanded: the id either way. */
const ref = <S extends z.ZodType<string>>(id: S) =>
  z.preprocess((v) => (v !== null && typeof v === 'object' && !Array.isArray(v) && 'id' in v ? (v as { id: unknown }).id : v), id);

/** Our gift id, carried in metadata by POST /checkout (Stripe caps metadata values at 500 characters). */
const giftMetadata = opt(z.object({ gift_id: opt(text(500)) }));

// --- objects ---

export const balanceTransactionSchema = z.object({
  id: ids.balanceTransaction,
  amount: signedAmount,
  fee: signedAmount,
  net: signedAmount,
  currency,
  exchange_rate: opt(z.number({ error: 'must be a positive number' }).positive('must be a positive number').max(1e6, 'must be at most 1000000')),
  type: word,
  reporting_category: word,
  // expanded (expand[]=data.source) when a payout's items are listed, so each names its payment intent
  source: opt(z.union([ids.any, z.object({ id: ids.any, payment_intent: opt(ref(ids.paymentIntent)) })])),
  created: seconds,
});
export type StripeBalanceTransaction = z.output<typeof balanceTransactionSchema>;

/** A balance transaction as a field holds it: its id until expanded. */
const balanceTransactionRef = opt(z.union([ids.balanceTransaction, balanceTransactionSchema]));

export const paymentIntentSchema = z.object({
  id: ids.paymentIntent,
  last_payment_error: opt(z.object({ decline_code: opt(word), code: opt(word) })),
  // reconcile expands it (latest_charge.balance_transaction) to fill a missing fee
  latest_charge: opt(z.union([ids.charge, z.object({ id: ids.charge, amount, currency, created: seconds, balance_transaction: balanceTransactionRef })])),
});
export type StripePaymentIntent = z.output<typeof paymentIntentSchema>;

export const invoicePaymentSchema = z.object({
  id: ids.invoicePayment,
  invoice: opt(ref(ids.invoice)),
  payment: z.object({ payment_intent: opt(z.union([ids.paymentIntent, paymentIntentSchema])) }),
  status: z.enum(['paid', 'open', 'canceled']),
  is_default: opt(z.boolean()),
  amount_paid: opt(amount),
  currency: opt(currency),
  status_transitions: opt(z.object({ paid_at: opt(seconds) })),
  created: seconds,
});
export type StripeInvoicePayment = z.output<typeof invoicePaymentSchema>;

/** https://docs.stripe.com/api/invoices/object#invoice_object-billing_reason */
const billingReason = z.enum([
  'automatic_pending_invoice_item_invoice',
  'manual',
  'quote_accept',
  'subscription',
  'subscription_create',
  'subscription_cycle',
  'subscription_threshold',
  'subscription_update',
  'upcoming',
]);

const invoiceParent = opt(
  z.object({
    subscription_details: opt(z.object({ subscription: opt(ref(ids.subscription)), metadata: giftMetadata })),
  }),
);

/** An invoice whose payment failed or needs the supporter: no money moves, so no amount is read. */
export const invoiceIssueSchema = z.object({
  id: ids.invoice,
  billing_reason: opt(billingReason),
  next_payment_attempt: opt(seconds),
  parent: invoiceParent,
  // for the failed-payment email only; an event without them records its state and sends none
  attempt_count: opt(z.number().int('must be a whole number').min(0).max(1000)),
  amount_due: opt(amount),
  currency: opt(currency),
  customer: opt(ref(ids.customer)),
  customer_email: opt(text(512)),
  // rarely in a webhook payload; listed through the SDK when absent
  payments: opt(z.object({ data: z.array(invoicePaymentSchema).max(100), has_more: z.boolean() })),
});
export type StripeInvoiceIssue = z.output<typeof invoiceIssueSchema>;

/** A paid invoice: every recurring payment is one of these. */
export const paidInvoiceSchema = invoiceIssueSchema.extend({
  amount_paid: amount,
  currency,
  customer: opt(ref(ids.customer)),
  customer_email: opt(text(512)),
  customer_name: opt(text(512)),
  status_transitions: opt(z.object({ paid_at: opt(seconds) })),
  // the subscription line's period end is when the next payment falls (the welcome and renewal emails)
  lines: opt(z.object({ data: z.array(z.object({ parent: opt(z.object({ type: opt(word) })), period: opt(z.object({ end: opt(seconds) })) })).max(100) })),
});
export type StripePaidInvoice = z.output<typeof paidInvoiceSchema>;

/** What an invoice found by its payment says of its subscription (a deleted invoice says nothing). */
export const invoiceSubscriptionSchema = z.object({ id: ids.invoice, deleted: opt(z.boolean()), parent: invoiceParent });

const subscriptionItem = z
  .object({
    price: z.object({
      recurring: opt(z.object({ interval: z.enum(['day', 'week', 'month', 'year']) })),
      unit_amount: opt(amount),
      currency: opt(currency),
    }),
    quantity: opt(z.number().int('must be a whole number').min(0).max(10_000)),
    current_period_end: opt(seconds),
  })
  .refine((item) => item.price.unit_amount == null || item.price.unit_amount * (item.quantity ?? 1) <= MAX_MINOR, {
    message: `the price times the quantity must be at most ${MAX_MINOR}`,
    path: ['quantity'],
  });

/** https://docs.stripe.com/api/subscriptions/object#subscription_object-status */
export const subscriptionSchema = z.object({
  id: ids.subscription,
  status: z.enum(['incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'canceled', 'unpaid', 'paused']),
  customer: opt(ref(ids.customer)),
  currency: opt(currency),
  cancel_at_period_end: opt(z.boolean()),
  cancel_at: opt(seconds),
  canceled_at: opt(seconds),
  ended_at: opt(seconds),
  // set while collection is paused (https://docs.stripe.com/api/subscriptions/object#subscription_object-pause_collection)
  pause_collection: opt(z.object({ behavior: z.enum(['keep_as_draft', 'mark_uncollectible', 'void']), resumes_at: opt(seconds) })),
  metadata: giftMetadata,
  items: z.object({ data: z.array(subscriptionItem).max(20) }),
});
export type StripeSubscription = z.output<typeof subscriptionSchema>;

/**
 * An updated subscription's previous_attributes: only what changed is there, and a key
 * present with null (pause_collection cleared) differs from a key absent, so absent stays
 * undefined here (https://docs.stripe.com/api/events/object#event_object-data-previous_attributes).
 */
export const subscriptionPreviousSchema = z.object({
  items: z.object({ data: z.array(subscriptionItem).max(20) }).optional(),
  pause_collection: z
    .object({ resumes_at: opt(seconds) })
    .nullable()
    .optional(),
});
export type StripeSubscriptionPrevious = z.output<typeof subscriptionPreviousSchema>;

const sessionFields = {
  id: ids.session,
  // Payment Links and other integrations may set their own (Stripe caps it at 200 characters)
  client_reference_id: opt(text(200)),
  metadata: giftMetadata,
};

/** An expired or failed session: only which gift it was. */
export const sessionRefSchema = z.object(sessionFields);
export type StripeSessionRef = z.output<typeof sessionRefSchema>;

/**
 * A completed (or async-paid) session. In payment and subscription mode it carries the
 * money, so amount and currency are required; a setup session moves none.
 */
export const settledSessionSchema = z.discriminatedUnion('mode', [
  z.object({ ...sessionFields, mode: z.literal('setup') }),
  z.object({
    ...sessionFields,
    mode: z.enum(['payment', 'subscription']),
    payment_status: z.enum(['paid', 'unpaid', 'no_payment_required']),
    amount_total: amount,
    currency,
    customer: opt(ref(ids.customer)),
    customer_email: opt(text(512)),
    customer_details: opt(z.object({ email: opt(text(512)), name: opt(text(512)) })),
    payment_intent: opt(ref(ids.paymentIntent)),
    subscription: opt(ref(ids.subscription)),
  }),
]);
export type StripeSettledSession = z.output<typeof settledSessionSchema>;

export const chargeSchema = z.object({
  id: ids.charge,
  payment_intent: opt(ref(ids.paymentIntent)),
  amount,
  currency,
  status: z.enum(['succeeded', 'pending', 'failed']),
  created: seconds,
  // null until charge.updated brings it (API 2024-04-10 and later)
  balance_transaction: balanceTransactionRef,
});
export type StripeCharge = z.output<typeof chargeSchema>;

/** https://docs.stripe.com/api/refunds/object#refund_object-status */
export const refundSchema = z.object({
  id: ids.refund,
  charge: opt(ref(ids.charge)),
  payment_intent: opt(ref(ids.paymentIntent)),
  amount,
  currency,
  status: opt(z.enum(['pending', 'requires_action', 'succeeded', 'failed', 'canceled'])),
  created: seconds,
  balance_transaction: balanceTransactionRef,
  failure_balance_transaction: balanceTransactionRef,
});
export type StripeRefund = z.output<typeof refundSchema>;

/** https://docs.stripe.com/api/disputes/object#dispute_object-status */
export const disputeSchema = z.object({
  id: ids.dispute,
  charge: opt(ref(ids.charge)),
  payment_intent: opt(ref(ids.paymentIntent)),
  amount,
  currency,
  reason: opt(word),
  status: z.enum([
    'warning_needs_response',
    'warning_under_review',
    'warning_closed',
    'needs_response',
    'under_review',
    'won',
    'lost',
    'prevented',
    'appeal_needs_response',
    'appeal_under_review',
  ]),
  created: seconds,
  evidence_details: opt(z.object({ due_by: opt(seconds) })),
  // always expanded on the dispute (https://docs.stripe.com/api/disputes/object#dispute_object-balance_transactions)
  balance_transactions: opt(z.array(balanceTransactionSchema).max(100)),
});
export type StripeDispute = z.output<typeof disputeSchema>;

export const earlyFraudWarningSchema = z.object({
  id: ids.earlyFraudWarning,
  charge: ref(ids.charge),
  payment_intent: opt(ref(ids.paymentIntent)),
  fraud_type: word,
});
export type StripeEarlyFraudWarning = z.output<typeof earlyFraudWarningSchema>;

/** https://docs.stripe.com/api/payouts/object */
export const payoutSchema = z.object({
  id: ids.payout,
  amount,
  currency,
  status: z.enum(['pending', 'in_transit', 'paid', 'failed', 'canceled']),
  reconciliation_status: z.enum(['not_applicable', 'in_progress', 'completed']),
  automatic: z.boolean(),
  arrival_date: opt(seconds),
  created: seconds,
});
export type StripePayout = z.output<typeof payoutSchema>;

// --- the event envelope ---

/** Event types are dotted lower-case words (`checkout.session.completed`): `toString` or `__proto__` is not one. */
const eventType = z
  .string({ error: 'must be a Stripe event type' })
  .max(100, 'must be at most 100 characters')
  .regex(/^[a-z0-9_]+(?:\.[a-z0-9_]+)+$/, 'must be a Stripe event type like checkout.session.completed');

const objectValue = z.custom<Record<string, unknown>>((v) => v !== null && typeof v === 'object' && !Array.isArray(v), 'must be an object');

/** https://docs.stripe.com/api/events/object: what every event must hold before its object is read. */
export const eventEnvelopeSchema = z.object({
  id: ids.event,
  type: eventType,
  created: seconds,
  livemode: z.boolean({ error: 'must be true or false' }),
  data: z.object({ object: objectValue, previous_attributes: opt(objectValue) }, { error: "must be an object holding the event's object" }),
});
export type StripeEventEnvelope = z.output<typeof eventEnvelopeSchema>;

/** What a handler knows of its event besides the object. */
export type EventMeta = Pick<StripeEventEnvelope, 'id' | 'type' | 'created' | 'livemode'> & {
  /** an *.updated event's previous values, still unparsed: the handler that reads them parses them */
  data?: { previous_attributes?: Record<string, unknown> | null };
};

/** The event id, when the body names a usable one: without it nothing can be stored. */
export function usableEventId(body: unknown): string | null {
  const id = body !== null && typeof body === 'object' ? (body as { id?: unknown }).id : undefined;
  return ids.event.safeParse(id).success ? (id as string) : null;
}

/** Field errors under a prefix: `data.object` + `amount_total` is `data.object.amount_total`. */
export function prefixed(prefix: string, fields: FieldErrors): FieldErrors {
  const out: FieldErrors = {};
  for (const [k, v] of Object.entries(fields)) out[k === 'body' ? prefix : `${prefix}.${k}`] = v;
  return out;
}

/**
 * Thrown while an event is applied when something Stripe sent (or the SDK fetched) does not
 * hold what the ledger reads: the event is quarantined, never retried into a 500 loop, since
 * asking again would only bring the same object.
 */
export class MalformedStripeObject extends Error {
  constructor(readonly fields: FieldErrors) {
    super(`Stripe sent a malformed object: ${Object.keys(fields).join(', ')}`);
    this.name = 'MalformedStripeObject';
  }
}

/** The parsed object, or MalformedStripeObject naming each bad field under `label` (`subscription sub_…`). */
export function parseStripe<S extends z.ZodType>(schema: S, value: unknown, label: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new MalformedStripeObject(prefixed(label, fieldErrors(parsed.error)));
  return parsed.data;
}
