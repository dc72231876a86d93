// Payout statements from the totals and gifts the ledger's writes keep (payout_totals,
// payout_items.gift_id) against the same statement summed from every item and matched
// through the entries (payoutReports), after payout events and the entries they settle
// arrive in shuffled orders with duplicates; a payout of more items than one page, paged
// by keyset on its page and in the API; the check command finding and rebuilding them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPayout, type PayoutFacts, type PayoutItemFacts } from '../src/ledger/ledger.payouts.js';
import { payoutItemsPage, payoutReports, payoutSummary, type PayoutStatementItem } from '../src/ledger/ledger.payouts.repo.js';
import type { Write } from '../src/ledger/ledger.js';
import { writeStatements } from '../src/ledger/ledger.repo.js';
import { runCliCaptured } from './helpers/cli.js';
import { buildTestContext, type TestContext } from './factories/deps.js';
import { buildStaff, insertStaffRow, sessionFor, type SignedIn } from './factories/staff.js';
import { financeEntryWrites, seedFinanceLedger } from './helpers/finance-ledger.js';
import { clearLedger, rollupDifferences } from './helpers/ledger.js';
import { rng, shuffledWithDuplicates } from './helpers/random.js';

let t: TestContext;
let viewer: SignedIn;
beforeAll(async () => {
  t = buildTestContext();
  viewer = await sessionFor(t.deps, 'staff', (await insertStaffRow(t.deps, buildStaff({ role: 'viewer' }))).id);
});
afterAll(() => t?.cleanup());

const sec = (iso: string) => Date.parse(iso) / 1000;
const get = (path: string, accept = 'text/html') => t.app.request(`http://localhost:8787${path}`, { headers: { cookie: viewer.cookie, accept } });

/** The hand-worked payout of tests/helpers/finance-ledger.ts as Stripe's events would bring it: 1000 - 35 - 400 = 565. */
const NOV: PayoutFacts = {
  payoutId: 'po_nov',
  amountMinor: 565,
  currency: 'gbp',
  status: 'paid',
  reconciliationStatus: 'completed',
  automatic: true,
  arrivalDate: sec('2026-11-12T00:00:00Z'),
  created: sec('2026-11-11T00:00:00Z'),
};
const item = (o: Partial<PayoutItemFacts> & Pick<PayoutItemFacts, 'id' | 'amountMinor'>): PayoutItemFacts => ({
  feeMinor: 0,
  netMinor: o.amountMinor - (o.feeMinor ?? 0),
  currency: 'gbp',
  exchangeRate: null,
  type: 'charge',
  reportingCategory: 'charge',
  sourceId: null,
  paymentIntentId: null,
  created: sec('2026-11-02T09:00:00Z'),
  ...o,
});
const NOV_ITEMS: PayoutItemFacts[] = [
  item({ id: 'txn_g1', amountMinor: 1000, feeMinor: 35, sourceId: 'ch_g1', paymentIntentId: 'pi_g1' }),
  item({ id: 'txn_re_g1', amountMinor: -400, type: 'refund', reportingCategory: 'refund', sourceId: 're_g1', created: sec('2026-11-10T12:00:00Z') }),
  item({ id: 'txn_po', amountMinor: -565, type: 'payout', reportingCategory: 'payout', sourceId: 'po_nov', created: sec('2026-11-11T00:00:00Z') }),
];
/** payout.created, payout.paid, then payout.reconciliation_completed with its items, each one atomic write. */
const NOV_EVENTS: Write[][] = [
  onPayout({ ...NOV, status: 'pending', reconciliationStatus: 'not_applicable' }, null),
  onPayout({ ...NOV, reconciliationStatus: 'in_progress' }, null),
  onPayout(NOV, NOV_ITEMS),
];

async function write(writes: readonly Write[]) {
  await t.deps.db.atomic(writeStatements(writes, { now: t.clock.ms, eventId: null }));
}

/** Every item of a payout, page after page. */
async function allPages(payoutId: string, limit: number): Promise<{ items: PayoutStatementItem[]; pages: number }> {
  const items: PayoutStatementItem[] = [];
  let after = null;
  let pages = 0;
  do {
    const page = await payoutItemsPage(t.deps.db, payoutId, { after, limit });
    items.push(...page.items);
    after = page.next;
    pages += 1;
  } while (after);
  return { items, pages };
}

/** The stored statement and its pages say what summing every item through the entries says now. */
async function expectSameAsItems(payoutId: string, pageSize: number) {
  const [full] = await payoutReports(t.deps.db, { payoutId });
  const { items, ...statement } = full!;
  const summary = await payoutSummary(t.deps.db, payoutId);
  expect(summary).toEqual({ ...statement, itemCount: items.length });
  expect((await allPages(payoutId, pageSize)).items).toEqual(items);
  return summary!;
}

describe('stored payout totals and gifts equal the items and entries', () => {
  it.each([1, 2, 3, 4, 5, 6])('after payout events and entries are written in shuffled order %i with duplicates', async (seed) => {
    clearLedger(t.handle);
    seedFinanceLedger(t.handle, { entries: false });
    t.handle.sqlite.exec('delete from payout_totals; delete from payout_items; delete from payouts');
    const random = rng(seed);
    const { entries, settlements } = financeEntryWrites();
    const units: Write[][] = [...entries, ...settlements].map((w) => [w]);
    for (const writes of shuffledWithDuplicates([...units, ...NOV_EVENTS], random)) await write(writes);
    expect(rollupDifferences(t.handle)).toEqual([]);
    const s = await expectSameAsItems('po_nov', 2);
    expect(s).toMatchObject({
      grossMinor: 1000,
      feesMinor: 35,
      refundsMinor: -400,
      disputesMinor: 0,
      otherMinor: 0,
      computedMinor: 565,
      paidOutMinor: 565,
      balanced: true,
      itemCount: 3,
      unmatched: 0,
      problems: [],
    });
    expect((await allPages('po_nov', 2)).items.map((i) => [i.balanceTransactionId, i.giftId])).toEqual([
      ['txn_g1', 'gift_g1'],
      ['txn_re_g1', 'gift_g1'],
      ['txn_po', null],
    ]);
  });

  it('shows the gift of an item recorded before its payment, and stores it when the payout is next written', async () => {
    clearLedger(t.handle);
    seedFinanceLedger(t.handle, { entries: false });
    t.handle.sqlite.exec('delete from payout_totals; delete from payout_items; delete from payouts');
    const stored = () => t.handle.sqlite.prepare('select balance_transaction_id, gift_id from payout_items order by balance_transaction_id').raw().all();
    await write(NOV_EVENTS[2]!);
    expect(stored()).toEqual([
      ['txn_g1', null],
      ['txn_po', null],
      ['txn_re_g1', null],
    ]);
    expect(await payoutSummary(t.deps.db, 'po_nov')).toMatchObject({ unmatched: 2, balanced: true });
    const { entries, settlements } = financeEntryWrites();
    for (const w of [...entries, ...settlements]) await write([w]);
    // nothing stored yet, but the reader looks again
    expect(stored()).toEqual([
      ['txn_g1', null],
      ['txn_po', null],
      ['txn_re_g1', null],
    ]);
    expect(await expectSameAsItems('po_nov', 10)).toMatchObject({ unmatched: 0 });
    // payout.paid delivered again: the write matches what it can now
    await write(NOV_EVENTS[1]!);
    expect(stored()).toEqual([
      ['txn_g1', 'gift_g1'],
      ['txn_po', null],
      ['txn_re_g1', 'gift_g1'],
    ]);
    expect(rollupDifferences(t.handle)).toEqual([]);
    await expectSameAsItems('po_nov', 10);
  });
});

describe('a payout of more items than one page', () => {
  const N = 1_050;
  // the same second for many items: the keyset's second column orders them
  const BIG_ITEMS = Array.from({ length: N }, (_, i) =>
    item({
      id: `txn_big${String(i).padStart(5, '0')}`,
      amountMinor: 1000 + i,
      feeMinor: 30,
      sourceId: `ch_big${i}`,
      created: sec('2026-11-03T00:00:00Z') + (i % 7),
    }),
  );
  const net = BIG_ITEMS.reduce((s, i) => s + i.netMinor, 0);
  const BIG: PayoutFacts = { ...NOV, payoutId: 'po_big', amountMinor: net, arrivalDate: sec('2026-11-09T00:00:00Z'), created: sec('2026-11-07T00:00:00Z') };

  beforeAll(async () => {
    clearLedger(t.handle);
    seedFinanceLedger(t.handle);
    await write(
      onPayout(BIG, [
        ...BIG_ITEMS,
        item({ id: 'txn_bigpo', amountMinor: -net, type: 'payout', reportingCategory: 'payout', sourceId: 'po_big', created: BIG.created }),
      ]),
    );
  });

  it('totals every item on each page and lists them 100 at a time, each page linking to the next, in the statement order', async () => {
    const [full] = await payoutReports(t.deps.db, { payoutId: 'po_big' });
    const gross = BIG_ITEMS.reduce((s, i) => s + i.amountMinor, 0);
    expect(full).toMatchObject({ grossMinor: gross, feesMinor: 30 * N, paidOutMinor: net, balanced: true, unmatched: N });
    let path: string | null = '/finance/payouts/po_big';
    const seen: string[] = [];
    let pages = 0;
    while (path) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      const html = await res.text();
      pages += 1;
      // every page states the whole payout
      expect(html).toContain(`Balances: gross £${(gross / 100).toLocaleString('en-GB', { minimumFractionDigits: 2 })}`);
      expect(html).toContain(`of ${N + 1} balance transactions`);
      const ids = [...html.matchAll(/<code>(txn_[a-z0-9]+)<\/code>/g)].map((m) => m[1]!);
      expect(ids.length, path).toBe(pages < 11 ? 100 : 51);
      seen.push(...ids);
      const next = html.match(/<a href="([^"]+)" rel="next">/)?.[1]?.replaceAll('&amp;', '&');
      path = next ?? null;
    }
    expect(pages).toBe(11);
    expect(seen).toEqual(full!.items.map((i) => i.balanceTransactionId));
    // the month view from the stored totals
    const month = await (await get('/finance/payouts?month=2026-11')).text();
    expect(month).toMatch(/Total GBP \(2 payouts\)/);
  });

  it('pages the JSON of the page and of the API the same way, with the totals of every item', async () => {
    type J = { payout: { grossMinor: number; itemCount: number; items: { balanceTransactionId: string }[] }; next: string | null };
    const first = (await (await get('/finance/payouts/po_big', 'application/json')).json()) as J;
    expect(first.payout).toMatchObject({ itemCount: N + 1 });
    expect(first.payout.items).toHaveLength(100);
    // the page's JSON names the next page's address, as its link does
    const second = (await (await get(first.next!, 'application/json')).json()) as J;
    const [full] = await payoutReports(t.deps.db, { payoutId: 'po_big' });
    expect(second.payout.items.map((i) => i.balanceTransactionId)).toEqual(full!.items.slice(100, 200).map((i) => i.balanceTransactionId));

    type A = { next: string | null; payout: { items_count: number; balanced: boolean; items: { balance_transaction_id: string }[] } };
    const a1 = (await (await get('/finance/api/payouts/po_big', 'application/json')).json()) as A;
    expect(a1.payout).toMatchObject({ items_count: N + 1, balanced: true });
    expect(a1.payout.items).toHaveLength(500);
    const a2 = (await (await get(`/finance/api/payouts/po_big?after=${encodeURIComponent(a1.next!)}`, 'application/json')).json()) as A;
    expect(a2.payout.items).toHaveLength(500);
    const a3 = (await (await get(`/finance/api/payouts/po_big?after=${encodeURIComponent(a2.next!)}`, 'application/json')).json()) as A;
    expect(a3.next).toBeNull();
    expect([...a1.payout.items, ...a2.payout.items, ...a3.payout.items].map((i) => i.balance_transaction_id)).toEqual(
      full!.items.map((i) => i.balanceTransactionId),
    );
  });

  it('refuses a page position that is not one, naming it', async () => {
    for (const path of ['/finance/payouts/po_big?after=x', '/finance/api/payouts/po_big?after=12.bad-id']) {
      const res = await get(path, 'application/json');
      expect(res.status, path).toBe(400);
      expect(await res.text(), path).toContain('after');
    }
    expect((await get('/finance/api/payouts/po_big?limit=5', 'application/json')).status).toBe(400);
  });
});

describe('npm run cli -- ledger rollups check, for payouts', () => {
  const cli = (argv: string[]) => runCliCaptured(argv, t.deps.config.databasePath);

  it('names a payout total or a stored gift that differs from the items, and --rebuild makes them match again', async () => {
    clearLedger(t.handle);
    seedFinanceLedger(t.handle);
    expect(await cli(['ledger', 'rollups', 'check'])).toEqual({ code: 0, out: 'The rollups match the ledger entries\n' });
    t.handle.sqlite.exec(`update payout_totals set gross_minor = gross_minor + 1 where payout_id = 'po_nov'`);
    t.handle.sqlite.exec(`update payout_items set gift_id = 'gift_g2' where balance_transaction_id = 'txn_g1'`);
    const broken = await cli(['ledger', 'rollups', 'check']);
    expect(broken.code).toBe(1);
    expect(broken.out).toContain('payout_totals ["po_nov"]: the entries give [3,1000,35,-400,0,0,0], the rollup holds [3,1001,35,-400,0,0,0]');
    expect(broken.out).toContain('payout_items.gift_id ["txn_g1"]: the entries give ["gift_g1"], the rollup holds ["gift_g2"]');
    expect(await cli(['ledger', 'rollups', 'check', '--rebuild'])).toMatchObject({ code: 0 });
    expect(await cli(['ledger', 'rollups', 'check'])).toEqual({ code: 0, out: 'The rollups match the ledger entries\n' });
  });

  it('leaves an unreadable item out of the stored sums and names it on the page, which no longer balances', async () => {
    clearLedger(t.handle);
    seedFinanceLedger(t.handle);
    t.handle.sqlite.exec(`insert into payout_items (balance_transaction_id, payout_id, type, reporting_category, amount_minor, fee_minor, net_minor, currency, stripe_created)
      values ('txn_odd', 'po_nov', 'charge', 'charge', 'ten pounds', 0, 0, 'gbp', 1795000000)`);
    expect(await cli(['ledger', 'rollups', 'check', '--rebuild'])).toMatchObject({ code: 0 });
    const s = await expectSameAsItems('po_nov', 2);
    expect(s).toMatchObject({
      grossMinor: 1000,
      balanced: false,
      itemCount: 3,
      problems: ['balance transaction txn_odd: amount_minor is not a whole number of minor units'],
    });
    const html = await (await get('/finance/payouts/po_nov')).text();
    expect(html).toContain('Does not balance');
    expect(html).toContain('txn_odd: amount_minor is not a whole number of minor units');
  });
});
