// Reconcile against Stripe (msw): events we never received are recovered through the same
// handlers, fees are filled, and the drift report is zero; an altered ledger is reported.
import { Writable } from 'node:stream';
import type Stripe from 'stripe';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { insertPendingGift } from '../src/ledger/ledger.repo.js';
import { runCli } from '../src/runtime/cli.js';
import { lastReconcileRun } from '../src/ledger/ledger.runs.repo.js';
import { runReconcile } from '../src/webhooks/webhooks.reconcile.js';
import { buildTestContext, type TestContext } from './factories/deps.js';
import { TEST_WEBHOOK_SECRET } from './factories/stripe.js';
import { moneySnapshot } from './helpers/ledger.js';
import {
  lostDisputeOnRecurringGift,
  oneOffGift,
  partialThenFullRefund,
  payout,
  SEQUENCES_START,
  loadStripeStates,
  subscriptionWithFailedRenewal,
  wonDispute,
  type Sequence,
} from './helpers/sequences.js';
import { startStripeMock } from './mocks/stripe-api.js';

const mock = startStripeMock();
afterAll(() => mock.close());

let t: TestContext;
let seqs: Sequence[];
beforeEach(async () => {
  t = buildTestContext();
  seqs = [oneOffGift(), partialThenFullRefund(), subscriptionWithFailedRenewal(), lostDisputeOnRecurringGift(), wonDispute(), payout()];
  loadStripeStates(mock.store, seqs);
  for (const g of seqs.flatMap((s) => s.gifts)) await insertPendingGift(t.deps.db, g, t.clock.ms);
});
afterEach(() => t.cleanup());

const deliver = async (events: Stripe.Event[]) => {
  for (const e of events) expect((await t.app.request(t.webhook(e))).status).toBe(200);
};

/** Everything the ledger holds, as after a perfect delivery of every event. */
async function perfectLedger() {
  const other = buildTestContext();
  loadStripeStates(mock.store, seqs);
  for (const g of seqs.flatMap((s) => s.gifts)) await insertPendingGift(other.deps.db, g, other.clock.ms);
  for (const e of seqs.flatMap((s) => s.events)) expect((await other.app.request(other.webhook(e))).status).toBe(200);
  const snap = moneySnapshot(other.handle);
  await other.cleanup();
  loadStripeStates(mock.store, seqs);
  return snap;
}

// what an outage loses: refunds made in the dashboard, a whole gift, the late fee updates, a dispute's close
const LOST = new Set(['refund.created', 'refund.updated', 'charge.refunded', 'charge.updated', 'charge.dispute.closed', 'charge.dispute.funds_reinstated']);

describe('reconcile', () => {
  it('recovers events we never received, fills fees, and then reports zero drift', async () => {
    const expected = await perfectLedger();
    const all = seqs.flatMap((s) => s.events);
    const lostGift = seqs[0]!.events.find((e) => e.type === 'checkout.session.completed')!;
    const received = all.filter((e) => !LOST.has(e.type) && e !== lostGift);
    await deliver(received);
    expect(moneySnapshot(t.handle).entries.length).toBeLessThan(expected.entries.length);

    const before = await runReconcile(t.deps, { sinceSec: SEQUENCES_START });
    expect(before.events).toMatchObject({
      scanned: all.length,
      unprocessed: all.length - received.length,
      recovered: all.length - received.length,
      failed: [],
    });
    expect(before.drift).toBe(false);
    expect(before.objects).toEqual([]);
    expect(before.currencies.map((c) => c.currency)).toEqual(['gbp']);
    const gbp = before.currencies[0]!;
    expect(gbp.ledger).toEqual(gbp.stripe);
    expect(gbp.stripe).toMatchObject({ refundsMinor: -6000, disputesMinor: -1000 - 2000 + 2000 });

    // the same ledger as if nothing had been lost (our own row ids aside)
    expect(moneySnapshot(t.handle)).toEqual(expected);

    // a second run finds nothing to do
    const again = await runReconcile(t.deps, { sinceSec: SEQUENCES_START });
    expect(again.events.unprocessed).toBe(0);
    expect(again.drift).toBe(false);
  });

  it('fills a fee Stripe never sent a charge.updated for', async () => {
    const seq = seqs[0]!;
    loadStripeStates(mock.store, [seq]);
    await deliver(seq.events.filter((e) => e.type !== 'charge.updated'));
    // the event is gone from Stripe's list too (older than 30 days, say): only the fee fill can find it
    mock.store.events = mock.store.events.filter((e) => e.type !== 'charge.updated');
    const report = await runReconcile(t.deps, { sinceSec: SEQUENCES_START });
    expect(report.feesFilled).toBe(1);
    const gift = moneySnapshot(t.handle).entries.find((e) => e.kind === 'gift' && e.gift_id === seq.gifts[0]!.id);
    expect(gift).toMatchObject({ fee_minor: 58, net_minor: 2442 });
  });

  it('reports an altered ledger as drift, object by object and per currency', async () => {
    await deliver(seqs.flatMap((s) => s.events));
    expect((await runReconcile(t.deps, { sinceSec: SEQUENCES_START })).drift).toBe(false);
    const gift = seqs[0]!.gifts[0]!.id;
    t.handle.sqlite.prepare("update ledger_entries set fee_minor = fee_minor + 1, net_minor = net_minor - 1 where gift_id = ? and kind = 'gift'").run(gift);
    t.handle.sqlite.prepare("delete from ledger_entries where kind = 'refund' and amount_minor = -2000").run();
    const r = await runReconcile(t.deps, { sinceSec: SEQUENCES_START });
    expect(r.drift).toBe(true);
    expect(r.objects.map((o) => o.problem).sort()).toEqual(['mismatch', 'missing_in_ledger']);
    expect(r.objects.find((o) => o.problem === 'mismatch')!.detail).toBe('fee 59 vs Stripe 58; net 2441 vs Stripe 2442');
    const gbp = r.currencies[0]!;
    expect(gbp.differs).toBe(true);
    expect(gbp.ledger.feesMinor - gbp.stripe.feesMinor).toBe(1);
    expect(gbp.ledger.refundsMinor - gbp.stripe.refundsMinor).toBe(2000);
    // the run is stored for the finance overview's health line
    expect(await lastReconcileRun(t.deps.db)).toMatchObject({
      drift: true,
      objectsDiffering: 2,
      currenciesDiffering: 'gbp',
      eventsFailed: 0,
      ranAt: t.deps.now(),
    });
  });
});

describe('npm run cli -- reconcile', () => {
  const env = () => ({
    NODE_ENV: 'test',
    DATABASE_PATH: t.deps.config.databasePath,
    STRIPE_SECRET_KEY: 'sk_test_storyfund',
    STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    LOG_LEVEL: 'silent',
  });
  const capture = () => {
    let text = '';
    const out = new Writable({
      write: (chunk, _enc, cb) => {
        text += String(chunk);
        cb();
      },
    });
    return { out, text: () => text };
  };

  it('recovers, prints the report and exits 0 with no drift; exits 2 once the ledger is altered', async () => {
    await deliver(seqs.flatMap((s) => s.events).filter((e) => !LOST.has(e.type)));
    const since = new Date(SEQUENCES_START * 1000).toISOString().slice(0, 10);
    const first = capture();
    expect(await runCli(['reconcile', '--since', since], env(), { out: first.out })).toBe(0);
    expect(first.text()).toMatch(/Events: \d+ listed, \d+ never processed here, \d+ recovered, 0 failed/);
    expect(first.text()).toMatch(/^GBP\s+ledger\s+/m);
    expect(first.text()).toContain('No drift: the ledger matches Stripe.');

    t.handle.sqlite.prepare("update ledger_entries set amount_minor = amount_minor - 100 where kind = 'renewal'").run();
    const second = capture();
    expect(await runCli(['reconcile', '--since', since], env(), { out: second.out })).toBe(2);
    expect(second.text()).toMatch(/^GBP\s+DRIFT\s+/m);
    expect(second.text()).toMatch(/mismatch: txn_\w+ invoice:in_\w+: amount 900 vs Stripe 1000/);
    expect(second.text()).toContain('DRIFT: the ledger and Stripe disagree.');
  });

  it('prints a payout statement that balances and matches every item to a gift', async () => {
    const p = seqs.find((s) => s.name === 'payout')!;
    await deliver(p.events);
    const po = p.events.at(-1)!.data.object as Stripe.Payout;
    const res = capture();
    expect(await runCli(['payouts', 'statement', po.id], env(), { out: res.out })).toBe(0);
    expect(res.text()).toContain('gross 40.00 - fees 1.00 + refunds -10.00 + disputes 0.00 = 29.00 GBP');
    expect(res.text()).toContain('paid out 29.00 GBP: balanced');
    expect(res.text()).not.toContain('NOT MATCHED');
  });

  it('exports fee, net, settlement and each refund as a negative row linked to its gift', async () => {
    const refunds = seqs.find((s) => s.name === 'partial then full refund')!;
    await deliver(refunds.events);
    const res = capture();
    expect(await runCli(['contributions', 'export', '--format', 'csv'], env(), { out: res.out })).toBe(0);
    const [head, ...rows] = res.text().trim().split('\r\n');
    const cols = head!.split(',');
    expect(cols).toEqual(expect.arrayContaining(['fee_minor', 'net_minor', 'settlement_currency', 'exchange_rate', 'balance_transaction_id']));
    const records = rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i], v])));
    const giftId = refunds.gifts[0]!.id;
    expect(records.map((r) => [r.kind, r.amount_minor, r.fee_minor, r.net_minor, r.settlement_currency, r.gift_id])).toEqual([
      ['gift', '5000', '95', '4905', 'gbp', giftId],
      ['refund', '-2000', '0', '-2000', 'gbp', giftId],
      ['refund', '-3000', '-45', '-2955', 'gbp', giftId],
    ]);
  });
});
