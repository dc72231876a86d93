// The supporter's account through the app's routes, in process, over a real SQLite file,
// with the real Stripe SDK answered by msw: ownership (ids swapped), CSRF on every change,
// a change pending until Stripe's webhook confirms it, registration on giving bound to the
// giver's browser, and erasure.
import type Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTestContext, type TestContext } from './factories/deps.js';
import { buildStaff, insertStaffRow, sessionFor, type SignedIn } from './factories/staff.js';
import { buildEvent, buildSubscription } from './factories/stripe.js';
import { browserClient, field, ORIGIN } from './helpers/browser-client.js';
import { rollupDifferences } from './helpers/ledger.js';
import { REBUILD_SQL } from '../src/ledger/ledger.rollups.repo.js';
import { createStripeStore, holdObjects, startStripeMock } from './mocks/stripe-api.js';

const store = createStripeStore();
const mock = startStripeMock(store);
afterAll(() => mock.close());

let t: TestContext;
beforeAll(() => {
  t = buildTestContext();
});
beforeEach(async () => {
  await t.cleanup();
  t = buildTestContext();
  store.subscriptions.clear();
  store.sessions.clear();
  store.updates.length = 0;
  store.cancels.length = 0;
  store.portals.length = 0;
});

const sql = <T = Record<string, unknown>>(q: string, ...p: unknown[]) => t.handle.sqlite.prepare(q).all(...p) as T[];
const run = (q: string, ...p: unknown[]) => t.handle.sqlite.prepare(q).run(...p);

type Person = { id: string; email: string; rec: string; sub: Stripe.Subscription; entry: string; s: SignedIn };

/** A supporter with a £5 monthly gift, its first payment in the ledger, and the subscription Stripe holds. */
async function supporterWithGift(name: string): Promise<Person> {
  const id = `sup_${name}`;
  const email = `${name}@example.com`;
  const sub = buildSubscription({ customer: `cus_${name}` });
  const item = sub.items.data[0]!;
  sub.items.data[0] = { ...item, id: `si_${name}`, price: { ...item.price, unit_amount: 500, product: `prod_${name}` } };
  holdObjects(store, sub);
  run(`insert into supporters (id, email, stripe_customer_id, created_at) values (?, ?, ?, 0)`, id, email, `cus_${name}`);
  run(
    `insert into gifts (id, status, frequency, amount_minor, currency, email, supporter_id, subscription_id, created_at, updated_at) values (?, 'paid', 'monthly', 500, 'gbp', ?, ?, ?, 0, 0)`,
    `gift_${name}`,
    email,
    id,
    sub.id,
  );
  run(
    `insert into recurring_gifts (id, stripe_subscription_id, gift_id, supporter_id, stripe_customer_id, status, "interval", amount_minor, currency, current_period_end, state_order, created_at, updated_at)
     values (?, ?, ?, ?, ?, 'active', 'month', 500, 'gbp', ?, ?, 0, 0)`,
    `rec_${name}`,
    sub.id,
    `gift_${name}`,
    id,
    `cus_${name}`,
    Date.parse('2026-12-20T10:00:00Z'),
    1_763_000_000 * 10,
  );
  run(
    `insert into ledger_entries (id, key, kind, gift_id, recurring_gift_id, frequency, amount_minor, currency, email, stripe_id, occurred_at, created_at)
     values (?, ?, 'gift', ?, ?, 'monthly', 500, 'gbp', ?, ?, ?, 0)`,
    `led_${name}`,
    `invoice:in_${name}`,
    `gift_${name}`,
    `rec_${name}`,
    email,
    `in_${name}`,
    Date.parse('2026-11-20T10:00:00Z'),
  );
  // rows put in directly: the finance rollups are summed from them, as the dev seed does
  for (const q of REBUILD_SQL) run(q);
  return { id, email, rec: `rec_${name}`, sub, entry: `led_${name}`, s: await sessionFor(t.deps, 'supporter', id) };
}

const client = (p: Person) => browserClient(t.app, p.s.cookie);
const requestId = 'req_account_test_0001';

describe("a supporter can never reach another supporter's gifts", () => {
  it("answers 404 for each page and change of someone else's gift, and calls Stripe for none", async () => {
    const ann = await supporterWithGift('ann');
    const bob = await supporterWithGift('bob');
    const a = client(ann);
    const home = await (await a.get('/account')).text();
    expect(home).toContain('£5 a month');
    expect(home).toContain(ann.rec);
    expect(home).not.toContain(bob.rec);
    expect((await a.get(`/account/receipts/${ann.entry}`)).status).toBe(200);
    expect((await a.get(`/account/receipts/${bob.entry}`)).status).toBe(404);
    expect((await a.get(`/account/recurring/${bob.rec}/cancel`)).status).toBe(404);
    const forms: Record<string, Record<string, string>> = {
      amount: { amount: '8' },
      interval: { interval: 'year', amount: '60' },
      pause: {},
      resume: {},
      cancel: { reason: 'cost' },
      card: {},
    };
    for (const [action, fields] of Object.entries(forms)) {
      const res = await a.post(`/account/recurring/${bob.rec}/${action}`, { ...fields, request_id: requestId, _csrf: ann.s.csrf });
      expect(res.status, action).toBe(404);
    }
    // ids guessed rather than taken from another account: the same 404, nothing changed
    for (const guess of ['rec_guess', 'led_guess', `${ann.rec}x`, `${bob.entry.slice(0, -1)}`]) {
      expect((await a.get(`/account/receipts/${guess}`)).status, guess).toBe(404);
      expect((await a.get(`/account/recurring/${guess}/cancel`)).status, guess).toBe(404);
      expect((await a.post(`/account/recurring/${guess}/amount`, { amount: '8', request_id: requestId, _csrf: ann.s.csrf })).status, guess).toBe(404);
    }
    expect(store.updates).toEqual([]);
    expect(store.cancels).toEqual([]);
    expect(store.portals).toEqual([]);
    // the data download is the signed-in supporter's own, whatever is asked
    const data = (await (await a.get('/account/data')).json()) as { supporter: { email: string }; recurring_gifts: { id: string }[] };
    expect(data.supporter.email).toBe(ann.email);
    expect(data.recurring_gifts.map((r) => r.id)).toEqual([ann.rec]);
  });
});

describe('a receipt page', () => {
  it('numbers the receipt as its email and the annual statement do: the Stripe id of the payment', async () => {
    const ann = await supporterWithGift('ann');
    const html = await (await client(ann).get(`/account/receipts/${ann.entry}`)).text();
    expect(/data-receipt-number[^>]*>([^<]*)</.exec(html)?.[1]).toBe('in_ann');
    expect(html).not.toContain(ann.entry.toUpperCase());
  });
});

describe("every change needs the session's CSRF token", () => {
  it("refuses each change without it or with another session's, and changes nothing", async () => {
    const ann = await supporterWithGift('ann');
    const bob = await supporterWithGift('bob');
    const a = client(ann);
    const posts: [string, Record<string, string>][] = [
      [`/account/recurring/${ann.rec}/amount`, { amount: '8' }],
      [`/account/recurring/${ann.rec}/interval`, { interval: 'year', amount: '60' }],
      [`/account/recurring/${ann.rec}/pause`, {}],
      [`/account/recurring/${ann.rec}/resume`, {}],
      [`/account/recurring/${ann.rec}/cancel`, { reason: 'cost' }],
      [`/account/recurring/${ann.rec}/card`, {}],
      ['/account/delete', { confirm: 'yes' }],
    ];
    for (const [path, fields] of posts) {
      expect((await a.post(path, { ...fields, request_id: requestId })).status, path).toBe(403);
      expect((await a.post(path, { ...fields, request_id: requestId, _csrf: bob.s.csrf })).status, path).toBe(403);
    }
    expect(store.updates).toEqual([]);
    expect(store.cancels).toEqual([]);
    expect(store.portals).toEqual([]);
    expect(sql(`select email from supporters where id = ?`, ann.id)).toEqual([{ email: ann.email }]);
  });
});

describe("a change is pending until Stripe's webhook confirms it", () => {
  it('sends a new inline price without proration, shows it pending, refuses a second change, and shows it applied once the event arrives', async () => {
    const ann = await supporterWithGift('ann');
    const a = client(ann);
    const res = await a.post(`/account/recurring/${ann.rec}/amount`, { amount: '8', request_id: requestId, _csrf: ann.s.csrf });
    expect(res.status).toBe(303);
    expect(store.updates).toHaveLength(1);
    const sent = store.updates[0]!;
    expect(sent.idempotencyKey).toBe(`account:${ann.rec}:amount:${requestId}`);
    expect(sent.body.get('items[0][id]')).toBe('si_ann');
    expect(sent.body.get('items[0][price_data][unit_amount]')).toBe('800');
    expect(sent.body.get('items[0][price_data][product]')).toBe('prod_ann');
    expect(sent.body.get('items[0][price_data][recurring][interval]')).toBe('month');
    expect(sent.body.get('proration_behavior')).toBe('none');

    let page = await (await a.get('/account')).text();
    expect(page).toContain('Changing the amount to £8: waiting for confirmation');
    expect(page).toContain('£5 a month');
    expect(sql(`select amount_minor from recurring_gifts where id = ?`, ann.rec)).toEqual([{ amount_minor: 500 }]);
    // a second change waits for the first
    expect((await a.post(`/account/recurring/${ann.rec}/pause`, { request_id: 'req_account_test_0002', _csrf: ann.s.csrf })).status).toBe(409);
    expect(store.updates).toHaveLength(1);

    const first = ann.sub.items.data[0]!;
    const updated: Stripe.Subscription = { ...ann.sub, items: { ...ann.sub.items, data: [{ ...first, price: { ...first.price, unit_amount: 800 } }] } };
    const event = buildEvent('customer.subscription.updated', updated, { created: Math.floor(t.clock.ms / 1000) });
    expect((await t.app.request(t.webhook(event))).status).toBe(200);
    page = await (await a.get('/account')).text();
    expect(page).not.toContain('waiting for confirmation');
    expect(page).toContain('£8 a month');
  });

  it('pauses with void collection and resumes by unsetting it; a cancellation stores its reason', async () => {
    const ann = await supporterWithGift('ann');
    const a = client(ann);
    expect((await a.post(`/account/recurring/${ann.rec}/pause`, { request_id: requestId, _csrf: ann.s.csrf })).status).toBe(303);
    expect(store.updates[0]!.body.get('pause_collection[behavior]')).toBe('void');
    const paused = store.subscriptions.get(ann.sub.id)!;
    await t.app.request(t.webhook(buildEvent('customer.subscription.updated', paused, { created: Math.floor(t.clock.ms / 1000) })));
    expect(await (await a.get('/account')).text()).toContain('Paused: no payments are taken');

    t.clock.ms += 2000;
    expect((await a.post(`/account/recurring/${ann.rec}/resume`, { request_id: 'req_account_test_0002', _csrf: ann.s.csrf })).status).toBe(303);
    expect(store.updates[1]!.body.get('pause_collection')).toBe('');
    await t.app.request(
      t.webhook(buildEvent('customer.subscription.updated', store.subscriptions.get(ann.sub.id)!, { created: Math.floor(t.clock.ms / 1000) })),
    );

    t.clock.ms += 2000;
    const offers = await (await a.get(`/account/recurring/${ann.rec}/cancel`)).text();
    expect(offers).toContain('Give £2 a month instead');
    expect(offers).toContain('Pause payments instead');
    const noReason = await a.post(`/account/recurring/${ann.rec}/cancel`, { request_id: field(offers, 'request_id'), _csrf: ann.s.csrf });
    expect(noReason.status).toBe(400);
    expect(await noReason.text()).toContain('choose a reason');
    expect(
      (
        await a.post(`/account/recurring/${ann.rec}/cancel`, {
          reason: 'reading_less',
          comment: 'Moving abroad',
          request_id: field(offers, 'request_id'),
          _csrf: ann.s.csrf,
        })
      ).status,
    ).toBe(303);
    expect(store.cancels.map((c) => c.id)).toEqual([ann.sub.id]);
    expect(sql(`select cancel_reason, cancel_comment from recurring_gifts where id = ?`, ann.rec)).toEqual([
      { cancel_reason: 'reading_less', cancel_comment: 'Moving abroad' },
    ]);
  });

  it('switches to annual with the annual amount the supporter confirms, offered as twelve months', async () => {
    const ann = await supporterWithGift('ann');
    const a = client(ann);
    expect(await (await a.get('/account')).text()).toContain('name="amount" value="60"');
    expect((await a.post(`/account/recurring/${ann.rec}/interval`, { interval: 'year', amount: '60', request_id: requestId, _csrf: ann.s.csrf })).status).toBe(
      303,
    );
    const sent = store.updates[0]!.body;
    expect(sent.get('items[0][price_data][unit_amount]')).toBe('6000');
    expect(sent.get('items[0][price_data][recurring][interval]')).toBe('year');
    expect(sent.get('proration_behavior')).toBe('none');
  });

  it('sends the card update to a Billing Portal session that returns to /account', async () => {
    const ann = await supporterWithGift('ann');
    const res = await client(ann).post(`/account/recurring/${ann.rec}/card`, { request_id: requestId, _csrf: ann.s.csrf });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('https://billing.stripe.com/p/session/bps_mock1');
    expect(store.portals[0]!.get('customer')).toBe('cus_ann');
    expect(store.portals[0]!.get('return_url')).toBe(`${ORIGIN}/account`);
  });

  it('refuses an amount below the smallest gift, naming the field', async () => {
    const ann = await supporterWithGift('ann');
    const res = await client(ann).post(`/account/recurring/${ann.rec}/amount`, { amount: '0.10', request_id: requestId, _csrf: ann.s.csrf });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('The smallest gift we can take is £1');
    expect(store.updates).toEqual([]);
  });
});

describe('registered on giving', () => {
  async function paidCheckout(b: ReturnType<typeof browserClient>) {
    const res = await b.post('/checkout', { frequency: 'one_off', amount: '10', amount_other: '', currency: 'gbp' });
    expect(res.status).toBe(303);
    const created = store.created.at(-1)!;
    const sessionId = [...store.sessions.keys()].at(-1)!;
    const session = store.sessions.get(sessionId)!;
    store.sessions.set(sessionId, {
      ...session,
      status: 'complete',
      payment_status: 'paid',
      customer: 'cus_giver',
      customer_details: { email: 'Giver@Example.com', name: 'A Giver' },
    } as unknown as Stripe.Checkout.Session);
    return { sessionId, giftId: created.body.get('client_reference_id')! };
  }

  it('signs in the browser that started the checkout, once; the same link elsewhere thanks and signs no one in', async () => {
    const giver = browserClient(t.app);
    const { sessionId } = await paidCheckout(giver);
    expect(giver.cookie).toMatch(/^storyfund_giver=/);

    const elsewhere = browserClient(t.app);
    const other = await (await elsewhere.get(`/thank-you?session_id=${sessionId}`)).text();
    expect(other).toContain('Thank you for your £10 one-off gift');
    expect(other).not.toContain('Thank you for registering');
    expect(elsewhere.cookie).toBe('');

    const page = await giver.get(`/thank-you?session_id=${sessionId}`);
    const html = await page.text();
    expect(html).toContain('Thank you for registering');
    expect(html).toContain('Make it monthly');
    const cookies = page.headers.getSetCookie();
    // the giver cookie is spent, a session begins
    expect(cookies.some((c) => /^storyfund_giver=;/.test(c) || /^storyfund_giver=.*Max-Age=0/i.test(c))).toBe(true);
    const session = cookies.find((c) => c.startsWith('storyfund_session='))!.split(';')[0]!;
    expect((await browserClient(t.app, session).get('/account')).status).toBe(200);
    expect(sql(`select email, name, stripe_customer_id from supporters`)).toEqual([
      { email: 'giver@example.com', name: 'A Giver', stripe_customer_id: 'cus_giver' },
    ]);

    // the binding is used up: the cookie (had it been kept) signs in no one a second time
    expect(sql(`select browser_hash from gifts`)).toEqual([{ browser_hash: null }]);
    expect(sql<{ n: number }>(`select count(*) as n from sessions`)[0]!.n).toBe(1);
  });

  it('says a malformed thank-you link is malformed and a missing one is missing', async () => {
    const b = browserClient(t.app);
    const malformed = await b.get('/thank-you?session_id=cs_test_bogus');
    expect(malformed.status).toBe(400);
    expect(await malformed.text()).toContain('The link is malformed');
    const missing = await b.get('/thank-you');
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('missing its checkout reference');
  });
});

describe('privacy', () => {
  it('erases a supporter on their request: live gifts cancelled first, ledger amounts kept without their email', async () => {
    const ann = await supporterWithGift('ann');
    const total = () => sql<{ total: number }>(`select sum(amount_minor) as total from ledger_entries`)[0]!.total;
    const before = total();
    // the month and year that counted ann among the distinct supporters
    expect(sql(`select count(*) as n from ledger_supporter_periods where email = ?`, ann.email)).toEqual([{ n: 2 }]);
    // and the day she gave, which any range's distinct supporters count
    expect(sql(`select count(*) as n from ledger_supporter_days where email = ?`, ann.email)).toEqual([{ n: 1 }]);
    const res = await client(ann).post('/account/delete', { confirm: 'yes', _csrf: ann.s.csrf });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Your account has been deleted');
    expect(store.cancels.map((c) => c.id)).toEqual([ann.sub.id]);
    expect(total()).toBe(before);
    expect(sql(`select email from ledger_entries`)).toEqual([{ email: null }]);
    // the finance rollups keep no trace of the address, and still agree with the entries
    expect(sql(`select count(*) as n from ledger_supporter_periods where email = ?`, ann.email)).toEqual([{ n: 0 }]);
    expect(sql(`select count(*) as n from ledger_supporter_days where email = ?`, ann.email)).toEqual([{ n: 0 }]);
    expect(rollupDifferences(t.handle)).toEqual([]);
    expect(sql(`select email, name from supporters where id = ?`, ann.id)).toEqual([{ email: `erased+${ann.id}@erased.invalid`, name: null }]);
    expect(sql(`select email from gifts`)).toEqual([{ email: null }]);
    expect(sql(`select count(*) as n from sessions`)).toEqual([{ n: 0 }]);
    expect(sql(`select actor, action, target from audit_log where action = 'supporter.erased'`)).toEqual([
      { actor: `supporter:${ann.id}`, action: 'supporter.erased', target: `supporter:${ann.id}` },
    ]);
    expect(JSON.stringify(sql(`select * from audit_log`))).not.toContain(ann.email);
  });

  it('lets finance staff erase a supporter on request, audited as theirs; a viewer may not', async () => {
    const ann = await supporterWithGift('ann');
    const finance = await insertStaffRow(t.deps, buildStaff({ role: 'finance' }));
    const viewer = await insertStaffRow(t.deps, buildStaff({ role: 'viewer' }));
    const v = await sessionFor(t.deps, 'staff', viewer.id);
    // the supporter's page offers the privacy actions to finance, not to a viewer
    expect(await (await browserClient(t.app, v.cookie).get(`/finance/supporters/${ann.id}`)).text()).not.toContain('/erase');
    expect((await browserClient(t.app, v.cookie).post(`/finance/supporters/${ann.id}/erase`, { confirm: 'yes', _csrf: v.csrf })).status).toBe(403);
    const f = await sessionFor(t.deps, 'staff', finance.id);
    const fc = browserClient(t.app, f.cookie);
    expect(await (await fc.get(`/finance/supporters/${ann.id}`)).text()).toContain(`action="/finance/supporters/${ann.id}/erase"`);
    const data = (await (await fc.get(`/finance/supporters/${ann.id}/data`)).json()) as { supporter: { email: string } };
    expect(data.supporter.email).toBe(ann.email);
    expect((await fc.post(`/finance/supporters/${ann.id}/erase`, { confirm: 'yes', _csrf: f.csrf })).status).toBe(303);
    expect(sql(`select erased_at is not null as erased from supporters where id = ?`, ann.id)).toEqual([{ erased: 1 }]);
    expect(sql(`select actor, action from audit_log where action like 'supporter.%' order by rowid`)).toEqual([
      { actor: `staff:${finance.id}`, action: 'supporter.data_exported' },
      { actor: `staff:${finance.id}`, action: 'supporter.erased' },
    ]);
    expect(await (await fc.get(`/finance/supporters/${ann.id}`)).text()).toContain('personal data was erased on');
  });
});
