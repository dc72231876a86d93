// The webhook events Stripe sends when a reader pays on hosted Checkout, and the exact bytes
// it posts. Typed against the `stripe` SDK's own event types, so an event shape Stripe's API
// (2026-10-28.endive) changed fails the typecheck rather than a production webhook.
import type Stripe from 'stripe';
import { stripeId, type NewStripeId } from './sandbox.ids.js';

/** The only API version the sandbox speaks; shapes here follow it. */
export const SANDBOX_API_VERSION = '2026-10-28.endive';

/** What caused an event: an API request (its id and idempotency key), or none for a reader's action on a hosted page. */
export type EventRequest = { id: string | null; idempotency_key: string | null };

/** The common envelope of every event (https://docs.stripe.com/api/events/object). */
function envelope(createdSec: number, newId: NewStripeId, request: EventRequest = { id: null, idempotency_key: null }) {
  return {
    id: newId('evt'),
    object: 'event' as const,
    api_version: SANDBOX_API_VERSION,
    created: createdSec,
    livemode: false,
    // the sandbox delivers to exactly one endpoint: ours
    pending_webhooks: 1,
    request,
  };
}

/** Sent after any change to a subscription; previous_attributes holds the old values of what changed. */
export function customerSubscriptionUpdatedEvent(
  subscription: Stripe.Subscription,
  previous: Partial<Stripe.Subscription>,
  createdSec: number,
  request: EventRequest,
  newId: NewStripeId = stripeId,
): Stripe.CustomerSubscriptionUpdatedEvent {
  return { ...envelope(createdSec, newId, request), type: 'customer.subscription.updated', data: { object: subscription, previous_attributes: previous } };
}

export function customerSubscriptionDeletedEvent(
  subscription: Stripe.Subscription,
  createdSec: number,
  request: EventRequest,
  newId: NewStripeId = stripeId,
): Stripe.CustomerSubscriptionDeletedEvent {
  return { ...envelope(createdSec, newId, request), type: 'customer.subscription.deleted', data: { object: subscription } };
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

/**
 * Sent once a charge's balance transaction exists: since API 2024-04-10 it is not on the
 * charge at charge.succeeded, and this is how fee and net reach the ledger
 * (https://docs.stripe.com/api/charges/object#charge_object-balance_transaction).
 */
export function chargeUpdatedEvent(
  charge: Stripe.Charge,
  previous: Partial<Stripe.Charge>,
  createdSec: number,
  newId: NewStripeId = stripeId,
  request?: EventRequest,
): Stripe.ChargeUpdatedEvent {
  return { ...envelope(createdSec, newId, request), type: 'charge.updated', data: { object: charge, previous_attributes: previous } };
}

/** Sent when a refund is made, beside charge.refunded (https://docs.stripe.com/api/events/types#event_types-refund.created). */
export function refundCreatedEvent(refund: Stripe.Refund, createdSec: number, request: EventRequest, newId: NewStripeId = stripeId): Stripe.RefundCreatedEvent {
  return { ...envelope(createdSec, newId, request), type: 'refund.created', data: { object: refund } };
}

/** The charge after a refund: its amount_refunded, and refunded once nothing is left. */
export function chargeRefundedEvent(
  charge: Stripe.Charge,
  previous: Partial<Stripe.Charge>,
  createdSec: number,
  request: EventRequest,
  newId: NewStripeId = stripeId,
): Stripe.ChargeRefundedEvent {
  return { ...envelope(createdSec, newId, request), type: 'charge.refunded', data: { object: charge, previous_attributes: previous } };
}

/** The exact bytes Stripe posts: the event as pretty-printed JSON (two-space indent). */
export function eventPayload(event: Stripe.Event): string {
  return JSON.stringify(event, null, 2);
}
