// Stripe objects and events for tests, built from Stripe's own published fixtures
// (tests/fixtures/stripe, unmodified) with overrides.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Stripe from 'stripe';
import { testId } from './ids.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'stripe');

type Json = Record<string, unknown>;
export type DeepPartial<T> = T extends object ? { [K in keyof T]?: DeepPartial<T[K]> | null } : T;

function fixture(name: string): Json {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Json;
}

/** Deep merge where arrays and nulls in the override replace what is there. */
function merge<T>(base: T, override: unknown): T {
  if (override === undefined) return base;
  if (override === null || typeof override !== 'object' || Array.isArray(override) || base === null || typeof base !== 'object') return override as T;
  const out: Json = { ...(base as Json) };
  for (const [k, v] of Object.entries(override as Json)) out[k] = merge(out[k], v);
  return out as T;
}

/** Unique, Stripe-looking ids, the same on every run of a test file. */
export function stripeId(prefix: string): string {
  return testId(prefix);
}

export function buildCheckoutSession(overrides: DeepPartial<Stripe.Checkout.Session> = {}): Stripe.Checkout.Session {
  const id = stripeId('cs_test');
  return merge(
    merge(fixture('checkout_session'), {
      id,
      url: `https://checkout.stripe.com/c/pay/${id}`,
      status: 'complete',
      payment_status: 'paid',
      amount_subtotal: 1000,
      amount_total: 1000,
      currency: 'gbp',
      created: 1_764_000_000,
      payment_intent: stripeId('pi'),
      customer: stripeId('cus'),
      shipping_cost: null,
      total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    }),
    overrides,
  ) as unknown as Stripe.Checkout.Session;
}

export function buildSubscription(overrides: DeepPartial<Stripe.Subscription> = {}): Stripe.Subscription {
  const base = fixture('subscription') as unknown as Stripe.Subscription;
  const item = base.items.data[0]!;
  return merge(
    merge(base, {
      id: stripeId('sub'),
      status: 'active',
      currency: 'gbp',
      customer: stripeId('cus'),
      metadata: {},
      items: {
        data: [
          merge(item, {
            price: { currency: 'gbp', unit_amount: 1000, recurring: { interval: 'month', interval_count: 1 } },
            current_period_start: 1_764_000_000,
            current_period_end: 1_766_592_000,
          }),
        ],
      },
    }),
    overrides,
  ) as Stripe.Subscription;
}

export function buildInvoice(overrides: DeepPartial<Stripe.Invoice> = {}): Stripe.Invoice {
  return merge(
    merge(fixture('invoice'), {
      id: stripeId('in'),
      status: 'paid',
      billing_reason: 'subscription_create',
      amount_due: 1000,
      amount_paid: 1000,
      amount_remaining: 0,
      currency: 'gbp',
      customer: stripeId('cus'),
      customer_email: 'reader@example.com',
      customer_name: 'A Reader',
      status_transitions: { paid_at: 1_764_000_100 },
      parent: { type: 'subscription_details', quote_details: null, subscription_details: { subscription: stripeId('sub'), metadata: {} } },
    }),
    overrides,
  ) as unknown as Stripe.Invoice;
}

export function buildEvent<T extends { id?: string }>(type: string, object: T, overrides: DeepPartial<Stripe.Event> = {}): Stripe.Event {
  const event = merge(
    merge(fixture('event'), {
      id: stripeId('evt'),
      type,
      api_version: '2026-10-28.endive',
      created: 1_764_000_000,
      pending_webhooks: 1,
      data: { object },
    }),
    overrides,
  ) as unknown as Stripe.Event;
  // Stripe sends "id" then "object" first (the fixture's keys are alphabetical)
  return Object.assign({ id: event.id, object: event.object }, event);
}

export const TEST_WEBHOOK_SECRET = 'whsec_test_storyfund_secret';

const signer = new Stripe('sk_test_signer_only');

/** Signs exactly as Stripe does; the timestamp defaults to now (stripe 23 rejects > 300 s old). */
export function signPayload(payload: string, opts: { secret?: string; timestamp?: number } = {}): string {
  return signer.webhooks.generateTestHeaderString({ payload, secret: opts.secret ?? TEST_WEBHOOK_SECRET, timestamp: opts.timestamp });
}

export function webhookRequest(
  event: Stripe.Event | string,
  opts: { secret?: string; timestamp?: number; signature?: string | null; base?: string } = {},
): Request {
  const payload = typeof event === 'string' ? event : JSON.stringify(event);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const signature = opts.signature === undefined ? signPayload(payload, opts) : opts.signature;
  if (signature !== null) headers['stripe-signature'] = signature;
  return new Request(`${opts.base ?? 'http://localhost'}/webhooks/stripe`, { method: 'POST', headers, body: payload });
}

// --- money after the gift: charges, balance transactions, refunds, disputes, payouts ---

export function buildBalanceTransaction(overrides: DeepPartial<Stripe.BalanceTransaction> = {}): Stripe.BalanceTransaction {
  return merge(
    merge(fixture('balance_transaction'), {
      id: stripeId('txn'),
      amount: 1000,
      fee: 0,
      net: 1000,
      currency: 'gbp',
      exchange_rate: null,
      created: 1_764_000_000,
      available_on: 1_764_172_800,
      status: 'available',
      type: 'charge',
      reporting_category: 'charge',
    }),
    overrides,
  ) as unknown as Stripe.BalanceTransaction;
}

/** A settled charge: amount, fee and net in one place, fee_details as Stripe itemises it. */
export function buildChargeBalanceTransaction(
  source: string,
  amount: number,
  fee: number,
  overrides: DeepPartial<Stripe.BalanceTransaction> = {},
): Stripe.BalanceTransaction {
  return buildBalanceTransaction({
    source,
    amount,
    fee,
    net: amount - fee,
    fee_details: fee ? [{ amount: fee, application: null, currency: 'gbp', description: 'Stripe processing fees', type: 'stripe_fee' }] : [],
    ...overrides,
  });
}

export function buildCharge(overrides: DeepPartial<Stripe.Charge> = {}): Stripe.Charge {
  return merge(
    merge(fixture('charge'), {
      id: stripeId('ch'),
      amount: 1000,
      amount_captured: 1000,
      amount_refunded: 0,
      captured: true,
      currency: 'gbp',
      created: 1_764_000_000,
      paid: true,
      status: 'succeeded',
      refunded: false,
      disputed: false,
      // API 2024-04-10 and later: set by charge.updated, not charge.succeeded
      balance_transaction: null,
      payment_intent: stripeId('pi'),
      customer: null,
      source: null,
      transfer_data: null,
    }),
    overrides,
  ) as unknown as Stripe.Charge;
}

export function buildPaymentIntent(overrides: DeepPartial<Stripe.PaymentIntent> = {}): Stripe.PaymentIntent {
  return merge(
    merge(fixture('payment_intent'), {
      id: stripeId('pi'),
      amount: 1000,
      amount_received: 1000,
      currency: 'gbp',
      created: 1_764_000_000,
      status: 'succeeded',
      canceled_at: null,
      last_payment_error: null,
      next_action: null,
      processing: null,
      transfer_data: null,
    }),
    overrides,
  ) as unknown as Stripe.PaymentIntent;
}

export function buildRefund(overrides: DeepPartial<Stripe.Refund> = {}): Stripe.Refund {
  return merge(
    merge(fixture('refund'), { id: stripeId('re'), amount: 1000, currency: 'gbp', created: 1_764_100_000, status: 'succeeded', balance_transaction: null }),
    overrides,
  ) as unknown as Stripe.Refund;
}

export function buildDispute(overrides: DeepPartial<Stripe.Dispute> = {}): Stripe.Dispute {
  return merge(
    merge(fixture('dispute'), {
      id: stripeId('dp'),
      amount: 1000,
      currency: 'gbp',
      created: 1_764_200_000,
      status: 'needs_response',
      reason: 'fraudulent',
      balance_transactions: [],
      evidence_details: { due_by: 1_765_000_000 },
    }),
    overrides,
  ) as unknown as Stripe.Dispute;
}

export function buildPayout(overrides: DeepPartial<Stripe.Payout> = {}): Stripe.Payout {
  return merge(
    merge(fixture('payout'), {
      id: stripeId('po'),
      amount: 1000,
      currency: 'gbp',
      created: 1_764_500_000,
      arrival_date: 1_764_600_000,
      automatic: true,
      status: 'paid',
      reconciliation_status: 'completed',
      balance_transaction: stripeId('txn'),
    }),
    overrides,
  ) as unknown as Stripe.Payout;
}

export function buildInvoicePayment(overrides: DeepPartial<Stripe.InvoicePayment> = {}): Stripe.InvoicePayment {
  // the fixture's generator placeholders ("currency": "currency") are replaced with real values
  return merge(
    merge(fixture('invoice_payment'), {
      id: stripeId('inpay'),
      amount_paid: 1000,
      amount_requested: 1000,
      currency: 'gbp',
      created: 1_764_000_000,
      livemode: false,
      status: 'paid',
      status_transitions: { canceled_at: null, paid_at: 1_764_000_100 },
    }),
    overrides,
  ) as unknown as Stripe.InvoicePayment;
}

/** No published fixture exists for this object; its fields follow https://docs.stripe.com/api/radar/early_fraud_warnings/object. */
export function buildEarlyFraudWarning(overrides: Partial<Stripe.Radar.EarlyFraudWarning> = {}): Stripe.Radar.EarlyFraudWarning {
  return {
    id: stripeId('issfr'),
    object: 'radar.early_fraud_warning',
    actionable: true,
    charge: stripeId('ch'),
    created: 1_764_150_000,
    fraud_type: 'made_with_stolen_card',
    livemode: false,
    ...overrides,
  } as Stripe.Radar.EarlyFraudWarning;
}
