// The replay harness. Stripe delivers webhooks at least once and in no guaranteed order
// (https://docs.stripe.com/webhooks#event-ordering, #retries). Each realistic history is
// delivered in order once, its final ledger checked against what finance expects, then
// redelivered in many seeded random orders with duplicates: the final ledger, fees, states,
// disputes and payouts must be identical every time. Two test files share it so the
// histories replay on both cores.
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertPendingGift } from '../../src/ledger/ledger.repo.js';
import { applyUnlessProcessed } from '../../src/webhooks/webhooks.apply.js';
import { buildTestContext, type TestContext } from '../factories/deps.js';
import { attributionMismatches, clearLedger, moneySnapshot, rollupDifferences } from './ledger.js';
import { rng, shuffledWithDuplicates } from './random.js';
import { loadStripeState, type Sequence } from './sequences.js';
import { startStripeMock } from '../mocks/stripe-api.js';

export const ORDERINGS = Number(process.env.REPLAY_ORDERINGS ?? 200);

let mock: ReturnType<typeof startStripeMock>;
let t: TestContext;
const timings: string[] = [];

/** Call once per test file: one database and one msw server, reused by every run. */
export function useReplay(): void {
  beforeAll(() => {
    mock = startStripeMock();
    // in memory: thousands of runs must not wait on the disk's fsyncs
    t = buildTestContext({ DATABASE_PATH: ':memory:' });
  });
  afterAll(async () => {
    await t.cleanup();
    mock.close();
    if (timings.length) console.log(`replay: ${ORDERINGS} orderings per sequence\n  ${timings.join('\n  ')}`);
  });
}

/**
 * Over HTTP: signed, verified, recorded once, applied. The random orders skip only the
 * signature and HTTP layers (covered by webhooks.test.ts) and take the same path after
 * verification as POST /webhooks/stripe (webhooks.apply.ts): skip what is applied, then apply atomically.
 */
async function deliver(e: Stripe.Event, via: 'http' | 'direct'): Promise<string | null> {
  if (via === 'http') {
    const res = await t.app.request(t.webhook(e));
    const body = await res.text();
    // a quarantined event is answered 200 too, but a realistic history must never need one
    return res.status === 200 && !JSON.parse(body).quarantined ? null : `${e.type} ${res.status}: ${body}`;
  }
  try {
    const outcome = await applyUnlessProcessed(t.deps, e);
    return outcome.quarantined ? `${e.type} quarantined: ${JSON.stringify(outcome.errors)}` : null;
  } catch (err) {
    return `${e.type}: ${String(err)}`;
  }
}

async function replay(seq: Sequence, events: readonly Stripe.Event[], via: 'http' | 'direct' = 'direct') {
  clearLedger(t.handle);
  loadStripeState(mock.store, seq);
  for (const g of seq.gifts) await insertPendingGift(t.deps.db, g, t.clock.ms);
  const failures: string[] = [];
  for (const e of events) {
    const failure = await deliver(e, via);
    if (failure) failures.push(failure);
  }
  for (const key of attributionMismatches(t.handle)) failures.push(`entry ${key} does not carry its gift's attribution`);
  for (const d of rollupDifferences(t.handle)) failures.push(`rollup ${d.table} ${d.key}: entries say ${d.expected}, rollup holds ${d.actual}`);
  return { failures, ...moneySnapshot(t.handle), cancels: mock.store.cancels.length };
}

export type Snapshot = Awaited<ReturnType<typeof replay>>;
export const entry = (s: Snapshot, key: string) => s.entries.find((e) => e.key === key);
export const netOf = (s: Snapshot) => s.entries.reduce((sum, e) => sum + Number(e.net_minor), 0);

export function replaySuite(make: () => Sequence, expectations: (s: Snapshot, seq: Sequence) => void) {
  const seq = make();
  describe(seq.name, () => {
    let expected: Snapshot;
    it('in the order Stripe sent it: the ledger finance expects', async () => {
      expected = await replay(seq, seq.events, 'http');
      expect(expected.failures).toEqual([]);
      expectations(expected, seq);
    });

    it(`the same final ledger for ${ORDERINGS} random orders with duplicates`, async () => {
      expect(expected).toBeDefined();
      const started = performance.now();
      let deliveries = 0;
      for (let i = 0; i < ORDERINGS; i++) {
        const seed = 1000 + i;
        const order = shuffledWithDuplicates(seq.events, rng(seed));
        deliveries += order.length;
        const got = await replay(seq, order);
        if (JSON.stringify(got) !== JSON.stringify(expected)) {
          // the full diff, and the order that produced it
          expect({ seed, order: order.map((e) => e.type), ...got }).toEqual({ seed, order: order.map((e) => e.type), ...expected });
        }
      }
      timings.push(`${seq.name}: ${deliveries} deliveries in ${Math.round(performance.now() - started)} ms`);
    });
  });
}
