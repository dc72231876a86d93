// Pure builders for what Stripe creates and sends when a reader pays on hosted Checkout:
// the completed session, the customer, the PaymentIntent and charge (payment mode) or the
// subscription and its first invoice (subscription mode), and the webhook events. Typed
// against the `stripe` SDK's own types, so a field Stripe's API (2026-10-28.endive) has and
// we forgot, or one it dropped, fails the typecheck rather than a production webhook.
// Plain values in and out: ids come from `newId` and time from `nowMs`.
import Stripe from 'stripe';
import { formatMoney, isKnownCurrency } from '../lib/money.js';
import { randomTail, stripeId, type NewStripeId } from './sandbox.ids.js';
import type { CheckoutSessionExtras } from './sandbox.store.js';

/** The only API version the sandbox speaks; shapes here follow it. */
export const SANDBOX_API_VERSION = '2026-10-28.endive';

export type Payer = { email: string; name: string | null };

export type CheckoutCompletion = {
  session: Stripe.Checkout.Session;
  /** a new customer, or the session's existing one with its invoice sequence advanced */
  customer: Stripe.Customer | null;
  paymentIntent: Stripe.PaymentIntent | null;
  charge: Stripe.Charge | null;
  subscription: Stripe.Subscription | null;
  invoice: Stripe.Invoice | null;
  /** in the order Stripe creates them, `created` non-decreasing */
  events: Stripe.Event[];
};

const seconds = (ms: number): number => Math.floor(ms / 1000);
const decimal = (n: number) => Stripe.Decimal.from(String(n));

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

function money(minor: number, currency: string): string {
  return isKnownCurrency(currency) ? formatMoney(minor, currency) : `${minor} ${currency.toUpperCase()} (minor units)`;
}

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

/** The exact bytes Stripe posts: the event as pretty-printed JSON (two-space indent). */
export function eventPayload(event: Stripe.Event): string {
  return JSON.stringify(event, null, 2);
}

function newCustomer(payer: Payer, nowSec: number, newId: NewStripeId): Stripe.Customer {
  return {
    id: newId('cus', 14),
    object: 'customer',
    address: null,
    balance: 0,
    created: nowSec,
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    discount: null,
    email: payer.email,
    // Stripe gives each customer a prefix for invoice numbers like "7FE1103-0001"
    invoice_prefix: randomTail(newId, 8).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: {},
    name: payer.name,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
}

/**
 * Everything that exists once the reader pays an open session. Which objects appear
 * follows Stripe:
 * - payment mode creates a PaymentIntent (metadata from payment_intent_data) and a charge;
 *   a Customer only when the session has one or asked for `customer_creation=always`
 *   (https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-customer_creation:
 *   "if_required" creates none in payment mode), otherwise `customer` stays null and the
 *   email is in `customer_details`;
 * - subscription mode always has a Customer, and creates the subscription (metadata from
 *   subscription_data) and its first invoice, paid, whose
 *   `parent.subscription_details.metadata` snapshots the subscription's metadata.
 * Metadata is never copied between objects otherwise
 * (https://docs.stripe.com/metadata#metadata-propagation).
 */
export function completeCheckoutSession(input: {
  session: Stripe.Checkout.Session;
  extras: CheckoutSessionExtras;
  payer: Payer;
  /** the session's own customer, when it was created with one */
  existingCustomer: Stripe.Customer | null;
  nowMs: number;
  newId?: NewStripeId;
}): CheckoutCompletion {
  const { extras, payer, nowMs } = input;
  const newId = input.newId ?? stripeId;
  const nowSec = seconds(nowMs);
  const open = input.session;
  const currency = open.currency ?? 'usd';
  const amount = open.amount_total ?? 0;
  const paymentMethod = newId('pm');

  const wantsCustomer = open.mode === 'subscription' || open.customer_creation === 'always' || input.existingCustomer !== null;
  let customer: Stripe.Customer | null = null;
  if (input.existingCustomer) customer = { ...input.existingCustomer };
  else if (wantsCustomer) customer = newCustomer(payer, nowSec, newId);

  const customerDetails: Stripe.Checkout.Session.CustomerDetails = {
    address: null,
    business_name: null,
    email: payer.email,
    individual_name: null,
    name: payer.name,
    phone: null,
    tax_exempt: 'none',
    tax_ids: [],
  };

  let paymentIntent: Stripe.PaymentIntent | null = null;
  let charge: Stripe.Charge | null = null;
  let subscription: Stripe.Subscription | null = null;
  let invoice: Stripe.Invoice | null = null;

  if (open.mode === 'payment') {
    const piId = newId('pi');
    charge = {
      id: newId('ch'),
      object: 'charge',
      amount,
      amount_captured: amount,
      amount_refunded: 0,
      application: null,
      application_fee: null,
      application_fee_amount: null,
      // Stripe fills this in later (charge.updated) since API 2024-04-10; see STACK.md
      balance_transaction: null,
      billing_details: { address: null, email: payer.email, name: payer.name, phone: null, tax_id: null },
      calculated_statement_descriptor: 'SANDBOX',
      captured: true,
      created: nowSec,
      currency,
      customer: customer?.id ?? null,
      description: extras.payment_intent_data.description,
      disputed: false,
      failure_balance_transaction: null,
      failure_code: null,
      failure_message: null,
      fraud_details: {},
      livemode: false,
      metadata: {},
      on_behalf_of: null,
      outcome: {
        advice_code: null,
        network_advice_code: null,
        network_decline_code: null,
        network_status: 'approved_by_network',
        reason: null,
        risk_level: 'normal',
        risk_score: 20,
        seller_message: 'Payment complete.',
        type: 'authorized',
      },
      paid: true,
      payment_intent: piId,
      payment_method: paymentMethod,
      payment_method_details: null,
      receipt_email: null,
      receipt_number: null,
      receipt_url: null,
      refunded: false,
      review: null,
      shipping: null,
      source: null,
      source_transfer: null,
      statement_descriptor: null,
      statement_descriptor_suffix: null,
      status: 'succeeded',
      transfer_data: null,
      transfer_group: null,
    };
    paymentIntent = {
      id: piId,
      object: 'payment_intent',
      allowed_payment_method_types: null,
      amount,
      amount_capturable: 0,
      amount_received: amount,
      application: null,
      application_fee_amount: null,
      automatic_payment_methods: null,
      canceled_at: null,
      cancellation_reason: null,
      capture_method: 'automatic_async',
      client_secret: `${piId}_secret_${randomTail(newId, 25)}`,
      confirmation_method: 'automatic',
      created: nowSec,
      currency,
      customer: customer?.id ?? null,
      customer_account: null,
      description: extras.payment_intent_data.description,
      excluded_payment_method_types: null,
      last_payment_error: null,
      latest_charge: charge.id,
      livemode: false,
      managed_payments: null,
      metadata: extras.payment_intent_data.metadata,
      next_action: null,
      on_behalf_of: null,
      payment_method: paymentMethod,
      payment_method_configuration_details: null,
      payment_method_options: {},
      payment_method_types: ['card'],
      payment_record: null,
      processing: null,
      receipt_email: null,
      review: null,
      setup_future_usage: null,
      shipping: null,
      source: null,
      statement_descriptor: null,
      statement_descriptor_suffix: null,
      status: 'succeeded',
      transfer_group: null,
    };
  } else {
    if (!customer) throw new Error('subscription mode always has a customer');
    const recurring = extras.line_items.filter((li) => li.price?.recurring);
    const first = recurring[0]?.price?.recurring;
    if (!first) throw new Error(`session ${open.id} in subscription mode has no recurring line item`);
    const periodEnd = addInterval(nowSec, first.interval, first.interval_count);
    const subId = newId('sub');
    const invId = newId('in');
    const metadata = extras.subscription_data.metadata;

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

    subscription = {
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
      customer: customer.id,
      customer_account: null,
      days_until_due: null,
      default_payment_method: paymentMethod,
      default_source: null,
      default_tax_rates: [],
      description: extras.subscription_data.description,
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

    const lines: Stripe.InvoiceLineItem[] = items.map((si) => {
      const lineAmount = (si.price.unit_amount ?? 0) * (si.quantity ?? 1);
      const productId = typeof si.price.product === 'string' ? si.price.product : si.price.product.id;
      const name = extras.line_items.find((li) => li.price?.id === si.price.id)?.description ?? 'Subscription';
      return {
        id: newId('il'),
        object: 'line_item',
        amount: lineAmount,
        currency,
        description: `${si.quantity ?? 1} × ${name} (at ${money(si.price.unit_amount ?? 0, currency)} / ${first.interval})`,
        discount_amounts: [],
        discountable: true,
        discounts: [],
        invoice: invId,
        livemode: false,
        // Stripe: for subscription lines, metadata reflects the subscription's metadata
        // (https://docs.stripe.com/api/invoice-line-item/object#invoice_line_item_object-metadata)
        metadata,
        parent: {
          invoice_item_details: null,
          subscription_item_details: {
            invoice_item: null,
            proration: false,
            proration_details: { credited_items: null },
            subscription: subId,
            subscription_item: si.id,
          },
          type: 'subscription_item_details',
        },
        period: { start: nowSec, end: periodEnd },
        pretax_credit_amounts: [],
        pricing: {
          price_details: { price: si.price.id, product: productId },
          type: 'price_details',
          unit_amount_decimal: decimal(si.price.unit_amount ?? 0),
        },
        quantity: si.quantity ?? 1,
        quantity_decimal: decimal(si.quantity ?? 1),
        subscription: subId,
        subtotal: lineAmount,
        taxes: [],
      };
    });

    const sequence = customer.next_invoice_sequence ?? 1;
    invoice = {
      id: invId,
      object: 'invoice',
      account_country: null,
      account_name: null,
      account_tax_ids: null,
      amount_due: amount,
      amount_overpaid: 0,
      amount_paid: amount,
      amount_remaining: 0,
      amount_shipping: 0,
      application: null,
      attempt_count: 1,
      attempted: true,
      auto_advance: false,
      automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
      automatically_finalizes_at: null,
      billing_reason: 'subscription_create',
      collection_method: 'charge_automatically',
      created: nowSec,
      currency,
      custom_fields: null,
      customer: customer.id,
      customer_account: null,
      customer_address: null,
      customer_email: payer.email,
      customer_name: payer.name,
      customer_phone: null,
      customer_shipping: null,
      customer_tax_exempt: 'none',
      customer_tax_ids: [],
      default_payment_method: null,
      default_source: null,
      default_tax_rates: [],
      description: null,
      discounts: [],
      due_date: null,
      effective_at: nowSec,
      ending_balance: 0,
      footer: null,
      from_invoice: null,
      hosted_invoice_url: null,
      invoice_pdf: null,
      issuer: { type: 'self' },
      last_finalization_error: null,
      latest_revision: null,
      lines: { object: 'list', data: lines, has_more: false, url: `/v1/invoices/${invId}/lines` },
      livemode: false,
      metadata: {},
      next_payment_attempt: null,
      number: `${customer.invoice_prefix ?? 'SANDBOX'}-${String(sequence).padStart(4, '0')}`,
      on_behalf_of: null,
      // API 2026-10-28: the subscription and its metadata snapshot live under parent; the
      // invoice has no top-level subscription, charge, payment_intent or paid
      // (https://docs.stripe.com/changelog/basil/2025-03-31/adds-new-parent-field-to-invoicing-objects)
      parent: { quote_details: null, subscription_details: { metadata, subscription: subId }, type: 'subscription_details' },
      payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
      // the first invoice of a subscription covers the instant it started; its line covers the period
      period_end: nowSec,
      period_start: nowSec,
      post_payment_credit_notes_amount: 0,
      pre_payment_credit_notes_amount: 0,
      receipt_number: null,
      rendering: null,
      shipping_cost: null,
      shipping_details: null,
      starting_balance: 0,
      statement_descriptor: null,
      status: 'paid',
      status_transitions: { finalized_at: nowSec, marked_uncollectible_at: null, paid_at: nowSec, voided_at: null },
      subtotal: amount,
      subtotal_excluding_tax: amount,
      test_clock: null,
      total: amount,
      total_discount_amounts: [],
      total_excluding_tax: amount,
      total_pretax_credit_amounts: [],
      total_taxes: [],
      webhooks_delivered_at: nowSec,
    };
    customer = { ...customer, currency, next_invoice_sequence: sequence + 1 };
  }

  const session: Stripe.Checkout.Session = {
    ...open,
    status: 'complete',
    payment_status: 'paid',
    customer: customer?.id ?? null,
    customer_details: customerDetails,
    payment_intent: paymentIntent?.id ?? null,
    subscription: subscription?.id ?? null,
    invoice: invoice?.id ?? null,
    // "only present when the session is active" (https://docs.stripe.com/api/checkout/sessions/object#checkout_session_object-url)
    url: null,
  };

  // One timestamp for the whole payment keeps `created` non-decreasing in sending order.
  // Subscription mode sends them in the order Stripe generates them: the subscription and
  // its paid invoice exist before the session completes. Stripe does not promise delivery
  // order (https://docs.stripe.com/webhooks#event-ordering), so handlers must cope anyway.
  const events: Stripe.Event[] = [];
  if (subscription) events.push(customerSubscriptionCreatedEvent(subscription, nowSec, newId));
  if (invoice) events.push(invoicePaidEvent(invoice, nowSec, newId));
  events.push(checkoutSessionCompletedEvent(session, nowSec, newId));

  return { session, customer, paymentIntent, charge, subscription, invoice, events };
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
