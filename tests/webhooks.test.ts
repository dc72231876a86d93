import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { insertPendingGift, type NewGift } from '../src/ledger/ledger.repo.js';
import { leadingEventId, SIGNATURE_TOLERANCE_SECONDS } from '../src/webhooks/webhooks.routes.js';
import { buildTestContext, type TestContext } from './factories/deps.js';
import { buildGift } from './factories/gifts.js';
import { buildSupporter } from './factories/supporters.js';
import {
  buildCheckoutSession,
  buildEvent,
  buildInvoice,
  buildSubscription,
  signPayload,
  TEST_WEBHOOK_SECRET,
  type webhookRequest,
} from './factories/stripe.js';
import { count, snapshot } from './helpers/ledger.js';
import { startStripeMock } from './mocks/stripe-api.js';

const mock = startStripeMock();
beforeAll(() => mock.server.resetHandlers());
afterAll(() => mock.close());

let t: TestContext;
beforeEach(() => {
  t = buildTestContext();
  mock.store.subscriptions.clear();
});
afterEach(() => t.cleanup());

async function pendingGift(overrides: Partial<NewGift> = {}) {
  const gift = buildGift(overrides);
  await insertPendingGift(t.deps.db, gift, t.clock.ms);
  return gift;
}

const deliver = (event: Parameters<typeof webhookRequest>[0], opts?: Parameters<typeof webhookRequest>[1]) => t.app.request(t.webhook(event, opts));

describe('signature', () => {
  it('rejects a missing signature with 400 and records nothing', async () => {
    const res = await deliver(buildEvent('checkout.session.completed', buildCheckoutSession()), { signature: null });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ fields: { 'stripe-signature': 'required' } });
    expect(count(t.handle, 'stripe_events')).toBe(0);
  });

  it('rejects a signature made with another secret', async () => {
    const res = await deliver(buildEvent('checkout.session.completed', buildCheckoutSession()), { secret: 'whsec_someone_else' });
    expect(res.status).toBe(400);
    expect(count(t.handle, 'stripe_events')).toBe(0);
    expect(count(t.handle, 'ledger_entries')).toBe(0);
  });

  it('rejects a body changed after signing', async () => {
    const event = buildEvent('checkout.session.completed', buildCheckoutSession());
    const payload = JSON.stringify(event);
    const signature = signPayload(payload, { timestamp: Math.floor(t.clock.ms / 1000) });
    const res = await deliver(payload.replace('"amount_total":1000', '"amount_total":100000'), { signature });
    expect(res.status).toBe(400);
    expect(count(t.handle, 'stripe_events')).toBe(0);
  });

  it("rejects a stale timestamp (replay) older than Stripe's 300 s tolerance", async () => {
    const res = await deliver(buildEvent('checkout.session.completed', buildCheckoutSession()), { timestamp: Math.floor(t.clock.ms / 1000) - 600 });
    expect(res.status).toBe(400);
    expect(count(t.handle, 'stripe_events')).toBe(0);
  });
});

describe('signature time and secret rotation', () => {
  // an event with no money in it: what is checked here is only whether it is let in
  const expired = () => buildEvent('checkout.session.expired', buildCheckoutSession({ status: 'expired', payment_status: 'unpaid' }));
  const nowSec = () => Math.floor(t.clock.ms / 1000);

  it("measures a signature's age on the app's clock, 300 s either way: stale and future timestamps are refused, nearer ones accepted", async () => {
    const cases = [
      { offset: -(SIGNATURE_TOLERANCE_SECONDS + 60), status: 400 },
      { offset: SIGNATURE_TOLERANCE_SECONDS + 60, status: 400 },
      { offset: 24 * 3600, status: 400 },
      { offset: -(SIGNATURE_TOLERANCE_SECONDS - 60), status: 200 },
      { offset: SIGNATURE_TOLERANCE_SECONDS - 60, status: 200 },
    ];
    for (const c of cases) {
      const event = expired();
      const res = await deliver(event, { timestamp: nowSec() + c.offset });
      expect({ offset: c.offset, status: res.status }).toEqual({ offset: c.offset, status: c.status });
      if (c.status === 400) expect(await res.json()).toMatchObject({ fields: { 'stripe-signature': 'invalid' } });
      expect(count(t.handle, 'stripe_events')).toBe(cases.slice(0, cases.indexOf(c) + 1).filter((x) => x.status === 200).length);
    }
  });

  it('refuses a header without a timestamp, or with one that is not a number', async () => {
    const payload = JSON.stringify(expired());
    const good = signPayload(payload, { timestamp: nowSec() });
    const v1 = good.split(',').find((p) => p.startsWith('v1='))!;
    for (const header of [v1, `t=soon,${v1}`]) {
      const res = await deliver(payload, { signature: header });
      expect(res.status).toBe(400);
    }
    expect(count(t.handle, 'stripe_events')).toBe(0);
  });

  it('accepts an event signed with any configured secret while one is rotated, and no other', async () => {
    await t.cleanup();
    t = buildTestContext({ STRIPE_WEBHOOK_SECRET: `whsec_rotated_in_new,${TEST_WEBHOOK_SECRET}` });
    const signedWith = async (secret: string) => (await deliver(expired(), { secret, timestamp: nowSec() })).status;
    expect(await signedWith('whsec_rotated_in_new')).toBe(200);
    expect(await signedWith(TEST_WEBHOOK_SECRET)).toBe(200);
    expect(await signedWith('whsec_someone_else')).toBe(400);
    // a stale signature with a configured secret says why, not merely that no secret matched
    const stale = await deliver(expired(), { secret: TEST_WEBHOOK_SECRET, timestamp: nowSec() - 3600 });
    expect(stale.status).toBe(400);
    expect(JSON.stringify(await stale.json())).toMatch(/tolerance/);
    expect(count(t.handle, 'stripe_events')).toBe(2);
  });

  it('accepts a header carrying one signature per secret, as Stripe sends while an old secret is still valid', async () => {
    const payload = JSON.stringify(expired());
    const ours = signPayload(payload, { timestamp: nowSec() });
    const theirs = signPayload(payload, { timestamp: nowSec(), secret: 'whsec_expiring_old' });
    const header = `${ours},v1=${theirs.split('v1=')[1]}`;
    expect((await deliver(payload, { signature: header })).status).toBe(200);
  });
});

describe('parsing a verified body', () => {
  it('knows a redelivery by its id, however the event is laid out, and applies it once', async () => {
    const gift = await pendingGift();
    const event = buildEvent('checkout.session.completed', buildCheckoutSession({ client_reference_id: gift.id, amount_total: 1000 }));
    // as Stripe sends it: pretty-printed, "id" first
    const pretty = JSON.stringify(event, null, 2);
    expect(leadingEventId(pretty)).toBe(event.id);
    // the same event with its keys in another order: found only by parsing it
    const { id, ...rest } = event;
    const reordered = JSON.stringify({ ...rest, id });
    expect(leadingEventId(reordered)).toBeNull();
    expect(await (await deliver(reordered)).json()).toEqual({ received: true });
    expect(await (await deliver(pretty)).json()).toEqual({ received: true, duplicate: true });
    expect(await (await deliver(reordered)).json()).toEqual({ received: true, duplicate: true });
    expect(count(t.handle, 'ledger_entries')).toBe(1);
  });

  it("never takes a nested id for the event's own", () => {
    expect(leadingEventId('{"data": {"object": {"id": "evt_nested"}}, "id": "evt_real"}')).toBeNull();
    expect(leadingEventId('{"object":"event","id":"evt_second"}')).toBeNull();
    expect(leadingEventId('{ "id" : "evt_1AbC_2" , "object": "event"}')).toBe('evt_1AbC_2');
  });

  it('refuses a correctly signed body that is not a Stripe event, naming the body, and records nothing', async () => {
    for (const body of [
      'not json',
      '{"id": "evt_1", "object": "v2.core.event", "type": "x"}',
      '[]',
      '{"id": "evt_1", "object": "event", "type": "x", "data": {}, "id": "evt_2"}',
    ]) {
      const res = await deliver(body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ fields: { body: expect.any(String) } });
    }
    expect(count(t.handle, 'stripe_events')).toBe(0);
  });
});

describe('one-off gifts', () => {
  it('records a paid session once, however many times it is delivered', async () => {
    const gift = await pendingGift();
    const session = buildCheckoutSession({
      client_reference_id: gift.id,
      metadata: { gift_id: gift.id },
      amount_total: 1000,
      customer_details: { email: 'Reader@Example.com', name: 'A Reader' },
    });
    const event = buildEvent('checkout.session.completed', session);
    const replies = [];
    for (let i = 0; i < 5; i++) replies.push(await deliver(event));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await replies[1]!.json()).toEqual({ received: true, duplicate: true });

    const s = snapshot(t.handle);
    expect(s.entries).toEqual([
      {
        key: `payment:${session.payment_intent}`,
        kind: 'gift',
        gift_id: gift.id,
        frequency: 'one_off',
        amount_minor: 1000,
        currency: 'gbp',
        email: 'reader@example.com',
        stripe_id: session.payment_intent,
        occurred_at: event.created * 1000,
        has_recurring: 0,
      },
    ]);
    expect(s.gifts).toMatchObject([
      { id: gift.id, status: 'paid', has_supporter: 1, payment_intent_id: session.payment_intent, article: 'harbour-water', campaign: 'winter' },
    ]);
    expect(s.supporters).toEqual([{ email: 'reader@example.com', name: 'A Reader', stripe_customer_id: session.customer }]);
    expect(s.outbox).toEqual([{ key: `receipt:payment:${session.payment_intent}`, template: 'receipt', to_address: 'reader@example.com' }]);
    expect(count(t.handle, 'stripe_events')).toBe(1);
  });

  it("joins a returning supporter's gift to their row, keeping the name they have and filling a missing customer", async () => {
    const known = buildSupporter({ name: 'Known Name', stripeCustomerId: null });
    t.handle.sqlite
      .prepare('insert into supporters (id, email, name, stripe_customer_id, created_at) values (?, ?, ?, ?, ?)')
      .run(known.id, known.email, known.name, known.stripeCustomerId, known.createdAt);
    const gift = await pendingGift();
    const session = buildCheckoutSession({
      client_reference_id: gift.id,
      metadata: { gift_id: gift.id },
      customer_details: { email: known.email.toUpperCase(), name: 'Another Name' },
    });
    expect((await deliver(buildEvent('checkout.session.completed', session))).status).toBe(200);
    expect(snapshot(t.handle).supporters).toEqual([{ email: known.email, name: 'Known Name', stripe_customer_id: session.customer }]);
    expect(t.handle.sqlite.prepare('select supporter_id from gifts where id = ?').get(gift.id)).toEqual({ supporter_id: known.id });
  });

  it('keeps an async payment pending until it succeeds, in either order', async () => {
    for (const order of [
      ['completed', 'succeeded'],
      ['succeeded', 'completed'],
    ] as const) {
      const gift = await pendingGift();
      const base = { client_reference_id: gift.id, customer_details: { email: 'bank@example.com' } };
      const completed = buildEvent('checkout.session.completed', buildCheckoutSession({ ...base, payment_status: 'unpaid' }));
      const session = completed.data.object as { id: string; payment_intent: string };
      const succeeded = buildEvent(
        'checkout.session.async_payment_succeeded',
        buildCheckoutSession({ ...base, id: session.id, payment_intent: session.payment_intent, payment_status: 'paid' }),
        { created: completed.created + 120 },
      );
      const events = { completed, succeeded };
      await deliver(events[order[0]]);
      if (order[0] === 'completed') {
        expect(snapshot(t.handle).gifts.find((g) => (g as { id: string }).id === gift.id)).toMatchObject({ status: 'processing' });
        expect(count(t.handle, 'ledger_entries')).toBe(0);
      }
      await deliver(events[order[1]]);
      const g = snapshot(t.handle).gifts.find((x) => (x as { id: string }).id === gift.id);
      expect(g).toMatchObject({ status: 'paid' });
    }
    expect(count(t.handle, 'ledger_entries')).toBe(2);
  });

  it('marks a failed async payment failed and an expired session expired, with no money', async () => {
    const a = await pendingGift();
    const b = await pendingGift();
    await deliver(buildEvent('checkout.session.async_payment_failed', buildCheckoutSession({ client_reference_id: a.id, payment_status: 'unpaid' })));
    await deliver(buildEvent('checkout.session.expired', buildCheckoutSession({ client_reference_id: b.id, status: 'expired', payment_status: 'unpaid' })));
    const gifts = snapshot(t.handle).gifts as { id: string; status: string }[];
    expect(gifts.find((g) => g.id === a.id)?.status).toBe('failed');
    expect(gifts.find((g) => g.id === b.id)?.status).toBe('expired');
    expect(count(t.handle, 'ledger_entries')).toBe(0);
  });

  it('an expiry delivered after the payment does not undo it', async () => {
    const gift = await pendingGift();
    await deliver(buildEvent('checkout.session.completed', buildCheckoutSession({ client_reference_id: gift.id })));
    await deliver(buildEvent('checkout.session.expired', buildCheckoutSession({ client_reference_id: gift.id, status: 'expired', payment_status: 'unpaid' })));
    expect(snapshot(t.handle).gifts).toMatchObject([{ status: 'paid' }]);
  });

  it('records a payment that did not start at our checkout (a Payment Link), without attribution', async () => {
    const session = buildCheckoutSession({
      client_reference_id: null,
      metadata: {},
      payment_link: 'plink_123',
      amount_total: 2500,
      customer_details: { email: 'link@example.com' },
    });
    const event = buildEvent('checkout.session.completed', session);
    await deliver(event);
    await deliver(event);
    const s = snapshot(t.handle);
    expect(s.gifts).toMatchObject([{ id: `gift_x_${session.id}`, status: 'paid', from_checkout: 0, article: null, amount_minor: 2500 }]);
    expect(s.entries).toMatchObject([{ amount_minor: 2500, gift_id: `gift_x_${session.id}` }]);
  });
});

describe('recurring gifts', () => {
  async function subscriptionSequence() {
    const gift = await pendingGift({ frequency: 'monthly', email: 'monthly@example.com' });
    const sub = buildSubscription({ metadata: { gift_id: gift.id }, status: 'active' });
    const session = buildCheckoutSession({
      mode: 'subscription',
      client_reference_id: gift.id,
      payment_intent: null,
      subscription: sub.id,
      customer: sub.customer as string,
      customer_details: { email: 'monthly@example.com' },
    });
    const first = buildInvoice({
      customer: sub.customer as string,
      customer_email: 'monthly@example.com',
      parent: { subscription_details: { subscription: sub.id, metadata: { gift_id: gift.id } } },
    });
    const renewal = buildInvoice({
      billing_reason: 'subscription_cycle',
      customer: sub.customer as string,
      customer_email: 'monthly@example.com',
      status_transitions: { paid_at: 1_766_600_000 },
      parent: { subscription_details: { subscription: sub.id, metadata: { gift_id: gift.id } } },
    });
    const t0 = 1_764_000_000;
    const events = [
      buildEvent('customer.subscription.created', { ...sub, status: 'incomplete' }, { created: t0 }),
      buildEvent('invoice.paid', first, { created: t0 + 1 }),
      buildEvent('customer.subscription.updated', sub, { created: t0 + 1 }),
      buildEvent('checkout.session.completed', session, { created: t0 + 2 }),
      buildEvent('invoice.paid', renewal, { created: t0 + 2_600_000 }),
      buildEvent('customer.subscription.updated', { ...sub, cancel_at_period_end: true }, { created: t0 + 2_700_000 }),
    ];
    return { gift, sub, events, first, renewal };
  }

  it('records every paid invoice once and links supporter, gift and subscription', async () => {
    const { gift, sub, events, first, renewal } = await subscriptionSequence();
    for (const e of events) expect((await deliver(e)).status).toBe(200);
    const s = snapshot(t.handle);
    expect(s.entries).toEqual(
      [
        expect.objectContaining({ key: `invoice:${first.id}`, kind: 'gift', frequency: 'monthly', amount_minor: 1000, gift_id: gift.id, has_recurring: 1 }),
        expect.objectContaining({
          key: `invoice:${renewal.id}`,
          kind: 'renewal',
          frequency: 'monthly',
          amount_minor: 1000,
          gift_id: gift.id,
          has_recurring: 1,
        }),
      ].sort((a, b) => (a.key < b.key ? -1 : 1)),
    );
    expect(s.recurring).toEqual([
      {
        stripe_subscription_id: sub.id,
        gift_id: gift.id,
        status: 'active',
        interval: 'month',
        amount_minor: 1000,
        currency: 'gbp',
        cancel_at_period_end: 1,
        has_supporter: 1,
      },
    ]);
    expect(s.gifts).toMatchObject([{ id: gift.id, status: 'paid', subscription_id: sub.id, has_supporter: 1 }]);
  });

  it('ends in the same state for every delivery order, with duplicates', async () => {
    const { events } = await subscriptionSequence();
    for (const e of events) await deliver(e);
    const expected = snapshot(t.handle);
    const orders = [
      [...events].reverse(),
      [events[4], events[5], events[1], events[3], events[0], events[2]],
      [events[3], events[3], events[2], events[0], events[5], events[1], events[4], events[1]],
    ];
    for (const order of orders) {
      await t.cleanup();
      t = buildTestContext();
      // the same gift id must exist in the fresh database
      const giftId = (expected.gifts[0] as { id: string }).id;
      await pendingGift({ id: giftId, frequency: 'monthly', email: 'monthly@example.com' });
      for (const e of order) expect((await deliver(e!)).status).toBe(200);
      const got = snapshot(t.handle);
      expect(got.entries.map(({ occurred_at, ...e }) => e)).toEqual(expected.entries.map(({ occurred_at, ...e }) => e));
      expect(got.recurring).toEqual(expected.recurring);
      expect(got.gifts).toEqual(expected.gifts);
    }
  });

  it('a cancellation is not undone by an older update that arrives late', async () => {
    const { sub } = await subscriptionSequence();
    await deliver(buildEvent('customer.subscription.deleted', { ...sub, status: 'canceled' }, { created: 1_764_100_000 }));
    await deliver(buildEvent('customer.subscription.updated', sub, { created: 1_764_050_000 }));
    expect(snapshot(t.handle).recurring).toMatchObject([{ status: 'canceled' }]);
  });

  it('asks Stripe for the subscription when an invoice arrives for one we do not know', async () => {
    const sub = buildSubscription({ items: { data: [{ price: { recurring: { interval: 'year' }, unit_amount: 6000 } } as never] } });
    mock.store.subscriptions.set(sub.id, sub);
    const invoice = buildInvoice({ amount_paid: 6000, parent: { subscription_details: { subscription: sub.id, metadata: {} } } });
    expect((await deliver(buildEvent('invoice.paid', invoice))).status).toBe(200);
    const s = snapshot(t.handle);
    expect(s.entries).toMatchObject([{ frequency: 'annual', amount_minor: 6000, gift_id: `gift_x_${sub.id}` }]);
    expect(s.recurring).toMatchObject([{ interval: 'year', status: 'active' }]);
  });
});

describe('failures and unknown events', () => {
  it('returns 500 and leaves the event unprocessed when a handler fails; the retry applies it', async () => {
    const sub = buildSubscription();
    const invoice = buildInvoice({ parent: { subscription_details: { subscription: sub.id, metadata: {} } } });
    const event = buildEvent('invoice.paid', invoice);
    mock.store.subscriptions.set(sub.id, sub);
    // Stripe's API is down for the handler's one fetch, so the handler throws (an object Stripe
    // does not have is another matter: quarantined, in webhooks.quarantine.test.ts).
    mock.server.use(
      http.get(
        `https://api.stripe.com/v1/subscriptions/${sub.id}`,
        () => HttpResponse.json({ error: { type: 'api_error', message: 'Stripe is unavailable' } }, { status: 503 }),
        {
          once: true,
        },
      ),
    );
    const first = await deliver(event);
    expect(first.status).toBe(500);
    const row = t.handle.sqlite.prepare('select processed_at, attempts, last_error, quarantined_at from stripe_events where id = ?').get(event.id) as Record<
      string,
      unknown
    >;
    expect(row).toMatchObject({ processed_at: null, attempts: 1, quarantined_at: null });
    expect(String(row.last_error)).toMatch(/Stripe is unavailable/);
    expect(count(t.handle, 'ledger_entries')).toBe(0);

    expect((await deliver(event)).status).toBe(200);
    expect(count(t.handle, 'ledger_entries')).toBe(1);
    expect(t.handle.sqlite.prepare('select processed_at is not null as done, attempts from stripe_events').get()).toEqual({ done: 1, attempts: 2 });
  });

  it('stores and acknowledges event types it does not act on', async () => {
    const event = buildEvent('plan.created', { id: 'plan_1', object: 'plan' });
    const res = await deliver(event);
    expect(res.status).toBe(200);
    expect(t.handle.sqlite.prepare('select type, processed_at is not null as done from stripe_events').get()).toEqual({ type: 'plan.created', done: 1 });
  });
});
