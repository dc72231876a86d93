// POST /webhooks/stripe fuzzed: signed garbage, bad signature headers, and correctly
// signed events of every handled type with fields dropped, of the wrong type, extreme
// numbers, bad currencies and built-in property names. Never a 5xx (a 5xx makes Stripe
// retry the same bytes for days), never money from a refused or quarantined event, no
// unreadable row in the ledger; and afterwards the export and reconcile still run.
import fc from 'fast-check';
import { http, HttpResponse } from 'msw';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLEAN_LINE, EXPORT_HEADER, readExportPage } from '../../src/ledger/ledger.export.js';
import { payoutReports } from '../../src/ledger/ledger.payouts.repo.js';
import { isKnownCurrency } from '../../src/lib/money.js';
import { HANDLERS } from '../../src/webhooks/webhooks.handlers.js';
import { runReconcile } from '../../src/webhooks/webhooks.reconcile.js';
import { EARLIEST_SECONDS, LATEST_SECONDS, MAX_MINOR } from '../../src/webhooks/webhooks.schemas.js';
import { buildTestContext, type TestContext } from '../factories/deps.js';
import {
  buildCharge,
  buildCheckoutSession,
  buildDispute,
  buildEarlyFraudWarning,
  buildEvent,
  buildInvoice,
  buildInvoicePayment,
  buildPaymentIntent,
  buildPayout,
  buildRefund,
  buildSubscription,
  signPayload,
  stripeId,
} from '../factories/stripe.js';
import { count } from '../helpers/ledger.js';
import { holdObjects, startStripeMock } from '../mocks/stripe-api.js';
import { expectSafeResponse, fuzz, nastyText, wrongType } from './fuzz.kit.js';

const OPS_TOKEN = 'fuzz-ops-token-0123456789abcdef0123456789';
const mock = startStripeMock();
let t: TestContext;
beforeAll(() => {
  t = buildTestContext({ OPS_TOKEN });
});
afterAll(async () => {
  mock.close();
  await t.cleanup();
});

/** Every table an applied event can write money, state or email to. */
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
  'gifts',
];
const effects = () => EFFECT_TABLES.map((table) => `${table}=${count(t.handle, table)}`).join(' ');

/** A well-formed object for an event type, with what Stripe must hold for it to apply. */
function objectFor(type: string): { id: string } {
  if (type.startsWith('checkout.session.'))
    return buildCheckoutSession({ client_reference_id: null, metadata: {}, customer_details: { email: 'fuzz@example.com', name: 'F' } });
  if (type === 'invoice_payment.paid')
    return buildInvoicePayment({ invoice: stripeId('in'), payment: { type: 'payment_intent', payment_intent: stripeId('pi') } });
  if (type.startsWith('invoice.')) {
    const sub = buildSubscription();
    mock.store.subscriptions.set(sub.id, sub);
    return buildInvoice({ parent: { subscription_details: { subscription: sub.id, metadata: {} } } });
  }
  if (type.startsWith('customer.subscription.')) return buildSubscription();
  // Stripe holds the charge these name: a handler asks for it when the payload lacks its payment intent
  const charge = () => {
    const ch = buildCharge();
    holdObjects(mock.store, ch);
    return { charge: ch.id, payment_intent: ch.payment_intent as string };
  };
  if (type.startsWith('refund.') || type === 'charge.refund.updated') return buildRefund(charge());
  if (type.startsWith('charge.dispute.')) return buildDispute(charge());
  if (type.startsWith('charge.')) return buildCharge();
  if (type.startsWith('radar.early_fraud_warning.')) return buildEarlyFraudWarning(charge());
  if (type.startsWith('payout.')) return buildPayout();
  throw new Error(`no object for ${type}`);
}

const TYPES = [...HANDLERS.keys()];
const INFINITY = '__fuzz_infinity__';
const BUILT_IN_NAMES = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'prototype', 'then'];

/** Replacement values that have broken ledgers: extreme numbers, bad currencies, any other type. */
const badValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: wrongType, weight: 4 },
  { arbitrary: fc.constantFrom(1e20, -1, -1500, 15.5, 2 ** 53, -(2 ** 63), 1e21, 0, INFINITY, MAX_MINOR + 1, EARLIEST_SECONDS - 1, LATEST_SECONDS), weight: 3 },
  { arbitrary: fc.constantFrom('xxx', 'GBP', 123, '', 'gb', 'toString'), weight: 2 },
  { arbitrary: fc.constantFrom(...BUILT_IN_NAMES), weight: 1 },
);

type Path = (string | number)[];

/** Every place in a value a mutation can reach, parents before children. */
function pathsOf(value: unknown, at: Path = [], out: Path[] = []): Path[] {
  if (at.length > 6 || value === null || typeof value !== 'object') return out;
  for (const [k, v] of Object.entries(value)) {
    const p = [...at, Array.isArray(value) ? Number(k) : k];
    out.push(p);
    pathsOf(v, p, out);
  }
  return out;
}

type Mutation = { pick: number; drop: boolean; value: unknown };

function mutate(event: Record<string, unknown>, m: Mutation): string {
  const paths = pathsOf(event).filter((p) => !(p.length === 1 && p[0] === 'id'));
  const path = paths[m.pick % paths.length]!;
  let parent = event as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (m.drop) {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else parent[last] = m.value;
  return path.join('.');
}

const mutation = fc.record({ pick: fc.nat(), drop: fc.boolean(), value: badValue });

type Delivery = { kind: 'event' | 'garbage' | 'signature'; payload: string; signature: string | null; label: string; inputs: string[] };

const signedNow = (payload: string) => signPayload(payload, { timestamp: Math.floor(t.clock.ms / 1000) });

/** A well-formed event of a handled type, changed by one to three mutations, correctly signed. */
const malformedEvent = fc
  .tuple(fc.constantFrom(...TYPES), fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.option(fc.constantFrom(...BUILT_IN_NAMES), { freq: 8 }))
  .map(([type, mutations, typeName]) => () => {
    const event = buildEvent(type, objectFor(type)) as unknown as Record<string, unknown>;
    const changed = mutations.map((m) => mutate(event, m));
    if (typeName) event.type = typeName;
    // JSON has no Infinity: write a number too large for a double, which parses as one
    const payload = JSON.stringify(event).replaceAll(`"${INFINITY}"`, '1e400');
    return {
      kind: 'event',
      payload,
      signature: signedNow(payload),
      label: `${type} with ${changed.join(', ')}${typeName ? ` as ${typeName}` : ''}`,
      inputs: [],
    } satisfies Delivery;
  });

/** Any bytes at all, correctly signed: text, JSON values, things shaped almost like events. */
const signedGarbage = fc
  .oneof(
    nastyText,
    fc.json({ maxDepth: 3 }),
    fc
      .record({
        id: fc.oneof(fc.constant('evt_fuzz'), nastyText),
        object: fc.constantFrom('event', 'Event', 'list'),
        type: fc.oneof(fc.constantFrom(...TYPES, ...BUILT_IN_NAMES), nastyText),
        data: wrongType,
      })
      .map((e) => JSON.stringify(e)),
    fc
      .tuple(
        fc.constantFrom('{"id":"evt_dup","id":"evt_other","object":"event"}', '{"id":"evt_fuzz_a", "object": "event"', '{"object":"event","id":"evt_late"}'),
        nastyText,
      )
      .map(([a, b]) => a + b),
  )
  .map((payload) => () => ({ kind: 'garbage', payload, signature: signedNow(payload), label: 'signed garbage', inputs: [payload] }) satisfies Delivery);

/** A well-formed event under a header Stripe did not write. */
const badSignature = fc
  .tuple(
    fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.constantFrom('', 't=', 'v1=', 't=abc,v1=def', 't=1e20,v1=00', 't=-1,v1=00', ',,,', 't=1,t=2,v1=x', `t=${'9'.repeat(400)},v1=0`, 'v1='.repeat(2000)),
      fc.constantFrom('wrong secret', 'an hour ago', 'an hour ahead', 'signature of other bytes', 'signature without v1'),
    ),
  )
  .map(([header]) => () => {
    const event = buildEvent('checkout.session.completed', objectFor('checkout.session.completed'));
    const payload = JSON.stringify(event);
    const now = Math.floor(t.clock.ms / 1000);
    const signature: Record<string, () => string> = {
      'wrong secret': () => signPayload(payload, { secret: 'whsec_not_ours', timestamp: now }),
      'an hour ago': () => signPayload(payload, { timestamp: now - 3600 }),
      'an hour ahead': () => signPayload(payload, { timestamp: now + 3600 }),
      'signature of other bytes': () => signPayload(`${payload} `, { timestamp: now }),
      'signature without v1': () => signPayload(payload, { timestamp: now }).replace('v1=', 'v0='),
    };
    return {
      kind: 'signature',
      payload,
      signature: signature[header]?.() ?? header,
      label: `signature header ${JSON.stringify(header.slice(0, 80))}`,
      inputs: [header],
    } satisfies Delivery;
  });

const deliveries = fc.oneof({ arbitrary: malformedEvent, weight: 6 }, { arbitrary: signedGarbage, weight: 2 }, { arbitrary: badSignature, weight: 2 });

/** Rows no parsed event can write: money that is not whole minor units, unknown currencies, impossible times. */
function unreadableEntries(): unknown[] {
  const rows = t.handle.sqlite.prepare('select key, amount_minor, currency, occurred_at from ledger_entries').all() as {
    key: string;
    amount_minor: unknown;
    currency: unknown;
    occurred_at: unknown;
  }[];
  return rows.filter(
    (r) =>
      !Number.isSafeInteger(r.amount_minor) ||
      Math.abs(r.amount_minor as number) > MAX_MINOR ||
      typeof r.currency !== 'string' ||
      !isKnownCurrency(r.currency) ||
      !Number.isSafeInteger(r.occurred_at) ||
      (r.occurred_at as number) < EARLIEST_SECONDS * 1000 ||
      (r.occurred_at as number) >= LATEST_SECONDS * 1000,
  );
}

describe('fuzzing POST /webhooks/stripe', () => {
  let applied = 0;
  let quarantined = 0;

  it('never answers 5xx; refused and quarantined deliveries change nothing; no unreadable row is written', { timeout: 900_000 }, async () => {
    await fuzz('webhook', deliveries, async (make) => {
      const d = make();
      const before = effects();
      const events = count(t.handle, 'stripe_events');
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (d.signature !== null) headers['stripe-signature'] = d.signature;
      const res = await t.app.request('http://localhost/webhooks/stripe', { method: 'POST', headers, body: d.payload });
      const body = await expectSafeResponse(res, d.inputs, d.label);
      const after = effects();
      if (d.kind === 'signature') {
        expect(res.status, d.label).toBe(400);
        expect(count(t.handle, 'stripe_events'), `${d.label}: an unverified event was stored`).toBe(events);
      }
      if (res.status >= 400 || d.kind === 'garbage') expect(after, d.label).toBe(before);
      if (res.status === 200) {
        const reply = JSON.parse(body) as { quarantined?: boolean; duplicate?: boolean };
        if (reply.quarantined) {
          quarantined += 1;
          expect(after, `${d.label}: a quarantined event changed the ledger`).toBe(before);
        } else if (!reply.duplicate && d.kind === 'event') applied += 1;
      }
      expect(unreadableEntries(), d.label).toEqual([]);
    });
    // the mutations must exercise both sides: events refused field by field, and events that still apply
    expect(quarantined).toBeGreaterThan(0);
    expect(applied).toBeGreaterThan(0);
  });

  it('leaves an export that runs, every line clean, over HTTP and through the pages', { timeout: 120_000 }, async () => {
    const res = await t.app.request('http://localhost:8787/ops/contributions.csv', { headers: { authorization: `Bearer ${OPS_TOKEN}` } });
    expect(res.status).toBe(200);
    const csv = await res.text();
    expect(csv.startsWith(EXPORT_HEADER)).toBe(true);
    const lines = csv
      .slice(EXPORT_HEADER.length)
      .split(/(?<=\r\n)/)
      .filter(Boolean);
    expect(lines.length).toBe(count(t.handle, 'ledger_entries'));
    expect(lines.filter((l) => !CLEAN_LINE.test(l))).toEqual([]);

    let after = null as Parameters<typeof readExportPage>[2];
    let rows = 0;
    do {
      const page = await readExportPage(t.deps.db, {}, after, 100);
      expect(page.problems).toEqual([]);
      rows += page.rows;
      after = page.next;
    } while (after);
    expect(rows).toBe(lines.length);
  });

  it('leaves reconcile and the payout statements able to read every row', { timeout: 120_000 }, async () => {
    // Stripe knows every payment and refund the fuzzed events named, none settled yet: reconcile
    // asks for each entry without fees and reads every entry in its window to measure drift
    mock.server.use(
      http.get('https://api.stripe.com/v1/payment_intents/:id', ({ params }) =>
        HttpResponse.json(buildPaymentIntent({ id: String(params.id), latest_charge: null })),
      ),
      http.get('https://api.stripe.com/v1/refunds/:id', ({ params }) => HttpResponse.json(buildRefund({ id: String(params.id), balance_transaction: null }))),
    );
    const report = await runReconcile(t.deps, { sinceSec: EARLIEST_SECONDS });
    expect(report.objects.filter((o) => o.problem === 'unreadable')).toEqual([]);
    const payouts = await payoutReports(t.deps.db, {});
    expect(payouts.length).toBe(count(t.handle, 'payouts'));
  });
});
