// The finance pages against a seeded ledger (tests/helpers/finance-ledger.ts), with every
// figure worked out by hand from its rows: the overview's totals per currency (refunds,
// a lost dispute and its fee, JPY, a conversion, a pending fee), the recurring metrics,
// the contributions list's filters, sorting and keyset pages, and a gift's timeline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listContributions } from '../src/finance/finance.lists.repo.js';
import { currencyTotals, givingSeries, recurringTotals } from '../src/finance/finance.totals.repo.js';
import { churnRate, contributionFilter, contributionsQuery, mrrMinor } from '../src/finance/finance.js';
import { buildTestContext, type TestContext } from './factories/deps.js';
import { buildStaff, insertStaffRow, sessionFor, type SignedIn } from './factories/staff.js';
import { seedFinanceLedger } from './helpers/finance-ledger.js';

let t: TestContext;
let viewer: SignedIn;
let finance: SignedIn;
beforeAll(async () => {
  t = buildTestContext();
  // the clock stands at 2026-11-20T10:00Z
  seedFinanceLedger(t.handle);
  viewer = await sessionFor(t.deps, 'staff', (await insertStaffRow(t.deps, buildStaff({ role: 'viewer' }))).id);
  finance = await sessionFor(t.deps, 'staff', (await insertStaffRow(t.deps, buildStaff({ role: 'finance' }))).id);
});
afterAll(() => t?.cleanup());

const get = (path: string, s: SignedIn, accept = 'text/html') => t.app.request(`http://localhost:8787${path}`, { headers: { cookie: s.cookie, accept } });
const NOV = { fromMs: Date.parse('2026-11-01T00:00:00Z'), toMs: Date.parse('2026-12-01T00:00:00Z') };
const YEAR = { fromMs: Date.parse('2026-01-01T00:00:00Z'), toMs: Date.parse('2027-01-01T00:00:00Z') };

describe('overview figures', () => {
  it('sums November per currency: refunds and disputes netted, JPY whole yen, a converted payment settled in GBP, a pending fee counted apart', async () => {
    expect(await currencyTotals(t.deps.db, NOV)).toEqual([
      { currency: 'eur', grossMinor: 2500, feesMinor: 0, netMinor: 0, refundsMinor: 0, disputesMinor: 0, gifts: 1, supporters: 1, feesPending: 1 },
      // 35 + 20 + 0 (refund) + 40 (the USD gift, settled in GBP); 965 + 480 - 400 + 760
      { currency: 'gbp', grossMinor: 1500, feesMinor: 95, netMinor: 1805, refundsMinor: -400, disputesMinor: 0, gifts: 2, supporters: 2, feesPending: 0 },
      // 108 + 1500 dispute fee; 2892 - 3000 - 1500
      { currency: 'jpy', grossMinor: 3000, feesMinor: 1608, netMinor: -1608, refundsMinor: 0, disputesMinor: -3000, gifts: 1, supporters: 1, feesPending: 0 },
      { currency: 'usd', grossMinor: 1000, feesMinor: 0, netMinor: 0, refundsMinor: 0, disputesMinor: 0, gifts: 1, supporters: 1, feesPending: 0 },
    ]);
  });

  it('takes October into the year and leaves it out of the month', async () => {
    const gbp = (await currencyTotals(t.deps.db, YEAR)).find((r) => r.currency === 'gbp');
    expect(gbp).toMatchObject({ grossMinor: 2000, feesMinor: 115, netMinor: 2285, gifts: 3, supporters: 2 });
  });

  it('counts live recurring gifts, MRR with annual gifts over twelve, and churn over those live at the start', async () => {
    const rows = await recurringTotals(t.deps.db, NOV);
    expect(rows).toEqual([
      { currency: 'gbp', monthly: 1, annual: 1, monthlyMinor: 500, annualMinor: 12000, newInRange: 1, cancelledInRange: 1 },
      { currency: 'jpy', monthly: 1, annual: 0, monthlyMinor: 1000, annualMinor: 0, newInRange: 0, cancelledInRange: 0 },
    ]);
    expect(mrrMinor(rows[0]!)).toBe(1500);
    // live at the start: 2 now + 1 cancelled - 1 new
    expect(churnRate(rows[0]!)).toBe(0.5);
    expect(churnRate(rows[1]!)).toBe(0);
  });

  it('splits each day of giving into one-off and recurring', async () => {
    const days = await givingSeries(t.deps.db, NOV, 'day');
    expect(days.filter((d) => d.currency === 'gbp')).toEqual([
      { bucket: '2026-11-02', currency: 'gbp', oneOffMinor: 1000, recurringMinor: 0 },
      { bucket: '2026-11-05', currency: 'gbp', oneOffMinor: 0, recurringMinor: 500 },
    ]);
    const months = await givingSeries(t.deps.db, YEAR, 'month');
    expect(months.filter((d) => d.currency === 'gbp')).toEqual([
      { bucket: '2026-10', currency: 'gbp', oneOffMinor: 0, recurringMinor: 500 },
      { bucket: '2026-11', currency: 'gbp', oneOffMinor: 1000, recurringMinor: 500 },
    ]);
  });

  it('renders the page: figures formatted per currency, the chart, the failing renewal in words with its supporter masked for a viewer', async () => {
    const res = await get('/finance', viewer);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Signed in as');
    expect(html).toMatch(
      /<tr data-currency="jpy"><th scope="row">JPY<\/th><td class="num">¥3,000<\/td><td class="num">¥1,608<\/td><td class="num neg">-¥1,608<\/td>/,
    );
    expect(html).toMatch(
      /<tr data-currency="gbp"><th scope="row">GBP<\/th><td class="num">£15<\/td><td class="num">£0.95<\/td><td class="num">£18.05<\/td><td class="num neg">-£4<\/td>/,
    );
    expect(html).toContain('<svg viewBox="0 0 640 220"');
    expect(html).toContain('Giving in GBP per day: £15 in all');
    expect(html).toContain('Not enough money in the account');
    expect(html).toContain('2026-11-22 06:00');
    expect(html).toContain('d•••@example.org');
    expect(html).not.toContain('dora@example.org');
    expect(html).toContain('<td class="num">50.0%</td>');
    expect(await (await get('/finance', finance)).text()).toContain('dora@example.org');
  });

  it('draws a range of two centuries over the months that have giving, not a bar for each empty month', async () => {
    const res = await get('/finance?from=1900-01-01&to=2099-12-31', viewer);
    expect(res.status).toBe(200);
    const html = await res.text();
    // the totals still cover the whole range; only the chart narrows
    expect(html).toContain('Money, 1900-01-01 to 2099-12-31 (UTC)');
    expect(html).toMatch(/<tr data-currency="gbp"><th scope="row">GBP<\/th><td class="num">£20<\/td>/);
    const bars = [...html.matchAll(/<title>(\d{4}-\d{2}): one-off/g)].map((m) => m[1]);
    expect(new Set(bars)).toEqual(new Set(['2026-10', '2026-11']));
    // a chart per currency, each with the same two months
    expect(bars).toHaveLength(8);
  });

  it("states the ledger's health from the last reconcile run: none yet, clean, then drift", async () => {
    const line = async () => /<p class="health[^"]*"[^>]*>(.*?)<\/p>/.exec(await (await get('/finance', viewer)).text())?.[1];
    expect(await line()).toContain('reconcile has not run yet');
    const run = t.handle.sqlite.prepare(
      `insert into reconcile_runs (id, ran_at, since_sec, drift, events_recovered, events_failed, fees_filled, objects_differing, currencies_differing) values (?, ?, 0, ?, 0, 0, 0, ?, ?)`,
    );
    run.run('rcn_1', Date.parse('2026-11-20T04:00:00Z'), 0, 0, '');
    expect(await line()).toBe('Ledger check: reconciled with Stripe at 2026-11-20 04:00 UTC (6 h ago), no drift.');
    run.run('rcn_2', Date.parse('2026-11-20T09:30:00Z'), 1, 2, 'gbp');
    expect(await line()).toBe('Ledger check: drift found at 2026-11-20 09:30 UTC (within the hour): 2 objects differ, totals differ in GBP.');
  });

  it('answers today, this year and a chosen range, and names a bad date', async () => {
    const today = (await (await get('/finance?period=today', viewer, 'application/json')).json()) as { totals: { currency: string }[] };
    expect(today.totals.map((r) => r.currency)).toEqual(['eur']);
    const range = (await (await get('/finance?from=2026-10-01&to=2026-10-31', viewer, 'application/json')).json()) as {
      totals: { currency: string; grossMinor: number }[];
    };
    expect(range.totals).toEqual([expect.objectContaining({ currency: 'gbp', grossMinor: 500 })]);
    const bad = await get('/finance?from=2026-02-30', viewer, 'application/json');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { fields: Record<string, string> }).fields).toHaveProperty('from');
  });
});

describe('contributions list', () => {
  const list = async (query: Record<string, string>, limit = 50) => {
    const { filter, sort, after } = contributionFilter(contributionsQuery.parse(query));
    return listContributions(t.deps.db, filter, sort, after, limit);
  };

  it('filters by currency and sorts by amount both ways', async () => {
    expect((await list({ currency: 'GBP', sort: 'amount', dir: 'asc' })).map((r) => [r.amountMinor, r.id])).toEqual([
      [-400, 'le_04'],
      [500, 'le_02'],
      [500, 'le_03'],
      [1000, 'le_01'],
    ]);
    expect((await list({ currency: 'gbp', sort: 'amount' })).map((r) => r.id)).toEqual(['le_01', 'le_03', 'le_02', 'le_04']);
  });

  it('combines filters on the entry and on its gift', async () => {
    expect((await list({ campaign: 'winter', variant: 'b' })).map((r) => r.id)).toEqual(['le_03', 'le_09', 'le_02']);
    expect((await list({ email: 'ANN@example.org', kind: 'refund' })).map((r) => r.id)).toEqual(['le_04']);
    expect((await list({ article: 'harbour-water', frequency: 'one_off', from: '2026-11-15', to: '2026-11-15' })).map((r) => r.id)).toEqual(['le_05']);
    expect((await list({ currency: 'jpy', min: '1', max: '3000' })).map((r) => r.id)).toEqual(['le_05']);
    expect((await list({ currency: 'gbp', min: '-5', max: '0' })).map((r) => r.id)).toEqual(['le_04']);
    expect((await list({ status: 'failed' })).map((r) => r.id)).toEqual([]);
  });

  it('pages by keyset: each page starts after the last row of the one before, ties broken by id', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const rows = await list({ sort: 'amount', dir: 'desc', ...(after ? { after } : {}) }, 2);
      seen.push(...rows.map((r) => r.id));
      if (rows.length < 2) break;
      const last = rows[rows.length - 1]!;
      after = `${last.amountMinor}.${last.id}`;
    }
    expect(seen).toEqual((await list({ sort: 'amount', dir: 'desc' })).map((r) => r.id));
    expect(seen).toHaveLength(9);
  });

  it('links the next page with the filters kept, and each row to its gift; viewers see emails masked', async () => {
    const html = await (await get('/finance/contributions?currency=gbp', viewer)).text();
    expect(html).toContain('href="/finance/gifts/gift_g1"');
    expect(html).toContain('a•••@example.org');
    expect(html).not.toContain('ann@example.org');
    expect(html).toContain('<td class="num neg">-£4</td>');
    expect(await (await get('/finance/contributions?currency=gbp', finance)).text()).toContain('ann@example.org');
    const json = (await (await get('/finance/contributions?currency=gbp', viewer, 'application/json')).json()) as {
      contributions: unknown[];
      next: string | null;
    };
    expect(json.contributions).toHaveLength(4);
    expect(json.next).toBeNull();
  });

  it('refuses a bad filter with a 400 naming the field and the form filled in as sent', async () => {
    const res = await get('/finance/contributions?currency=xyz&min=abc&campaign=spring', viewer);
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('currency: is not a currency we take');
    expect(html).toContain('name="campaign" value="spring"');
    expect(html).toContain('name="currency" value="xyz"');
    const noCurrency = await get('/finance/contributions?min=5', viewer, 'application/json');
    expect(noCurrency.status).toBe(400);
    expect(await noCurrency.json()).toMatchObject({ fields: { min: 'choose a currency to filter by amount' } });
    expect((await get('/finance/contributions?after=1;drop', viewer, 'application/json')).status).toBe(400);
    expect((await get('/finance/contributions?sort=fee', viewer, 'application/json')).status).toBe(400);
  });
});

describe("a gift's timeline", () => {
  it('shows its entries, the events naming it, its emails and links to Stripe test mode', async () => {
    const html = await (await get('/finance/gifts/gift_g1', finance)).text();
    expect(html).toContain('evt_g1_paid');
    expect(html).toContain('evt_g1_refund');
    expect(html).not.toContain('evt_other');
    expect(html).toContain('receipt');
    expect(html).toContain('https://dashboard.stripe.com/test/payments/pi_g1');
    expect(html).toContain('https://dashboard.stripe.com/test/refunds/re_g1');
    expect(html).toMatch(/<td class="num neg">-£4<\/td><td class="num">£0<\/td><td class="num neg">-£4<\/td>/);
    // the supporter opens their page: lifetime giving, other gifts, emails
    expect(html).toContain('<dd><a href="/finance/supporters/sup_ann">ann@example.org</a></dd>');
  });

  it('masks the email for viewers and answers 404 for an unknown gift', async () => {
    const html = await (await get('/finance/gifts/gift_g1', viewer)).text();
    expect(html).not.toContain('ann@example.org');
    expect(html).toContain('a•••@example.org');
    const missing = await get('/finance/gifts/gift_none', viewer);
    expect(missing.status).toBe(404);
    // the staff frame around the error, with the way back to the dashboard
    const page = await missing.text();
    expect(page).toContain('There is no gift with this id.');
    expect(page).toContain('Signed in as');
    expect(page).toContain('<a href="/finance">Back to the finance overview</a>');
    expect((await get('/finance/gifts/bad%20id', viewer)).status).toBe(404);
  });
});

describe('supporters, failed payments, attribution and payouts', () => {
  const json = async <T>(path: string, s: SignedIn = finance) => {
    const res = await get(path, s, 'application/json');
    expect(res.status, path).toBe(200);
    return (await res.json()) as T;
  };

  it('lists supporters newest first with lifetime giving net of refunds and disputes, paged by keyset; viewers see them masked', async () => {
    type L = {
      supporters: { id: string; email: string; lifetime: { currency: string; grossMinor: number; refundsMinor: number; disputesMinor: number }[] }[];
      next: string | null;
    };
    const page = await json<L>('/finance/supporters');
    expect(page.supporters.map((s) => s.id)).toEqual(['sup_eve', 'sup_dora', 'sup_chie', 'sup_bob', 'sup_ann']);
    expect(page.supporters.find((s) => s.id === 'sup_ann')!.lifetime).toEqual([
      expect.objectContaining({ currency: 'eur', grossMinor: 2500, refundsMinor: 0, disputesMinor: 0 }),
      expect.objectContaining({ currency: 'gbp', grossMinor: 1000, refundsMinor: -400, disputesMinor: 0 }),
    ]);
    expect(page.supporters.find((s) => s.id === 'sup_chie')!.lifetime).toEqual([
      expect.objectContaining({ currency: 'jpy', grossMinor: 3000, disputesMinor: -3000 }),
    ]);
    const html = await (await get('/finance/supporters', finance)).text();
    // kept after refunds: EUR 25, GBP 10 - 4
    expect(html).toContain('€25 · £6');
    expect((await json<L>('/finance/supporters', viewer)).supporters[0]!.email).toBe('e•••@example.org');
    expect((await json<L>('/finance/supporters?email=BOB@example.org')).supporters.map((s) => s.id)).toEqual(['sup_bob']);
    expect((await get('/finance/supporters?after=x', finance, 'application/json')).status).toBe(400);
  });

  it('shows one supporter: lifetime per currency, recurring status, gifts and emails sent', async () => {
    const html = await (await get('/finance/supporters/sup_ann', finance)).text();
    expect(html).toMatch(
      /<tr data-currency="gbp"><th scope="row">GBP<\/th><td class="num">£10<\/td><td class="num neg">-£4<\/td><td class="num">£0<\/td><td class="num">£6<\/td>/,
    );
    expect(html).toContain('href="/finance/gifts/gift_g1"');
    expect(html).toContain('receipt');
    const bob = await (await get('/finance/supporters/sup_bob', viewer)).text();
    expect(bob).toContain('£5 per month: active');
    expect(bob).toContain('b•••@example.org');
    expect(bob).not.toContain('bob@example.org');
    expect((await get('/finance/supporters/sup_nobody', viewer)).status).toBe(404);
  });

  it('lists failed payments with the decline in words and the next retry', async () => {
    type F = {
      renewals: { stripeSubscriptionId: string; reason: string; nextPaymentAttemptAt: number; supporterEmail: string }[];
      gifts: { id: string; email: string }[];
    };
    const f = await json<F>('/finance/failed', viewer);
    expect(f.renewals).toEqual([
      expect.objectContaining({
        stripeSubscriptionId: 'sub_failing',
        reason: 'Not enough money in the account',
        nextPaymentAttemptAt: Date.parse('2026-11-22T06:00:00Z'),
        supporterEmail: 'd•••@example.org',
      }),
    ]);
    expect(f.gifts).toEqual([expect.objectContaining({ id: 'gift_g9', email: 'e•••@example.org' })]);
  });

  it('attributes payments by campaign and article: revenue, count, share recurring, average, and new recurring gifts annualised', async () => {
    type A = {
      rows: {
        value: string | null;
        currency: string;
        revenueMinor: number;
        gifts: number;
        recurringGifts: number;
        annualisedMinor: number;
        shareRecurring: number;
        averageMinor: number;
      }[];
    };
    const nov = await json<A>('/finance/attribution?period=month&by=campaign');
    expect(nov.rows.map((r) => [r.value, r.currency, r.revenueMinor, r.gifts, r.shareRecurring, r.averageMinor, r.annualisedMinor])).toEqual([
      [null, 'jpy', 3000, 1, 0, 3000, 0],
      ['newsletter', 'eur', 2500, 1, 0, 2500, 0],
      ['winter', 'gbp', 1500, 2, 0.5, 750, 0],
      ['winter', 'usd', 1000, 1, 0, 1000, 0],
    ]);
    // October: gift_g2's first monthly payment, at a year's worth
    const oct = await json<A>('/finance/attribution?from=2026-10-01&to=2026-10-31&by=article&sort=gifts&dir=asc');
    expect(oct.rows).toEqual([expect.objectContaining({ value: 'ferry-cuts', currency: 'gbp', revenueMinor: 500, annualisedMinor: 6000, recurringGifts: 1 })]);
    // equal averages (1000 in GBP and USD) fall back to currency order
    const bySection = await json<A>('/finance/attribution?period=year&by=section&sort=average&dir=asc');
    expect(bySection.rows.map((r) => `${r.value}:${r.currency}`)).toEqual([
      'transport:gbp',
      'environment:gbp',
      'environment:usd',
      'transport:eur',
      'environment:jpy',
    ]);
    expect((await get('/finance/attribution?by=colour', viewer, 'application/json')).status).toBe(400);
  });

  it('offers the periods as the overview does, and keeps the period and sort when the dimension changes', async () => {
    const html = await (await get('/finance/attribution?period=year&by=campaign&sort=share&dir=asc', viewer)).text();
    expect(html).toContain('<a href="/finance/attribution?period=year&amp;by=campaign&amp;sort=share&amp;dir=asc" aria-current="page">This year</a>');
    expect(html).toContain('<a href="/finance/attribution?period=today&amp;by=campaign&amp;sort=share&amp;dir=asc">Today</a>');
    expect(html).toContain('<input type="hidden" name="period" value="year"/>');
    expect(html).toContain('<input type="hidden" name="sort" value="share"/>');
    expect(html).toContain('<input type="hidden" name="dir" value="asc"/>');
    expect(html).toContain('Payments by campaign, 2026 (UTC)');
  });

  it("shows a payout that balances, each item with its gift, and the month's payouts with their total", async () => {
    const html = await (await get('/finance/payouts/po_nov', viewer)).text();
    expect(html).toContain('Balances: gross £10 - fees £0.35 + refunds -£4 + disputes £0 = £5.65; paid out £5.65.');
    expect(html).toMatch(/txn_re_g1<\/code><\/td><td>refund<\/td><td>re_g1<\/td><td class="num neg">-£4<\/td>.*?href="\/finance\/gifts\/gift_g1"/s);
    const month = await (await get('/finance/payouts?month=2026-11', viewer)).text();
    expect(month).toContain('href="/finance/payouts/po_nov"');
    expect(month).toMatch(/Total GBP \(1 payouts\)<\/th><td class="num">£5.65<\/td>/);
    expect(await (await get('/finance/payouts?month=2026-10', viewer)).text()).toContain('No payouts arrive in this month.');
    expect((await get('/finance/payouts?month=2026-13', viewer, 'application/json')).status).toBe(400);
    expect((await get('/finance/payouts/po_none', viewer)).status).toBe(404);
  });
});
