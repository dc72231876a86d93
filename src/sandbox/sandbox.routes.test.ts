import { Hono } from 'hono';
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateNodeDb, openNodeDb, type NodeDb } from '../../db/node.js';
import { loadConfig, type Config } from '../config.js';
import { createLogger, type AppEnv, type Deps } from '../deps.js';
import { createSandboxStripe } from './sandbox.client.js';
import type { Deliver } from './sandbox.delivery.js';
import { sandboxRoutes } from './sandbox.routes.js';
import { createMailPort } from '../mail/mail.port.js';

const NOW = Math.floor(Date.now() / 1000) * 1000;

type Delivered = { url: string; payload: string; signature: string; contentType: string | null };

let handle: NodeDb | undefined;
afterEach(() => handle?.close());

function setup(opts: { respond?: (n: number) => number; config?: Config } = {}) {
  handle = openNodeDb(':memory:');
  migrateNodeDb(handle);
  const config = opts.config ?? loadConfig({ NODE_ENV: 'test' });
  let now = NOW;
  const clock = () => now;
  const stripe = createSandboxStripe({ db: handle.db, now: clock, publicUrl: config.publicUrl });
  const deps: Deps = {
    db: handle.db,
    stripe,
    config,
    now: clock,
    log: createLogger('silent', () => {}),
    mail: createMailPort(clock),
    clientAddress: () => null,
    webhookCrypto: Stripe.createSubtleCryptoProvider(),
  };
  const delivered: Delivered[] = [];
  const deliver: Deliver = async (req) => {
    delivered.push({
      url: req.url,
      payload: await req.text(),
      signature: req.headers.get('stripe-signature') ?? '',
      contentType: req.headers.get('content-type'),
    });
    const status = opts.respond ? opts.respond(delivered.length) : 200;
    return new Response(status < 300 ? '{"received":true}' : '{"error":"handler exploded"}', { status });
  };
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set('deps', deps);
    await next();
  });
  app.route('/sandbox', sandboxRoutes(deliver));
  const post = (path: string, form: Record<string, string> = {}) =>
    app.request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
  return { app, deps, stripe, config, delivered, post, setNow: (ms: number) => (now = ms) };
}

function oneOff(stripe: Stripe, publicUrl: string) {
  return stripe.checkout.sessions.create({
    mode: 'payment',
    submit_type: 'donate',
    customer_creation: 'always',
    client_reference_id: 'gift_1',
    customer_email: 'reader@example.com',
    metadata: { gift_id: 'gift_1', frequency: 'one_off' },
    payment_intent_data: { metadata: { gift_id: 'gift_1', frequency: 'one_off' }, description: 'One-off gift' },
    line_items: [{ quantity: 1, price_data: { currency: 'gbp', unit_amount: 2500, product_data: { name: 'One-off gift for The Harbour Ledger' } } }],
    success_url: `${publicUrl}/thank-you?session_id={CHECKOUT_SESSION_ID}`,
    cancel_url: `${publicUrl}/?cancelled=1#support`,
  });
}

function monthly(stripe: Stripe, publicUrl: string) {
  return stripe.checkout.sessions.create({
    mode: 'subscription',
    client_reference_id: 'gift_2',
    customer_email: 'reader@example.com',
    metadata: { gift_id: 'gift_2', frequency: 'monthly' },
    subscription_data: { metadata: { gift_id: 'gift_2', frequency: 'monthly' }, description: 'Monthly support' },
    line_items: [
      {
        quantity: 1,
        price_data: { currency: 'gbp', unit_amount: 1000, product_data: { name: 'Monthly support for The Harbour Ledger' }, recurring: { interval: 'month' } },
      },
    ],
    success_url: `${publicUrl}/thank-you?session_id={CHECKOUT_SESSION_ID}`,
    cancel_url: `${publicUrl}/?cancelled=1#support`,
  });
}

async function verified(d: Delivered, secret: string): Promise<Stripe.Event> {
  return Stripe.webhooks.constructEventAsync(d.payload, d.signature, secret, undefined, Stripe.createSubtleCryptoProvider());
}

const path = (session: Stripe.Checkout.Session) => new URL(session.url!).pathname;

describe('the test checkout page', () => {
  it('shows the publication, the amount and frequency, the prefilled email and test card, and three buttons', async () => {
    const { app, stripe, config } = setup();
    const session = await monthly(stripe, config.publicUrl);
    const res = await app.request(path(session));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Test mode: no real money moves');
    expect(html).toContain(config.publicationName);
    expect(html).toContain('£10 a month');
    expect(html).toMatch(/name="email"[^>]*required[^>]*value="reader@example.com"/);
    expect(html).toContain('4242 4242 4242 4242');
    expect(html).toContain(`action="/sandbox/checkout/${session.id}/pay"`);
    expect(html).toMatch(/<button[^>]*>Pay £10 a month<\/button>/);
    expect(html).toMatch(new RegExp(`formaction="/sandbox/checkout/${session.id}/decline"[^>]*>\\s*Decline`));
    expect(html).toMatch(new RegExp(`formaction="/sandbox/checkout/${session.id}/cancel"[^>]*>\\s*Cancel`));
  });

  it('shows a one-off amount and an unknown session', async () => {
    const { app, stripe, config } = setup();
    const session = await oneOff(stripe, config.publicUrl);
    expect(await (await app.request(path(session))).text()).toContain('£25 one-off');
    expect((await app.request('/sandbox/checkout/cs_test_missing')).status).toBe(404);
  });

  it('is refused unless Stripe is in sandbox mode', async () => {
    const live = loadConfig({ NODE_ENV: 'test', STRIPE_SECRET_KEY: 'sk_test_realkey', STRIPE_WEBHOOK_SECRET: 'whsec_real' });
    const { app, post } = setup({ config: live });
    expect((await app.request('/sandbox/checkout/cs_test_x')).status).toBe(403);
    expect((await post('/sandbox/checkout/cs_test_x/pay', { email: 'a@b.co', name: 'A' })).status).toBe(403);
  });
});

describe('paying', () => {
  it('payment mode: marks the session paid, sends a signed checkout.session.completed, then follows success_url', async () => {
    const { stripe, config, delivered, post } = setup();
    const session = await oneOff(stripe, config.publicUrl);
    const res = await post(`${path(session)}/pay`, { email: 'changed@example.com', name: 'Ada Reader' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${config.publicUrl}/thank-you?session_id=${session.id}`);

    // the session, then the charge's settlement (its fee and net)
    expect(delivered).toHaveLength(2);
    expect(delivered[0]!.url).toBe(`${config.publicUrl}/webhooks/stripe`);
    expect(delivered[0]!.contentType).toMatch(/^application\/json/);
    const event = await verified(delivered[0]!, config.stripe.webhookSecret);
    expect(event).toMatchObject({
      object: 'event',
      type: 'checkout.session.completed',
      api_version: '2026-10-28.endive',
      created: NOW / 1000,
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
    });
    expect(event.id).toMatch(/^evt_/);
    const completed = event.data.object as Stripe.Checkout.Session;
    expect(completed).toMatchObject({
      id: session.id,
      status: 'complete',
      payment_status: 'paid',
      client_reference_id: 'gift_1',
      metadata: { gift_id: 'gift_1', frequency: 'one_off' },
      customer_details: { email: 'changed@example.com', name: 'Ada Reader' },
      subscription: null,
      amount_total: 2500,
    });
    expect(completed.customer).toMatch(/^cus_/);
    expect(completed.payment_intent).toMatch(/^pi_/);

    // the store agrees, and the objects it created are retrievable through the SDK
    expect(await stripe.checkout.sessions.retrieve(session.id)).toEqual(completed);
    const pi = await stripe.paymentIntents.retrieve(completed.payment_intent as string);
    expect(pi).toMatchObject({ status: 'succeeded', amount: 2500, amount_received: 2500, currency: 'gbp', customer: completed.customer });
    expect(pi.metadata).toEqual({ gift_id: 'gift_1', frequency: 'one_off' });
    const customer = await stripe.customers.retrieve(completed.customer as string);
    expect(customer).toMatchObject({ object: 'customer', email: 'changed@example.com', name: 'Ada Reader' });
  });

  it('payment mode without customer_creation=always makes no customer, as Stripe does', async () => {
    const { stripe, config, delivered, post } = setup();
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ quantity: 2, price_data: { currency: 'usd', unit_amount: 500, product_data: { name: 'Gift' } } }],
    });
    const res = await post(`${path(session)}/pay`, { email: 'r@example.com', name: 'R' });
    // no success_url: a completion page instead of a redirect
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Payment complete');
    const event = await verified(delivered[0]!, config.stripe.webhookSecret);
    expect(event.data.object).toMatchObject({ customer: null, amount_total: 1000, customer_details: { email: 'r@example.com' } });
  });

  it('subscription mode: sends subscription, invoice and session events, signed, in order, shaped for 2026-10-28', async () => {
    const { stripe, config, delivered, post } = setup();
    const session = await monthly(stripe, config.publicUrl);
    const res = await post(`${path(session)}/pay`, { email: 'reader@example.com', name: 'Ada Reader' });
    expect(res.status).toBe(303);

    const events = await Promise.all(delivered.map((d) => verified(d, config.stripe.webhookSecret)));
    expect(events.map((e) => e.type)).toEqual([
      'customer.subscription.created',
      'invoice.paid',
      'invoice_payment.paid',
      'checkout.session.completed',
      'charge.updated',
    ]);
    expect(new Set(events.map((e) => e.id)).size).toBe(5);
    for (let i = 1; i < events.length; i++) expect(events[i]!.created).toBeGreaterThanOrEqual(events[i - 1]!.created);

    const sub = events[0]!.data.object as Stripe.Subscription;
    const invoice = events[1]!.data.object as Stripe.Invoice;
    const payment = events[2]!.data.object as Stripe.InvoicePayment;
    const completed = events[3]!.data.object as Stripe.Checkout.Session;

    // the invoice names no payment under this API version; its InvoicePayment does
    expect(payment).toMatchObject({ invoice: invoice.id, status: 'paid', amount_paid: invoice.amount_paid, payment: { type: 'payment_intent' } });
    expect(payment.payment.payment_intent).toMatch(/^pi_/);

    expect(completed).toMatchObject({ status: 'complete', payment_status: 'paid', payment_intent: null, subscription: sub.id, invoice: invoice.id });
    expect(completed.customer).toMatch(/^cus_/);

    expect(sub).toMatchObject({ object: 'subscription', status: 'active', customer: completed.customer, cancel_at_period_end: false, currency: 'gbp' });
    expect(sub.id).toMatch(/^sub_/);
    expect(sub.metadata).toEqual({ gift_id: 'gift_2', frequency: 'monthly' });
    const item = sub.items.data[0]!;
    expect(item.price).toMatchObject({ currency: 'gbp', unit_amount: 1000, recurring: { interval: 'month', interval_count: 1 } });
    expect(item.price.id).toMatch(/^price_/);
    expect(item.current_period_start).toBe(NOW / 1000);
    expect(item.current_period_end).toBeGreaterThan(item.current_period_start + 27 * 86_400);

    expect(invoice).toMatchObject({
      object: 'invoice',
      status: 'paid',
      billing_reason: 'subscription_create',
      amount_paid: 1000,
      amount_due: 1000,
      currency: 'gbp',
      customer: completed.customer,
      customer_email: 'reader@example.com',
      parent: { type: 'subscription_details', subscription_details: { subscription: sub.id, metadata: { gift_id: 'gift_2', frequency: 'monthly' } } },
      status_transitions: { paid_at: NOW / 1000 },
    });
    expect(invoice.id).toMatch(/^in_/);
    // API 2026-10-28 invoices have none of these
    for (const gone of ['charge', 'payment_intent', 'subscription', 'paid']) expect(invoice).not.toHaveProperty(gone);
    const line = invoice.lines.data[0]!;
    expect(line).toMatchObject({ amount: 1000, period: { start: NOW / 1000, end: item.current_period_end } });
    expect(line.pricing?.price_details).toMatchObject({ price: item.price.id, product: item.price.product });

    const retrieved = await stripe.subscriptions.retrieve(sub.id);
    expect(retrieved.id).toBe(sub.id);
    expect(retrieved.items.data[0]!.price.recurring?.interval).toBe('month');
    expect(retrieved.metadata).toEqual(sub.metadata);
    const expanded = await stripe.checkout.sessions.retrieve(session.id, { expand: ['subscription.latest_invoice'] });
    expect(((expanded.subscription as Stripe.Subscription).latest_invoice as Stripe.Invoice).id).toBe(invoice.id);
  });

  it('does not pay or send anything twice', async () => {
    const { app, stripe, config, delivered, post } = setup();
    const session = await oneOff(stripe, config.publicUrl);
    expect((await post(`${path(session)}/pay`, { email: 'a@example.com', name: 'A' })).status).toBe(303);
    const again = await post(`${path(session)}/pay`, { email: 'a@example.com', name: 'A' });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('already complete');
    expect(delivered).toHaveLength(2);
    const page = await (await app.request(path(session))).text();
    expect(page).toContain('already complete');
    expect(page).toContain(`/thank-you?session_id=${session.id}`);
  });

  it('makes only one payment from two concurrent submissions', async () => {
    const { stripe, config, delivered, post } = setup();
    const session = await oneOff(stripe, config.publicUrl);
    const results = await Promise.all([1, 2, 3].map(() => post(`${path(session)}/pay`, { email: 'a@example.com', name: 'A' })));
    expect(results.map((r) => r.status).sort()).toEqual([303, 409, 409]);
    expect(delivered).toHaveLength(2);
  });

  it('asks for a valid email before paying', async () => {
    const { stripe, config, delivered, post } = setup();
    const session = await oneOff(stripe, config.publicUrl);
    const res = await post(`${path(session)}/pay`, { email: 'nope', name: 'A' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Enter a valid email address');
    expect(delivered).toHaveLength(0);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
  });

  it('says which event failed when our endpoint refuses it, and can retry just the failures', async () => {
    let failing = true;
    const { stripe, config, delivered, post } = setup({ respond: (n) => (failing && n === 2 ? 500 : 200) });
    const session = await monthly(stripe, config.publicUrl);
    const res = await post(`${path(session)}/pay`, { email: 'reader@example.com', name: 'Ada' });
    expect(res.status).toBe(502);
    const html = await res.text();
    expect(html).toContain('invoice.paid');
    expect(html).toContain('HTTP 500');
    expect(html).toContain('handler exploded');
    expect(html).not.toContain('customer.subscription.created</strong>');
    expect(delivered.map((d) => JSON.parse(d.payload).type)).toEqual([
      'customer.subscription.created',
      'invoice.paid',
      'invoice_payment.paid',
      'checkout.session.completed',
      'charge.updated',
    ]);
    const failedId = JSON.parse(delivered[1]!.payload).id;

    failing = false;
    const retry = await post(`${path(session)}/redeliver`);
    expect(retry.status).toBe(303);
    expect(retry.headers.get('location')).toBe(`${config.publicUrl}/thank-you?session_id=${session.id}`);
    expect(delivered).toHaveLength(6);
    const resent = await verified(delivered[5]!, config.stripe.webhookSecret);
    expect(resent.id).toBe(failedId);
  });

  it('reports a deliver that throws as a failure, not a success', async () => {
    const { deps, stripe, config } = setup();
    const throwing = new Hono<AppEnv>();
    throwing.use(async (c, next) => {
      c.set('deps', deps);
      await next();
    });
    throwing.route(
      '/sandbox',
      sandboxRoutes(() => Promise.reject(new Error('connection refused'))),
    );
    const session = await oneOff(stripe, config.publicUrl);
    const res = await throwing.request(`${path(session)}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'email=a%40example.com&name=A',
    });
    expect(res.status).toBe(502);
    const html = await res.text();
    expect(html).toContain('checkout.session.completed');
    expect(html).toContain('connection refused');
  });
});

describe('declining, cancelling and expiry', () => {
  it('decline keeps the reader on the page with the message and sends nothing', async () => {
    const { stripe, config, delivered, post } = setup();
    const session = await oneOff(stripe, config.publicUrl);
    const res = await post(`${path(session)}/decline`, { email: 'typed@example.com', name: 'T' });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Your card was declined (test card). No money was taken.');
    expect(html).toContain('value="typed@example.com"');
    expect(delivered).toHaveLength(0);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
  });

  it('cancel goes to cancel_url and leaves the session open', async () => {
    const { stripe, config, delivered, post } = setup();
    const session = await oneOff(stripe, config.publicUrl);
    const res = await post(`${path(session)}/cancel`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${config.publicUrl}/?cancelled=1#support`);
    expect(delivered).toHaveLength(0);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
  });

  it("lets the page's Cancel and Pay forms follow their redirect to a publisher's page, as Stripe's own page does", async () => {
    // Chromium applies form-action to a form's redirects: a fragment gift's cancel_url is on the publisher's site
    const config = loadConfig({ NODE_ENV: 'test', PUBLISHER_ORIGINS: 'https://news.example' });
    const { app, stripe, post } = setup({ config });
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      client_reference_id: 'gift_3',
      metadata: { gift_id: 'gift_3', frequency: 'one_off' },
      line_items: [{ quantity: 1, price_data: { currency: 'gbp', unit_amount: 500, product_data: { name: 'One-off gift' } } }],
      success_url: `${config.publicUrl}/thank-you?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: 'https://news.example/story',
    });
    const page = await app.request(path(session));
    const formAction = /(?:^|;)\s*form-action ([^;]*)/.exec(page.headers.get('content-security-policy') ?? '')?.[1]?.split(' ');
    expect(formAction).toEqual(["'self'", 'https://news.example']);
    expect((await post(`${path(session)}/cancel`)).headers.get('location')).toBe('https://news.example/story');
  });

  it('an expired session cannot be paid', async () => {
    const { app, stripe, config, delivered, post, setNow } = setup();
    const session = await oneOff(stripe, config.publicUrl);
    setNow(NOW + 24 * 3600 * 1000 + 1000);
    expect(await (await app.request(path(session))).text()).toContain('has expired');
    expect((await post(`${path(session)}/pay`, { email: 'a@example.com', name: 'A' })).status).toBe(409);
    expect(delivered).toHaveLength(0);
  });
});
