// Turns one verified Stripe event into ledger writes. Reads what we hold, then calls the
// ledger's pure rules; the route runs the writes and the processed mark atomically.
import type Stripe from 'stripe';
import type { Frequency } from '../../db/schema.js';
import type { Deps } from '../deps.js';
import { asInterval, frequencyOfInterval } from '../ledger/ledger.frequency.js';
import { onInvoicePaid, onInvoicePaymentPaid } from '../ledger/ledger.invoices.js';
import type { Write } from '../ledger/ledger.js';
import { onInvoicePaymentIssue } from '../ledger/ledger.recurring.js';
import { findRecurring, resolveGift } from '../ledger/ledger.repo.js';
import { onSessionExpired, onSessionFailed, onSessionSettled } from '../ledger/ledger.sessions.js';
import { idOf, invoicePayments, paidPaymentIntent } from '../ledger/ledger.stripe.js';
import { chargeChanged, chargeRefunded, disputeChanged, earlyFraudWarning, payoutChanged, refundChanged } from './webhooks.money.js';
import { subscriptionStateWrite } from './webhooks.subscriptions.js';

type Handler = (event: Stripe.Event, deps: Deps) => Promise<Write[]>;

/** Our gift id travels as client_reference_id and in metadata (set by POST /checkout). */
function giftIdOf(session: Stripe.Checkout.Session): string | null {
  return session.client_reference_id ?? session.metadata?.gift_id ?? null;
}

async function sessionSettled(event: Stripe.Event, deps: Deps): Promise<Write[]> {
  const session = event.data.object as Stripe.Checkout.Session;
  if (session.mode === 'setup') return [];
  const subscriptionId = idOf(session.subscription);
  const gift = await resolveGift(deps.db, { giftId: giftIdOf(session), sessionId: session.id, subscriptionId });
  const interval = subscriptionId && !gift ? await subscriptionInterval(deps, subscriptionId) : null;
  return onSessionSettled(
    {
      sessionId: session.id,
      mode: session.mode,
      paymentStatus: session.payment_status,
      amountTotal: session.amount_total ?? 0,
      currency: session.currency ?? deps.config.defaultCurrency,
      email: session.customer_details?.email ?? session.customer_email ?? null,
      name: session.customer_details?.name ?? null,
      customerId: idOf(session.customer),
      paymentIntentId: idOf(session.payment_intent),
      subscriptionId,
      interval,
      stripeCreated: event.created,
    },
    gift,
    deps.config.publicationName,
  );
}

/** Where a payload cannot settle a fact, ask Stripe for the current object. */
async function subscriptionInterval(deps: Deps, subscriptionId: string): Promise<'month' | 'year' | null> {
  const known = await findRecurring(deps.db, subscriptionId);
  if (known?.interval) return known.interval;
  const sub = await deps.stripe.subscriptions.retrieve(subscriptionId);
  return asInterval(sub.items.data[0]?.price.recurring?.interval);
}

function invoiceSubscription(invoice: Stripe.Invoice): { subscriptionId: string | null; giftId: string | null } {
  const details = invoice.parent?.subscription_details;
  return { subscriptionId: idOf(details?.subscription), giftId: details?.metadata?.gift_id ?? null };
}

async function invoicePaid(event: Stripe.Event, deps: Deps): Promise<Write[]> {
  const invoice = event.data.object as Stripe.Invoice;
  const { subscriptionId, giftId } = invoiceSubscription(invoice);
  if (!subscriptionId) return []; // a one-off invoice is not a donation we took
  const gift = await resolveGift(deps.db, { giftId, subscriptionId });
  const frequency: Frequency =
    gift && gift.frequency !== 'one_off' ? gift.frequency : (frequencyOfInterval(await subscriptionInterval(deps, subscriptionId)) ?? 'monthly');
  return onInvoicePaid(
    {
      invoiceId: invoice.id,
      subscriptionId,
      billingReason: invoice.billing_reason,
      amountPaid: invoice.amount_paid,
      currency: invoice.currency,
      email: invoice.customer_email,
      name: invoice.customer_name,
      customerId: idOf(invoice.customer),
      paidAt: invoice.status_transitions?.paid_at ?? event.created,
      // Links the payment to its charge, so fee and net can be filled. Payloads rarely include
      // invoice.payments; invoice_payment.paid then brings the link, in either order, so no
      // call to Stripe holds up this reply (reconcile fills any link still missing).
      paymentIntentId: invoice.amount_paid > 0 && invoice.payments?.data && !invoice.payments.has_more ? paidPaymentIntent(invoice.payments.data) : null,
      eventCreated: event.created,
    },
    gift,
    frequency,
    deps.config.publicationName,
  );
}

async function invoicePaymentPaid(event: Stripe.Event): Promise<Write[]> {
  const p = event.data.object as Stripe.InvoicePayment;
  const invoiceId = idOf(p.invoice as string | { id: string } | null);
  if (!invoiceId) return [];
  return onInvoicePaymentPaid({
    invoicePaymentId: p.id,
    invoiceId,
    paymentIntentId: idOf(p.payment?.payment_intent),
    status: p.status,
    amountPaidMinor: p.amount_paid,
    currency: p.currency,
    paidAt: p.status_transitions?.paid_at ?? null,
  });
}

async function subscriptionChanged(event: Stripe.Event, deps: Deps): Promise<Write[]> {
  const sub = event.data.object as Stripe.Subscription;
  const giftId = (await resolveGift(deps.db, { giftId: sub.metadata?.gift_id, subscriptionId: sub.id }))?.id ?? null;
  return [subscriptionStateWrite(sub, event.type, event.created, giftId)];
}

/** invoice.payment_failed / invoice.payment_action_required: the decline code is on the payment intent's last error. */
async function invoicePaymentIssue(event: Stripe.Event, deps: Deps): Promise<Write[]> {
  const invoice = event.data.object as Stripe.Invoice;
  const { subscriptionId } = invoiceSubscription(invoice);
  if (!subscriptionId) return [];
  const latest = [...(await invoicePayments(deps, invoice))].sort((a, b) => b.created - a.created)[0];
  const ref = latest?.payment.payment_intent;
  const pi = typeof ref === 'string' ? await deps.stripe.paymentIntents.retrieve(ref) : ref;
  const error = pi?.last_payment_error;
  return onInvoicePaymentIssue(
    {
      invoiceId: invoice.id,
      subscriptionId,
      billingReason: invoice.billing_reason,
      declineCode: error?.decline_code ?? error?.code ?? null,
      nextPaymentAttempt: invoice.next_payment_attempt,
    },
    event.type === 'invoice.payment_action_required' ? 'action_required' : 'payment_failed',
    event.type,
    event.created,
  );
}

async function sessionFailed(event: Stripe.Event, deps: Deps): Promise<Write[]> {
  const session = event.data.object as Stripe.Checkout.Session;
  return onSessionFailed(await resolveGift(deps.db, { giftId: giftIdOf(session), sessionId: session.id }));
}

async function sessionExpired(event: Stripe.Event, deps: Deps): Promise<Write[]> {
  const session = event.data.object as Stripe.Checkout.Session;
  return onSessionExpired(await resolveGift(deps.db, { giftId: giftIdOf(session), sessionId: session.id }));
}

/** Event types we act on. Anything else is stored and acknowledged. */
export const HANDLERS: Partial<Record<Stripe.Event['type'], Handler>> = {
  'checkout.session.completed': sessionSettled,
  'checkout.session.async_payment_succeeded': sessionSettled,
  'checkout.session.async_payment_failed': sessionFailed,
  'checkout.session.expired': sessionExpired,
  'invoice.paid': invoicePaid,
  'invoice_payment.paid': invoicePaymentPaid,
  'customer.subscription.created': subscriptionChanged,
  'customer.subscription.updated': subscriptionChanged,
  'customer.subscription.deleted': subscriptionChanged,
  'customer.subscription.paused': subscriptionChanged,
  'customer.subscription.resumed': subscriptionChanged,
  'invoice.payment_failed': invoicePaymentIssue,
  'invoice.payment_action_required': invoicePaymentIssue,
  'charge.succeeded': chargeChanged,
  'charge.updated': chargeChanged,
  'charge.captured': chargeChanged,
  'charge.refunded': chargeRefunded,
  'refund.created': refundChanged,
  'refund.updated': refundChanged,
  'refund.failed': refundChanged,
  'charge.refund.updated': refundChanged,
  'charge.dispute.created': disputeChanged,
  'charge.dispute.updated': disputeChanged,
  'charge.dispute.closed': disputeChanged,
  'charge.dispute.funds_withdrawn': disputeChanged,
  'charge.dispute.funds_reinstated': disputeChanged,
  'radar.early_fraud_warning.created': earlyFraudWarning,
  'radar.early_fraud_warning.updated': earlyFraudWarning,
  'payout.created': payoutChanged,
  'payout.updated': payoutChanged,
  'payout.paid': payoutChanged,
  'payout.failed': payoutChanged,
  'payout.canceled': payoutChanged,
  'payout.reconciliation_completed': payoutChanged,
};
