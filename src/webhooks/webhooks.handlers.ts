// Turns one verified Stripe event into ledger writes. Reads what we hold, then calls the
// ledger's pure rules; webhooks.apply.ts runs the writes and the processed mark atomically. Each
// event type names the schema of its object: applyEvent parses the object with it before
// the handler runs, so a handler reads parsed, typed values only.
import type { z } from 'zod';
import type { Frequency } from '../../db/schema.js';
import type { Deps } from '../deps.js';
import { asInterval, frequencyOfInterval } from '../ledger/ledger.frequency.js';
import { onInvoicePaid, onInvoicePaymentPaid } from '../ledger/ledger.invoices.js';
import type { Write } from '../ledger/ledger.js';
import { paymentFailedNotice, subscriptionNotices } from '../ledger/ledger.notices.js';
import { subscriptionContact } from '../ledger/ledger.notices.repo.js';
import { onInvoicePaymentIssue } from '../ledger/ledger.recurring.js';
import { findRecurring, resolveGift } from '../ledger/ledger.repo.js';
import { onSessionExpired, onSessionFailed, onSessionSettled } from '../ledger/ledger.sessions.js';
import { invoicePayments, paidPaymentIntent } from './webhooks.stripe.js';
import { chargeChanged, chargeRefunded, disputeChanged, earlyFraudWarning, payoutChanged, refundChanged } from './webhooks.money.js';
import {
  chargeSchema,
  disputeSchema,
  earlyFraudWarningSchema,
  invoiceIssueSchema,
  invoicePaymentSchema,
  paidInvoiceSchema,
  parseStripe,
  paymentIntentSchema,
  payoutSchema,
  refundSchema,
  sessionRefSchema,
  settledSessionSchema,
  subscriptionSchema,
  type EventMeta,
  type StripeInvoiceIssue,
  type StripeInvoicePayment,
  type StripePaidInvoice,
  type StripeSessionRef,
  type StripeSettledSession,
  type StripeSubscription,
  subscriptionPreviousSchema,
} from './webhooks.schemas.js';
import { subscriptionChangeFacts, subscriptionStateWrite } from './webhooks.subscriptions.js';

/** An event type's handler: the schema of its `data.object`, and what the parsed object writes. */
export type EventHandler = {
  object: z.ZodType;
  apply(object: unknown, event: EventMeta, deps: Deps): Promise<Write[]>;
};

function on<S extends z.ZodType>(object: S, apply: (object: z.output<S>, event: EventMeta, deps: Deps) => Promise<Write[]>): EventHandler {
  return { object, apply: apply as EventHandler['apply'] };
}

/** Our gift id travels as client_reference_id and in metadata (set by POST /checkout). */
function giftIdOf(session: StripeSessionRef): string | null {
  return session.client_reference_id ?? session.metadata?.gift_id ?? null;
}

async function sessionSettled(session: StripeSettledSession, event: EventMeta, deps: Deps): Promise<Write[]> {
  if (session.mode === 'setup') return [];
  const subscriptionId = session.subscription;
  const gift = await resolveGift(deps.db, { giftId: giftIdOf(session), sessionId: session.id, subscriptionId });
  const interval = subscriptionId && !gift ? await subscriptionInterval(deps, subscriptionId) : null;
  const writes = onSessionSettled(
    {
      sessionId: session.id,
      mode: session.mode,
      paymentStatus: session.payment_status,
      amountTotal: session.amount_total,
      currency: session.currency,
      email: session.customer_details?.email ?? session.customer_email ?? null,
      name: session.customer_details?.name ?? null,
      customerId: session.customer,
      paymentIntentId: session.payment_intent,
      subscriptionId,
      interval,
      stripeCreated: event.created,
    },
    gift,
  );
  if (subscriptionId) writes.push({ type: 'notice.cancelled', subscriptionId });
  return writes;
}

/** Where a payload cannot settle a fact, ask Stripe for the current object. */
async function subscriptionInterval(deps: Deps, subscriptionId: string): Promise<'month' | 'year' | null> {
  const known = await findRecurring(deps.db, subscriptionId);
  if (known?.interval) return known.interval;
  const sub = await retrieveSubscription(deps, subscriptionId);
  return asInterval(sub.items.data[0]?.price.recurring?.interval);
}

export async function retrieveSubscription(deps: Deps, subscriptionId: string): Promise<StripeSubscription> {
  return parseStripe(subscriptionSchema, await deps.stripe.subscriptions.retrieve(subscriptionId), `subscription ${subscriptionId}`);
}

function invoiceSubscription(invoice: StripeInvoiceIssue): { subscriptionId: string | null; giftId: string | null } {
  const details = invoice.parent?.subscription_details;
  return { subscriptionId: details?.subscription ?? null, giftId: details?.metadata?.gift_id ?? null };
}

/** The paid period's end, when the next payment falls: the subscription line's period (https://docs.stripe.com/api/invoices/line_item#invoice_line_item_object-period). */
function nextPaymentOf(invoice: StripePaidInvoice): number | null {
  const lines = invoice.lines?.data ?? [];
  const line = lines.find((l) => l.parent?.type === 'subscription_item_details') ?? lines[0];
  return line?.period?.end ?? null;
}

async function invoicePaid(invoice: StripePaidInvoice, event: EventMeta, deps: Deps): Promise<Write[]> {
  const { subscriptionId, giftId } = invoiceSubscription(invoice);
  if (!subscriptionId) return []; // a one-off invoice is not a donation we took
  const gift = await resolveGift(deps.db, { giftId, subscriptionId });
  const frequency: Frequency =
    gift && gift.frequency !== 'one_off' ? gift.frequency : (frequencyOfInterval(await subscriptionInterval(deps, subscriptionId)) ?? 'monthly');
  const writes = onInvoicePaid(
    {
      invoiceId: invoice.id,
      subscriptionId,
      billingReason: invoice.billing_reason,
      amountPaid: invoice.amount_paid,
      currency: invoice.currency,
      email: invoice.customer_email,
      name: invoice.customer_name,
      customerId: invoice.customer,
      paidAt: invoice.status_transitions?.paid_at ?? event.created,
      // Links the payment to its charge, so fee and net can be filled. Payloads rarely include
      // invoice.payments; invoice_payment.paid then brings the link, in either order, so no
      // call to Stripe holds up this reply (reconcile fills any link still missing).
      paymentIntentId: invoice.amount_paid > 0 && invoice.payments && !invoice.payments.has_more ? paidPaymentIntent(invoice.payments.data) : null,
      eventCreated: event.created,
      periodEnd: nextPaymentOf(invoice),
    },
    gift,
    frequency,
  );
  // the supporter is linked now: a cancellation recorded before them can be told
  writes.push({ type: 'notice.cancelled', subscriptionId });
  return writes;
}

async function invoicePaymentPaid(p: StripeInvoicePayment): Promise<Write[]> {
  if (!p.invoice) return [];
  const pi = p.payment.payment_intent;
  return onInvoicePaymentPaid({
    invoicePaymentId: p.id,
    invoiceId: p.invoice,
    paymentIntentId: typeof pi === 'string' ? pi : (pi?.id ?? null),
    status: p.status,
    amountPaidMinor: p.amount_paid,
    currency: p.currency,
    paidAt: p.status_transitions?.paid_at ?? null,
  });
}

async function subscriptionChanged(sub: StripeSubscription, event: EventMeta, deps: Deps): Promise<Write[]> {
  const giftId = (await resolveGift(deps.db, { giftId: sub.metadata?.gift_id, subscriptionId: sub.id }))?.id ?? null;
  // an ended gift's email waits until its supporter is known, so it is asked for on every subscription event
  const writes: Write[] = [subscriptionStateWrite(sub, event.type, event.created, giftId), { type: 'notice.cancelled', subscriptionId: sub.id }];
  if (event.type === 'customer.subscription.updated') {
    // previous values that do not parse only cost the change's email, never the state
    const previous = subscriptionPreviousSchema.safeParse(event.data?.previous_attributes ?? {});
    const to = await subscriptionContact(deps.db, sub.id, sub.customer);
    writes.push(...subscriptionNotices(subscriptionChangeFacts(event, sub, previous.success ? previous.data : null, to)));
  }
  return writes;
}

/** invoice.payment_failed / invoice.payment_action_required: the decline code is on the payment intent's last error. */
async function invoicePaymentIssue(invoice: StripeInvoiceIssue, event: EventMeta, deps: Deps): Promise<Write[]> {
  const { subscriptionId } = invoiceSubscription(invoice);
  if (!subscriptionId) return [];
  const latest = [...(await invoicePayments(deps, invoice))].sort((a, b) => b.created - a.created)[0];
  const ref = latest?.payment.payment_intent;
  const pi = typeof ref === 'string' ? parseStripe(paymentIntentSchema, await deps.stripe.paymentIntents.retrieve(ref), `payment_intent ${ref}`) : ref;
  const error = pi?.last_payment_error;
  const declineCode = error?.decline_code ?? error?.code ?? null;
  const writes = onInvoicePaymentIssue(
    {
      invoiceId: invoice.id,
      subscriptionId,
      billingReason: invoice.billing_reason,
      declineCode,
      nextPaymentAttempt: invoice.next_payment_attempt,
    },
    event.type === 'invoice.payment_action_required' ? 'action_required' : 'payment_failed',
    event.type,
    event.created,
  );
  if (event.type === 'invoice.payment_failed' && invoice.amount_due != null && invoice.currency) {
    writes.push(
      ...paymentFailedNotice({
        invoiceId: invoice.id,
        attemptCount: invoice.attempt_count ?? 1,
        billingReason: invoice.billing_reason,
        to: invoice.customer_email ?? (await subscriptionContact(deps.db, subscriptionId, invoice.customer)),
        amountMinor: invoice.amount_due,
        currency: invoice.currency,
        interval: (await findRecurring(deps.db, subscriptionId))?.interval ?? 'month',
        declineCode,
        // when Smart Retries try again (https://docs.stripe.com/api/invoices/object#invoice_object-next_payment_attempt)
        nextPaymentAttemptAt: invoice.next_payment_attempt != null ? invoice.next_payment_attempt * 1000 : null,
      }),
    );
  }
  return writes;
}

async function sessionFailed(session: StripeSessionRef, _event: EventMeta, deps: Deps): Promise<Write[]> {
  return onSessionFailed(await resolveGift(deps.db, { giftId: giftIdOf(session), sessionId: session.id }));
}

async function sessionExpired(session: StripeSessionRef, _event: EventMeta, deps: Deps): Promise<Write[]> {
  return onSessionExpired(await resolveGift(deps.db, { giftId: giftIdOf(session), sessionId: session.id }));
}

const settled = on(settledSessionSchema, sessionSettled);
const subscription = on(subscriptionSchema, subscriptionChanged);
const paymentIssue = on(invoiceIssueSchema, invoicePaymentIssue);
const charge = on(chargeSchema, chargeChanged);
const refund = on(refundSchema, refundChanged);
const dispute = on(disputeSchema, disputeChanged);
const fraudWarning = on(earlyFraudWarningSchema, earlyFraudWarning);
const payout = on(payoutSchema, payoutChanged);

/**
 * Event types we act on. Anything else is stored and acknowledged. A Map, so only these
 * names match: a plain object would also answer to `toString` or `constructor`.
 */
export const HANDLERS: ReadonlyMap<string, EventHandler> = new Map([
  ['checkout.session.completed', settled],
  ['checkout.session.async_payment_succeeded', settled],
  ['checkout.session.async_payment_failed', on(sessionRefSchema, sessionFailed)],
  ['checkout.session.expired', on(sessionRefSchema, sessionExpired)],
  ['invoice.paid', on(paidInvoiceSchema, invoicePaid)],
  ['invoice_payment.paid', on(invoicePaymentSchema, invoicePaymentPaid)],
  ['customer.subscription.created', subscription],
  ['customer.subscription.updated', subscription],
  ['customer.subscription.deleted', subscription],
  ['customer.subscription.paused', subscription],
  ['customer.subscription.resumed', subscription],
  ['invoice.payment_failed', paymentIssue],
  ['invoice.payment_action_required', paymentIssue],
  ['charge.succeeded', charge],
  ['charge.updated', charge],
  ['charge.captured', charge],
  ['charge.refunded', on(chargeSchema, chargeRefunded)],
  ['refund.created', refund],
  ['refund.updated', refund],
  ['refund.failed', refund],
  ['charge.refund.updated', refund],
  ['charge.dispute.created', dispute],
  ['charge.dispute.updated', dispute],
  ['charge.dispute.closed', dispute],
  ['charge.dispute.funds_withdrawn', dispute],
  ['charge.dispute.funds_reinstated', dispute],
  ['radar.early_fraud_warning.created', fraudWarning],
  ['radar.early_fraud_warning.updated', fraudWarning],
  ['payout.created', payout],
  ['payout.updated', payout],
  ['payout.paid', payout],
  ['payout.failed', payout],
  ['payout.canceled', payout],
  ['payout.reconciliation_completed', payout],
]);
