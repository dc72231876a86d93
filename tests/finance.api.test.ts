// The finance JSON API against the seeded ledger of tests/finance.test.ts: each endpoint's
// figures are the hand-worked ones, and the same as its page's (the pages' own JSON and,
// for a few, the rendered HTML), in several currencies with zero-decimal JPY. Then the
// shapes of a refusal: 400 naming the field, 401 with a Bearer challenge, 403, all JSON.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findStaff } from '../src/auth/auth.repo.js';
import { newApiToken } from '../src/auth/auth.tokens.js';
import { buildTestContext, type TestContext } from './factories/deps.js';
import { buildStaff, insertStaffRow, sessionFor, type SignedIn } from './factories/staff.js';
import { seedFinanceLedger } from './helpers/finance-ledger.js';

let t: TestContext;
let viewer: SignedIn;
let finance: SignedIn;
const tokens: Record<'viewer' | 'finance' | 'admin', string> = { viewer: '', finance: '', admin: '' };

async function tokenFor(staffId: string): Promise<string> {
  const owner = (await findStaff(t.deps.db, staffId))!;
  const made = await newApiToken(
    t.deps.db,
    owner,
    { name: `test ${owner.role}`, expiresAt: null },
    { actor: 'cli', origin: { ip: null, userAgent: null } },
    t.deps.now(),
  );
  await t.deps.db.atomic(made.statements);
  return made.token;
}

beforeAll(async () => {
  t = buildTestContext();
  // the clock stands at 2026-11-20T10:00Z
  seedFinanceLedger(t.handle);
  const ids = {
    viewer: (await insertStaffRow(t.deps, buildStaff({ role: 'viewer' }))).id,
    finance: (await insertStaffRow(t.deps, buildStaff({ role: 'finance' }))).id,
    admin: (await insertStaffRow(t.deps, buildStaff({ role: 'admin' }))).id,
  };
  viewer = await sessionFor(t.deps, 'staff', ids.viewer);
  finance = await sessionFor(t.deps, 'staff', ids.finance);
  for (const role of ['viewer', 'finance', 'admin'] as const) tokens[role] = await tokenFor(ids[role]);
});
afterAll(() => t?.cleanup());

const URL_BASE = 'http://localhost:8787';
const api = (path: string, token: string, headers: Record<string, string> = {}) =>
  t.app.request(`${URL_BASE}/finance/api${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });

async function apiJson<T>(path: string, token = tokens.finance): Promise<T> {
  const res = await api(path, token);
  expect(res.status, `${path}: ${res.status === 200 ? '' : await res.clone().text()}`).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return (await res.json()) as T;
}

/** The page's own answer: JSON when asked for it, else its HTML. */
const page = (path: string, s: SignedIn, accept = 'application/json') => t.app.request(`${URL_BASE}${path}`, { headers: { cookie: s.cookie, accept } });
const pageJson = async <T>(path: string, s: SignedIn = finance) => (await (await page(path, s)).json()) as T;

type Overview = {
  period: string;
  range: { from: string; to: string };
  totals: {
    currency: string;
    gross_minor: number;
    fees_minor: number;
    net_minor: number;
    refunds_minor: number;
    disputes_minor: number;
    gifts: number;
    supporters: number;
    fees_pending: number;
  }[];
  recurring: { currency: string; active_monthly: number; active_annual: number; mrr_minor: number; churn_rate: number | null }[];
  failed_renewals_awaiting_retry: { stripe_subscription_id: string; supporter_email: string; reason: string; next_payment_attempt_at: string }[];
  series: { bucket: string; points: { bucket: string; currency: string; one_off_minor: number; recurring_minor: number }[] };
  last_reconcile: null | object;
};

describe('GET /finance/api/overview', () => {
  it("answers this month's totals per currency exactly: refunds and a lost dispute netted, JPY in whole yen, a pending fee counted apart", async () => {
    const o = await apiJson<Overview>('/overview');
    expect(o.period).toBe('month');
    expect(o.range).toEqual({ from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' });
    expect(o.totals).toEqual([
      { currency: 'eur', gross_minor: 2500, fees_minor: 0, net_minor: 0, refunds_minor: 0, disputes_minor: 0, gifts: 1, supporters: 1, fees_pending: 1 },
      { currency: 'gbp', gross_minor: 1500, fees_minor: 95, net_minor: 1805, refunds_minor: -400, disputes_minor: 0, gifts: 2, supporters: 2, fees_pending: 0 },
      {
        currency: 'jpy',
        gross_minor: 3000,
        fees_minor: 1608,
        net_minor: -1608,
        refunds_minor: 0,
        disputes_minor: -3000,
        gifts: 1,
        supporters: 1,
        fees_pending: 0,
      },
      { currency: 'usd', gross_minor: 1000, fees_minor: 0, net_minor: 0, refunds_minor: 0, disputes_minor: 0, gifts: 1, supporters: 1, fees_pending: 0 },
    ]);
    expect(o.recurring).toEqual([
      expect.objectContaining({ currency: 'gbp', active_monthly: 1, active_annual: 1, mrr_minor: 1500, churn_rate: 0.5 }),
      expect.objectContaining({ currency: 'jpy', active_monthly: 1, active_annual: 0, mrr_minor: 1000, churn_rate: 0 }),
    ]);
    expect(o.failed_renewals_awaiting_retry).toEqual([
      expect.objectContaining({
        stripe_subscription_id: 'sub_failing',
        supporter_email: 'dora@example.org',
        reason: 'Not enough money in the account',
        next_payment_attempt_at: '2026-11-22T06:00:00.000Z',
      }),
    ]);
    expect(o.series.bucket).toBe('day');
    expect(o.series.points.filter((p) => p.currency === 'gbp')).toEqual([
      { bucket: '2026-11-02', currency: 'gbp', one_off_minor: 1000, recurring_minor: 0 },
      { bucket: '2026-11-05', currency: 'gbp', one_off_minor: 0, recurring_minor: 500 },
    ]);
  });

  it("equals the overview page's figures, for the month, the year and a range", async () => {
    type PageTotals = {
      totals: { currency: string; grossMinor: number; feesMinor: number; netMinor: number; refundsMinor: number; disputesMinor: number; gifts: number }[];
    };
    for (const q of ['', '?period=year', '?period=today', '?from=2026-10-01&to=2026-10-31']) {
      const fromPage = await pageJson<PageTotals>(`/finance${q}`);
      const fromApi = await apiJson<Overview>(`/overview${q}`);
      expect(
        fromApi.totals.map((r) => [r.currency, r.gross_minor, r.fees_minor, r.net_minor, r.refunds_minor, r.disputes_minor, r.gifts]),
        q,
      ).toEqual(fromPage.totals.map((r) => [r.currency, r.grossMinor, r.feesMinor, r.netMinor, r.refundsMinor, r.disputesMinor, r.gifts]));
      expect(fromApi.totals.length, q).toBeGreaterThan(0);
    }
    // the rendered page shows the same JPY and GBP figures the API gives in minor units
    const html = await (await page('/finance', finance, 'text/html')).text();
    expect(html).toMatch(
      /<tr data-currency="jpy"><th scope="row">JPY<\/th><td class="num">¥3,000<\/td><td class="num">¥1,608<\/td><td class="num neg">-¥1,608<\/td>/,
    );
    expect(html).toMatch(/<tr data-currency="gbp"><th scope="row">GBP<\/th><td class="num">£15<\/td><td class="num">£0.95<\/td><td class="num">£18.05<\/td>/);
    const year = await apiJson<Overview>('/overview?period=year');
    expect(year.range).toEqual({ from: '2026-01-01T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z' });
    expect(year.totals.find((r) => r.currency === 'gbp')).toMatchObject({ gross_minor: 2000, fees_minor: 115, net_minor: 2285, gifts: 3, supporters: 2 });
    expect(year.series.bucket).toBe('month');
  });

  it("masks supporters' emails for a viewer's token, as the page does", async () => {
    const o = await apiJson<Overview>('/overview', tokens.viewer);
    expect(o.failed_renewals_awaiting_retry[0]!.supporter_email).toBe('d•••@example.org');
  });
});

type Contribution = {
  id: string;
  occurred_at: string;
  kind: string;
  amount_minor: number;
  currency: string;
  fee_minor: number | null;
  email: string | null;
  gift_id: string;
};

describe('GET /finance/api/contributions', () => {
  it('filters and sorts as the page does, with times in ISO 8601 UTC and masking by role', async () => {
    const gbp = await apiJson<{ contributions: Contribution[]; next: string | null }>('/contributions?currency=GBP&sort=amount&dir=asc');
    expect(gbp.contributions.map((r) => [r.id, r.amount_minor, r.currency])).toEqual([
      ['le_04', -400, 'gbp'],
      ['le_02', 500, 'gbp'],
      ['le_03', 500, 'gbp'],
      ['le_01', 1000, 'gbp'],
    ]);
    expect(gbp.next).toBeNull();
    expect(gbp.contributions[3]).toMatchObject({
      occurred_at: '2026-11-02T09:00:00.000Z',
      kind: 'gift',
      fee_minor: 35,
      email: 'ann@example.org',
      gift_id: 'gift_g1',
    });
    const asViewer = await apiJson<{ contributions: Contribution[] }>('/contributions?currency=gbp', tokens.viewer);
    expect(asViewer.contributions.every((r) => r.email?.includes('•••'))).toBe(true);
    // the zero-decimal currency: an amount range in whole yen
    const jpy = await apiJson<{ contributions: Contribution[] }>('/contributions?currency=jpy&min=1&max=3000');
    expect(jpy.contributions.map((r) => [r.id, r.amount_minor])).toEqual([['le_05', 3000]]);
  });

  it("returns the page's keyset cursor as `next`, and paging with it gives the page's rows in order", async () => {
    type PageList = { contributions: { id: string; amountMinor: number }[] };
    for (const sort of ['sort=amount&dir=desc', 'sort=date&dir=asc', 'campaign=winter']) {
      const seen: string[] = [];
      let after = '';
      for (let i = 0; i < 20; i++) {
        const r = await apiJson<{ contributions: Contribution[]; next: string | null }>(`/contributions?${sort}&limit=2${after ? `&after=${after}` : ''}`);
        seen.push(...r.contributions.map((c) => c.id));
        if (!r.next) break;
        expect(r.contributions).toHaveLength(2);
        after = encodeURIComponent(r.next);
      }
      const fromPage = await pageJson<PageList>(`/finance/contributions?${sort}`);
      expect(seen, sort).toEqual(fromPage.contributions.map((c) => c.id));
    }
    const all = await apiJson<{ contributions: Contribution[] }>('/contributions');
    expect(all.contributions).toHaveLength(9);
    const sum = (cur: string) => all.contributions.filter((c) => c.currency === cur).reduce((s, c) => s + c.amount_minor, 0);
    // every GBP entry ever: 1000 + 500 + 500 - 400; JPY: 3000 - 3000 + 0
    expect([sum('gbp'), sum('jpy'), sum('eur'), sum('usd')]).toEqual([1600, 0, 2500, 1000]);
  });
});

describe('GET /finance/api/supporters and /supporters/:id', () => {
  type Lifetime = { currency: string; gross_minor: number; refunds_minor: number; disputes_minor: number; kept_minor: number; payments: number };
  type List = { supporters: { id: string; email: string; created_at: string; lifetime: Lifetime[] }[]; next: string | null };

  it("lists supporters with lifetime giving per currency equal to the page's, paged by its cursor", async () => {
    const list = await apiJson<List>('/supporters');
    expect(list.supporters.map((s) => s.id)).toEqual(['sup_eve', 'sup_dora', 'sup_chie', 'sup_bob', 'sup_ann']);
    expect(list.supporters.find((s) => s.id === 'sup_ann')).toEqual({
      id: 'sup_ann',
      email: 'ann@example.org',
      name: 'Ann',
      created_at: '2026-09-01T00:00:00.000Z',
      lifetime: [
        { currency: 'eur', gross_minor: 2500, refunds_minor: 0, disputes_minor: 0, kept_minor: 2500, payments: 1 },
        { currency: 'gbp', gross_minor: 1000, refunds_minor: -400, disputes_minor: 0, kept_minor: 600, payments: 1 },
      ],
    });
    expect(list.supporters.find((s) => s.id === 'sup_chie')!.lifetime).toEqual([
      { currency: 'jpy', gross_minor: 3000, refunds_minor: 0, disputes_minor: -3000, kept_minor: 0, payments: 1 },
    ]);
    type PageList = { supporters: { id: string; lifetime: { currency: string; grossMinor: number; refundsMinor: number; disputesMinor: number }[] }[] };
    const fromPage = await pageJson<PageList>('/finance/supporters');
    expect(list.supporters.map((s) => [s.id, s.lifetime.map((l) => [l.currency, l.gross_minor, l.refunds_minor, l.disputes_minor])])).toEqual(
      fromPage.supporters.map((s) => [s.id, s.lifetime.map((l) => [l.currency, l.grossMinor, l.refundsMinor, l.disputesMinor])]),
    );
    const first = await apiJson<List>('/supporters?limit=3');
    expect(first.supporters.map((s) => s.id)).toEqual(['sup_eve', 'sup_dora', 'sup_chie']);
    const second = await apiJson<List>(`/supporters?limit=3&after=${encodeURIComponent(first.next!)}`);
    expect(second.supporters.map((s) => s.id)).toEqual(['sup_bob', 'sup_ann']);
    expect(second.next).toBeNull();
    expect((await apiJson<List>('/supporters', tokens.viewer)).supporters[0]!.email).toBe('e•••@example.org');
  });

  it('shows one supporter: lifetime, recurring status in words, gifts and emails', async () => {
    type Detail = {
      supporter: { id: string; email: string };
      lifetime: Lifetime[];
      gifts: { id: string; amount_minor: number; currency: string; created_at: string }[];
      recurring: { stripe_subscription_id: string; status: string; amount_minor: number; interval: string }[];
      emails: { template: string; sent_at: string }[];
    };
    const ann = await apiJson<Detail>('/supporters/sup_ann');
    expect(ann.lifetime.find((l) => l.currency === 'gbp')).toMatchObject({ kept_minor: 600 });
    expect(ann.gifts.map((g) => g.id).sort()).toEqual(['gift_g1', 'gift_g4']);
    expect(ann.emails).toEqual([expect.objectContaining({ template: 'receipt', sent_at: '2026-11-02T09:00:05.000Z' })]);
    const html = await (await page('/finance/supporters/sup_ann', finance, 'text/html')).text();
    expect(html).toMatch(
      /<tr data-currency="gbp"><th scope="row">GBP<\/th><td class="num">£10<\/td><td class="num neg">-£4<\/td><td class="num">£0<\/td><td class="num">£6<\/td>/,
    );
    const bob = await apiJson<Detail>('/supporters/sup_bob', tokens.viewer);
    expect(bob.supporter.email).toBe('b•••@example.org');
    expect(bob.recurring).toEqual([expect.objectContaining({ stripe_subscription_id: 'sub_g2', status: 'active', amount_minor: 500, interval: 'month' })]);
    const missing = await api('/supporters/sup_nobody', tokens.viewer);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'There is no supporter with this id.' });
  });
});

describe('GET /finance/api/failed, /attribution, /payouts and /gifts/:id', () => {
  it('lists failed renewals and gifts with the decline in words and the next retry', async () => {
    type F = {
      renewals: {
        stripe_subscription_id: string;
        reason: string;
        next_payment_attempt_at: string;
        supporter_email: string;
        amount_minor: number;
        currency: string;
      }[];
      gifts: { id: string; email: string; failed_at: string; amount_minor: number }[];
    };
    const f = await apiJson<F>('/failed', tokens.viewer);
    expect(f.renewals).toEqual([
      expect.objectContaining({
        stripe_subscription_id: 'sub_failing',
        reason: 'Not enough money in the account',
        next_payment_attempt_at: '2026-11-22T06:00:00.000Z',
        supporter_email: 'd•••@example.org',
        amount_minor: 1000,
        currency: 'jpy',
      }),
    ]);
    expect(f.gifts).toEqual([
      { id: 'gift_g9', frequency: 'one_off', amount_minor: 700, currency: 'gbp', email: 'e•••@example.org', failed_at: '2026-11-18T00:00:00.000Z' },
    ]);
    type PageF = { renewals: { stripeSubscriptionId: string; amountMinor: number }[]; gifts: { id: string; amountMinor: number }[] };
    const fromPage = await pageJson<PageF>('/finance/failed', viewer);
    expect(f.renewals.map((r) => [r.stripe_subscription_id, r.amount_minor])).toEqual(fromPage.renewals.map((r) => [r.stripeSubscriptionId, r.amountMinor]));
    expect(f.gifts.map((g) => [g.id, g.amount_minor])).toEqual(fromPage.gifts.map((g) => [g.id, g.amountMinor]));
  });

  it("attributes payments as the report does: revenue, count, share recurring, average and new recurring annualised, in the report's order", async () => {
    type A = {
      rows: {
        value: string | null;
        currency: string;
        revenue_minor: number;
        payments: number;
        share_recurring: number;
        average_minor: number;
        new_recurring_annualised_minor: number;
      }[];
    };
    const nov = await apiJson<A>('/attribution?period=month&by=campaign');
    expect(
      nov.rows.map((r) => [r.value, r.currency, r.revenue_minor, r.payments, r.share_recurring, r.average_minor, r.new_recurring_annualised_minor]),
    ).toEqual([
      [null, 'jpy', 3000, 1, 0, 3000, 0],
      ['newsletter', 'eur', 2500, 1, 0, 2500, 0],
      ['winter', 'gbp', 1500, 2, 0.5, 750, 0],
      ['winter', 'usd', 1000, 1, 0, 1000, 0],
    ]);
    type PageA = { rows: { value: string | null; currency: string; revenueMinor: number; gifts: number; annualisedMinor: number }[] };
    for (const q of [
      '?period=month&by=campaign',
      '?period=year&by=section&sort=average&dir=asc',
      '?from=2026-10-01&to=2026-10-31&by=article&sort=gifts&dir=asc',
    ]) {
      const fromApi = await apiJson<A>(`/attribution${q}`);
      const fromPage = await pageJson<PageA>(`/finance/attribution${q}`);
      expect(
        fromApi.rows.map((r) => [r.value, r.currency, r.revenue_minor, r.payments, r.new_recurring_annualised_minor]),
        q,
      ).toEqual(fromPage.rows.map((r) => [r.value, r.currency, r.revenueMinor, r.gifts, r.annualisedMinor]));
    }
    const oct = await apiJson<A>('/attribution?from=2026-10-01&to=2026-10-31&by=article');
    expect(oct.rows).toEqual([expect.objectContaining({ value: 'ferry-cuts', currency: 'gbp', revenue_minor: 500, new_recurring_annualised_minor: 6000 })]);
  });

  it("lists the month's payouts with their total, and one payout's statement that balances, item by item", async () => {
    type M = {
      month: string;
      payouts: { id: string; paid_out_minor: number; balanced: boolean; arrival_date: string }[];
      totals: { currency: string; paid_out_minor: number; payouts: number }[];
    };
    const nov = await apiJson<M>('/payouts?month=2026-11', tokens.viewer);
    expect(nov.month).toBe('2026-11');
    expect(nov.payouts).toEqual([expect.objectContaining({ id: 'po_nov', paid_out_minor: 565, balanced: true, arrival_date: '2026-11-12T00:00:00.000Z' })]);
    expect(nov.totals).toEqual([{ currency: 'gbp', paid_out_minor: 565, payouts: 1 }]);
    // with no month, the clock's (November)
    expect((await apiJson<M>('/payouts')).payouts.map((p) => p.id)).toEqual(['po_nov']);
    expect((await apiJson<M>('/payouts?month=2026-10')).payouts).toEqual([]);
    const monthPage = await (await page('/finance/payouts?month=2026-11', viewer, 'text/html')).text();
    expect(monthPage).toMatch(/Total GBP \(1 payouts\)<\/th><td class="num">£5.65<\/td>/);

    type P = {
      payout: {
        id: string;
        gross_minor: number;
        fees_minor: number;
        refunds_minor: number;
        disputes_minor: number;
        computed_minor: number;
        paid_out_minor: number;
        balanced: boolean;
        items: { balance_transaction_id: string; amount_minor: number; gift_id: string | null }[];
      };
    };
    const { payout } = await apiJson<P>('/payouts/po_nov');
    expect(payout).toMatchObject({
      id: 'po_nov',
      gross_minor: 1000,
      fees_minor: 35,
      refunds_minor: -400,
      disputes_minor: 0,
      computed_minor: 565,
      paid_out_minor: 565,
      balanced: true,
    });
    expect(payout.items.map((i) => [i.balance_transaction_id, i.amount_minor, i.gift_id])).toEqual([
      ['txn_g1', 1000, 'gift_g1'],
      ['txn_re_g1', -400, 'gift_g1'],
      ['txn_po', -565, null],
    ]);
    const html = await (await page('/finance/payouts/po_nov', viewer, 'text/html')).text();
    expect(html).toContain('Balances: gross £10 - fees £0.35 + refunds -£4 + disputes £0 = £5.65; paid out £5.65.');
    expect((await api('/payouts/po_none', tokens.viewer)).status).toBe(404);
  });

  it("gives a gift's timeline: entries with fee and net, the Stripe events naming it, its emails", async () => {
    type G = {
      gift: { id: string; amount_minor: number; currency: string; email: string; created_at: string };
      entries: { id: string; kind: string; amount_minor: number; fee_minor: number; net_minor: number; settlement_currency: string; occurred_at: string }[];
      events: { id: string; created: string; processed_at: string }[];
      emails: { template: string; to: string }[];
    };
    const g = await apiJson<G>('/gifts/gift_g1', tokens.viewer);
    expect(g.gift).toMatchObject({ id: 'gift_g1', amount_minor: 1000, currency: 'gbp', email: 'a•••@example.org', created_at: '2026-10-01T00:00:00.000Z' });
    expect(g.entries.map((e) => [e.id, e.kind, e.amount_minor, e.fee_minor, e.net_minor, e.settlement_currency])).toEqual([
      ['le_01', 'gift', 1000, 35, 965, 'gbp'],
      ['le_04', 'refund', -400, 0, -400, 'gbp'],
    ]);
    expect(g.events.map((e) => [e.id, e.created])).toEqual([
      ['evt_g1_paid', '2026-11-02T09:00:00.000Z'],
      ['evt_g1_refund', '2026-11-10T12:00:00.000Z'],
    ]);
    expect(g.emails).toEqual([expect.objectContaining({ template: 'receipt', to: 'a•••@example.org' })]);
    expect((await apiJson<G>('/gifts/gift_g1')).emails[0]!.to).toBe('ann@example.org');
    expect((await api('/gifts/gift_none', tokens.viewer)).status).toBe(404);
  });
});

describe('refusals, all in JSON', () => {
  it('answers a bad parameter with a 400 naming the field', async () => {
    const cases: [string, string, string][] = [
      ['/overview?from=2026-02-30', 'from', 'from is not a real date'],
      ['/overview?from=2026-11-10&to=2026-11-01', 'to', 'must be on or after from'],
      ['/overview?perod=year', 'perod', 'is not a parameter here; use period, from, to'],
      ['/contributions?currency=xyz', 'currency', 'is not a currency we take'],
      ['/contributions?min=5', 'min', 'choose a currency to filter by amount'],
      ['/contributions?after=1;drop', 'after', 'is not a page position from this list'],
      ['/contributions?limit=0', 'limit', 'must be at least 1'],
      ['/contributions?limit=501', 'limit', 'must be at most 500'],
      ['/contributions?limit=ten', 'limit', 'must be a whole number'],
      ['/supporters?email=nobody', 'email', 'must be an email address'],
      ['/attribution?by=colour', 'by', 'must be one of article, section, campaign, variant'],
      ['/payouts?month=2026-13', 'month', 'must be a month like 2026-11'],
      ['/gifts/gift_g1?expand=all', 'expand', 'is not a parameter here; this endpoint takes none'],
      ['/failed?x=1', 'x', 'is not a parameter here; this endpoint takes none'],
    ];
    for (const [path, field, message] of cases) {
      // a browser's Accept changes nothing: the API answers JSON
      const res = await api(path, tokens.viewer, { accept: 'text/html' });
      expect(res.status, path).toBe(400);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/json/);
      const body = (await res.json()) as { error: string; fields: Record<string, string>; reference: string };
      expect(body.fields[field], path).toContain(message);
      expect(body.reference, path).toBe(res.headers.get('x-request-id'));
    }
  });

  it('answers 401 with a Bearer challenge when nobody is proven, never a redirect to sign in', async () => {
    const anon = await t.app.request(`${URL_BASE}/finance/api/overview`, { headers: { accept: 'text/html' } });
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(anon.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await anon.json()).toMatchObject({ error: 'Send an API token as Authorization: Bearer <token>, or sign in as staff.' });
    const cases: [Record<string, string>, string][] = [
      [{ authorization: 'Basic dXNlcjpwYXNz' }, 'Send the API token as Authorization: Bearer <token>.'],
      [{ authorization: 'Bearer ' }, 'Send the API token as Authorization: Bearer <token>.'],
      [{ authorization: 'Bearer not-a-token' }, 'This is not a Storyfund API token.'],
      [{ authorization: `Bearer sfapi_${'A'.repeat(43)}` }, 'This API token is not known.'],
      // a supporter's session opens no staff API
      [{ cookie: (await sessionFor(t.deps, 'supporter', 'sup_ann')).cookie }, 'Send an API token as Authorization: Bearer <token>, or sign in as staff.'],
    ];
    for (const [headers, error] of cases) {
      const res = await t.app.request(`${URL_BASE}/finance/api/contributions`, { headers });
      expect(res.status, error).toBe(401);
      expect(res.headers.get('www-authenticate'), error).toMatch(/^Bearer /);
      expect(await res.json(), error).toMatchObject({ error });
    }
  });

  it('answers 403 in JSON when the role is too weak, and lets a staff session in without a token', async () => {
    for (const role of ['viewer', 'finance'] as const) {
      const res = await api('/tokens', tokens[role], { accept: 'text/html' });
      expect(res.status, role).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toMatchObject({ error: `This needs the admin role; the token's owner is ${role}.` });
    }
    type T = { tokens: { name: string; status: string; created_at: string }[] };
    const list = await apiJson<T>('/tokens', tokens.admin);
    expect(list.tokens.map((x) => [x.name, x.status])).toEqual(
      expect.arrayContaining([
        ['test viewer', 'active'],
        ['test finance', 'active'],
        ['test admin', 'active'],
      ]),
    );
    expect(JSON.stringify(list)).not.toContain('sfapi_');
    const bySession = await t.app.request(`${URL_BASE}/finance/api/overview`, { headers: { cookie: viewer.cookie } });
    expect(bySession.status).toBe(200);
    expect(bySession.headers.get('cache-control')).toBe('no-store');
    const asViewer = await t.app.request(`${URL_BASE}/finance/api/tokens`, { headers: { cookie: viewer.cookie } });
    expect(asViewer.status).toBe(403);
    expect(await asViewer.json()).toMatchObject({ error: 'This needs the admin role; the signed-in person is viewer.' });
  });
});
