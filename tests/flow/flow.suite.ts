// The donation flow over real HTTP, written once and run against every runtime Storyfund
// ships on: the Node server over better-sqlite3 (tests/flow.node.test.ts) and the Worker
// bundle in workerd over D1 (tests/workers/flow.workerd.test.ts). Only how a target is
// started differs; every request and assertion here is the same for both.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/auth.crypto.js';
import { totpCode } from '../../src/auth/auth.totp.js';
import { EXPORT_HEADER } from '../../src/ledger/ledger.export.js';
import { buildCheckoutSession, buildEvent, buildInvoice, buildSubscription, signPayload, TEST_WEBHOOK_SECRET } from '../factories/stripe.js';
import { createStripeStore } from '../mocks/stripe-api.js';
import { loadStripeState, payout as payoutSequence } from '../helpers/sequences.js';
import { TURNSTILE_PASS, turnstileHandlers } from '../mocks/turnstile.js';
import type { StartLive, StartSandbox, Target } from '../helpers/target.js';
import type Stripe from 'stripe';
import { csvTotals, parseCsvRecords } from '../helpers/csv.js';

export const OPS_TOKEN = 'flow-ops-token-0123456789abcdef0123456789';

/** a second secret, as while the endpoint's secret is rotated: events signed with either are accepted */
export const ROTATED_WEBHOOK_SECRET = 'whsec_flow_rotated_out_secret';

/** gifts one email address may start per window (the default, named here for the limit test) */
const PER_EMAIL = 5;

// debug: the scan of the logs at the end of each describe sees every line the app can write
// every gift in this suite comes from one address (loopback): the per-address budget is the in-process tests' to try
/** seals staff TOTP secrets at rest, as production must */
export const STAFF_SECRETS_KEY = 'f0e1d2c3b4a5968778695a4b3c2d1e0f0123456789abcdeffedcba9876543210';

const SETTINGS = {
  STAFF_SECRETS_KEY,
  STRIPE_WEBHOOK_SECRET: `${TEST_WEBHOOK_SECRET},${ROTATED_WEBHOOK_SECRET}`,
  OPS_TOKEN,
  LOG_LEVEL: 'debug',
  CHECKOUT_LIMIT_PER_ADDRESS: '1000',
  CHECKOUT_LIMIT_PER_EMAIL: String(PER_EMAIL),
};

const STRIPE_KEY = 'sk_test_storyfund';
const TURNSTILE = { TURNSTILE_SITE_KEY: '0x4AAAAAAAflowsitekey', TURNSTILE_SECRET_KEY: '0x4AAAAAAAflowsecretkey' };
/** a card number a reader typed where it does not belong */
const CARD = '4242424242424242';
const ANY_EMAIL = /[A-Za-z0-9._%+-]+(@|%40)[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/i;
const ANY_CARD = /\b\d(?:[ -]?\d){12,18}\b/;

/**
 * The target's whole log stream after the describe's scenarios: every line JSON, filed
 * under a request id or a background job, and nothing private in any of it.
 */
async function expectCleanLogs(t: Target, lastRequestId: string, secrets: string[] = []): Promise<void> {
  // the access line of the last request is written as its reply goes out; a child
  // process's stdout can arrive a moment after the reply
  await expect.poll(() => t.logs().includes(lastRequestId)).toBe(true);
  const lines = t
    .logs()
    .split('\n')
    .filter((l) => l.trim() !== '');
  // at debug every request writes its access line, so an empty stream would be a broken capture
  expect(lines.length).toBeGreaterThan(4);
  for (const secret of [OPS_TOKEN, STRIPE_KEY, TEST_WEBHOOK_SECRET, ROTATED_WEBHOOK_SECRET, STAFF_SECRETS_KEY, CARD, ...secrets])
    expect(t.logs()).not.toContain(secret);
  for (const line of lines) {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(parsed).toMatchObject({ time: expect.any(String), level: expect.any(String), msg: expect.any(String) });
    expect(typeof parsed.requestId === 'string' || typeof parsed.job === 'string', line).toBe(true);
    expect(line).not.toMatch(ANY_EMAIL);
    expect(line).not.toMatch(ANY_CARD);
    if (parsed.msg === 'request') expect(String(parsed.path)).not.toContain('?');
  }
}

const form = (fields: Record<string, string>): RequestInit => ({
  method: 'POST',
  redirect: 'manual',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields),
});

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

export function deliver(t: Target, event: Stripe.Event | string, signature?: string | null): Promise<Response> {
  const payload = typeof event === 'string' ? event : JSON.stringify(event);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const sig = signature === undefined ? signPayload(payload) : signature;
  if (sig !== null) headers['stripe-signature'] = sig;
  return fetch(`${t.url}/webhooks/stripe`, { method: 'POST', headers, body: payload });
}

export async function exportCsv(t: Target, query = '', token: string | null = OPS_TOKEN): Promise<Response> {
  return fetch(`${t.url}/ops/contributions.csv${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
}

/** CSV text -> one object per data row, keyed by the header. */
export function parseCsv(csv: string): Record<string, string>[] {
  const [head, ...rows] = csv.trim().split('\r\n');
  const header = head!.split(',');
  return rows.map((line) => Object.fromEntries(line.split(',').map((v, i) => [header[i], v])));
}

/** A pending gift made through POST /checkout (JSON), as a reader's browser script would. */
async function startGift(t: Target, body: Record<string, string>): Promise<{ id: string; url: string; gift_id: string }> {
  const res = await fetch(`${t.url}/checkout`, json({ currency: 'gbp', ...body }));
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; url: string; gift_id: string };
}

/** A reader's whole sandbox gift: appeal form -> test checkout -> Pay -> thank-you. */
export async function giveSandboxGift(t: Target, gift: { frequency: string; amount: string; email: string; article: string }) {
  const checkout = await fetch(`${t.url}/checkout`, form({ ...gift, amount_other: '', currency: 'gbp' }));
  expect(checkout.status).toBe(303);
  const payPage = checkout.headers.get('location')!;
  expect(payPage.startsWith(`${t.url}/sandbox/checkout/cs_test_`)).toBe(true);
  const page = await fetch(payPage);
  expect(page.status).toBe(200);
  const paid = await fetch(`${payPage}/pay`, form({ email: gift.email, name: 'Flo Reader' }));
  expect(paid.status).toBe(303);
  const thankYouUrl = paid.headers.get('location')!;
  expect(thankYouUrl.startsWith(`${t.url}/thank-you?session_id=cs_test_`)).toBe(true);
  return { payPage: await page.text(), thankYouUrl, sessionId: new URL(thankYouUrl).searchParams.get('session_id')! };
}

export function describeFlow(runtime: Target['runtime'], start: { sandbox: StartSandbox; live: StartLive }): void {
  describe(`the donation flow on ${runtime}, offline sandbox`, () => {
    let t: Target;
    beforeAll(async () => {
      t = await start.sandbox(SETTINGS);
    });
    afterAll(async () => {
      await t?.stop();
    });

    it('serves the demo article with the appeal, and the appeal alone as a fragment', async () => {
      const article = await fetch(`${t.url}/`);
      expect(article.status).toBe(200);
      expect(article.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await article.text();
      expect(html).toContain('Your support helps us to tell the story');
      expect(html).toMatch(/<form class="appeal__form" method="post" action="\/checkout"/);
      const fragment = await fetch(`${t.url}/appeal?article=harbour-water&currency=usd`);
      expect(fragment.status).toBe(200);
      const part = await fragment.text();
      expect(part).not.toContain('<html');
      expect(part).toContain('$');
      const health = await fetch(`${t.url}/health`);
      expect(await health.json()).toEqual({ ok: true, stripe: 'sandbox' });
    });

    it('refuses bad checkout input with the field named, and records no gift', async () => {
      const before = await t.query<{ n: number }>('select count(*) as n from gifts');
      const bad = await fetch(`${t.url}/checkout`, json({ frequency: 'weekly', amount: '0.10', currency: 'gbp' }));
      expect(bad.status).toBe(400);
      const body = (await bad.json()) as { fields: Record<string, string> };
      expect(Object.keys(body.fields).sort()).toEqual(['amount', 'frequency']);
      const tooBig = await fetch(`${t.url}/checkout`, json({ frequency: 'one_off', amount: '100000', currency: 'gbp' }));
      expect(tooBig.status).toBe(400);
      expect(((await tooBig.json()) as { fields: Record<string, string> }).fields).toHaveProperty('amount');
      const formPost = await fetch(`${t.url}/checkout`, form({ frequency: 'monthly', amount: '', amount_other: 'lots', currency: 'gbp' }));
      expect(formPost.status).toBe(400);
      expect(await formPost.text()).toContain('class="error"');
      expect(await t.query('select count(*) as n from gifts')).toEqual(before);
    });

    it('creates a Checkout Session for a valid gift and keeps its attribution', async () => {
      const session = await startGift(t, { frequency: 'annual', amount: '60', email: 'annual@example.com', article: 'harbour-water', campaign: 'winter' });
      expect(session.id).toMatch(/^cs_test_/);
      expect(session.url).toBe(`${t.url}/sandbox/checkout/${session.id}`);
      const [gift] = await t.query(
        'select status, frequency, amount_minor, currency, email, article, campaign, checkout_session_id from gifts where id = ?',
        session.gift_id,
      );
      expect(gift).toEqual({
        status: 'pending',
        frequency: 'annual',
        amount_minor: 6000,
        currency: 'gbp',
        email: 'annual@example.com',
        article: 'harbour-water',
        campaign: 'winter',
        checkout_session_id: session.id,
      });
    });

    it('limits the gifts one email address may start: 429 with Retry-After, nothing written, a page for a reader', async () => {
      const email = `card-testing-${runtime}@example.com`;
      const attempt = () => fetch(`${t.url}/checkout`, json({ frequency: 'one_off', amount: '5', currency: 'gbp', email }));
      const statuses: number[] = [];
      let last: Response | null = null;
      for (let i = 0; i < PER_EMAIL + 2; i++) {
        last = await attempt();
        statuses.push(last.status);
        if (i < PER_EMAIL + 1) await last.body?.cancel();
      }
      expect(statuses).toEqual([...Array(PER_EMAIL).fill(201), 429, 429]);
      const retryAfter = Number(last!.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(600);
      expect(await last!.json()).toEqual({ error: expect.stringContaining('Please try again in'), retry_after: retryAfter });
      expect(await t.query('select count(*) as n from gifts where email = ?', email)).toEqual([{ n: PER_EMAIL }]);
      expect(await t.query('select count from throttles where key = ?', `checkout:email:${email}`)).toEqual([{ count: PER_EMAIL }]);
      // a reader's form post: a page in plain words, with their gift filled in again
      const page = await fetch(`${t.url}/checkout`, form({ frequency: 'one_off', amount: '', amount_other: '12', currency: 'gbp', email }));
      expect(page.status).toBe(429);
      const html = await page.text();
      expect(html).toContain('Nothing has been charged. Please try again in');
      expect(html).toContain('value="12"');
    });

    it('takes a £10 monthly gift end to end, thanks the reader and exports it exactly once', async () => {
      const gift = await giveSandboxGift(t, { frequency: 'monthly', amount: '10', email: 'flow@example.com', article: 'harbour-water' });
      expect(gift.payPage).toContain('£10 a month');
      const thanks = await fetch(gift.thankYouUrl);
      expect(thanks.status).toBe(200);
      expect(await thanks.text()).toContain('Thank you for your £10 monthly gift');

      const events = await t.query<{ id: string; type: string; payload: string; processed: number }>(
        'select id, type, payload, processed_at is not null as processed from stripe_events order by type',
      );
      expect(events.map((e) => [e.type, e.processed])).toEqual([
        // the charge's settlement, sent after the payment as Stripe sends it: fee and net
        ['charge.updated', 1],
        ['checkout.session.completed', 1],
        ['customer.subscription.created', 1],
        ['invoice.paid', 1],
        ['invoice_payment.paid', 1],
      ]);
      // at-least-once delivery: every event again, three times, changes nothing
      for (let i = 0; i < 3; i++) {
        for (const e of events) {
          const res = await deliver(t, e.payload);
          expect(res.status).toBe(200);
          expect(await res.json()).toEqual({ received: true, duplicate: true });
        }
      }

      const res = await exportCsv(t);
      expect(res.status).toBe(200);
      const csv = await res.text();
      expect(csv.startsWith(EXPORT_HEADER)).toBe(true);
      const rows = parseCsv(csv).filter((r) => r.supporter_email === 'flow@example.com');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ kind: 'gift', frequency: 'monthly', currency: 'gbp', amount_minor: '1000', status: 'paid', article: 'harbour-water' });
      expect(rows[0]!.stripe_id).toMatch(/^in_/);
      // the sandbox's illustrative fee (1.5% + 20p), no longer empty
      expect(rows[0]).toMatchObject({ fee_minor: '35', net_minor: '965' });

      // the welcome, written with the first payment, once despite the redeliveries, and in the preview
      const emails = await t.query<{ id: string; key: string; template: string; props: string }>(
        `select id, "key", template, props from outbox where to_address = 'flow@example.com'`,
      );
      expect(emails.map((e) => [e.key, e.template])).toEqual([[`receipt:invoice:${rows[0]!.stripe_id}`, 'recurring_welcome']]);
      const welcome = JSON.parse(emails[0]!.props) as { amountMinor: number; interval: string; nextPaymentAt: number | null; receiptNumber: string };
      expect(welcome).toMatchObject({ amountMinor: 1000, interval: 'month', receiptNumber: rows[0]!.stripe_id });
      expect(welcome.nextPaymentAt).toBeGreaterThan(Date.now());
      const preview = await (await fetch(`${t.url}/dev/mail`)).text();
      expect(preview).toContain('Welcome: your monthly gift to The Harbour Ledger');
      const text = await (await fetch(`${t.url}/dev/mail/${emails[0]!.id}?format=text`)).text();
      expect(text).toContain(`Receipt number: ${rows[0]!.stripe_id}\n`);
      expect(text).toContain(`Amount: £10\nPaid with: Visa ending 4242\nNext payment: `);
      expect(text).toContain(`Sign in to see and manage your gifts: ${t.url}/signin\n`);
    });

    it('sends a one-off gift its receipt, seen in the preview', async () => {
      await giveSandboxGift(t, { frequency: 'one_off', amount: '7.50', email: 'receipt@example.com', article: 'harbour-water' });
      const emails = await t.query<{ id: string; template: string }>(`select id, template from outbox where to_address = 'receipt@example.com'`);
      expect(emails.map((e) => e.template)).toEqual(['receipt']);
      const html = await (await fetch(`${t.url}/dev/mail/${emails[0]!.id}?format=html`)).text();
      expect(html).toContain('We have received your gift of £7.50.');
      expect(html).toContain(`href="${t.url}/account"`);
    });

    it('shows the thank-you page only for a real checkout', async () => {
      const missing = await fetch(`${t.url}/thank-you`);
      expect(missing.status).toBe(400);
      const unknown = await fetch(`${t.url}/thank-you?session_id=cs_test_${'x'.repeat(40)}`);
      expect(unknown.status).toBe(404);
      expect(await unknown.text()).toContain('No checkout exists with this reference');
    });

    it('rejects a missing, forged or tampered signature and stores nothing', async () => {
      const event = buildEvent('checkout.session.completed', buildCheckoutSession());
      const payload = JSON.stringify(event);
      const replies = [
        await deliver(t, payload, null),
        await deliver(t, payload, signPayload(payload, { secret: 'whsec_someone_else' })),
        await deliver(t, payload.replace('"amount_total":1000', '"amount_total":100000'), signPayload(payload)),
        await deliver(t, payload, signPayload(payload, { timestamp: Math.floor(Date.now() / 1000) - 600 })),
      ];
      expect(replies.map((r) => r.status)).toEqual([400, 400, 400, 400]);
      expect(await t.query('select id from stripe_events where id = ?', event.id)).toEqual([]);
    });

    it('accepts either configured secret while one is rotated, and refuses a timestamp beyond the tolerance either way', async () => {
      const now = Math.floor(Date.now() / 1000);
      const event = (n: number) =>
        buildEvent('checkout.session.expired', buildCheckoutSession({ id: `cs_test_flowrotate${n}${runtime}`, status: 'expired', payment_status: 'unpaid' }));
      const sent = [event(1), event(2), event(3), event(4)];
      const payloads = sent.map((e) => JSON.stringify(e));
      const replies = [
        await deliver(t, payloads[0]!, signPayload(payloads[0]!, { secret: ROTATED_WEBHOOK_SECRET })),
        await deliver(t, payloads[1]!, signPayload(payloads[1]!, { secret: TEST_WEBHOOK_SECRET })),
        await deliver(t, payloads[2]!, signPayload(payloads[2]!, { timestamp: now + 3600 })),
        await deliver(t, payloads[3]!, signPayload(payloads[3]!, { secret: ROTATED_WEBHOOK_SECRET, timestamp: now - 3600 })),
      ];
      expect(replies.map((r) => r.status)).toEqual([200, 200, 400, 400]);
      const stored = await t.query<{ id: string }>(
        `select id from stripe_events where id in (${sent.map(() => '?').join(',')}) order by id`,
        ...sent.map((e) => e.id),
      );
      expect(stored.map((r) => r.id).sort()).toEqual([sent[0]!.id, sent[1]!.id].sort());
    });

    it('records a recurring gift right whatever order its events arrive in', async () => {
      const email = 'order@example.com';
      const session = await startGift(t, { frequency: 'monthly', amount: '10', email, article: 'ferry-cuts' });
      const sub = buildSubscription({ metadata: { gift_id: session.gift_id } });
      const invoice = buildInvoice({
        amount_paid: 1000,
        customer_email: email,
        customer: sub.customer as string,
        parent: { subscription_details: { subscription: sub.id, metadata: { gift_id: session.gift_id } } },
      });
      const completed = buildCheckoutSession({
        id: session.id,
        mode: 'subscription',
        client_reference_id: session.gift_id,
        metadata: { gift_id: session.gift_id, frequency: 'monthly' },
        subscription: sub.id,
        customer: sub.customer as string,
        payment_intent: null,
        amount_total: 1000,
        customer_details: { email, name: 'Ord Er' },
      });
      const created = buildEvent('customer.subscription.created', sub, { created: 1_764_000_000 });
      const updated = buildEvent('customer.subscription.updated', { ...sub, cancel_at_period_end: true }, { created: 1_764_000_500 });
      const paid = buildEvent('invoice.paid', invoice, { created: 1_764_000_100 });
      const done = buildEvent('checkout.session.completed', completed, { created: 1_764_000_050 });

      // newest state first, the money before the checkout it came from, then the oldest state
      for (const e of [paid, updated, done, created, paid]) expect((await deliver(t, e)).status).toBe(200);

      const entries = await t.query('select kind, frequency, amount_minor, gift_id, email from ledger_entries where stripe_id = ?', invoice.id);
      expect(entries).toEqual([{ kind: 'gift', frequency: 'monthly', amount_minor: 1000, gift_id: session.gift_id, email }]);
      const [recurring] = await t.query('select status, cancel_at_period_end, gift_id from recurring_gifts where stripe_subscription_id = ?', sub.id);
      // the older `created` event arrived last and must not undo the cancellation
      expect(recurring).toEqual({ status: 'active', cancel_at_period_end: 1, gift_id: session.gift_id });
      const [gift] = await t.query<{ status: string }>('select status from gifts where id = ?', session.gift_id);
      expect(gift!.status).toBe('paid');
    });

    it('keeps nothing of a webhook whose atomic write fails part-way, and applies it on retry', async () => {
      const email = 'atomic@example.com';
      const session = await startGift(t, { frequency: 'one_off', amount: '12', email, article: 'quarry-lane' });
      const event = buildEvent(
        'checkout.session.completed',
        buildCheckoutSession({
          id: session.id,
          client_reference_id: session.gift_id,
          metadata: { gift_id: session.gift_id },
          amount_total: 1200,
          customer_details: { email, name: 'At Omic' },
        }),
      );
      const counts = () =>
        t.query(
          "select (select count(*) from ledger_entries) as entries, (select count(*) from supporters) as supporters, (select count(*) from outbox) as outbox, (select count(*) from gifts where status = 'pending') as pending",
        );
      const before = await counts();
      // The event's record, marked processed, is the last statement of the write: fail it
      // (as an insert, or an update of a row left by an earlier attempt), so every effect
      // written before it in the same db.batch / transaction has to be rolled back.
      for (const op of ['insert', 'update'])
        await t.exec(
          `create trigger fail_processed_mark_${op} before ${op} on stripe_events when new.id = '${event.id}' and new.processed_at is not null begin select raise(abort, 'injected failure: processed mark'); end`,
        );
      try {
        const failed = await deliver(t, event);
        expect(failed.status).toBe(500);
      } finally {
        for (const op of ['insert', 'update']) await t.exec(`drop trigger fail_processed_mark_${op}`);
      }
      expect(await counts()).toEqual(before);
      const [recorded] = await t.query<{ processed_at: number | null; attempts: number; last_error: string }>(
        'select processed_at, attempts, last_error from stripe_events where id = ?',
        event.id,
      );
      expect(recorded).toMatchObject({ processed_at: null, attempts: 1 });
      expect(recorded!.last_error).toContain('injected failure');

      const retried = await deliver(t, event);
      expect(retried.status).toBe(200);
      expect(await retried.json()).toEqual({ received: true });
      expect(await t.query('select kind, amount_minor, gift_id from ledger_entries where email = ?', email)).toEqual([
        { kind: 'gift', amount_minor: 1200, gift_id: session.gift_id },
      ]);
      const [after] = await t.query<{ processed: number; attempts: number }>(
        'select processed_at is not null as processed, attempts from stripe_events where id = ?',
        event.id,
      );
      expect(after).toEqual({ processed: 1, attempts: 2 });
      expect(await (await deliver(t, event)).json()).toEqual({ received: true, duplicate: true });
    });

    it('quarantines a signed event that fails parsing: answered 2xx, no money or email, logged; the corrected event applies', async () => {
      const email = 'quarantine@example.com';
      const session = await startGift(t, { frequency: 'one_off', amount: '15', email, article: 'quarantine-lane' });
      const good = buildCheckoutSession({
        id: session.id,
        client_reference_id: session.gift_id,
        metadata: { gift_id: session.gift_id },
        amount_total: 1500,
        customer_details: { email, name: 'Qu Arantine' },
      });
      const bad = buildEvent('checkout.session.completed', { ...good, amount_total: 'a lot' });
      const res = await deliver(t, bad);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ received: true, quarantined: true });
      const touched = () =>
        t.query(
          `select (select count(*) from ledger_entries where email = '${email}') as entries, (select count(*) from outbox where to_address = '${email}') as emails, (select status from gifts where id = '${session.gift_id}') as gift`,
        );
      expect(await touched()).toEqual([{ entries: 0, emails: 0, gift: 'pending' }]);
      const [row] = await t.query<{ processed: number; errors: string }>(
        'select processed_at is not null as processed, quarantine_errors as errors from stripe_events where id = ? and quarantined_at is not null',
        bad.id,
      );
      expect(row!.processed).toBe(1);
      expect(Object.keys(JSON.parse(row!.errors))).toEqual(['data.object.amount_total']);
      // Stripe's redelivery of the same bytes is a duplicate; the log names the event, never the reader
      expect(await (await deliver(t, bad)).json()).toEqual({ received: true, duplicate: true });
      // the runtime's output arrives through a pipe: wait for the line
      const logLine = () =>
        t
          .output()
          .split('\n')
          .find((line) => line.includes(bad.id)) ?? '';
      await expect.poll(logLine).toMatch(/"level":"error"/);
      expect(logLine()).toContain('data.object.amount_total');
      expect(logLine()).not.toContain(email);

      const corrected = buildEvent('checkout.session.completed', good);
      expect(await (await deliver(t, corrected)).json()).toEqual({ received: true });
      expect(await touched()).toEqual([{ entries: 1, emails: 1, gift: 'paid' }]);
      const rows = parseCsv(await (await exportCsv(t)).text()).filter((r) => r.supporter_email === email);
      expect(rows).toEqual([expect.objectContaining({ amount_minor: '1500', currency: 'gbp', article: 'quarantine-lane' })]);
    });

    it('exports every row when bad values were written straight into the database, each unreadable cell empty', async () => {
      await t.exec(`insert into ledger_entries (id, key, kind, frequency, amount_minor, currency, fee_minor, settlement_currency, stripe_id, occurred_at, created_at) values
        ('le_bad_time', 'bad:1', 'gift', 'one_off', 500, 'gbp', null, null, 'pi_bad1', 1e20, 0),
        ('le_bad_amount', 'bad:2', 'gift', 'one_off', 'a lot', 'gbp', 'x', null, 'pi_bad2', 1764000000000, 0),
        ('le_bad_currency', 'bad:3', 'gift', 'one_off', 700, '', null, 123, 'pi_bad3', 1764000000001, 0)`);
      const res = await exportCsv(t);
      expect(res.status).toBe(200);
      const rows = parseCsv(await res.text());
      const byId = (id: string) => rows.find((r) => r.contribution_id === id);
      expect(byId('le_bad_time')).toMatchObject({ created_at: '', amount_minor: '500', currency: 'gbp' });
      expect(byId('le_bad_amount')).toMatchObject({ created_at: '2025-11-24T16:00:00.000Z', amount_minor: '', fee_minor: '', currency: 'gbp' });
      expect(byId('le_bad_currency')).toMatchObject({ amount_minor: '700', currency: '', settlement_currency: '' });
      // whoever runs the server learns which cells were written empty
      for (const id of ['le_bad_time', 'le_bad_amount', 'le_bad_currency'])
        await expect.poll(() => t.output()).toMatch(new RegExp(`"contribution":"${id}","column":"\\w+"`));
      await t.exec("delete from ledger_entries where key like 'bad:%'");
    });

    it('guards the export with the ops token', async () => {
      const missing = await exportCsv(t, '', null);
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
      expect((await exportCsv(t, '', `${OPS_TOKEN}-not`)).status).toBe(401);
      const bad = await exportCsv(t, '?from=2026-13-01');
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ fields: { from: expect.any(String) } });
    });

    it('names every reply in X-Request-Id, and quotes it on error pages and in JSON error bodies', async () => {
      const ids = await Promise.all([fetch(`${t.url}/`), fetch(`${t.url}/health`)].map(async (p) => (await p).headers.get('x-request-id')));
      expect(ids.every((id) => /^[0-9a-f]{32}$/.test(id ?? ''))).toBe(true);
      expect(ids[0]).not.toBe(ids[1]);
      const page = await fetch(`${t.url}/readers/lost.reader@example.com?email=lost.reader@example.com`, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(404);
      expect(await page.text()).toContain(`quote reference <code>${page.headers.get('x-request-id')}</code>`);
      const bad = await fetch(
        `${t.url}/checkout`,
        json({
          frequency: 'one_off',
          amount: '5',
          currency: 'gbp',
          email: `${CARD.slice(0, 4)} ${CARD.slice(4, 8)} ${CARD.slice(8, 12)} ${CARD.slice(12)}`,
          campaign: CARD,
        }),
      );
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ fields: { email: expect.any(String) }, reference: bad.headers.get('x-request-id') });
    });

    it("files the webhooks the sandbox sends while a reader pays under the id of the reader's request", async () => {
      const checkout = await fetch(
        `${t.url}/checkout`,
        form({ frequency: 'one_off', amount: '6', amount_other: '', currency: 'gbp', email: 'sub.request@example.com', article: 'harbour-water' }),
      );
      const pay = await fetch(`${checkout.headers.get('location')!}/pay`, form({ email: 'sub.request@example.com', name: 'Sub Request' }));
      expect(pay.status).toBe(303);
      const payId = pay.headers.get('x-request-id')!;
      const deliveries = () =>
        t
          .logs()
          .split('\n')
          .filter((l) => l.includes(payId))
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .filter((l) => l.subrequestPath === '/webhooks/stripe' && l.msg === 'request');
      // a one-off gift's events: the session completed, the charge and its payment intent
      await expect.poll(() => deliveries().length).toBeGreaterThan(0);
      for (const line of deliveries())
        expect(line).toMatchObject({
          requestId: payId,
          path: expect.stringMatching(/^\/sandbox\/checkout\/cs_test_\w+\/pay$/),
          status: 200,
          subrequestId: expect.stringMatching(/^[0-9a-f]{32}$/),
        });
    });

    it('streams a large export page by page, every row once and in order', async () => {
      // 2,100 entries on 2020-01-01 (older than anything else here), three per timestamp,
      // so the 1,000-row page boundaries fall inside a run of equal timestamps.
      await t.exec(`with recursive n(i) as (select 1 union all select i + 1 from n where i < 2100)
        insert into ledger_entries (id, key, kind, frequency, amount_minor, currency, stripe_id, occurred_at, created_at)
        select printf('le_seed_%05d', i), 'seed:' || i, 'gift', 'one_off', i, 'usd', 'pi_seed_' || i, 1577836800000 + (i / 3) * 1000, 0 from n`);
      const res = await exportCsv(t, '?from=2020-01-01&to=2020-01-01');
      expect(res.status).toBe(200);
      const rows = parseCsv(await res.text());
      expect(rows).toHaveLength(2100);
      expect(rows.map((r) => r.contribution_id)).toEqual(Array.from({ length: 2100 }, (_, i) => `le_seed_${String(i + 1).padStart(5, '0')}`));
      expect(rows[2099]).toMatchObject({ created_at: '2020-01-01T00:11:40.000Z', amount_minor: '2100', currency: 'usd' });
    });

    it('wrote only JSON log lines, each under a request id or a job, with no address, secret, token or card number', async () => {
      const last = await fetch(`${t.url}/health?token=${OPS_TOKEN}`);
      await expectCleanLogs(t, last.headers.get('x-request-id')!);
    });
  });

  describe(`identity on ${runtime}: sessions, throttles, sign-in links, the audit log`, () => {
    let t: Target;
    beforeAll(async () => {
      t = await start.sandbox(SETTINGS);
    });
    afterAll(async () => {
      await t?.stop();
    });

    /** A form post from this site, with the session cookie when there is one. */
    const post = (path: string, fields: Record<string, string>, cookie = '') =>
      fetch(`${t.url}${path}`, {
        ...form(fields),
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: t.url, accept: 'text/html', ...(cookie ? { cookie } : {}) },
      });
    const get = (path: string, cookie = '', accept = 'text/html') =>
      fetch(`${t.url}${path}`, { redirect: 'manual', headers: { accept, ...(cookie ? { cookie } : {}) } });
    /** the finance member's session once enrolled, for the dashboard's flow */
    let financeCookie = '';
    /** the API token an admin made for the finance member */
    let apiToken = '';
    /** their TOTP secret, which no log line may hold */
    let totpSecret = '';
    const cookieOf = (res: Response) =>
      res.headers
        .getSetCookie()
        .map((c) => c.split(';')[0]!)
        .find((c) => c.startsWith('storyfund_session=') && c.length > 'storyfund_session='.length) ?? '';

    it('signs a viewer in with a password, shows name and role, audits it, and signs out everywhere', async () => {
      const password = await hashPassword('flow viewer password');
      await t.exec(
        `insert into staff (id, email, name, role, disabled, password_hash, password_salt, password_iterations, created_at, updated_at) values ('stf_flow_viewer', 'viewer@example.org', 'Flo Viewer', 'viewer', 0, '${password.hash}', '${password.salt}', ${password.iterations}, 0, 0)`,
      );
      const signedOut = await get('/finance');
      expect(signedOut.status).toBe(303);
      expect(signedOut.headers.get('location')).toBe('/staff/signin?next=%2Ffinance');
      expect((await get('/finance', '', 'application/json')).status).toBe(401);

      const res = await post('/staff/signin', { email: 'viewer@example.org', password: 'flow viewer password', next: '/finance' });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/finance');
      const cookie = cookieOf(res);
      expect(cookie).not.toBe('');
      const page = await get('/finance', cookie);
      expect(page.status).toBe(200);
      expect(page.headers.get('cache-control')).toBe('no-store');
      const html = await page.text();
      expect(html).toContain('Signed in as Flo Viewer, role viewer');
      expect((await get('/finance/audit', cookie, 'application/json')).status).toBe(403);
      const sessions = await t.query<{ token_hash: string; kind: string }>(`select token_hash, kind from sessions where subject_id = 'stf_flow_viewer'`);
      expect(sessions).toHaveLength(1);
      expect(sessions[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(await t.query(`select actor, action from audit_log where actor = 'staff:stf_flow_viewer'`)).toEqual([
        { actor: 'staff:stf_flow_viewer', action: 'signin' },
      ]);

      const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
      expect((await post('/signout/everywhere', { _csrf: 'forged' }, cookie)).status).toBe(403);
      const out = await post('/signout/everywhere', { _csrf: csrf }, cookie);
      expect(out.status).toBe(303);
      expect((await get('/finance', cookie)).status).toBe(303);
      expect(await t.query(`select count(*) as n from sessions where subject_id = 'stf_flow_viewer'`)).toEqual([{ n: 0 }]);
    });

    it('asks finance staff for a TOTP code (enrolment with a QR code first), checked in this runtime', async () => {
      const password = await hashPassword('flow finance password');
      await t.exec(
        `insert into staff (id, email, name, role, disabled, password_hash, password_salt, password_iterations, created_at, updated_at) values ('stf_flow_fin', 'finance@example.org', 'Fin Flow', 'finance', 0, '${password.hash}', '${password.salt}', ${password.iterations}, 0, 0)`,
      );
      const first = await post('/staff/signin', { email: 'finance@example.org', password: 'flow finance password' });
      expect(first.headers.get('location')).toBe('/staff/signin/second-factor?next=%2Ffinance');
      const pending = cookieOf(first);
      expect((await get('/finance', pending)).headers.get('location')).toBe('/staff/signin/second-factor');
      const enrol = await (await get('/staff/signin/second-factor', pending)).text();
      expect(enrol).toContain('<svg');
      const secret = /id="totp-secret">([A-Z2-7 ]+)</.exec(enrol)![1]!.replace(/ /g, '');
      totpSecret = secret;
      const csrf = /name="_csrf" value="([^"]+)"/.exec(enrol)![1]!;
      // sealed at rest in this runtime's database: never the base32 secret itself
      const [row] = await t.query<{ totp_secret: string }>(`select totp_secret from staff where id = 'stf_flow_fin'`);
      expect(row!.totp_secret).toMatch(/^v1:[0-9a-f]{8}:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/);
      expect(row!.totp_secret).not.toContain(secret);
      const done = await post('/staff/signin/second-factor', { _csrf: csrf, next: '/finance', code: totpCode(secret, Date.now()) }, pending);
      expect(done.status).toBe(200);
      expect((await done.text()).match(/<code>[a-z2-9-]{14}<\/code>/g)).toHaveLength(10);
      financeCookie = cookieOf(done);
      const page = await get('/finance', financeCookie);
      expect(await page.text()).toContain('Signed in as Fin Flow, role finance');
      expect(await t.query(`select count(*) as n from staff_recovery_codes where staff_id = 'stf_flow_fin' and used_at is null`)).toEqual([{ n: 10 }]);
      expect(await t.query(`select action from audit_log where actor = 'staff:stf_flow_fin' order by rowid`)).toEqual([
        { action: 'staff.totp_enrolled' },
        { action: 'signin' },
      ]);

      // the next sign-in reads the sealed secret back (a code of the next step: each step is good once)
      const again = cookieOf(await post('/staff/signin', { email: 'finance@example.org', password: 'flow finance password' }));
      const verify = await (await get('/staff/signin/second-factor', again)).text();
      expect(verify).not.toContain('<svg');
      const csrf2 = /name="_csrf" value="([^"]+)"/.exec(verify)![1]!;
      const second = await post('/staff/signin/second-factor', { _csrf: csrf2, next: '/finance', code: totpCode(secret, Date.now() + 30_000) }, again);
      expect(second.status).toBe(303);
      expect(second.headers.get('location')).toBe('/finance');
    });

    it("shows a sandbox gift in the finance overview's totals and chart", async () => {
      expect(financeCookie).not.toBe('');
      await giveSandboxGift(t, { frequency: 'one_off', amount: '12.50', email: 'ledger-reader@example.com', article: 'ferry-cuts' });
      const today = new Date().toISOString().slice(0, 10);
      const overview = await get(`/finance?from=${today}&to=${today}`, financeCookie, 'application/json');
      expect(overview.status).toBe(200);
      const { totals } = (await overview.json()) as {
        totals: { currency: string; grossMinor: number; gifts: number; supporters: number; refundsMinor: number }[];
      };
      expect(totals).toEqual([expect.objectContaining({ currency: 'gbp', grossMinor: 1250, gifts: 1, supporters: 1, refundsMinor: 0 })]);
      const html = await (await get(`/finance?from=${today}&to=${today}`, financeCookie)).text();
      expect(html).toContain('£12.50');
      expect(html).toContain('Giving in GBP per day: £12.50 in all');
    });

    it("downloads the contributions page's filtered CSV: the gift, totals equal to the overview's, audited; every page of a larger filter in order", async () => {
      expect(financeCookie).not.toBe('');
      const today = new Date().toISOString().slice(0, 10);
      const page = await (await get(`/finance/contributions?from=${today}&article=ferry-cuts`, financeCookie)).text();
      expect(page).toContain(`href="/finance/contributions.csv?from=${today}&amp;article=ferry-cuts" download="">Download CSV</a>`);
      const csv = await get(`/finance/contributions.csv?from=${today}&article=ferry-cuts`, financeCookie, 'text/csv');
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="contributions_from_${today}.csv"`);
      const rows = parseCsvRecords(await csv.text());
      expect(rows.map((r) => [r.kind, r.amount_minor, r.currency, r.supporter_email, r.article, r.status, r.schema_version])).toEqual([
        ['gift', '1250', 'gbp', 'ledger-reader@example.com', 'ferry-cuts', 'paid', '1'],
      ]);
      const overview = (await (await get(`/finance?from=${today}&to=${today}`, financeCookie, 'application/json')).json()) as { totals: unknown[] };
      const day = await get(`/finance/contributions.csv?from=${today}&to=${today}`, financeCookie, 'text/csv');
      expect(csvTotals(parseCsvRecords(await day.text()))).toEqual(overview.totals);
      expect(
        await t.query(`select action, target, details from audit_log where actor = 'staff:stf_flow_fin' and action like 'finance.export%' order by rowid`),
      ).toEqual([
        { action: 'finance.export', target: 'contributions', details: JSON.stringify({ from: today, article: 'ferry-cuts' }) },
        {
          action: 'finance.export_finished',
          target: 'contributions',
          details: JSON.stringify({ from: today, article: 'ferry-cuts', outcome: 'complete', rows: 1 }),
        },
        { action: 'finance.export', target: 'contributions', details: JSON.stringify({ from: today, to: today }) },
        { action: 'finance.export_finished', target: 'contributions', details: JSON.stringify({ from: today, to: today, outcome: 'complete', rows: 1 }) },
      ]);

      // 2,100 entries on 2019-01-01, every other one in USD: the 1,050 the filter selects
      // cross the page boundaries (1,000 rows a page on D1), which fall inside runs of equal timestamps
      await t.exec(`with recursive n(i) as (select 1 union all select i + 1 from n where i < 2100)
        insert into ledger_entries (id, key, kind, frequency, amount_minor, currency, stripe_id, occurred_at, created_at)
        select printf('le_flt_%05d', i), 'flt:' || i, 'gift', 'one_off', i, case when i % 2 = 0 then 'usd' else 'eur' end, 'pi_flt_' || i, 1546300800000 + (i / 6) * 1000, 0 from n`);
      const big = await get('/finance/contributions.csv?from=2019-01-01&to=2019-01-01&currency=usd', financeCookie, 'text/csv');
      expect(big.status).toBe(200);
      const bigRows = parseCsvRecords(await big.text());
      expect(bigRows.map((r) => r.contribution_id)).toEqual(Array.from({ length: 1050 }, (_, i) => `le_flt_${String((i + 1) * 2).padStart(5, '0')}`));
      expect(new Set(bigRows.map((r) => r.currency))).toEqual(new Set(['usd']));
      expect(await t.query(`select details from audit_log where action = 'finance.export_finished' order by rowid desc limit 1`)).toEqual([
        { details: JSON.stringify({ from: '2019-01-01', to: '2019-01-01', currency: 'usd', outcome: 'complete', rows: 1050 }) },
      ]);
    });

    it("reads the overview's totals through the JSON API with an API token an admin made on the staff page", async () => {
      const password = await hashPassword('flow admin password');
      const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
      await t.exec(
        `insert into staff (id, email, name, role, disabled, password_hash, password_salt, password_iterations, totp_secret, totp_enrolled_at, created_at, updated_at) values ('stf_flow_admin', 'admin@example.org', 'Ada Flow', 'admin', 0, '${password.hash}', '${password.salt}', ${password.iterations}, '${secret}', 0, 0, 0)`,
      );
      const first = await post('/staff/signin', { email: 'admin@example.org', password: 'flow admin password', next: '/finance/staff' });
      const pending = cookieOf(first);
      const factorPage = await (await get('/staff/signin/second-factor?next=%2Ffinance%2Fstaff', pending)).text();
      const factorCsrf = /name="_csrf" value="([^"]+)"/.exec(factorPage)![1]!;
      const signedIn = await post('/staff/signin/second-factor', { _csrf: factorCsrf, next: '/finance/staff', code: totpCode(secret, Date.now()) }, pending);
      expect(signedIn.status).toBe(303);
      // a secret stored in plain text before sealing was sealed under STAFF_SECRETS_KEY at this sign-in
      const [row] = await t.query<{ totp_secret: string }>(`select totp_secret from staff where id = 'stf_flow_admin'`);
      expect(row!.totp_secret).toMatch(/^v1:[0-9a-f]{8}:/);
      const admin = cookieOf(signedIn);
      const staffPage = await (await get('/finance/staff', admin)).text();
      expect(staffPage).toContain('No API tokens yet.');
      const csrf = /name="_csrf" value="([^"]+)"/.exec(staffPage)![1]!;
      const made = await post('/finance/staff/tokens', { _csrf: csrf, staff_id: 'stf_flow_fin', name: 'Flow BI' }, admin);
      expect(made.status).toBe(201);
      apiToken = /<code id="api-token-secret">(sfapi_[A-Za-z0-9_-]{43})<\/code>/.exec(await made.text())![1]!;
      const stored = await t.query<{ token_hash: string; staff_id: string }>(`select token_hash, staff_id from api_tokens`);
      expect(stored).toEqual([{ token_hash: expect.stringMatching(/^[0-9a-f]{64}$/), staff_id: 'stf_flow_fin' }]);
      expect(await t.query(`select action, target from audit_log where actor = 'staff:stf_flow_admin' and action like 'staff.api%'`)).toEqual([
        { action: 'staff.api_token_created', target: 'staff:stf_flow_fin' },
      ]);

      const today = new Date().toISOString().slice(0, 10);
      const res = await fetch(`${t.url}/finance/api/overview?from=${today}&to=${today}`, { headers: { authorization: `Bearer ${apiToken}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('set-cookie')).toBeNull();
      const api = (await res.json()) as { range: { from: string }; totals: { currency: string; gross_minor: number; gifts: number; refunds_minor: number }[] };
      expect(api.range.from).toBe(`${today}T00:00:00.000Z`);
      const page = (await (await get(`/finance?from=${today}&to=${today}`, financeCookie, 'application/json')).json()) as {
        totals: { currency: string; grossMinor: number; gifts: number; refundsMinor: number }[];
      };
      expect(api.totals.map((r) => [r.currency, r.gross_minor, r.gifts, r.refunds_minor])).toEqual(
        page.totals.map((r) => [r.currency, r.grossMinor, r.gifts, r.refundsMinor]),
      );
      expect(api.totals).toEqual([expect.objectContaining({ currency: 'gbp', gross_minor: 1250, gifts: 1 })]);
      expect((await t.query<{ last_used_at: number | null }>(`select last_used_at from api_tokens`))[0]!.last_used_at).toBeGreaterThan(0);
      const refused = await fetch(`${t.url}/finance/api/overview`, { headers: { authorization: 'Bearer sfapi_not-a-real-one' } });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer /);
    });

    it("refunds that sandbox gift from its timeline, with a confirmation, and the ledger follows Stripe's events", async () => {
      expect(financeCookie).not.toBe('');
      const [entry] = await t.query<{ gift_id: string; payment_intent_id: string; fee_minor: number; net_minor: number }>(
        `select gift_id, payment_intent_id, fee_minor, net_minor from ledger_entries where kind = 'gift' and amount_minor = 1250 and gift_id is not null`,
      );
      // the sandbox's charge.updated filled the fee and net (1.5% + 20p)
      expect(entry).toMatchObject({ fee_minor: 39, net_minor: 1211 });
      const gift = entry!.gift_id;
      const confirm = await get(
        `/finance/gifts/${gift}/refund/confirm?payment=${entry!.payment_intent_id}&kind=partial&amount=5&reason=requested_by_customer`,
        financeCookie,
      );
      expect(confirm.status).toBe(200);
      const page = await confirm.text();
      expect(page).toContain('Refund £5');
      expect(page).toContain('£7.50');
      const fields = Object.fromEntries(
        [...page.matchAll(/<input type="hidden" name="(_csrf|request|payment|amount_minor|reason)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]),
      );
      expect(fields.amount_minor).toBe('500');
      const refunded = await post(`/finance/gifts/${gift}/refund`, fields, financeCookie);
      expect(refunded.status).toBe(303);
      expect(refunded.headers.get('location')).toBe(`/finance/gifts/${gift}?refund=${fields.request}#refunds`);
      // the sandbox sent refund.created and charge.refunded through our webhook: one refund entry
      expect(await t.query(`select amount_minor, fee_minor, net_minor from ledger_entries where kind = 'refund' and gift_id = '${gift}'`)).toEqual([
        { amount_minor: -500, fee_minor: 0, net_minor: -500 },
      ]);
      expect(await t.query(`select status from refund_requests where gift_id = '${gift}'`)).toEqual([{ status: 'sent' }]);
      expect(await t.query(`select count(*) as n from audit_log where action = 'gift.refund_requested' and target = 'gift:${gift}'`)).toEqual([{ n: 1 }]);
      const timeline = await (await get(`/finance/gifts/${gift}`, financeCookie)).text();
      expect(timeline).toContain('Refund of £5 applied');
      const today = new Date().toISOString().slice(0, 10);
      const { totals } = (await (await get(`/finance?from=${today}&to=${today}`, financeCookie, 'application/json')).json()) as {
        totals: { currency: string; refundsMinor: number; feesMinor: number }[];
      };
      expect(totals).toEqual([expect.objectContaining({ currency: 'gbp', refundsMinor: -500, feesMinor: 39 })]);
    });

    it('pauses an account after ten wrong passwords, with the wait in the message, counted in the database', async () => {
      const statuses: number[] = [];
      let last = '';
      for (let i = 0; i < 10; i++) {
        const res = await post('/staff/signin', { email: 'throttled@example.org', password: `wrong password ${i}` });
        statuses.push(res.status);
        last = await res.text();
      }
      expect(statuses).toEqual([...Array(9).fill(401), 429]);
      expect(last).toContain('please wait 15 minutes');
      expect(await t.query(`select count from throttles where key = 'signin:staff:throttled@example.org'`)).toEqual([{ count: 10 }]);
      expect(await t.query(`select count(*) as n from audit_log where action = 'signin.failed'`)).toEqual([{ n: 10 }]);
    });

    it('signs a supporter in once through an emailed link', async () => {
      await t.exec(`insert into supporters (id, email, name, created_at) values ('sup_flow_link', 'linked@example.com', 'Lin', 0)`);
      expect((await post('/signin', { email: 'linked@example.com' })).status).toBe(200);
      expect((await post('/signin', { email: 'unknown@example.com' })).status).toBe(200);
      const emails = await t.query<{ to_address: string; props: string }>(`select to_address, props from outbox where template = 'signin_link'`);
      expect(emails.map((e) => e.to_address)).toEqual(['linked@example.com']);
      const url = (JSON.parse(emails[0]!.props) as { url: string }).url;
      expect(url.startsWith(`${t.url}/signin/link?token=`)).toBe(true);
      const token = new URL(url).searchParams.get('token')!;
      expect(await t.query(`select count(*) as n from verifications where token_hash = '${token}'`)).toEqual([{ n: 0 }]);
      expect((await get(`/signin/link?token=${token}`)).status).toBe(200);
      const res = await post('/signin/link', { token });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/account');
      const account = await get('/account', cookieOf(res));
      expect(await account.text()).toContain('Signed in as linked@example.com');
      expect((await post('/signin/link', { token })).status).toBe(400);
      expect(await t.query(`select action from audit_log where actor = 'supporter:sup_flow_link' order by at`)).toEqual([
        { action: 'signin.link_sent' },
        { action: 'signin.link_used' },
      ]);
    });

    it('wrote only JSON log lines, each under a request id or a job, with no address, password, link token or session', async () => {
      const links = await t.query<{ props: string }>(`select props from outbox where template = 'signin_link'`);
      const tokens = links.map((l) => new URL((JSON.parse(l.props) as { url: string }).url).searchParams.get('token')!);
      expect(tokens.length).toBeGreaterThan(0);
      const last = await get('/staff/signin');
      expect(apiToken).not.toBe('');
      expect(totpSecret).not.toBe('');
      await expectCleanLogs(t, last.headers.get('x-request-id')!, [
        'flow viewer password',
        'flow finance password',
        'flow admin password',
        'wrong password',
        apiToken,
        totpSecret,
        ...tokens,
      ]);
    });
  });

  describe(`supporters on ${runtime}: registered on giving, and an account to manage their gifts`, () => {
    let t: Target;
    beforeAll(async () => {
      t = await start.sandbox(SETTINGS);
    });
    afterAll(async () => {
      await t?.stop();
    });

    const cookies = (res: Response) =>
      res.headers
        .getSetCookie()
        .map((c) => c.split(';')[0]!)
        .filter((c) => !c.endsWith('='));
    const post = (path: string, fields: Record<string, string>, cookie: string) =>
      fetch(`${t.url}${path}`, {
        ...form(fields),
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: t.url, accept: 'text/html', cookie },
      });
    const get = (path: string, cookie = '') =>
      fetch(`${t.url}${path}`, { redirect: 'manual', headers: { accept: 'text/html', ...(cookie ? { cookie } : {}) } });
    const hidden = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)![1]!;

    it('signs the giving browser in on the thank-you page, and lets the supporter change, pause, resume and cancel the gift through Stripe, each with its email', async () => {
      const checkout = await fetch(
        `${t.url}/checkout`,
        form({ frequency: 'monthly', amount: '5', amount_other: '', currency: 'gbp', email: 'flow-account@example.com' }),
      );
      expect(checkout.status).toBe(303);
      const giver = cookies(checkout).find((c) => c.startsWith('storyfund_giver='))!;
      expect(giver).toBeDefined();
      const payPage = checkout.headers.get('location')!;
      // the checkout page is filled in, so one click pays
      expect(await (await fetch(payPage)).text()).toContain('value="Test Supporter"');
      const paid = await fetch(`${payPage}/pay`, form({ email: 'flow-account@example.com', name: 'Test Supporter' }));
      const thankYou = paid.headers.get('location')!;

      // another browser: thanked, nobody signed in
      const elsewhere = await get(thankYou.slice(t.url.length));
      expect(await elsewhere.text()).not.toContain('Thank you for registering');
      expect(cookies(elsewhere).filter((c) => c.startsWith('storyfund_session='))).toEqual([]);

      const mine = await get(thankYou.slice(t.url.length), giver);
      expect(await mine.text()).toContain('Thank you for registering');
      const session = cookies(mine).find((c) => c.startsWith('storyfund_session='))!;
      expect(session).toBeDefined();
      let account = await (await get('/account', session)).text();
      expect(account).toContain('Signed in as flow-account@example.com');
      expect(account).toContain('£5 a month');
      const rec = /data-recurring="([^"]+)"/.exec(account)![1]!;
      const csrf = hidden(account, '_csrf');

      expect((await post(`/account/recurring/${rec}/amount`, { amount: '8', request_id: hidden(account, 'request_id'), _csrf: csrf }, session)).status).toBe(
        303,
      );
      account = await (await get('/account', session)).text();
      expect(account).toContain('£8 a month');
      expect((await post(`/account/recurring/${rec}/pause`, { request_id: hidden(account, 'request_id'), _csrf: csrf }, session)).status).toBe(303);
      account = await (await get('/account', session)).text();
      expect(account).toContain('Paused: no payments are taken');
      expect((await post(`/account/recurring/${rec}/resume`, { request_id: hidden(account, 'request_id'), _csrf: csrf }, session)).status).toBe(303);
      account = await (await get('/account', session)).text();
      expect(account).toMatch(/data-status[^>]*>Active</);
      expect((await post(`/account/recurring/${rec}/cancel`, { reason: 'cost', request_id: hidden(account, 'request_id'), _csrf: csrf }, session)).status).toBe(
        303,
      );
      account = await (await get('/account', session)).text();
      expect(account).toContain('Cancelled');
      expect(await t.query(`select status, amount_minor, cancel_reason, pending_change from recurring_gifts where id = '${rec}'`)).toEqual([
        { status: 'canceled', amount_minor: 800, cancel_reason: 'cost', pending_change: null },
      ]);
      // the supporter's changes reached the app as signed Stripe events
      expect(await t.query(`select type, count(*) as n from stripe_events where type like 'customer.subscription.%' group by type order by type`)).toEqual([
        { type: 'customer.subscription.created', n: 1 },
        { type: 'customer.subscription.deleted', n: 1 },
        { type: 'customer.subscription.updated', n: 3 },
      ]);
      // each change's email was written with the change it tells of, after the welcome receipt
      expect(await t.query(`select template from outbox where to_address = 'flow-account@example.com' order by created_at, id`)).toEqual([
        { template: 'recurring_welcome' },
        { template: 'recurring_changed' },
        { template: 'recurring_paused' },
        { template: 'recurring_resumed' },
        { template: 'recurring_cancelled' },
      ]);
    });
  });

  describe(`the donation flow on ${runtime}, with a Stripe key (msw answers Stripe's API)`, () => {
    const store = createStripeStore();
    let t: Target;
    beforeAll(async () => {
      t = await start.live({ STRIPE_SECRET_KEY: 'sk_test_storyfund', ...SETTINGS }, store);
    });
    afterAll(async () => {
      await t?.stop();
    });

    it("creates the Checkout Session on Stripe, once per gift, and thanks the reader from Stripe's answer", async () => {
      const res = await fetch(
        `${t.url}/checkout`,
        form({ frequency: 'one_off', amount: '25', amount_other: '', currency: 'gbp', email: 'live@example.com', article: 'harbour-water' }),
      );
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toMatch(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/);
      expect(store.created).toHaveLength(1);
      const [gift] = await t.query<{ id: string; checkout_session_id: string }>('select id, checkout_session_id from gifts');
      const { body, idempotencyKey } = store.created[0]!;
      expect(idempotencyKey).toBe(`checkout-session:${gift!.id}`);
      expect(Object.fromEntries(body)).toMatchObject({
        mode: 'payment',
        client_reference_id: gift!.id,
        'line_items[0][price_data][unit_amount]': '2500',
        success_url: `${t.url}/thank-you?session_id={CHECKOUT_SESSION_ID}`,
      });

      const session = store.sessions.get(gift!.checkout_session_id)!;
      store.sessions.set(session.id, {
        ...session,
        status: 'complete',
        payment_status: 'paid',
        customer_details: { email: 'live@example.com' },
      } as Stripe.Checkout.Session);
      const thanks = await fetch(`${t.url}/thank-you?session_id=${session.id}`);
      expect(thanks.status).toBe(200);
      expect(await thanks.text()).toContain('Thank you for your £25 one-off gift');

      const event = buildEvent(
        'checkout.session.completed',
        buildCheckoutSession({
          id: session.id,
          client_reference_id: gift!.id,
          amount_total: 2500,
          customer_details: { email: 'live@example.com', name: 'Li Ve' },
        }),
      );
      expect((await deliver(t, event)).status).toBe(200);
      expect((await deliver(t, event, signPayload(JSON.stringify(event), { secret: 'whsec_other' }))).status).toBe(400);
      const rows = parseCsv(await (await exportCsv(t)).text());
      expect(rows).toEqual([expect.objectContaining({ kind: 'gift', amount_minor: '2500', status: 'paid', supporter_email: 'live@example.com' })]);
    });

    it("records a payout's items with their gifts and its totals in the webhook's write, and the API states it from them, a page of items at a time", async () => {
      const seq = payoutSequence();
      loadStripeState(store, seq);
      for (const g of seq.gifts)
        await t.exec(
          `insert into gifts (id, status, frequency, amount_minor, currency, article, campaign, created_at, updated_at) values ('${g.id}', 'pending', 'one_off', ${g.amountMinor}, 'gbp', 'harbour-water', 'winter', 0, 0)`,
        );
      // the reconciliation first and again at the end: the items may come before the payments they settle
      const [completed] = seq.events.filter((e) => e.type === 'payout.reconciliation_completed');
      for (const e of [completed!, ...seq.events]) expect((await deliver(t, e)).status, e.type).toBe(200);
      const po = (completed!.data.object as { id: string }).id;
      expect(
        await t.query(
          `select items, gross_minor, fees_minor, refunds_minor, disputes_minor, other_minor, unreadable from payout_totals where payout_id = ?`,
          po,
        ),
      ).toEqual([{ items: 4, gross_minor: 4000, fees_minor: 100, refunds_minor: -1000, disputes_minor: 0, other_minor: 0, unreadable: 0 }]);
      // each charge and refund matched to its gift by the last write, the payout's own line to none
      const items = await t.query<{ balance_transaction_id: string; stripe_created: number; gift_id: string | null; type: string }>(
        'select balance_transaction_id, stripe_created, gift_id, type from payout_items where payout_id = ? order by stripe_created, balance_transaction_id',
        po,
      );
      expect(items.map((i) => [i.type, i.gift_id])).toEqual([
        ['charge', seq.gifts[0]!.id],
        ['charge', seq.gifts[1]!.id],
        ['refund', seq.gifts[0]!.id],
        ['payout', null],
      ]);

      // a finance member's API token, as an admin would make it
      const password = await hashPassword('flow payout password');
      await t.exec(
        `insert into staff (id, email, name, role, disabled, password_hash, password_salt, password_iterations, created_at, updated_at) values ('stf_flow_po', 'po@example.org', 'Po Flow', 'finance', 0, '${password.hash}', '${password.salt}', ${password.iterations}, 0, 0)`,
      );
      const token = `sfapi_${'p'.repeat(43)}`;
      const hash = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))), (b) =>
        b.toString(16).padStart(2, '0'),
      ).join('');
      await t.exec(
        `insert into api_tokens (id, token_hash, staff_id, name, created_by, created_at) values ('tok_flow_po', '${hash}', 'stf_flow_po', 'Flow payouts', 'cli', 0)`,
      );
      const api = async <T>(path: string) => {
        const res = await fetch(`${t.url}/finance/api${path}`, { headers: { authorization: `Bearer ${token}` } });
        expect(res.status, path).toBe(200);
        return (await res.json()) as T;
      };
      type P = {
        next: string | null;
        payout: {
          gross_minor: number;
          fees_minor: number;
          refunds_minor: number;
          paid_out_minor: number;
          balanced: boolean;
          items_count: number;
          unmatched_items: number;
          items: { balance_transaction_id: string; gift_id: string | null }[];
        };
      };
      const one = await api<P>(`/payouts/${po}`);
      expect(one.payout).toMatchObject({
        gross_minor: 4000,
        fees_minor: 100,
        refunds_minor: -1000,
        paid_out_minor: 2900,
        balanced: true,
        items_count: 4,
        unmatched_items: 0,
      });
      expect(one.payout.items.map((i) => [i.balance_transaction_id, i.gift_id])).toEqual(items.map((i) => [i.balance_transaction_id, i.gift_id]));
      expect(one.next).toBeNull();
      // the keyset: the items after the first
      const rest = await api<P>(`/payouts/${po}?after=${items[0]!.stripe_created}.${items[0]!.balance_transaction_id}`);
      expect(rest.payout.items.map((i) => i.balance_transaction_id)).toEqual(items.slice(1).map((i) => i.balance_transaction_id));
      expect(rest.payout.gross_minor).toBe(4000);
      const month = new Date((completed!.data.object as { arrival_date: number }).arrival_date * 1000).toISOString().slice(0, 7);
      const listed = await api<{ payouts: { id: string; balanced: boolean }[]; totals: unknown[] }>(`/payouts?month=${month}`);
      expect(listed.payouts).toEqual([expect.objectContaining({ id: po, balanced: true })]);
      expect(listed.totals).toEqual([{ currency: 'gbp', paid_out_minor: 2900, payouts: 1 }]);
    });

    it('wrote only JSON log lines, each under a request id or a job, with no address, secret, token or card number', async () => {
      const last = await fetch(`${t.url}/health`);
      await expectCleanLogs(t, last.headers.get('x-request-id')!);
    });
  });
  describe(`Turnstile on ${runtime}: POST /checkout needs a pass (siteverify answered by the suite's outbound mock)`, () => {
    const store = createStripeStore();
    /** what Cloudflare's siteverify was sent, one form per call */
    const verified: Record<string, string>[] = [];
    let t: Target;
    beforeAll(async () => {
      t = await start.live({ STRIPE_SECRET_KEY: STRIPE_KEY, ...SETTINGS, ...TURNSTILE }, store, turnstileHandlers(TURNSTILE.TURNSTILE_SECRET_KEY, verified));
    });
    afterAll(async () => {
      await t?.stop();
    });

    it('refuses a checkout without a pass, or with one Cloudflare refuses, with a 400 naming the field; a pass proceeds to Stripe', async () => {
      const gift = { frequency: 'one_off', amount: '10', currency: 'gbp', email: 'turnstile@example.com', article: 'harbour-water' };
      const article = await (await fetch(`${t.url}/`)).text();
      expect(article).toContain(`data-sitekey="${TURNSTILE.TURNSTILE_SITE_KEY}"`);

      const missing = await fetch(`${t.url}/checkout`, json(gift));
      expect(missing.status).toBe(400);
      expect(await missing.json()).toMatchObject({ fields: { 'cf-turnstile-response': expect.any(String) } });
      // nothing to ask Cloudflare about without a token
      expect(verified).toEqual([]);
      const refused = await fetch(`${t.url}/checkout`, json({ ...gift, 'cf-turnstile-response': 'made-up-by-a-script' }));
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ fields: { 'cf-turnstile-response': expect.any(String) } });
      const page = await fetch(`${t.url}/checkout`, form({ ...gift, amount_other: '' }));
      expect(page.status).toBe(400);
      // a reader's form: the appeal again, filled in, with the check still to do
      const html = await page.text();
      expect(html).toContain('Please complete the check that you are a person');
      expect(html).toContain('value="turnstile@example.com"');
      expect(await t.query('select count(*) as n from gifts')).toEqual([{ n: 0 }]);
      expect(store.created).toHaveLength(0);

      const passed = await fetch(`${t.url}/checkout`, form({ ...gift, amount_other: '', 'cf-turnstile-response': TURNSTILE_PASS }));
      expect(passed.status).toBe(303);
      expect(passed.headers.get('location')).toMatch(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/);
      expect(store.created).toHaveLength(1);
      expect(await t.query('select status, amount_minor, email from gifts')).toEqual([
        { status: 'pending', amount_minor: 1000, email: 'turnstile@example.com' },
      ]);
      // the app's secret went to siteverify with each token, from this runtime
      expect(verified.map((v) => [v.secret, v.response])).toEqual([
        [TURNSTILE.TURNSTILE_SECRET_KEY, 'made-up-by-a-script'],
        [TURNSTILE.TURNSTILE_SECRET_KEY, TURNSTILE_PASS],
      ]);
    });

    it('logs neither the Turnstile secret nor a token', async () => {
      const last = await fetch(`${t.url}/health`);
      await expectCleanLogs(t, last.headers.get('x-request-id')!, [TURNSTILE.TURNSTILE_SECRET_KEY, TURNSTILE_PASS]);
    });
  });
}
