// The offline sandbox's refunds and settlement, through the whole app in process: a reader
// pays on the sandbox's checkout page, charge.updated brings the balance transaction so fee
// and net land in the ledger; refunds are created and listed through the real SDK, refused
// as Stripe refuses them, and their signed refund.created and charge.refunded events go
// through the sandbox's delivery path to our webhook, where the ledger follows.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxStripe } from '../src/sandbox/sandbox.client.js';
import { sandboxFee } from '../src/sandbox/sandbox.payments.js';
import { deliverQueuedApiEvents } from '../src/sandbox/sandbox.routes.js';
import { buildTestContext, type TestContext } from './factories/deps.js';

let t: TestContext;
const ORIGIN = 'http://localhost:8787';
const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, accept: 'text/html' },
  body: new URLSearchParams(fields).toString(),
});

beforeAll(() => {
  // no Stripe key: the app runs against the sandbox, through the same SDK
  t = buildTestContext({ STRIPE_SECRET_KEY: '', STRIPE_WEBHOOK_SECRET: '' });
  t.deps.stripe = createSandboxStripe({ db: t.deps.db, now: t.deps.now, publicUrl: t.deps.config.publicUrl });
});
afterAll(() => t?.cleanup());

/** A reader's one-off sandbox gift: appeal form, test checkout, Pay. Returns the payment intent. */
async function give(amount: string, email: string): Promise<{ giftId: string; pi: string; charge: string }> {
  const checkout = await t.app.request(
    `${ORIGIN}/checkout`,
    form({ frequency: 'one_off', amount, amount_other: '', currency: 'gbp', email, article: 'harbour-water' }),
  );
  expect(checkout.status).toBe(303);
  const payPage = checkout.headers.get('location')!;
  expect(payPage).toMatch(/\/sandbox\/checkout\/cs_test_/);
  const paid = await t.app.request(`${payPage}/pay`, form({ email, name: 'Rae Reader' }));
  expect(paid.status).toBe(303);
  const row = t.handle.sqlite
    .prepare(`select gift_id giftId, payment_intent_id pi, charge_id charge from ledger_entries where kind = 'gift' and email = ?`)
    .get(email) as {
    giftId: string;
    pi: string;
    charge: string | null;
  };
  const pi = await t.deps.stripe.paymentIntents.retrieve(row.pi);
  return { giftId: row.giftId, pi: row.pi, charge: String(pi.latest_charge) };
}

const delivered = () => deliverQueuedApiEvents(t.deps, (req) => Promise.resolve(t.app.fetch(req)));

describe('the sandbox after a payment', () => {
  it('sends charge.updated with the balance transaction, so fee and net fill in as with Stripe', async () => {
    await give('12.50', 'fees@example.com');
    const fee = sandboxFee(1250, 'gbp');
    expect(fee).toBe(39);
    const entry = t.handle.sqlite
      .prepare(
        `select amount_minor amount, fee_minor fee, net_minor net, settlement_currency cur, balance_transaction_id bt from ledger_entries where email = ?`,
      )
      .get('fees@example.com') as Record<string, unknown>;
    expect(entry).toMatchObject({ amount: 1250, fee: 39, net: 1211, cur: 'gbp', bt: expect.stringMatching(/^txn_/) });
    const events = t.handle.sqlite.prepare(`select type, processed_at from stripe_events where type = 'charge.updated'`).all() as {
      processed_at: number | null;
    }[];
    expect(events).toHaveLength(1);
    expect(events[0]!.processed_at).not.toBeNull();
  });
});

describe('refunds in the sandbox', () => {
  it('creates a refund once per idempotency key, lists it by charge and by payment intent, and the ledger follows its events', async () => {
    const { giftId, pi, charge } = await give('20', 'refund@example.com');
    const first = await t.deps.stripe.refunds.create(
      { payment_intent: pi, amount: 500, reason: 'requested_by_customer' },
      { idempotencyKey: 'sandbox-refund-1' },
    );
    expect(first).toMatchObject({
      object: 'refund',
      amount: 500,
      currency: 'gbp',
      status: 'succeeded',
      charge,
      payment_intent: pi,
      reason: 'requested_by_customer',
    });
    const again = await t.deps.stripe.refunds.create(
      { payment_intent: pi, amount: 500, reason: 'requested_by_customer' },
      { idempotencyKey: 'sandbox-refund-1' },
    );
    expect(again.id).toBe(first.id);

    expect((await t.deps.stripe.refunds.list({ charge })).data.map((r) => r.id)).toEqual([first.id]);
    expect((await t.deps.stripe.refunds.list({ payment_intent: pi })).data.map((r) => r.id)).toEqual([first.id]);
    expect((await t.deps.stripe.refunds.retrieve(first.id)).amount).toBe(500);
    const ch = await t.deps.stripe.charges.retrieve(charge);
    expect({ refunded: ch.refunded, amount_refunded: ch.amount_refunded }).toEqual({ refunded: false, amount_refunded: 500 });
    const bt = await t.deps.stripe.balanceTransactions.retrieve(String(first.balance_transaction));
    expect({ amount: bt.amount, fee: bt.fee, net: bt.net, type: bt.type }).toEqual({ amount: -500, fee: 0, net: -500, type: 'refund' });

    // nothing in the ledger until the events arrive
    expect(t.handle.sqlite.prepare(`select count(*) n from ledger_entries where kind = 'refund'`).get()).toEqual({ n: 0 });
    await delivered();
    const events = t.handle.sqlite
      .prepare(`select type, processed_at is not null processed from stripe_events where type in ('refund.created', 'charge.refunded') order by type`)
      .all();
    expect(events).toEqual([
      { type: 'charge.refunded', processed: 1 },
      { type: 'refund.created', processed: 1 },
    ]);
    const entries = t.handle.sqlite
      .prepare(`select gift_id giftId, amount_minor amount, fee_minor fee, net_minor net, payment_intent_id pi from ledger_entries where kind = 'refund'`)
      .all();
    // both events name the same refund: one entry
    expect(entries).toEqual([{ giftId, amount: -500, fee: 0, net: -500, pi }]);
    // sent once: a second pass has nothing left to deliver
    await delivered();
    expect(t.handle.sqlite.prepare(`select count(*) n from stripe_events where type = 'refund.created'`).get()).toEqual({ n: 1 });
  });

  it('refuses as Stripe does: more than is left, a charge refunded in full, an unknown payment', async () => {
    const { pi } = await give('10', 'refused@example.com');
    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => null,
        (err: unknown) => {
          expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
          const e = err as Stripe.errors.StripeInvalidRequestError;
          return { code: e.code, param: e.param ?? null };
        },
      );
    expect(await refusal(t.deps.stripe.refunds.create({ payment_intent: pi, amount: 1001 }))).toEqual({ code: 'amount_too_large', param: null });
    const full = await t.deps.stripe.refunds.create({ payment_intent: pi });
    expect(full.amount).toBe(1000);
    expect((await t.deps.stripe.charges.retrieve(String(full.charge))).refunded).toBe(true);
    expect(await refusal(t.deps.stripe.refunds.create({ payment_intent: pi, amount: 1 }))).toEqual({ code: 'charge_already_refunded', param: null });
    expect(await refusal(t.deps.stripe.refunds.create({ payment_intent: 'pi_nothing' }))).toEqual({ code: 'resource_missing', param: 'payment_intent' });
    expect(await refusal(t.deps.stripe.refunds.create({ payment_intent: pi, reason: 'bored' as 'duplicate' }))).toEqual({ code: undefined, param: 'reason' });
  });

  it('holds the events of API calls on /sandbox/events until sent from there, as if Stripe were slow', async () => {
    const { pi } = await give('8', 'held@example.com');
    const hold = await t.app.request(`${ORIGIN}/sandbox/events`, form({ action: 'hold' }));
    expect(hold.status).toBe(303);
    const refund = await t.deps.stripe.refunds.create({ payment_intent: pi, amount: 300 });
    await delivered();
    const inLedger = () => t.handle.sqlite.prepare(`select count(*) n from ledger_entries where key = ?`).get(`refund:${refund.id}`);
    expect(inLedger()).toEqual({ n: 0 });
    const page = await (await t.app.request(`${ORIGIN}/sandbox/events`)).text();
    expect(page).toContain('Events are held: 2 waiting.');
    expect(page).toMatch(/<strong>charge.refunded<\/strong> \(<code>evt_\w+<\/code>\): waiting/);

    expect((await t.app.request(`${ORIGIN}/sandbox/events`, form({ action: 'send' }))).status).toBe(303);
    expect(inLedger()).toEqual({ n: 1 });
    expect(await (await t.app.request(`${ORIGIN}/sandbox/events`)).text()).toContain('Events are held: 0 waiting.');
    expect((await t.app.request(`${ORIGIN}/sandbox/events`, form({ action: 'release' }))).status).toBe(303);
    expect(await (await t.app.request(`${ORIGIN}/sandbox/events`)).text()).toContain('Events are sent straight away.');
    expect((await t.app.request(`${ORIGIN}/sandbox/events`, form({ action: 'explode' }))).status).toBe(400);
  });
});
