// The webhook events Stripe sends when a reader pays on hosted Checkout, and the exact bytes
// it posts. Typed against the `stripe` SDK's own event types, so an event shape Stripe's API
// (2026-10-28.endive) changed fails the typecheck rather than a production webhook.
import type Stripe from 'stripe';
import { stripeId, type NewStripeId } from './sandbox.ids.js';

/** The only API version the sandbox speaks; shapes here follow it. */
export const SANDBOX_API_VERSION = '2026-10-28.endive';

/** The common envelope of every event (https://docs.stripe.com/api/events/object). */
function envelope(createdSec: number, newId: NewStripeId) {
  return {
    id: newId('evt'),
    object: 'event' as const,
    api_version: SANDBOX_API_VERSION,
    created: createdSec,
    livemode: false,
    // the sandbox delivers to exactly one endpoint: ours
    pending_webhooks: 1,
    // null ids: the reader's action on Checkout, not an API request, caused these events
    request: { id: null, idempotency_key: null },
  };
}

export function checkoutSessionCompletedEvent(
  session: Stripe.Checkout.Session,
  createdSec: number,
  newId: NewStripeId = stripeId,
): Stripe.CheckoutSessionCompletedEvent {
  return { ...envelope(createdSec, newId), type: 'checkout.session.completed', data: { object: session } };
}

export function customerSubscriptionCreatedEvent(
  subscription: Stripe.Subscription,
  createdSec: number,
  newId: NewStripeId = stripeId,
): Stripe.CustomerSubscriptionCreatedEvent {
  return { ...envelope(createdSec, newId), type: 'customer.subscription.created', data: { object: subscription } };
}

export function invoicePaidEvent(invoice: Stripe.Invoice, createdSec: number, newId: NewStripeId = stripeId): Stripe.InvoicePaidEvent {
  return { ...envelope(createdSec, newId), type: 'invoice.paid', data: { object: invoice } };
}

/** Sent beside invoice.paid: the only event that says which payment intent paid the invoice. */
export function invoicePaymentPaidEvent(payment: Stripe.InvoicePayment, createdSec: number, newId: NewStripeId = stripeId): Stripe.InvoicePaymentPaidEvent {
  return { ...envelope(createdSec, newId), type: 'invoice_payment.paid', data: { object: payment } };
}

/** The exact bytes Stripe posts: the event as pretty-printed JSON (two-space indent). */
export function eventPayload(event: Stripe.Event): string {
  return JSON.stringify(event, null, 2);
}
