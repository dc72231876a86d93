// The subscription Checkout creates in subscription mode, and the billing-period arithmetic
// its items and first invoice share. Pure builders, typed against the `stripe` SDK's own types.
import type Stripe from 'stripe';
import type { NewStripeId } from './sandbox.ids.js';

/**
 * The end of one billing period. Months and years keep the anchor's day and time, clamped
 * to the end of shorter months (https://docs.stripe.com/billing/subscriptions/billing-cycle:
 * "a monthly subscription with a billing cycle anchor of January 31 bills on the last day
 * of months with fewer days").
 */
export function addInterval(startSec: number, interval: Stripe.Price.Recurring.Interval, count: number): number {
  if (interval === 'day') return startSec + count * 86_400;
  if (interval === 'week') return startSec + count * 7 * 86_400;
  const start = new Date(startSec * 1000);
  const months = interval === 'month' ? count : count * 12;
  const y = start.getUTCFullYear();
  const m = start.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const end = Date.UTC(y, m, Math.min(start.getUTCDate(), lastDay), start.getUTCHours(), start.getUTCMinutes(), start.getUTCSeconds());
  return Math.floor(end / 1000);
}

/**
 * The active subscription a paid session creates: one item per recurring line item, each in
 * its first period, with its metadata from subscription_data.
 */
export function newSubscription(p: {
  id: string;
  /** the first invoice, which is created after the subscription but named by it */
  invoiceId: string;
  /** the session's line items with a recurring price */
  recurring: Stripe.LineItem[];
  customerId: string;
  currency: string;
  paymentMethod: string;
  description: string | null;
  metadata: Record<string, string>;
  periodEnd: number;
  nowSec: number;
  newId: NewStripeId;
}): Stripe.Subscription {
  const { id: subId, invoiceId: invId, recurring, customerId, currency, paymentMethod, description, metadata, periodEnd, nowSec, newId } = p;
  const items: Stripe.SubscriptionItem[] = recurring.map((li) => {
    const price = li.price!;
    return {
      id: newId('si', 14),
      object: 'subscription_item',
      billing_thresholds: null,
      created: nowSec,
      current_period_end: periodEnd,
      current_period_start: nowSec,
      current_trial: null,
      discounts: [],
      metadata: {},
      plan: planFor(price),
      price,
      quantity: li.quantity ?? 1,
      subscription: subId,
      tax_rates: [],
    };
  });

  return {
    id: subId,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: nowSec,
    billing_cycle_anchor_config: null,
    billing_mode: { flexible: { proration_discounts: 'included' }, type: 'flexible', updated_at: nowSec },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: 'charge_automatically',
    created: nowSec,
    currency,
    customer: customerId,
    customer_account: null,
    days_until_due: null,
    default_payment_method: paymentMethod,
    default_source: null,
    default_tax_rates: [],
    description,
    discounts: [],
    ended_at: null,
    invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: 'self' } },
    items: { object: 'list', data: items, has_more: false, url: `/v1/subscription_items?subscription=${subId}` },
    latest_invoice: invId,
    livemode: false,
    managed_payments: null,
    metadata,
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: 'off' },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: nowSec,
    status: 'active',
    test_clock: null,
    transfer_data: null,
    trial_end: null,
    trial_settings: { end_behavior: { billing_cycle_anchor: null, missing_payment_method: 'create_invoice' } },
    trial_start: null,
  };
}

/** The legacy `plan` view of a recurring price that subscription items still carry. */
function planFor(price: Stripe.Price): Stripe.Plan {
  const recurring = price.recurring!;
  return {
    id: price.id,
    object: 'plan',
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: 'per_unit',
    created: price.created,
    currency: price.currency,
    interval: recurring.interval,
    interval_count: recurring.interval_count,
    livemode: false,
    metadata: {},
    meter: null,
    nickname: null,
    product: price.product,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: 'licensed',
  };
}
