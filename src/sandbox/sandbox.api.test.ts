import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateNodeDb, openNodeDb, type NodeDb } from '../../db/node.js';
import { createSandboxApi } from './sandbox.api.js';
import { createSandboxStripe, SANDBOX_SECRET_KEY } from './sandbox.client.js';
import { SANDBOX_API_VERSION } from './sandbox.events.js';
import { decodeStripeForm, stripeParam } from './sandbox.form.js';

const PUBLIC_URL = 'http://localhost:8787';
const NOW = Date.UTC(2026, 10, 3, 12, 0, 0);

let handle: NodeDb | undefined;
afterEach(() => handle?.close());

function setup() {
  handle = openNodeDb(':memory:');
  migrateNodeDb(handle);
  const now = () => NOW;
  return {
    db: handle.db,
    stripe: createSandboxStripe({ db: handle.db, now, publicUrl: PUBLIC_URL }),
    api: createSandboxApi({ db: handle.db, now, publicUrl: PUBLIC_URL }),
  };
}

const paymentParams = (overrides: Partial<Stripe.Checkout.SessionCreateParams> = {}): Stripe.Checkout.SessionCreateParams => ({
  mode: 'payment',
  submit_type: 'donate',
  customer_creation: 'always',
  client_reference_id: 'gift_123',
  customer_email: 'reader@example.com',
  metadata: { gift_id: 'gift_123', frequency: 'one_off' },
  payment_intent_data: { metadata: { gift_id: 'gift_123' }, description: 'One-off gift' },
  line_items: [{ quantity: 1, price_data: { currency: 'gbp', unit_amount: 2500, product_data: { name: 'One-off gift for The Harbour Ledger' } } }],
  success_url: `${PUBLIC_URL}/thank-you?session_id={CHECKOUT_SESSION_ID}`,
  cancel_url: `${PUBLIC_URL}/?cancelled=1`,
  ...overrides,
});

describe('decodeStripeForm', () => {
  it('decodes bracket notation into nested objects and arrays', () => {
    const body =
      'mode=subscription&line_items[0][quantity]=1&line_items[0][price_data][recurring][interval]=month' +
      '&line_items[1][quantity]=2&metadata[gift_id]=g1&metadata[0]=zero&expand[]=line_items&expand[]=customer' +
      '&success_url=https%3A%2F%2Fx.test%2F%3Fs%3D%7BCHECKOUT_SESSION_ID%7D';
    expect(decodeStripeForm(body)).toEqual({
      mode: 'subscription',
      line_items: [{ quantity: '1', price_data: { recurring: { interval: 'month' } } }, { quantity: '2' }],
      metadata: { gift_id: 'g1', 0: 'zero' },
      expand: ['line_items', 'customer'],
      success_url: 'https://x.test/?s={CHECKOUT_SESSION_ID}',
    });
  });

  it('refuses prototype keys and a name given both as a value and a hash', () => {
    expect(() => decodeStripeForm('metadata[__proto__][x]=1')).toThrow(/Invalid parameter name/);
    expect(() => decodeStripeForm('a=1&a[b]=2')).toThrow(/also given as a value/);
  });

  it('names params as Stripe does', () => {
    expect(stripeParam(['line_items', 0, 'price_data', 'currency'])).toBe('line_items[0][price_data][currency]');
  });
});

describe('sandbox API through the real stripe SDK', () => {
  it('speaks the API version the SDK pins (review the shapes when this changes)', () => {
    expect(Stripe.API_VERSION).toBe(SANDBOX_API_VERSION);
  });

  it('creates a Checkout Session shaped like Stripe’s and retrieves it', async () => {
    const { stripe } = setup();
    const session = await stripe.checkout.sessions.create(paymentParams());
    expect(session.id).toMatch(/^cs_test_[0-9A-Za-z]{58}$/);
    expect(session).toMatchObject({
      object: 'checkout.session',
      status: 'open',
      payment_status: 'unpaid',
      mode: 'payment',
      amount_total: 2500,
      amount_subtotal: 2500,
      currency: 'gbp',
      client_reference_id: 'gift_123',
      customer_email: 'reader@example.com',
      customer_details: null,
      customer: null,
      payment_intent: null,
      subscription: null,
      submit_type: 'donate',
      metadata: { gift_id: 'gift_123', frequency: 'one_off' },
      created: NOW / 1000,
      expires_at: NOW / 1000 + 24 * 3600,
      livemode: false,
      url: `${PUBLIC_URL}/sandbox/checkout/${session.id}`,
      success_url: `${PUBLIC_URL}/thank-you?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${PUBLIC_URL}/?cancelled=1`,
    });
    // payment_intent_data is not echoed on the session (it lands on the PaymentIntent)
    expect(session).not.toHaveProperty('payment_intent_data');

    const again = await stripe.checkout.sessions.retrieve(session.id);
    expect(again).toEqual(session);
  });

  it('expands what it holds and ignores what it cannot', async () => {
    const { stripe } = setup();
    const created = await stripe.checkout.sessions.create(paymentParams());
    const session = await stripe.checkout.sessions.retrieve(created.id, { expand: ['line_items', 'payment_intent', 'no_such.field'] });
    expect(session.payment_intent).toBeNull();
    expect(session.line_items?.data).toHaveLength(1);
    const item = session.line_items!.data[0]!;
    expect(item).toMatchObject({ object: 'item', amount_total: 2500, quantity: 1, description: 'One-off gift for The Harbour Ledger' });
    expect(item.price).toMatchObject({ object: 'price', type: 'one_time', unit_amount: 2500, currency: 'gbp', recurring: null });
    // the SDK turns decimal strings into its Decimal type: the wire format must be a string
    expect(String(item.price!.unit_amount_decimal)).toBe('2500');

    const createdExpanded = await stripe.checkout.sessions.create({ ...paymentParams(), expand: ['line_items'] });
    expect(createdExpanded.line_items?.data[0]?.amount_total).toBe(2500);

    const listed = await stripe.checkout.sessions.listLineItems(created.id);
    expect(listed.data.map((li) => li.id)).toEqual([item.id]);
  });

  it('creates a subscription-mode session from price_data with recurring', async () => {
    const { stripe } = setup();
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      client_reference_id: 'gift_9',
      metadata: { gift_id: 'gift_9' },
      subscription_data: { metadata: { gift_id: 'gift_9' }, description: 'Monthly support' },
      line_items: [
        { quantity: 1, price_data: { currency: 'gbp', unit_amount: 1000, product_data: { name: 'Monthly support' }, recurring: { interval: 'month' } } },
      ],
      success_url: `${PUBLIC_URL}/thank-you?session_id={CHECKOUT_SESSION_ID}`,
    });
    expect(session).toMatchObject({ mode: 'subscription', amount_total: 1000, status: 'open', subscription: null, invoice: null, cancel_url: null });
    const withItems = await stripe.checkout.sessions.retrieve(session.id, { expand: ['line_items'] });
    expect(withItems.line_items!.data[0]!.price!.recurring).toMatchObject({ interval: 'month', interval_count: 1 });
  });

  it('honours Idempotency-Key: the same key returns the same session, other parameters are refused', async () => {
    const { stripe } = setup();
    const first = await stripe.checkout.sessions.create(paymentParams(), { idempotencyKey: 'checkout-session:gift_123' });
    const second = await stripe.checkout.sessions.create(paymentParams(), { idempotencyKey: 'checkout-session:gift_123' });
    expect(second.id).toBe(first.id);
    expect(second).toEqual(first);
    expect(second.lastResponse.idempotencyKey).toBe('checkout-session:gift_123');

    const other = await stripe.checkout.sessions.create(paymentParams());
    expect(other.id).not.toBe(first.id);

    const err = await stripe.checkout.sessions
      .create(paymentParams({ client_reference_id: 'gift_other' }), { idempotencyKey: 'checkout-session:gift_123' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
  });

  it('rejects bad input with a Stripe-style 400 the SDK raises as StripeInvalidRequestError', async () => {
    const { stripe } = setup();
    const cases: Array<[Stripe.Checkout.SessionCreateParams, string | undefined, RegExp]> = [
      [
        paymentParams({ line_items: [{ quantity: 1, price_data: { unit_amount: 500, product_data: { name: 'x' } } as never }] }),
        'line_items[0][price_data][currency]',
        /Missing required param: line_items\[0\]\[price_data\]\[currency\]/,
      ],
      [paymentParams({ mode: 'bogus' as never }), 'mode', /Invalid mode/],
      [
        paymentParams({
          line_items: [{ quantity: 1, price_data: { currency: 'gbp', unit_amount: 500, product_data: { name: 'x' }, recurring: { interval: 'month' } } }],
        }),
        'line_items[0][price_data][recurring]',
        /passed a recurring price/,
      ],
      [
        paymentParams({ line_items: [{ quantity: 1, price_data: { currency: 'gbp', unit_amount: 29, product_data: { name: 'x' } } }] }),
        'line_items',
        /at least £0.30 gbp/,
      ],
      [
        paymentParams({ line_items: [{ quantity: 1, price_data: { currency: 'xyz', unit_amount: 500, product_data: { name: 'x' } } }] }),
        'line_items[0][price_data][currency]',
        /Invalid currency: xyz/,
      ],
      [paymentParams({ subscription_data: { metadata: { a: 'b' } } }), 'subscription_data', /can not pass `subscription_data` in `payment` mode/],
      [paymentParams({ customer_email: 'not-an-email' }), 'customer_email', /Invalid email address/],
      [paymentParams({ metadata: { ['k'.repeat(41)]: 'v' } }), `metadata[${'k'.repeat(41)}]`, /longer than 40 characters/],
    ];
    for (const [params, param, message] of cases) {
      const err = await stripe.checkout.sessions.create(params).catch((e: unknown) => e);
      expect(err, JSON.stringify(params)).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      const e = err as Stripe.errors.StripeInvalidRequestError;
      expect(e.statusCode).toBe(400);
      expect(e.param).toBe(param);
      expect(e.message).toMatch(message);
    }
  });

  it('answers unknown ids with 404 resource_missing', async () => {
    const { stripe } = setup();
    const err = (await stripe.checkout.sessions.retrieve('cs_test_nope').catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe('resource_missing');
    const sub = (await stripe.subscriptions.retrieve('sub_nope').catch((e: unknown) => e)) as Stripe.errors.StripeError;
    expect(sub.statusCode).toBe(404);
    expect(sub.message).toBe("No such subscription: 'sub_nope'");
  });

  it('speaks the raw wire format and refuses requests without a test key', async () => {
    const { api } = setup();
    const form = new URLSearchParams({
      mode: 'subscription',
      'line_items[0][quantity]': '1',
      'line_items[0][price_data][currency]': 'gbp',
      'line_items[0][price_data][unit_amount]': '1000',
      'line_items[0][price_data][product_data][name]': 'Monthly support',
      'line_items[0][price_data][recurring][interval]': 'month',
      'subscription_data[metadata][gift_id]': 'g1',
    });
    const ok = await api.request('/v1/checkout/sessions', {
      method: 'POST',
      headers: { authorization: `Bearer ${SANDBOX_SECRET_KEY}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('request-id')).toMatch(/^req_/);
    expect(await ok.json()).toMatchObject({ object: 'checkout.session', mode: 'subscription', amount_total: 1000 });

    const replayed = await api.request('/v1/checkout/sessions', {
      method: 'POST',
      headers: { authorization: `Bearer ${SANDBOX_SECRET_KEY}`, 'idempotency-key': 'k1' },
      body: form.toString(),
    });
    const replay = await api.request('/v1/checkout/sessions', {
      method: 'POST',
      headers: { authorization: `Bearer ${SANDBOX_SECRET_KEY}`, 'idempotency-key': 'k1' },
      body: form.toString(),
    });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await replay.text()).toBe(await replayed.text());

    const anonymous = await api.request('/v1/checkout/sessions', { method: 'POST', body: form.toString() });
    expect(anonymous.status).toBe(401);
    const live = await api.request('/v1/checkout/sessions', { method: 'POST', headers: { authorization: 'Bearer sk_live_abc' }, body: form.toString() });
    expect(live.status).toBe(401);

    const unknown = await api.request('/v1/billing_portal/configurations', { method: 'POST', headers: { authorization: `Bearer ${SANDBOX_SECRET_KEY}` } });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toMatch(
      /^Unrecognized request URL \(POST: \/v1\/billing_portal\/configurations\)/,
    );
  });

  it('keeps its state in the database, not in the client', async () => {
    const { stripe, db } = setup();
    const session = await stripe.checkout.sessions.create(paymentParams());
    const otherClient = createSandboxStripe({ db, now: () => NOW + 60_000, publicUrl: PUBLIC_URL });
    expect((await otherClient.checkout.sessions.retrieve(session.id)).id).toBe(session.id);
    // and reads as expired once expires_at has passed, as Stripe expires sessions itself
    const later = createSandboxStripe({ db, now: () => NOW + 25 * 3600 * 1000, publicUrl: PUBLIC_URL });
    expect((await later.checkout.sessions.retrieve(session.id)).status).toBe('expired');
  });
});
