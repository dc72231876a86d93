// Card testing on POST /checkout: the per-address and per-email budgets, Turnstile verified
// with Cloudflare (msw answers siteverify), and the decline breaker with its staff alert.
// Time comes from the test's clock: a minute of attempts takes no real minute.
import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/deps.js';
import { buildTestContext, type TestContext } from './factories/deps.js';
import { buildStaff, insertStaffRow } from './factories/staff.js';
import { buildEvent, buildPaymentIntent } from './factories/stripe.js';
import { startStripeMock } from './mocks/stripe-api.js';

const mock = startStripeMock();
afterAll(() => mock.close());

const SITEVERIFY = 'https://challenges.cloudflare.com/turnstile/v0/siteverify';
const TURNSTILE = { TURNSTILE_SITE_KEY: '0x4AAAAAAAsitekey', TURNSTILE_SECRET_KEY: '0x4AAAAAAAsecretkey' };
/** what Cloudflare was asked, one form per siteverify call */
let verified: URLSearchParams[] = [];

let t: TestContext;
beforeEach(() => {
  mock.store.created.length = 0;
  verified = [];
  mock.server.use(
    http.post(SITEVERIFY, async ({ request }) => {
      const form = new URLSearchParams(await request.text());
      verified.push(form);
      // Cloudflare's answers: success, or the reasons it failed
      if (form.get('response') === 'token-from-a-person') return HttpResponse.json({ success: true, 'error-codes': [], hostname: 'localhost' });
      return HttpResponse.json({ success: false, 'error-codes': ['invalid-input-response'] });
    }),
  );
});
afterEach(() => t?.cleanup());

const GIFT = { frequency: 'one_off', amount: '10', amount_other: '', currency: 'gbp' };
const post = (fields: Record<string, string>, address: string | null, type: 'form' | 'json' = 'json') =>
  t.app.request('/checkout', {
    method: 'POST',
    headers: {
      'content-type': type === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
      ...(address ? { 'x-test-client-address': address } : {}),
    },
    body: type === 'json' ? JSON.stringify(fields) : new URLSearchParams(fields).toString(),
  });
const gifts = () => (t.handle.sqlite.prepare('select count(*) as n from gifts').get() as { n: number }).n;

describe('checkout budgets', () => {
  it('limits 100 attempts in a minute from one address after the configured budget, then lets it try again', async () => {
    t = buildTestContext({ CHECKOUT_LIMIT_PER_ADDRESS: '10', CHECKOUT_LIMIT_WINDOW_MINUTES: '10' });
    const statuses: number[] = [];
    let last: Response | null = null;
    for (let i = 0; i < 100; i++) {
      // each with a fresh email, as card testers rotate them
      last = await post({ ...GIFT, email: `tester${i}@example.com` }, '203.0.113.7');
      statuses.push(last.status);
      t.clock.ms += 600; // 100 attempts over one minute
    }
    expect(statuses).toEqual([...Array(10).fill(201), ...Array(90).fill(429)]);
    // nothing written and no Stripe call for the refused ones
    expect(gifts()).toBe(10);
    expect(mock.store.created).toHaveLength(10);
    // the window started at the first attempt, 59.4 s before the last: seconds rounded up, minutes too
    expect(last!.headers.get('retry-after')).toBe('541');
    expect(await last!.json()).toEqual({ error: expect.stringContaining('try again in 10 minutes'), retry_after: 541 });

    // another address is not affected
    expect((await post({ ...GIFT, email: 'neighbour@example.com' }, '198.51.100.2')).status).toBe(201);
    // once the window is over the same address may start gifts again
    t.clock.ms += 9 * 60_000;
    expect((await post({ ...GIFT, email: 'later@example.com' }, '203.0.113.7')).status).toBe(201);
  });

  it('limits one email address whatever the address it comes from, in any letter case', async () => {
    t = buildTestContext({ CHECKOUT_LIMIT_PER_EMAIL: '3' });
    const statuses: number[] = [];
    for (const [i, email] of ['card@example.com', 'Card@Example.com', 'CARD@example.com', 'card@example.com'].entries()) {
      statuses.push((await post({ ...GIFT, email }, `192.0.2.${i + 1}`)).status);
    }
    expect(statuses).toEqual([201, 201, 201, 429]);
    expect(gifts()).toBe(3);
    // a gift without an email is not counted against anyone's email
    expect((await post(GIFT, '192.0.2.50')).status).toBe(201);
  });

  it('answers a limited form post with a page a reader understands, the appeal filled in again', async () => {
    t = buildTestContext({ CHECKOUT_LIMIT_PER_ADDRESS: '1', CHECKOUT_LIMIT_WINDOW_MINUTES: '5' });
    expect((await post({ ...GIFT, email: 'first@example.com' }, '203.0.113.9', 'form')).status).toBe(303);
    const res = await post({ ...GIFT, amount: '', amount_other: '17', email: 'second@example.com', article: 'harbour-water' }, '203.0.113.9', 'form');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('300');
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('Nothing has been charged. Please try again in 5 minutes.');
    expect(html).toContain('value="17"');
    expect(html).toContain('value="second@example.com"');
    expect(html).toContain('value="harbour-water"');
    expect(gifts()).toBe(1);
  });
});

describe('Turnstile', () => {
  it('needs a token Cloudflare accepts, checked on the server, before anything is written', async () => {
    t = buildTestContext(TURNSTILE);
    const missing = await post(GIFT, '203.0.113.20');
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ fields: { 'cf-turnstile-response': 'required' } });
    expect(verified).toHaveLength(0);

    const forged = await post({ ...GIFT, 'cf-turnstile-response': 'made-up' }, '203.0.113.20');
    expect(forged.status).toBe(400);
    expect(await forged.json()).toMatchObject({ fields: { 'cf-turnstile-response': 'did not pass' } });
    expect(gifts()).toBe(0);
    expect(mock.store.created).toHaveLength(0);

    const ok = await post({ ...GIFT, 'cf-turnstile-response': 'token-from-a-person' }, '203.0.113.20', 'form');
    expect(ok.status).toBe(303);
    expect(gifts()).toBe(1);
    expect(verified.map((f) => Object.fromEntries(f))).toEqual([
      { secret: TURNSTILE.TURNSTILE_SECRET_KEY, response: 'made-up', remoteip: '203.0.113.20' },
      { secret: TURNSTILE.TURNSTILE_SECRET_KEY, response: 'token-from-a-person', remoteip: '203.0.113.20' },
    ]);
  });

  it("renders the widget and allows Cloudflare's origin in the CSP only when configured", async () => {
    t = buildTestContext(TURNSTILE);
    const page = await t.app.request('/');
    const html = await page.text();
    expect(html).toContain('<div class="cf-turnstile appeal__turnstile" data-sitekey="0x4AAAAAAAsitekey"></div>');
    expect(html).toContain('<script src="https://challenges.cloudflare.com/turnstile/v0/api.js" async="" defer="">');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self' https://challenges.cloudflare.com");
    expect(page.headers.get('content-security-policy')).toContain('frame-src https://challenges.cloudflare.com');
    await t.cleanup();

    t = buildTestContext();
    const plain = await t.app.request('/');
    expect(await plain.text()).not.toContain('cf-turnstile');
    expect(plain.headers.get('content-security-policy')).not.toContain('challenges.cloudflare.com');
    // without Turnstile a checkout needs no token
    expect((await post(GIFT, '203.0.113.21')).status).toBe(201);
  });
});

describe('the decline breaker', () => {
  const decline = (n: number) =>
    buildEvent('payment_intent.payment_failed', buildPaymentIntent({ id: `pi_declined${n}`, status: 'requires_payment_method' }), { id: `evt_declined${n}` });

  it('requires Turnstile once declines reach the threshold, alerts the admins once per window, and resets', async () => {
    t = buildTestContext({
      ...TURNSTILE,
      TURNSTILE_MODE: 'declines',
      DECLINE_BREAKER_THRESHOLD: '3',
      DECLINE_BREAKER_WINDOW_MINUTES: '15',
      PUBLICATION_NAME: 'The Harbour Ledger',
    });
    const lines: string[] = [];
    t.deps.log = createLogger('info', (line) => lines.push(line));
    const admin = await insertStaffRow(t.deps, buildStaff({ role: 'admin', email: 'admin@example.org' }));
    await insertStaffRow(t.deps, buildStaff({ role: 'viewer', email: 'viewer@example.org' }));
    await insertStaffRow(t.deps, buildStaff({ role: 'admin', email: 'gone@example.org', disabled: true }));
    const alerts = () => t.handle.sqlite.prepare(`select to_address as "to", template from outbox where template = 'decline_alert'`).all();
    const alertLines = () => lines.filter((l) => l.includes('card testing suspected'));

    // closed: no token needed
    expect((await post(GIFT, '203.0.113.30')).status).toBe(201);
    for (const n of [1, 2]) expect((await t.app.request(t.webhook(decline(n)))).status).toBe(200);
    // a redelivered decline is not counted again
    expect((await t.app.request(t.webhook(decline(2)))).status).toBe(200);
    expect((await post(GIFT, '203.0.113.31')).status).toBe(201);
    expect(alerts()).toEqual([]);

    t.clock.ms += 60_000;
    expect((await t.app.request(t.webhook(decline(3)))).status).toBe(200);
    const refused = await post(GIFT, '203.0.113.32');
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ fields: { 'cf-turnstile-response': 'required' } });
    expect((await post({ ...GIFT, 'cf-turnstile-response': 'token-from-a-person' }, '203.0.113.32')).status).toBe(201);
    expect(alerts()).toEqual([{ to: admin.email, template: 'decline_alert' }]);
    expect(alertLines()).toHaveLength(1);
    expect(JSON.parse(alertLines()[0]!)).toMatchObject({ level: 'error', declines: 3, windowMinutes: 15, turnstile: true });
    // no email address in the log line
    expect(alertLines()[0]).not.toContain('@');

    // more declines in the same window: still one alert
    for (const n of [4, 5]) await t.app.request(t.webhook(decline(n)));
    expect(alerts()).toHaveLength(1);
    expect(alertLines()).toHaveLength(1);

    // the window that started with the first decline ends: closed again
    t.clock.ms += 15 * 60_000;
    expect((await post(GIFT, '203.0.113.33')).status).toBe(201);
  });

  it('ignores payments that succeed and refunds: only declines count', async () => {
    t = buildTestContext({ ...TURNSTILE, TURNSTILE_MODE: 'declines', DECLINE_BREAKER_THRESHOLD: '1' });
    await t.app.request(t.webhook(buildEvent('payment_intent.succeeded', buildPaymentIntent({ id: 'pi_fine' }), { id: 'evt_fine' })));
    expect((await post(GIFT, '203.0.113.40')).status).toBe(201);
    await t.app.request(t.webhook(decline(9)));
    expect((await post(GIFT, '203.0.113.40')).status).toBe(400);
  });
});
