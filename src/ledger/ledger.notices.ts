// The emails a recurring gift's changes and a refund cause, as writes that join the
// ledger change in the same atomic write. Pure rules: the handler reads the facts.
import { email, type Write } from './ledger.js';

export type Interval = 'month' | 'year';
type Plan = { amountMinor: number; currency: string; interval: Interval };

export type SubscriptionChangeFacts = {
  eventId: string;
  eventType: string;
  subscriptionId: string;
  to: string | null;
  /** the plan after the event; null when the subscription's item has no usable price */
  plan: Plan | null;
  /** what the event's previous_attributes say the plan was, when the price changed */
  previousPlan: Plan | null;
  /** pause_collection was in previous_attributes: its old value was set (true) or empty (false) */
  pauseBefore: boolean | null;
  /** pause_collection now: null when collecting */
  pauseNow: { resumesAt: number | null } | null;
  /** ms; the end of the current period, when the next payment falls */
  periodEnd: number | null;
};

/**
 * customer.subscription.updated. Keys carry the event id: a redelivered event writes
 * nothing new, while two real changes (paused twice in a year) each get their email. The
 * cancellation email is not here: it waits for the supporter to be known (notice.cancelled).
 */
export function subscriptionNotices(f: SubscriptionChangeFacts): Write[] {
  if (f.eventType !== 'customer.subscription.updated' || !f.to || !f.plan) return [];
  const { plan } = f;
  const writes: Write[] = [];
  const prev = f.previousPlan;
  if (prev && (prev.amountMinor !== plan.amountMinor || prev.interval !== plan.interval || prev.currency !== plan.currency)) {
    writes.push(email(`recurring_changed:${f.eventId}`, 'recurring_changed', f.to, { ...plan, previous: prev, nextPaymentAt: f.periodEnd }));
  }
  if (f.pauseBefore === false && f.pauseNow) {
    writes.push(email(`recurring_paused:${f.eventId}`, 'recurring_paused', f.to, { ...plan, resumesAt: f.pauseNow.resumesAt }));
  }
  if (f.pauseBefore === true && !f.pauseNow) {
    writes.push(email(`recurring_resumed:${f.eventId}`, 'recurring_resumed', f.to, { ...plan, nextPaymentAt: f.periodEnd }));
  }
  return writes;
}

export type PaymentFailedFacts = {
  invoiceId: string;
  /** Stripe's attempt_count: one email per failed attempt */
  attemptCount: number;
  billingReason: string | null;
  to: string | null;
  amountMinor: number;
  currency: string;
  interval: Interval;
  declineCode: string | null;
  /** ms, null when Stripe will not retry */
  nextPaymentAttemptAt: number | null;
};

/**
 * invoice.payment_failed for a renewal. A failed first payment is not emailed: the reader
 * is still on Checkout, which says so.
 */
export function paymentFailedNotice(f: PaymentFailedFacts): Write[] {
  if (!f.to || f.billingReason === 'subscription_create' || f.amountMinor <= 0) return [];
  return [
    email(`payment_failed:${f.invoiceId}:${f.attemptCount}`, 'payment_failed', f.to, {
      amountMinor: f.amountMinor,
      currency: f.currency,
      interval: f.interval,
      declineCode: f.declineCode,
      nextPaymentAttemptAt: f.nextPaymentAttemptAt,
    }),
  ];
}
