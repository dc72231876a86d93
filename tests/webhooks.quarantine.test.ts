// Correctly signed but malformed Stripe events, of every type the webhook handles: each is
// answered 2xx (so Stripe stops retrying), writes no money and no email, is listed as
// quarantined with the bad field named, and a later well-formed event for the same object
// still applies.
import { Writable } from 'node:stream';
import type Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { insertPendingGift } from '../src/ledger/ledger.repo.js';
import { runCli } from '../src/runtime/cli.js';
import { HANDLERS } from '../src/webhooks/webhooks.handlers.js';
import { listQuarantinedEvents } from '../src/webhooks/webhooks.repo.js';
import { createLogger } from '../src/deps.js';
import { buildTestContext, type TestContext } from './factories/deps.js';
import {
  buildCharge,
  buildCheckoutSession,
  buildDispute,
  buildEarlyFraudWarning,
  buildEvent,
  buildInvoice,
  buildInvoicePayment,
  buildPayout,
  buildRefund,
  buildSubscription,
  signPayload,
  stripeId,
  TEST_WEBHOOK_SECRET,
} from './factories/stripe.js';
import { count } from './helpers/ledger.js';
import { startStripeMock } from './mocks/stripe-api.js';

const mock = startStripeMock();
beforeAll(() => mock.server.resetHandlers());
afterAll(() => mock.close());

let t: TestContext;
let logged: Record<string, unknown>[];
beforeEach(() => {
  t = buildTestContext();
  logged = [];
  // the app's own logger, redaction and all, writing into the test
  t.deps.log = createLogger('debug', (line) => logged.push(JSON.parse(line) as Record<string, unknown>), t.deps.now);
  mock.store.subscriptions.clear();
  mock.store.objects.clear();
});
afterEach(() => t.cleanup());

/** Every table a handled event can write to, besides stripe_events and the gifts checkout made. */
const EFFECT_TABLES = [
  'ledger_entries',
  'outbox',
  'supporters',
  'recurring_gifts',
  'stripe_charges',
  'invoice_payments',
  'disputes',
  'payouts',
  'payout_items',
];
const effects = () => Object.fromEntries(EFFECT_TABLES.map((table) => [table, count(t.handle, table)]));
const nothingWritten = Object.fromEntries(EFFECT_TABLES.map((table) => [table, 0]));

const ONE_MB = 'x'.repeat(1024 * 1024);
const MISSING = Symbol('missing');
/** What the fuzzing found in money fields. */
const BAD_AMOUNTS: unknown[] = ['a lot', 15.5, -1500, 1e21, ONE_MB];
const BAD_CURRENCIES: unknown[] = ['xxx', 'GBP', 123];

/** A copy of `object` with the value at a dotted path replaced (MISSING deletes it). */
function withValue<T>(object: T, path: string, value: unknown): T {
  const copy = structuredClone(object) as Record<string, unknown>;
  const keys = path.split('.');
  let at: Record<string, unknown> = copy;
  for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
  const last = keys.at(-1)!;
  if (value === MISSING) delete at[last];
  else at[last] = value;
  return copy as T;
}

type Kind = {
  name: string;
  types: string[];
  /** a well-formed object, with whatever our database and Stripe's must hold for it to apply */
  build(): Promise<{ object: { id: string }; applied(): unknown }>;
  /** dotted path in the object -> values that must not reach the ledger */
  bad: Record<string, unknown[]>;
};

const amountAndCurrency = (amount: string, currency: string, nullable = false): Record<string, unknown[]> => ({
  [amount]: nullable ? BAD_AMOUNTS : [null, ...BAD_AMOUNTS],
  [currency]: BAD_CURRENCIES,
});

const q = <T = Record<string, unknown>>(sql: string, ...params: unknown[]) => t.handle.sqlite.prepare(sql).get(...params) as T | undefined;

const KINDS: Kind[] = [
  {
    name: 'paid checkout session',
    types: ['checkout.session.completed', 'checkout.session.async_payment_succeeded'],
    async build() {
      const object = buildCheckoutSession({ client_reference_id: null, metadata: {}, customer_details: { email: 'quarantine@example.com', name: 'Q' } });
      return { object, applied: () => q('select amount_minor, currency from ledger_entries where stripe_id = ?', object.payment_intent) };
    },
    bad: { ...amountAndCurrency('amount_total', 'currency'), payment_status: [[]], mode: [[]], id: [null], customer: [0] },
  },
  {
    name: 'failed or expired checkout session',
    types: ['checkout.session.async_payment_failed', 'checkout.session.expired'],
    async build() {
      const giftId = `gift_${stripeId('q')}`;
      await insertPendingGift(
        t.deps.db,
        {
          id: giftId,
          frequency: 'one_off',
          amountMinor: 1000,
          currency: 'gbp',
          email: null,
          article: null,
          section: null,
          campaign: null,
          variant: null,
          referrer: null,
          country: null,
        },
        t.clock.ms,
      );
      const object = buildCheckoutSession({ client_reference_id: giftId, status: 'expired', payment_status: 'unpaid' });
      return { object, applied: () => q<{ status: string }>('select status from gifts where id = ?', giftId)?.status !== 'pending' || undefined };
    },
    bad: { id: [null, 'pi_not_a_session'], client_reference_id: [[], ONE_MB], metadata: ['gift'] },
  },
  {
    name: 'paid invoice',
    types: ['invoice.paid'],
    async build() {
      const sub = buildSubscription();
      mock.store.subscriptions.set(sub.id, sub);
      const object = buildInvoice({ parent: { subscription_details: { subscription: sub.id, metadata: {} } } });
      return { object, applied: () => q('select amount_minor from ledger_entries where key = ?', `invoice:${object.id}`) };
    },
    bad: {
      ...amountAndCurrency('amount_paid', 'currency'),
      billing_reason: [[]],
      id: [null],
      'status_transitions.paid_at': [1e20],
      'parent.subscription_details.subscription': [0],
    },
  },
  {
    name: 'invoice with a payment problem',
    types: ['invoice.payment_failed', 'invoice.payment_action_required'],
    async build() {
      const object = buildInvoice({ billing_reason: 'subscription_cycle', status: 'open', amount_paid: 0, next_payment_attempt: 1_764_100_000 });
      const sub = (object.parent as { subscription_details: { subscription: string } }).subscription_details.subscription;
      return { object, applied: () => q('select payment_issue from recurring_gifts where stripe_subscription_id = ? and payment_issue is not null', sub) };
    },
    bad: { billing_reason: [[]], next_payment_attempt: [1e20, 'soon'], id: [null], 'parent.subscription_details.subscription': [123] },
  },
  {
    name: 'invoice payment',
    types: ['invoice_payment.paid'],
    async build() {
      const object = buildInvoicePayment({ invoice: stripeId('in'), payment: { type: 'payment_intent', payment_intent: stripeId('pi') } });
      return { object, applied: () => q('select * from invoice_payments where id = ?', object.id) };
    },
    bad: { ...amountAndCurrency('amount_paid', 'currency', true), status: [[]], id: [null], created: [1e20, MISSING] },
  },
  {
    name: 'subscription',
    types: [
      'customer.subscription.created',
      'customer.subscription.updated',
      'customer.subscription.deleted',
      'customer.subscription.paused',
      'customer.subscription.resumed',
    ],
    async build() {
      const object = buildSubscription();
      return { object, applied: () => q('select status from recurring_gifts where stripe_subscription_id = ?', object.id) };
    },
    bad: {
      ...amountAndCurrency('items.data.0.price.unit_amount', 'items.data.0.price.currency', true),
      status: [[]],
      id: [null],
      items: [0],
      cancel_at: [1e20],
    },
  },
  {
    name: 'charge',
    types: ['charge.succeeded', 'charge.updated', 'charge.captured', 'charge.refunded'],
    async build() {
      const object = buildCharge();
      return { object, applied: () => q('select amount_minor from stripe_charges where id = ?', object.id) };
    },
    bad: { ...amountAndCurrency('amount', 'currency'), status: [[]], id: [null], balance_transaction: [0], created: [1e20] },
  },
  {
    name: 'refund',
    types: ['refund.created', 'refund.updated', 'refund.failed', 'charge.refund.updated'],
    async build() {
      const object = buildRefund({ charge: stripeId('ch'), payment_intent: stripeId('pi') });
      return { object, applied: () => q('select amount_minor from ledger_entries where key = ?', `refund:${object.id}`) };
    },
    bad: { ...amountAndCurrency('amount', 'currency'), status: [[]], id: [null], balance_transaction: [0], created: [1e20] },
  },
  {
    name: 'dispute',
    types: ['charge.dispute.created', 'charge.dispute.updated', 'charge.dispute.closed', 'charge.dispute.funds_withdrawn', 'charge.dispute.funds_reinstated'],
    async build() {
      const object = buildDispute({ charge: stripeId('ch'), payment_intent: stripeId('pi') });
      return { object, applied: () => q('select status from disputes where id = ?', object.id) };
    },
    bad: { ...amountAndCurrency('amount', 'currency'), status: [[]], id: [null], balance_transactions: [0, [{ id: 'txn_1', amount: 'a lot' }]] },
  },
  {
    name: 'early fraud warning',
    types: ['radar.early_fraud_warning.created', 'radar.early_fraud_warning.updated'],
    async build() {
      const object = buildEarlyFraudWarning({ payment_intent: stripeId('pi') });
      return { object, applied: () => q('select fraud_type from stripe_charges where early_fraud_warning_id = ?', object.id) };
    },
    bad: { charge: [null, 'dp_not_a_charge'], id: [null], fraud_type: [[]] },
  },
  {
    name: 'payout',
    types: ['payout.created', 'payout.updated', 'payout.paid', 'payout.failed', 'payout.canceled', 'payout.reconciliation_completed'],
    async build() {
      const object = buildPayout();
      return { object, applied: () => q('select amount_minor from payouts where id = ?', object.id) };
    },
    bad: { ...amountAndCurrency('amount', 'currency'), status: [[]], id: [null], arrival_date: [1e20], reconciliation_status: [[]] },
  },
];

const deliver = (event: Stripe.Event | string) => t.app.request(t.webhook(event));

/** An error key that names `field` or a field inside it (`balance_transactions.0.amount`). */
const names = (field: string) => (key: string) => key === field || key.startsWith(`${field}.`);

async function quarantineRow(eventId: string) {
  return q<{ processed: number; quarantined: number; errors: string }>(
    'select processed_at is not null as processed, quarantined_at is not null as quarantined, quarantine_errors as errors from stripe_events where id = ?',
    eventId,
  );
}

describe('the kinds above cover every event type the webhook handles', () => {
  it('has one kind for each handled type, and no other', () => {
    expect(KINDS.flatMap((k) => k.types).sort()).toEqual([...HANDLERS.keys()].sort());
  });
});

describe.each(KINDS)('a signed but malformed $name', (kind) => {
  it.each(kind.types)('%s: quarantined for each bad field, then the corrected event applies', async (type) => {
    const { object, applied } = await kind.build();
    const good = () => buildEvent(type, object);
    const cases: { event: Stripe.Event; field: string }[] = [];
    for (const [path, values] of Object.entries(kind.bad)) {
      // changed in the built event: the factory merges the object into the fixture's
      for (const value of values) cases.push({ event: withValue(good(), `data.object.${path}`, value), field: `data.object.${path}` });
    }
    // the envelope around a well-formed object
    cases.push({ event: withValue(good(), 'created', 1e20), field: 'created' });
    cases.push({ event: withValue(good(), 'created', MISSING), field: 'created' });
    cases.push({ event: withValue(good(), 'livemode', MISSING), field: 'livemode' });
    cases.push({ event: withValue(good(), 'data.object', MISSING), field: 'data.object' });

    for (const { event, field } of cases) {
      const res = await deliver(event);
      expect(res.status, field).toBe(200);
      expect(await res.json(), field).toEqual({ received: true, quarantined: true });
      const row = await quarantineRow(event.id);
      expect(row, field).toMatchObject({ processed: 1, quarantined: 1 });
      expect(Object.keys(JSON.parse(row!.errors)).filter(names(field)), field).not.toEqual([]);
    }
    // no money, no email, no state: as if none of them had arrived
    expect(effects()).toEqual(nothingWritten);
    expect(applied()).toBeUndefined();

    // staff see every one, with the field named
    const listed = await listQuarantinedEvents(t.deps.db, { limit: 1000 });
    for (const { event, field } of cases) expect(Object.keys(listed.find((e) => e.id === event.id)?.errors ?? {}).filter(names(field)), field).not.toEqual([]);

    // Stripe's redelivery of a quarantined event is a duplicate
    expect(await (await deliver(cases[0]!.event)).json()).toEqual({ received: true, duplicate: true });

    // the corrected event for the same object applies as any other
    const corrected = good();
    const res = await deliver(corrected);
    expect(await res.json()).toEqual({ received: true });
    expect(await quarantineRow(corrected.id)).toMatchObject({ processed: 1, quarantined: 0 });
    expect(applied()).toBeDefined();
  });
});

describe('a signed event whose envelope is malformed', () => {
  it.each(['toString', 'constructor', '__proto__', 'hasOwnProperty'])('a type named %s matches no handler: quarantined, naming type', async (type) => {
    const event = buildEvent(type, buildCheckoutSession());
    const res = await deliver(event);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true, quarantined: true });
    expect(JSON.parse((await quarantineRow(event.id))!.errors)).toHaveProperty(['type']);
    expect(effects()).toEqual(nothingWritten);
  });

  it('an amount or time JSON cannot hold as a number (1e400) is quarantined, not Infinity in the ledger', async () => {
    for (const [from, to, field] of [
      ['"amount_total":1000', '"amount_total":1e400', 'data.object.amount_total'],
      ['"created":1764000000,"data"', '"created":1e400,"data"', 'created'],
    ] as const) {
      const event = buildEvent('checkout.session.completed', buildCheckoutSession());
      const payload = JSON.stringify(event);
      expect(payload).toContain(from);
      const res = await deliver(payload.replace(from, to));
      expect(await res.json()).toEqual({ received: true, quarantined: true });
      expect(JSON.parse((await quarantineRow(event.id))!.errors)).toHaveProperty([field]);
    }
    expect(effects()).toEqual(nothingWritten);
  });

  it('an event with no usable id cannot be stored: a 400 naming id', async () => {
    for (const id of [null, 123, 'cs_not_an_event', undefined]) {
      const event = withValue(buildEvent('checkout.session.completed', buildCheckoutSession()), 'id', id === undefined ? MISSING : id);
      const res = await deliver(JSON.stringify(event));
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ fields: { id: expect.any(String) } });
    }
    expect(count(t.handle, 'stripe_events')).toBe(0);
  });

  it('an unhandled type is still acknowledged and applied as before', async () => {
    const event = buildEvent('plan.created', { id: 'plan_1', object: 'plan' });
    expect(await (await deliver(event)).json()).toEqual({ received: true });
    expect(await quarantineRow(event.id)).toMatchObject({ processed: 1, quarantined: 0 });
  });
});

describe('an object fetched through the SDK while an event is applied', () => {
  it('is parsed by the same schemas: a malformed one quarantines the event, and a fixed one lets the retry apply', async () => {
    const sub = buildSubscription();
    mock.store.subscriptions.set(sub.id, { ...sub, status: [] as unknown as Stripe.Subscription.Status });
    const invoice = buildInvoice({ parent: { subscription_details: { subscription: sub.id, metadata: {} } } });
    const event = buildEvent('invoice.paid', invoice);
    expect(await (await deliver(event)).json()).toEqual({ received: true, quarantined: true });
    expect(JSON.parse((await quarantineRow(event.id))!.errors)).toEqual({ [`subscription ${sub.id}.status`]: expect.any(String) });
    expect(effects()).toEqual(nothingWritten);

    mock.store.subscriptions.set(sub.id, sub);
    const later = buildEvent('invoice.paid', invoice);
    expect(await (await deliver(later)).json()).toEqual({ received: true });
    expect(count(t.handle, 'ledger_entries')).toBe(1);
  });
});

describe('an event naming an object Stripe does not have', () => {
  it('is quarantined with the missing object named (Stripe answered 404), not failed for Stripe to retry for days', async () => {
    const invoice = buildInvoice({ parent: { subscription_details: { subscription: 'sub_neverexisted', metadata: {} } } });
    const event = buildEvent('invoice.paid', invoice);
    const res = await deliver(event);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true, quarantined: true });
    expect(JSON.parse((await quarantineRow(event.id))!.errors)).toEqual({ stripe: expect.stringContaining("No such subscription: 'sub_neverexisted'") });
    expect(effects()).toEqual(nothingWritten);
    expect(logged.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual([
      'Stripe event quarantined: an object it names is missing at Stripe and changed nothing',
    ]);
  });

  it('applies once staff retry it after Stripe has the object (events retry), and leaves the quarantine list', async () => {
    const sub = buildSubscription();
    const event = buildEvent('invoice.paid', buildInvoice({ parent: { subscription_details: { subscription: sub.id, metadata: {} } } }));
    await deliver(event);
    expect(await cli('events', 'retry', event.id)).toEqual({
      code: 1,
      text: `${event.id} is still quarantined; nothing was applied:\n  stripe: No such subscription: '${sub.id}'\n`,
    });
    expect(effects()).toEqual(nothingWritten);

    mock.store.subscriptions.set(sub.id, sub);
    expect(await cli('events', 'retry', event.id)).toEqual({ code: 0, text: `${event.id} applied.\n` });
    expect(count(t.handle, 'ledger_entries')).toBe(1);
    expect(await quarantineRow(event.id)).toEqual({ processed: 1, quarantined: 0, errors: null });
    expect((await cli('events', 'quarantined')).text).toBe('No quarantined events.\n');
    // applied once: a second retry, or Stripe's redelivery, changes nothing
    expect(await cli('events', 'retry', event.id)).toEqual({
      code: 1,
      text: `${event.id} is not a quarantined event (see npm run cli -- events quarantined).\n`,
    });
    expect((await deliver(event)).status).toBe(200);
    expect(count(t.handle, 'ledger_entries')).toBe(1);
  });

  it('refuses an id that is not an event id, with its usage', async () => {
    const { code, text } = await cli('events', 'retry', 'DROP TABLE');
    expect(code).toBe(64);
    expect(text).toContain('the event id must look like evt_');
  });
});

/** The CLI in this process, against this test's database and the mocked Stripe API. */
async function cli(...args: string[]): Promise<{ code: number; text: string }> {
  let text = '';
  const out = new Writable({
    write: (chunk, _enc, cb) => {
      text += String(chunk);
      cb();
    },
  });
  const env = {
    NODE_ENV: 'test',
    DATABASE_PATH: t.deps.config.databasePath,
    STRIPE_SECRET_KEY: 'sk_test_storyfund',
    STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    LOG_LEVEL: 'silent',
  };
  const code = await runCli(args, env, { out, err: out });
  return { code, text };
}

describe('logging a quarantined event', () => {
  it('is one error line naming the event and its bad fields, never a value from the payload', async () => {
    const event = buildEvent(
      'checkout.session.completed',
      buildCheckoutSession({ amount_total: 'a lot' as unknown as number, customer_details: { email: 'secret.reader@example.com' } }),
    );
    await deliver(event);
    const errors = logged.filter((l) => l.level === 'error');
    expect(errors).toEqual([
      expect.objectContaining({ event: event.id, type: 'checkout.session.completed', fields: { 'data.object.amount_total': expect.any(String) } }),
    ]);
    expect(JSON.stringify(logged)).not.toContain('example.com');
    expect(JSON.stringify(logged)).not.toContain('a lot');
  });
});

describe('npm run cli -- events quarantined', () => {
  const run = async (...args: string[]) => {
    let text = '';
    const out = new Writable({
      write: (chunk, _enc, cb) => {
        text += String(chunk);
        cb();
      },
    });
    const code = await runCli(
      ['events', 'quarantined', ...args],
      { NODE_ENV: 'test', DATABASE_PATH: t.deps.config.databasePath, STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET, LOG_LEVEL: 'silent' },
      { out, err: out },
    );
    return { code, text };
  };

  it('prints each quarantined event, newest first: id, type, when received, and each bad field', async () => {
    expect(await run()).toEqual({ code: 0, text: 'No quarantined events.\n' });
    const first = buildEvent('refund.created', buildRefund({ amount: null as unknown as number }));
    await deliver(first);
    t.clock.ms += 60_000;
    const second = buildEvent('toString', buildCheckoutSession());
    await deliver(second);
    // applied events are not listed
    await deliver(buildEvent('plan.created', { id: 'plan_1', object: 'plan' }));

    const { code, text } = await run();
    expect(code).toBe(0);
    const blocks = text.trim().split('\n\n');
    expect(blocks).toHaveLength(2);
    expect(blocks[0]).toMatch(new RegExp(`^${second.id}  toString  received 2026-11-20T10:01:00\\.000Z\\n  type: .+$`));
    expect(blocks[1]).toMatch(new RegExp(`^${first.id}  refund\\.created  received 2026-11-20T10:00:00\\.000Z\\n  data\\.object\\.amount: .+$`));
    const limited = await run('--limit', '1');
    expect(limited.text).toContain(second.id);
    expect(limited.text).not.toContain(first.id);
    expect(limited.text).toContain('--limit 10');
  });

  it('refuses a limit that is not a positive whole number, with its usage', async () => {
    const { code, text } = await run('--limit', 'lots');
    expect(code).toBe(64);
    expect(text).toContain('--limit must be a positive whole number');
  });

  it('the signed payload it came in is kept byte for byte', async () => {
    const event = buildEvent('payout.paid', buildPayout({ currency: 'GBP' }));
    const payload = JSON.stringify(event, null, 2);
    await t.app.request(
      new Request('http://localhost/webhooks/stripe', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': signPayload(payload, { timestamp: Math.floor(t.clock.ms / 1000) }) },
        body: payload,
      }),
    );
    expect(q<{ payload: string }>('select payload from stripe_events where id = ?', event.id)?.payload).toBe(payload);
  });
});
