import { http, HttpResponse } from 'msw';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dispatchOutbox, RETRY_MINUTES } from '../src/mail/mail.dispatch.js';
import { httpTransport } from '../src/mail/mail.transport.js';
import { buildTestContext, type TestContext } from './factories/deps.js';
import { buildCheckoutSession, buildEvent } from './factories/stripe.js';
import { startStripeMock } from './mocks/stripe-api.js';

const mock = startStripeMock();
afterAll(() => mock.close());

const MAIL_API = 'https://mail.example.test/emails';
let t: TestContext;
let sent: { auth: string | null; key: string | null; body: Record<string, unknown> }[];
beforeEach(() => {
  t = buildTestContext();
  sent = [];
});
afterEach(async () => {
  await t.cleanup();
  mock.server.resetHandlers();
});

async function payOneOff(email = 'reader@example.com') {
  const session = buildCheckoutSession({ client_reference_id: null, amount_total: 1500, customer_details: { email } });
  const res = await t.app.request(t.webhook(buildEvent('checkout.session.completed', session)));
  expect(res.status).toBe(200);
  return session;
}

const status = () =>
  t.handle.sqlite.prepare('select status, attempts, next_attempt_at, last_error from outbox').all() as {
    status: string;
    attempts: number;
    next_attempt_at: number;
    last_error: string | null;
  }[];

describe('the email outbox', () => {
  it('sends the receipt written with the payment, once', async () => {
    mock.server.use(
      http.post(MAIL_API, async ({ request }) => {
        sent.push({
          auth: request.headers.get('authorization'),
          key: request.headers.get('idempotency-key'),
          body: (await request.json()) as Record<string, unknown>,
        });
        return HttpResponse.json({ id: 'msg_1' });
      }),
    );
    const session = await payOneOff();
    const transport = httpTransport(MAIL_API, 'token_abcdefgh');
    expect(await dispatchOutbox(t.deps, transport)).toEqual({ sent: 1, failed: 0 });
    expect(await dispatchOutbox(t.deps, transport)).toEqual({ sent: 0, failed: 0 });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ auth: 'Bearer token_abcdefgh', key: `receipt:payment:${session.payment_intent}` });
    expect(sent[0]!.body).toMatchObject({ to: ['reader@example.com'], subject: 'Your receipt: £15 to The Harbour Ledger' });
    expect(sent[0]!.body).not.toHaveProperty('reply_to');
    expect(String(sent[0]!.body.text)).toContain(`Receipt number: ${session.payment_intent}\nDate: `);
    expect(String(sent[0]!.body.text)).toContain('Amount: £15');
    expect(status()).toMatchObject([{ status: 'sent', attempts: 1 }]);
  });

  it('names the card on the receipt, asking Stripe just before sending; without an answer the receipt goes without it', async () => {
    mock.server.use(
      http.post(MAIL_API, async ({ request }) => {
        sent.push({ auth: null, key: null, body: (await request.json()) as Record<string, unknown> });
        return HttpResponse.json({ id: 'msg_card' });
      }),
    );
    const session = await payOneOff();
    mock.store.objects.set('pm_mailcard', { id: 'pm_mailcard', object: 'payment_method', type: 'card', card: { brand: 'mastercard', last4: '4444' } });
    mock.store.objects.set(String(session.payment_intent), { id: String(session.payment_intent), object: 'payment_intent', payment_method: 'pm_mailcard' });
    expect(await dispatchOutbox(t.deps, httpTransport(MAIL_API, 'token_abcdefgh'))).toEqual({ sent: 1, failed: 0 });
    expect(String(sent[0]!.body.text)).toContain('Amount: £15\nPaid with: Mastercard ending 4444\n');
    expect(String(sent[0]!.body.html)).toContain('Mastercard ending 4444');

    // Stripe does not know the payment: the receipt is still sent, without the line
    await payOneOff('second@example.com');
    expect(await dispatchOutbox(t.deps, httpTransport(MAIL_API, 'token_abcdefgh'))).toEqual({ sent: 1, failed: 0 });
    expect(String(sent[1]!.body.text)).toContain('Amount: £15');
    expect(String(sent[1]!.body.text)).not.toContain('Paid with');
    mock.store.objects.clear();
  });

  it('sends the Reply-To setting with each email', async () => {
    await t.cleanup();
    t = buildTestContext({ MAIL_REPLY_TO: 'help@news.example' });
    mock.server.use(
      http.post(MAIL_API, async ({ request }) => {
        sent.push({ auth: null, key: null, body: (await request.json()) as Record<string, unknown> });
        return HttpResponse.json({ id: 'msg_2' });
      }),
    );
    await payOneOff();
    expect(await dispatchOutbox(t.deps, httpTransport(MAIL_API, 'token_abcdefgh'))).toEqual({ sent: 1, failed: 0 });
    expect(sent[0]!.body).toMatchObject({ reply_to: 'help@news.example' });
  });

  it('retries a failed send with growing waits, then gives up', async () => {
    mock.server.use(http.post(MAIL_API, () => HttpResponse.json({ message: 'rate limited' }, { status: 429 })));
    await payOneOff();
    const transport = httpTransport(MAIL_API, 'token_abcdefgh');
    const waits: number[] = [];
    for (let i = 0; i <= RETRY_MINUTES.length; i++) {
      const before = t.clock.ms;
      expect(await dispatchOutbox(t.deps, transport)).toEqual({ sent: 0, failed: 1 });
      const row = status()[0]!;
      expect(row.last_error).toContain('429');
      waits.push((row.next_attempt_at - before) / 60_000);
      t.clock.ms = row.next_attempt_at;
    }
    expect(waits.slice(0, RETRY_MINUTES.length)).toEqual([...RETRY_MINUTES]);
    expect(status()[0]!.status).toBe('failed');
    expect(await dispatchOutbox(t.deps, transport)).toEqual({ sent: 0, failed: 0 });
  });

  it('shows queued emails on the development preview page', async () => {
    await payOneOff('preview@example.com');
    const list = await (await t.app.request('/dev/mail')).text();
    expect(list).toContain('preview@example.com');
    expect(list).toContain('Your receipt: £15 to The Harbour Ledger');
    const id = (t.handle.sqlite.prepare('select id from outbox').get() as { id: string }).id;
    // HTML and text side by side: the HTML part in a frame, the text part beside it
    const page = await (await t.app.request(`/dev/mail/${id}`)).text();
    expect(page).toContain(`src="/dev/mail/${id}?format=html"`);
    expect(page).toContain('<pre class="mail-text"');
    expect(page).toContain('Amount: £15');
    const html = await (await t.app.request(`/dev/mail/${id}?format=html`)).text();
    expect(html).toContain('We have received your gift of £15.');
    expect(html).toContain('href="http://localhost:8787/account"');
  });

  it('has no preview page when emails are really sent', async () => {
    const other = buildTestContext({ MAIL_TRANSPORT: 'http', MAIL_HTTP_TOKEN: 'token_abcdefgh', MAIL_FROM: 'News <give@news.example>' });
    expect((await other.app.request('/dev/mail')).status).toBe(404);
    await other.cleanup();
  });
});
