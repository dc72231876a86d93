// What the logs hold while the app does its most sensitive work (payments, sign-in): every line JSON, every
// line of a request filed under that request's id, and no address, key, token or card
// number anywhere, whatever the requests and Stripe's answers contained.
import { http, HttpResponse } from 'msw';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, forJob } from '../src/deps.js';
import { cloudflareRayId } from '../src/lib/request-id.js';
import { dispatchOutbox } from '../src/mail/mail.dispatch.js';
import { httpTransport } from '../src/mail/mail.transport.js';
import { buildTestContext, type TestContext } from './factories/deps.js';
import { buildStaff, insertStaffRow } from './factories/staff.js';
import { browserClient } from './helpers/browser-client.js';
import { buildCheckoutSession, buildEvent, TEST_WEBHOOK_SECRET } from './factories/stripe.js';
import { startStripeMock } from './mocks/stripe-api.js';

const OPS_TOKEN = 'ops-token-logs-test-0123456789abcdef0123';
const STRIPE_KEY = 'sk_test_storyfund';
const MAIL_TOKEN = 'mail-api-token-logs-0123456789';
const CARD = '4242424242424242';
const CARD_GROUPED = '4242 4242 4242 4242';
const EMAILS = [
  'flo.reader@example.com',
  'json.reader@example.com',
  'echo.reader@example.com',
  'webhook.reader@example.com',
  'fail.reader@example.com',
  'bounce.reader@example.com',
  'path.reader@example.com',
  'boom.reader@example.com',
];
const SECRETS = [OPS_TOKEN, STRIPE_KEY, TEST_WEBHOOK_SECRET, MAIL_TOKEN, CARD, CARD_GROUPED, ...EMAILS, ...EMAILS.map(encodeURIComponent)];
const ANY_EMAIL = /[A-Za-z0-9._%+-]+(@|%40)[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/i;
const ANY_CARD = /\b\d(?:[ -]?\d){12,18}\b/;
const MAIL_API = 'https://mail.example.test/emails';

const mock = startStripeMock();
afterAll(() => mock.close());

let t: TestContext;
const lines: string[] = [];
/** each request made, with the lines written while it was served */
const requests: { what: string; id: string | null; lines: string[]; res: Response }[] = [];

async function send(what: string, req: Request | [string, RequestInit?]): Promise<Response> {
  const before = lines.length;
  const res = Array.isArray(req) ? await t.app.request(req[0], req[1]) : await t.app.request(req);
  requests.push({ what, id: res.headers.get('x-request-id'), lines: lines.slice(before), res: res.clone() });
  return res;
}

const form = (fields: Record<string, string>, headers: Record<string, string> = {}): [string, RequestInit] => [
  '/checkout',
  { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() },
];
const json = (body: unknown): [string, RequestInit] => [
  '/checkout',
  { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
];

beforeAll(async () => {
  t = buildTestContext({ OPS_TOKEN, LOG_LEVEL: 'debug' });
  t.deps.log = createLogger('debug', (line) => lines.push(line), t.deps.now);

  // checkout: a form with an address, and a Referer whose query holds one
  await send(
    'checkout form',
    form(
      { frequency: 'one_off', amount: '25', currency: 'gbp', email: EMAILS[0]!, article: 'harbour-water' },
      { referer: `https://news.example/story?reader=${encodeURIComponent(EMAILS[0]!)}` },
    ),
  );
  await send('checkout json', json({ frequency: 'monthly', amount: '10', currency: 'gbp', email: EMAILS[1] }));
  // a reader who typed their card number into the address and campaign fields
  await send('checkout card as email', json({ frequency: 'one_off', amount: '10', currency: 'gbp', email: CARD_GROUPED, campaign: CARD }));

  // Stripe refuses the session, echoing the parameters it was sent in its message
  mock.server.use(
    http.post('https://api.stripe.com/v1/checkout/sessions', () =>
      HttpResponse.json(
        {
          error: {
            type: 'invalid_request_error',
            code: 'email_invalid',
            param: 'customer_email',
            message: `Invalid email: ${EMAILS[2]} (card ${CARD}, key ${STRIPE_KEY})`,
          },
        },
        { status: 400, headers: { 'request-id': 'req_logs_test' } },
      ),
    ),
  );
  await send('checkout stripe echoes', form({ frequency: 'one_off', amount: '25', currency: 'gbp', email: EMAILS[2]! }, { accept: 'text/html' }));
  mock.server.resetHandlers();

  // a fault of ours whose database error quotes the reader's address
  t.handle.sqlite.exec(`create trigger boom before insert on gifts begin select raise(abort, 'refused gift for ${EMAILS[7]}'); end`);
  await send('checkout unhandled', json({ frequency: 'one_off', amount: '5', currency: 'gbp', email: EMAILS[7] }));
  t.handle.sqlite.exec('drop trigger boom');

  // webhooks with the customer's address in the payload
  const paid = buildEvent(
    'checkout.session.completed',
    buildCheckoutSession({ client_reference_id: null, amount_total: 1500, customer_details: { email: EMAILS[3], name: 'Web Hook' } }),
  );
  await send('webhook paid', t.webhook(paid));
  await send('webhook duplicate', t.webhook(paid));
  // a failing webhook whose error names the customer
  const failing = buildEvent(
    'checkout.session.completed',
    buildCheckoutSession({ client_reference_id: null, amount_total: 1200, customer_details: { email: EMAILS[4], name: 'Fail Ing' } }),
  );
  t.handle.sqlite.exec(
    `create trigger fail_event before insert on stripe_events when new.id = '${failing.id}' and new.processed_at is not null begin select raise(abort, 'cannot apply for ${EMAILS[4]}'); end`,
  );
  await send('webhook failing', t.webhook(failing));
  t.handle.sqlite.exec('drop trigger fail_event');
  await send('webhook bad signature', t.webhook(paid, { secret: 'whsec_not_ours_at_all' }));

  // the ops export, with the token in the header and (wrongly) in the query string
  await send('ops export', [`/ops/contributions.csv?from=2026-01-01&token=${OPS_TOKEN}`, { headers: { authorization: `Bearer ${OPS_TOKEN}` } }]);
  await send('ops export wrong token', [`/ops/contributions.csv?token=${OPS_TOKEN}`, { headers: { authorization: `Bearer ${OPS_TOKEN}x` } }]);
  // an address in the path itself
  await send('not found', [`/supporters/${EMAILS[6]}?email=${EMAILS[6]}`, { headers: { accept: 'text/html' } }]);

  // the outbox: one receipt bounced by the email API, which quotes the address
  mock.server.use(http.post(MAIL_API, () => HttpResponse.json({ message: `Recipient ${EMAILS[5]} and ${EMAILS[3]} are suppressed` }, { status: 422 })));
  t.handle.sqlite.prepare('update outbox set to_address = ?').run(EMAILS[5]);
  expect(await dispatchOutbox(forJob(t.deps, 'outbox'), httpTransport(MAIL_API, MAIL_TOKEN))).toEqual({ sent: 0, failed: 1 });
  mock.server.resetHandlers();
});
afterAll(() => t.cleanup());

describe('the log lines of checkout, webhooks, exports and the outbox', () => {
  it('covered what they were meant to: each scenario answered as expected', () => {
    const statuses = Object.fromEntries(requests.map((r) => [r.what, r.res.status]));
    expect(statuses).toEqual({
      'checkout form': 303,
      'checkout json': 201,
      'checkout card as email': 400,
      'checkout stripe echoes': 502,
      'checkout unhandled': 500,
      'webhook paid': 200,
      'webhook duplicate': 200,
      'webhook failing': 500,
      'webhook bad signature': 400,
      'ops export': 200,
      'ops export wrong token': 401,
      'not found': 404,
    });
  });

  it('are all JSON, with a time, a level and a message', () => {
    expect(lines.length).toBeGreaterThan(requests.length);
    for (const line of lines) {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      expect(parsed).toMatchObject({
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        level: expect.stringMatching(/^(debug|info|warn|error)$/),
        msg: expect.any(String),
      });
    }
  });

  it("carry, for every line written while serving a request, that request's id, and each reply names it", () => {
    const ids = requests.map((r) => r.id);
    expect(ids.every((id) => /^[0-9a-f]{32}$/.test(id ?? ''))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of requests) {
      expect(r.lines.length, r.what).toBeGreaterThan(0);
      for (const line of r.lines) expect(JSON.parse(line), r.what).toMatchObject({ requestId: r.id });
      // the access line: method, path without its query, status and duration
      const access = r.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'request');
      expect(access, r.what).toMatchObject({ method: expect.any(String), status: r.res.status, ms: expect.any(Number) });
      expect(String(access!.path)).not.toContain('?');
    }
  });

  it("log the outbox run under its job name and run id, not a request's", () => {
    const outbox = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.job === 'outbox');
    expect(outbox).toEqual([expect.objectContaining({ msg: 'email send failed; will retry', jobId: expect.stringMatching(/^[0-9a-f]{32}$/) })]);
    expect(outbox[0]).not.toHaveProperty('requestId');
  });

  it('hold no address, key, token or card number, though every scenario handled them', () => {
    const text = lines.join('\n');
    for (const secret of SECRETS) expect(text, secret).not.toContain(secret);
    for (const line of lines) {
      expect(line).not.toMatch(ANY_EMAIL);
      expect(line).not.toMatch(ANY_CARD);
    }
    // ...and the lines still say what happened
    const byMsg = (m: string) => lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === m);
    expect(byMsg('checkout session create failed')).toMatchObject({
      error: { name: 'StripeInvalidRequestError', code: 'email_invalid', param: 'customer_email', stripeRequestId: 'req_logs_test' },
    });
    expect(byMsg('webhook handler failed; Stripe will retry')).toMatchObject({
      error: { message: expect.stringContaining('cannot apply for f***@example.com') },
    });
    expect(byMsg('unhandled error')).toMatchObject({ level: 'error', error: { message: expect.stringContaining('refused gift for b***@example.com') } });
  });

  it('give the reader the reference on error pages and in JSON error bodies', async () => {
    const find = (what: string) => requests.find((r) => r.what === what)!;
    for (const what of ['checkout stripe echoes', 'not found']) {
      const r = find(what);
      expect(r.res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await r.res.clone().text()).toContain(`quote reference <code>${r.id}</code>`);
    }
    for (const what of ['checkout card as email', 'checkout unhandled', 'webhook failing', 'webhook bad signature', 'ops export wrong token']) {
      const r = find(what);
      expect(await r.res.clone().json(), what).toMatchObject({ error: expect.any(String), reference: r.id });
    }
  });
});

describe('the request id', () => {
  it("is Cloudflare's Ray ID only where the runtime trusts it (Workers), and never a malformed one", async () => {
    const ray = '8e1b2c3d4e5f6a7b-LHR';
    const plain = await t.app.request('/health', { headers: { 'cf-ray': ray } });
    expect(plain.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);

    t.deps.trustedRequestId = cloudflareRayId;
    try {
      const trusted = await t.app.request('/health', { headers: { 'cf-ray': ray } });
      expect(trusted.headers.get('x-request-id')).toBe(ray);
      const forged = await t.app.request('/health', { headers: { 'cf-ray': 'x", "level": "error' } });
      expect(forged.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    } finally {
      t.deps.trustedRequestId = undefined;
    }
  });
});

describe('the log lines of sign-in, sign-in links and passwords', () => {
  const SUPPORTER = 'signin.reader@example.com';
  const NEW_PASSWORD = 'a brand new sturdy password';
  const WRONG_PASSWORD = 'definitely-not-the-password';
  let s: TestContext;
  const logged: string[] = [];
  const served: { what: string; id: string | null; lines: string[]; status: number }[] = [];
  const secrets: string[] = [SUPPORTER, NEW_PASSWORD, WRONG_PASSWORD, 'stranger.signin@example.com'];

  beforeAll(async () => {
    s = buildTestContext({ LOG_LEVEL: 'debug' });
    s.deps.log = createLogger('debug', (line) => logged.push(line), s.deps.now);
    const b = browserClient(s.app);
    const step = async (what: string, run: () => Promise<Response>) => {
      const before = logged.length;
      const res = await run();
      served.push({ what, id: res.headers.get('x-request-id'), lines: logged.slice(before), status: res.status });
      return res;
    };
    const viewer = await insertStaffRow(s.deps, buildStaff());
    secrets.push(viewer.email, viewer.password!);

    await step('staff sign-in', () => browserClient(s.app).post('/staff/signin', { email: viewer.email, password: viewer.password! }));
    await step('staff wrong password', () => b.post('/staff/signin', { email: viewer.email, password: WRONG_PASSWORD }));
    await step('staff unknown', () => b.post('/staff/signin', { email: 'stranger.signin@example.com', password: WRONG_PASSWORD }));
    await step('password reset asked', () => b.post('/staff/password/reset', { email: viewer.email }));
    const resetUrl = new URL(
      JSON.parse((s.handle.sqlite.prepare('select props from outbox order by rowid desc').get() as { props: string }).props).url as string,
    );
    const resetToken = resetUrl.searchParams.get('token')!;
    secrets.push(resetToken, encodeURIComponent(resetToken));
    await step('password form', () => b.get(`${resetUrl.pathname}${resetUrl.search}`));
    await step('password set', () => b.post('/staff/password', { token: resetToken, password: NEW_PASSWORD, confirm: NEW_PASSWORD }));

    s.handle.sqlite.prepare(`insert into supporters (id, email, name, created_at) values ('sup_logs', ?, 'Sig Nin', 0)`).run(SUPPORTER);
    await step('link asked', () => b.post('/signin', { email: SUPPORTER }));
    const linkUrl = new URL(
      JSON.parse((s.handle.sqlite.prepare('select props from outbox order by rowid desc').get() as { props: string }).props).url as string,
    );
    const linkToken = linkUrl.searchParams.get('token')!;
    secrets.push(linkToken, encodeURIComponent(linkToken));
    await step('link opened', () => b.get(`${linkUrl.pathname}${linkUrl.search}`));
    await step('link used', () => b.post('/signin/link', { token: linkToken }));
    await step('link reused', () => browserClient(s.app).post('/signin/link', { token: linkToken }));
    secrets.push(...(b.cookie ? [b.cookie.split('=')[1]!] : []));

    // the sign-in emails bounced by an email API that quotes them, link and all
    mock.server.use(
      http.post(MAIL_API, async ({ request }) => {
        const email = (await request.json()) as { to: string[]; text: string };
        const link = /http\S+token=[^\s"]+/.exec(email.text)?.[0];
        return HttpResponse.json({ message: `rejected for ${email.to[0]}: ${link}` }, { status: 422 });
      }),
    );
    const run = await dispatchOutbox(forJob(s.deps, 'outbox'), httpTransport(MAIL_API, MAIL_TOKEN));
    expect(run.failed).toBeGreaterThanOrEqual(2);
    mock.server.resetHandlers();
  });
  afterAll(() => s.cleanup());

  it('file every line under its request, and hold no address, password, link token or cookie', () => {
    expect(Object.fromEntries(served.map((r) => [r.what, r.status]))).toEqual({
      'staff sign-in': 303,
      'staff wrong password': 401,
      'staff unknown': 401,
      'password reset asked': 200,
      'password form': 200,
      'password set': 303,
      'link asked': 200,
      'link opened': 200,
      'link used': 303,
      'link reused': 400,
    });
    for (const r of served) {
      expect(r.lines.length, r.what).toBeGreaterThan(0);
      for (const line of r.lines) expect(JSON.parse(line), r.what).toMatchObject({ requestId: r.id });
    }
    const text = logged.join('\n');
    for (const secret of [...secrets, MAIL_TOKEN]) expect(text, secret).not.toContain(secret);
    for (const line of logged) {
      expect(() => JSON.parse(line)).not.toThrow();
      expect(line).not.toMatch(ANY_EMAIL);
    }
    // the bounced sign-in emails were logged, with the link's token masked
    const bounced = logged.filter((l) => JSON.parse(l).msg === 'email send failed; will retry');
    expect(bounced.length).toBeGreaterThanOrEqual(2);
    expect(bounced.join('\n')).toContain('token=***');
  });
});
