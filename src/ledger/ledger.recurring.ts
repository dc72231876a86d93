// Recurring gifts: the order in which subscription facts apply, and failed or
// action-required renewal payments. Pure rules.
import type { Write } from './ledger.js';

const EVENT_RANK: Record<string, number> = {
  'customer.subscription.created': 0,
  'invoice.payment_failed': 1,
  'invoice.payment_action_required': 1,
  'customer.subscription.updated': 2,
  'customer.subscription.paused': 2,
  'customer.subscription.resumed': 2,
  'invoice.paid': 3,
  'customer.subscription.deleted': 4,
};

/**
 * Stripe's event `created` has one-second resolution and a subscription's created and
 * first updated events often share a second, so ties are broken by the event type's
 * place in a subscription's life (created < failed payment < updated < paid < deleted).
 */
export function subscriptionStateOrder(eventType: string, eventCreatedSeconds: number): number {
  return eventCreatedSeconds * 10 + (EVENT_RANK[eventType] ?? 2);
}

export type InvoiceIssueFacts = {
  invoiceId: string;
  subscriptionId: string;
  billingReason: string | null;
  /** Stripe's decline code, or its error code when the issuer gave none */
  declineCode: string | null;
  /** seconds; null when Stripe will not retry */
  nextPaymentAttempt: number | null;
};

/**
 * invoice.payment_failed / invoice.payment_action_required. A failed renewal makes the
 * subscription past_due while Smart Retries run; a failed first invoice leaves it
 * incomplete (https://docs.stripe.com/billing/subscriptions/overview#subscription-statuses).
 */
export function onInvoicePaymentIssue(f: InvoiceIssueFacts, issue: 'payment_failed' | 'action_required', eventType: string, eventCreated: number): Write[] {
  const order = subscriptionStateOrder(eventType, eventCreated);
  const status = f.billingReason === 'subscription_create' ? 'incomplete' : 'past_due';
  return [
    { type: 'recurring.status', recurring: { subscriptionId: f.subscriptionId, giftId: null, status, order } },
    {
      type: 'recurring.health',
      recurring: {
        subscriptionId: f.subscriptionId,
        issue,
        declineCode: f.declineCode,
        nextPaymentAttemptAt: f.nextPaymentAttempt != null ? f.nextPaymentAttempt * 1000 : null,
        invoiceId: f.invoiceId,
        order,
      },
    },
  ];
}
