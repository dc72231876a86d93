// Refunds from a gift's timeline, in process with the real Stripe SDK and msw answering it:
// partial and full (JPY whole yen), the confirmation page, the idempotency key sent and
// stable so a double submit refunds once, the audit row, over-refunds refused naming the
// field, viewers kept out, Stripe's refusals in words, and the ledger moving only when
// Stripe's refund event arrives.
import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildTestContext, type TestContext } from './factories/deps.js';
import { buildCharge, buildEvent, buildPaymentIntent } from './factories/stripe.js';
import { buildStaff, insertStaffRow, sessionFor, type SignedIn } from './factories/staff.js';
import { holdObjects, startStripeMock } from './mocks/stripe-api.js';

let t: TestContext;
let mock: ReturnType<typeof startStripeMock>;
let viewer: SignedIn;
let finance: SignedIn;
const ORIGIN = 'http://localhost:8787';

/** A paid one-off gift as the ledger holds it, and the payment and charge Stripe holds. */
function paidGift(id: string, amount: number, currency: string, charge: Partial<{ disputed: boolean; amount_refunded: number }> = {}) {
  const pi = `pi_${id}`;
  const ch = `ch_${id}`;
  const now = t.clock.ms;
  t.handle.sqlite
    .prepare(
      `insert into gifts (id, status, frequency, amount_minor, currency, email, payment_intent_id, created_at, updated_at) values (?, 'paid', 'one_off', ?, ?, ?, ?, ?, ?)`,
    )
    .run(id, amount, currency, `${id}@example.org`, pi, now, now);
  t.handle.sqlite
    .prepare(
      `insert into ledger_entries (id, key, kind, gift_id, frequency, amount_minor, currency, stripe_id, payment_intent_id, charge_id, email, occurred_at, created_at)
       values (?, ?, 'gift', ?, 'one_off', ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(`le_${id}`, `payment:${pi}`, id, amount, currency, pi, pi, ch, `${id}@example.org`, now - 86_400_000, now);
  holdObjects(
    mock.store,
    buildPaymentIntent({ id: pi, amount, amount_received: amount, currency, latest_charge: ch }),
    buildCharge({ id: ch, payment_intent: pi, amount, amount_captured: amount, currency, ...charge }),
  );
}

beforeAll(async () => {
  t = buildTestContext();
  mock = startStripeMock();
  viewer = await sessionFor(t.deps, 'staff', (await insertStaffRow(t.deps, buildStaff({ role: 'viewer' }))).id);
  finance = await sessionFor(t.deps, 'staff', (await insertStaffRow(t.deps, buildStaff({ role: 'finance' }))).id);
  paidGift('gift_r1', 1000, 'gbp');
  paidGift('gift_r2', 3000, 'jpy');
  paidGift('gift_r3', 1500, 'gbp', { disputed: true });
  paidGift('gift_r4', 800, 'gbp', { amount_refunded: 800 });
  paidGift('gift_r5', 1200, 'gbp');
});
afterEach(() => mock.server.resetHandlers());
afterAll(() => {
  mock.close();
  t?.cleanup();
});

const get = (path: string, s: SignedIn, accept = 'text/html') => t.app.request(`${ORIGIN}${path}`, { headers: { cookie: s.cookie, accept } });
const post = (path: string, s: SignedIn, form: Record<string, string>, accept = 'text/html') =>
  t.app.request(`${ORIGIN}${path}`, {
    method: 'POST',
    headers: { cookie: s.cookie, origin: ORIGIN, accept, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: s.csrf, ...form }).toString(),
  });

/** The confirmation page's hidden fields, as the browser would post them. */
function confirmationForm(html: string): Record<string, string> {
  const form: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="(request|payment|amount_minor|reason)" value="([^"]*)"/g)) form[m[1]!] = m[2]!;
  return form;
}

const count = (sql: string, ...args: unknown[]) => (t.handle.sqlite.prepare(sql).get(...args) as { n: number }).n;

describe('refund from the gift timeline', () => {
  it('shows viewers no refund button and refuses them the pages (403)', async () => {
    const timeline = await (await get('/finance/gifts/gift_r1', viewer)).text();
    expect(timeline).toContain('<section id="refunds">');
    expect(timeline).not.toContain('/finance/gifts/gift_r1/refund');
    const refused = await get('/finance/gifts/gift_r1/refund', viewer);
    expect(refused.status).toBe(403);
    const page = await refused.text();
    expect(page).toContain('This needs the finance role; you are signed in as viewer.');
    expect(page).toContain('<a href="/finance/gifts/gift_r1">Back to the gift</a>');
    expect((await get('/finance/gifts/gift_r1/refund/confirm?payment=pi_gift_r1&kind=full&reason=duplicate', viewer)).status).toBe(403);
    expect(
      (await post('/finance/gifts/gift_r1/refund', viewer, { request: 'rfq_x', payment: 'pi_gift_r1', amount_minor: '100', reason: 'duplicate' })).status,
    ).toBe(403);
    expect(await (await get('/finance/gifts/gift_r1', finance)).text()).toContain('href="/finance/gifts/gift_r1/refund"');
    expect(mock.store.refundCreates).toHaveLength(0);
  });

  it('refunds part of a payment once, however often the confirmation is sent, and the ledger follows only on the webhook', async () => {
    const form = await get('/finance/gifts/gift_r1/refund', finance);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('£10 left to refund');

    const confirm = await get('/finance/gifts/gift_r1/refund/confirm?payment=pi_gift_r1&kind=partial&amount=2.50&reason=requested_by_customer', finance);
    expect(confirm.status).toBe(200);
    const page = await confirm.text();
    expect(page).toContain('Refund £2.50');
    expect(page).toMatch(/<dt>Left to refund after<\/dt><dd>£7.50<\/dd>/);
    expect(page).toContain('gift_r1@example.org');
    const fields = confirmationForm(page);
    expect(fields).toMatchObject({ payment: 'pi_gift_r1', amount_minor: '250', reason: 'requested_by_customer' });
    expect(fields.request).toMatch(/^rfq_/);
    // showing the confirmation asked Stripe nothing and stored nothing
    expect(mock.store.refundCreates).toHaveLength(0);
    expect(count('select count(*) n from refund_requests')).toBe(0);

    // the first send's answer is lost on the way back: the outcome is unknown, the request stays open
    const lostKeys: (string | null)[] = [];
    mock.server.use(
      http.post(
        'https://api.stripe.com/v1/refunds',
        ({ request }) => {
          lostKeys.push(request.headers.get('idempotency-key'));
          return HttpResponse.error();
        },
        { once: true },
      ),
    );
    const lost = await post('/finance/gifts/gift_r1/refund', finance, fields);
    expect(lost.status).toBe(409);
    expect(await lost.text()).toContain('it cannot refund twice');
    expect((t.handle.sqlite.prepare('select status from refund_requests where id = ?').get(fields.request) as { status: string }).status).toBe('requested');

    // sent again: the same key, and Stripe makes the refund
    const again = await post('/finance/gifts/gift_r1/refund', finance, fields);
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).toBe(`/finance/gifts/gift_r1?refund=${fields.request}#refunds`);
    // and a third time, after Stripe answered: nothing more is asked of Stripe
    expect((await post('/finance/gifts/gift_r1/refund', finance, fields)).status).toBe(303);

    expect(lostKeys).toEqual([`storyfund-refund-${fields.request}`]);
    expect(mock.store.refundCreates).toHaveLength(1);
    const [a] = mock.store.refundCreates;
    expect(a!.idempotencyKey).toBe(lostKeys[0]);
    expect(Object.fromEntries(a!.body)).toMatchObject({
      payment_intent: 'pi_gift_r1',
      amount: '250',
      reason: 'requested_by_customer',
      'metadata[gift_id]': 'gift_r1',
      'metadata[refund_request]': fields.request,
    });
    const refunds = [...mock.store.objects.values()].filter((o) => o.object === 'refund');
    expect(refunds).toHaveLength(1);
    expect(count('select count(*) n from refund_requests where id = ?', fields.request)).toBe(1);
    expect(count(`select count(*) n from audit_log where action = 'gift.refund_requested' and target = 'gift:gift_r1'`)).toBe(1);
    const audit = t.handle.sqlite.prepare(`select details from audit_log where action = 'gift.refund_requested'`).get() as { details: string };
    expect(JSON.parse(audit.details)).toEqual({
      request: fields.request,
      payment_intent: 'pi_gift_r1',
      amount_minor: 250,
      currency: 'gbp',
      reason: 'requested_by_customer',
    });

    // no refund in the ledger yet: the timeline says it waits for Stripe, and £2.50 is held back
    expect(count(`select count(*) n from ledger_entries where kind = 'refund'`)).toBe(0);
    const waiting = await (await get('/finance/gifts/gift_r1', finance)).text();
    expect(waiting).toContain('Refund of £2.50 requested, waiting for Stripe.');
    expect(await (await get('/finance/gifts/gift_r1/refund', finance)).text()).toContain('£7.50 left to refund');

    // Stripe's event arrives: the ledger records the refund and the timeline shows it applied
    const refund = refunds[0]!;
    const res = await t.app.request(t.webhook(buildEvent('refund.created', refund, { created: Math.floor(t.clock.ms / 1000) })));
    expect(res.status).toBe(200);
    const entry = t.handle.sqlite.prepare(`select gift_id giftId, amount_minor amount, currency from ledger_entries where key = ?`).get(`refund:${refund.id}`);
    expect(entry).toEqual({ giftId: 'gift_r1', amount: -250, currency: 'gbp' });
    const applied = await (await get('/finance/gifts/gift_r1', finance)).text();
    expect(applied).toContain('Refund of £2.50 applied');
    expect(applied).not.toContain('waiting for Stripe');
  });

  it('says so when Stripe takes a refund and then cannot pay it (refund.failed), and lets it be refunded again', async () => {
    const confirm = await get('/finance/gifts/gift_r5/refund/confirm?payment=pi_gift_r5&kind=full&reason=requested_by_customer', finance);
    const fields = confirmationForm(await confirm.text());
    expect((await post('/finance/gifts/gift_r5/refund', finance, fields)).status).toBe(303);
    const refund = [...mock.store.objects.values()].find((o) => o.object === 'refund' && o.payment_intent === 'pi_gift_r5')!;
    const deliver = async (type: string, object: { id?: string; [field: string]: unknown }) =>
      (await t.app.request(t.webhook(buildEvent(type, object, { created: Math.floor(t.clock.ms / 1000) })))).status;
    expect(await deliver('refund.created', refund)).toBe(200);
    expect(await (await get('/finance/gifts/gift_r5/refund', finance)).text()).toContain('Nothing remains to refund on this gift.');
    expect(await (await get('/finance/gifts/gift_r5', finance)).text()).toContain('Refund of £12 applied');

    // the card cannot take it: refund.failed credits the money back to the balance
    expect(await deliver('refund.failed', { ...refund, status: 'failed', failure_reason: 'expired_or_canceled_card' })).toBe(200);
    expect(count('select count(*) n from ledger_entries where key = ?', `refund:${refund.id}:failed`)).toBe(1);
    const timeline = await (await get('/finance/gifts/gift_r5', finance)).text();
    expect(timeline).toMatch(/<li data-state="failed">Refund of £12 failed: Stripe could not pay it to the supporter&#39;s card/);
    expect(timeline).not.toContain('Refund of £12 applied');
    expect(await (await get('/finance/gifts/gift_r5/refund', finance)).text()).toContain('£12 left to refund');
  });

  it('refuses more than is left, naming the field, on the form and on the post', async () => {
    const over = await get('/finance/gifts/gift_r1/refund/confirm?payment=pi_gift_r1&kind=partial&amount=8&reason=duplicate', finance, 'application/json');
    expect(over.status).toBe(400);
    expect(((await over.json()) as { fields: Record<string, string> }).fields).toEqual({ amount: 'must be at most £7.50, what remains to refund' });
    const page = await get('/finance/gifts/gift_r1/refund/confirm?payment=pi_gift_r1&kind=partial&amount=8&reason=duplicate', finance);
    expect(page.status).toBe(400);
    const html = await page.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain('amount: must be at most £7.50');
    expect(html).toContain('value="8"');

    const before = mock.store.refundCreates.length;
    const posted = await post('/finance/gifts/gift_r1/refund', finance, {
      request: 'rfq_toomuch',
      payment: 'pi_gift_r1',
      amount_minor: '751',
      reason: 'duplicate',
    });
    expect(posted.status).toBe(400);
    expect(await posted.text()).toContain('amount_minor');
    const missing = await get('/finance/gifts/gift_r1/refund/confirm?payment=pi_gift_r1&kind=partial&reason=duplicate', finance, 'application/json');
    expect(((await missing.json()) as { fields: Record<string, string> }).fields).toEqual({ amount: 'enter the amount to refund' });
    const reason = await get('/finance/gifts/gift_r1/refund/confirm?payment=pi_gift_r1&kind=full&reason=oops', finance, 'application/json');
    expect(((await reason.json()) as { fields: Record<string, string> }).fields).toEqual({
      reason: 'must be one of requested_by_customer, duplicate, fraudulent',
    });
    expect(mock.store.refundCreates.length).toBe(before);
    expect(count('select count(*) n from refund_requests where id = ?', 'rfq_toomuch')).toBe(0);
  });

  it('names each missing choice in words, on the confirmation page and on the post', async () => {
    const asked = mock.store.refundCreates.length;
    const res = await get('/finance/gifts/gift_r1/refund/confirm', finance, 'application/json');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { fields: Record<string, string> }).fields).toEqual({
      payment: 'choose the payment to refund',
      kind: 'choose full or partial',
      reason: 'must be one of requested_by_customer, duplicate, fraudulent',
    });
    // a form post gets the staff page, each field in words and the way back to the gift
    const post400 = await post('/finance/gifts/gift_r1/refund', finance, {});
    expect(post400.status).toBe(400);
    const page = await post400.text();
    expect(page).toContain('request: is missing: confirm from the confirmation page');
    expect(page).toContain('payment: choose the payment to refund');
    expect(page).toContain('<a href="/finance/gifts/gift_r1">Back to the gift</a>');
    expect(mock.store.refundCreates).toHaveLength(asked);
  });

  it('refunds a JPY payment in full in whole yen, and refuses yen with decimals', async () => {
    const decimals = await get(
      '/finance/gifts/gift_r2/refund/confirm?payment=pi_gift_r2&kind=partial&amount=12.5&reason=duplicate',
      finance,
      'application/json',
    );
    expect(((await decimals.json()) as { fields: Record<string, string> }).fields).toEqual({ amount: 'jpy amounts have no decimals' });
    const page = await (await get('/finance/gifts/gift_r2/refund/confirm?payment=pi_gift_r2&kind=full&reason=duplicate', finance)).text();
    expect(page).toContain('Refund ¥3,000');
    expect(page).toMatch(/<dt>Left to refund after<\/dt><dd>¥0<\/dd>/);
    const fields = confirmationForm(page);
    expect(fields.amount_minor).toBe('3000');
    expect((await post('/finance/gifts/gift_r2/refund', finance, fields)).status).toBe(303);
    expect(Object.fromEntries(mock.store.refundCreates.at(-1)!.body)).toMatchObject({ payment_intent: 'pi_gift_r2', amount: '3000', reason: 'duplicate' });
    // the whole payment is awaited from Stripe: nothing more can be asked for
    expect(await (await get('/finance/gifts/gift_r2/refund', finance)).text()).toContain('Nothing remains to refund on this gift.');
  });

  it("shows Stripe's refusals in words (a disputed charge, one already refunded), never a 5xx, and the timeline keeps them", async () => {
    const disputed = confirmationForm(
      await (await get('/finance/gifts/gift_r3/refund/confirm?payment=pi_gift_r3&kind=full&reason=fraudulent', finance)).text(),
    );
    const res = await post('/finance/gifts/gift_r3/refund', finance, disputed);
    expect(res.status).toBe(409);
    const refusal = await res.text();
    expect(refusal).toContain('the supporter has disputed it');
    // a staff page, still signed in, leading back to the gift rather than to the readers' story
    expect(refusal).toContain('<h1>Refund not confirmed</h1>');
    expect(refusal).toContain('Signed in as');
    expect(refusal).toContain('<a href="/finance/gifts/gift_r3">Back to the gift</a>');
    expect(refusal).not.toContain('Back to the story');
    expect(await (await get('/finance/gifts/gift_r3', finance)).text()).toContain('Refund of £15 refused by Stripe: Stripe will not refund this payment');
    expect((t.handle.sqlite.prepare('select status from refund_requests where id = ?').get(disputed.request) as { status: string }).status).toBe('refused');

    const refunded = confirmationForm(await (await get('/finance/gifts/gift_r4/refund/confirm?payment=pi_gift_r4&kind=full&reason=duplicate', finance)).text());
    const again = await post('/finance/gifts/gift_r4/refund', finance, refunded);
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('Stripe says this payment has already been refunded in full.');
    // a refused request holds nothing back
    expect(await (await get('/finance/gifts/gift_r4/refund', finance)).text()).toContain('£8 left to refund');
  });
});
