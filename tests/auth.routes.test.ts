// Signing in and out through the app's routes, in process, over a real SQLite file, with
// the clock in the test's hands.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashPassword, PBKDF2_ITERATIONS } from '../src/auth/auth.crypto.js';
import { totpCode } from '../src/auth/auth.totp.js';
import { WRONG_CREDENTIALS } from '../src/auth/auth.staff.routes.js';
import { replaceRecoveryCodes } from '../src/auth/auth.repo.js';
import { normalizeRecoveryCode } from '../src/auth/auth.totp.js';
import { sha256Hex } from '../src/auth/auth.crypto.js';
import { createApp } from '../src/app.js';
import type { Config } from '../src/config.js';
import { createLogger } from '../src/deps.js';
import { parseKey256, SecretBytes } from '../src/lib/crypto.js';
import { buildTestContext, TEST_STAFF_SECRETS_KEY, type TestContext } from './factories/deps.js';
import { buildStaff, insertStaffRow, sessionFor } from './factories/staff.js';
import { browserClient, field, ORIGIN } from './helpers/browser-client.js';
import { runCli } from './helpers/server.js';

let t: TestContext;
beforeEach(() => {
  t = buildTestContext();
});
afterEach(() => t.cleanup());

const sql = <T = Record<string, unknown>>(q: string, ...p: unknown[]) => t.handle.sqlite.prepare(q).all(...p) as T[];
const audit = () => sql<{ action: string; actor: string | null; target: string | null }>('select action, actor, target from audit_log order by rowid');
const MIN = 60_000;

describe('staff sign-in with a password', () => {
  it('signs a viewer in with a password alone and lands on /finance with name and role', async () => {
    const viewer = await insertStaffRow(t.deps, buildStaff({ name: 'Vera Viewer', role: 'viewer' }));
    const b = browserClient(t.app);
    const res = await b.post('/staff/signin', { email: viewer.email.toUpperCase(), password: viewer.password!, next: '/finance' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/finance');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^storyfund_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    // NODE_ENV=test is not development: Secure
    expect(cookie).toMatch(/Secure/);
    const page = await b.get('/finance');
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await page.text()).toContain('Signed in as Vera Viewer, role viewer');
    // the reader's pages stay cacheable and run their script: the private headers do not spread
    const article = await b.get('/');
    expect(article.headers.get('cache-control')).not.toBe('no-store');
    expect(article.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(article.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    expect((await b.get('/dev/mail')).headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    expect(audit()).toEqual([{ action: 'signin', actor: `staff:${viewer.id}`, target: `staff:${viewer.id}` }]);
  });

  it('names the cookie __Host- when the site is served over https, and reads it back', async () => {
    t.cleanup();
    t = buildTestContext({ PUBLIC_URL: 'https://support.example.org', NODE_ENV: 'production', MAIL_TRANSPORT: 'none' });
    const viewer = await insertStaffRow(t.deps, buildStaff({ name: 'Hana Https' }));
    const res = await t.app.request('https://support.example.org/staff/signin', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://support.example.org', accept: 'text/html' },
      body: new URLSearchParams({ email: viewer.email, password: viewer.password! }).toString(),
    });
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^__Host-storyfund_session=[A-Za-z0-9_-]{43}; Max-Age=43200; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    const page = await t.app.request('https://support.example.org/finance', { headers: { cookie: cookie.split(';')[0]!, accept: 'text/html' } });
    expect(await page.text()).toContain('Signed in as Hana Https, role viewer');
    // the unprefixed name is not read: a sibling subdomain could have set it
    const planted = await t.app.request('https://support.example.org/finance', {
      headers: { cookie: cookie.split(';')[0]!.replace('__Host-', ''), accept: 'application/json' },
    });
    expect(planted.status).toBe(401);
  });

  it('gives one answer for an unknown email and a wrong password, and audits both', async () => {
    const viewer = await insertStaffRow(t.deps, buildStaff());
    const b = browserClient(t.app);
    const unknown = await b.post('/staff/signin', { email: 'nobody@example.org', password: 'whatever it is' });
    const wrong = await b.post('/staff/signin', { email: viewer.email, password: 'not the password' });
    expect([unknown.status, wrong.status]).toEqual([401, 401]);
    expect(await unknown.text()).toContain(WRONG_CREDENTIALS);
    expect(await wrong.text()).toContain(WRONG_CREDENTIALS);
    expect(b.cookie).toBe('');
    expect(audit().map((a) => a.action)).toEqual(['signin.failed', 'signin.failed']);
  });

  it('refuses a disabled account with the same answer', async () => {
    const gone = await insertStaffRow(t.deps, buildStaff({ disabled: true }));
    const res = await browserClient(t.app).post('/staff/signin', { email: gone.email, password: gone.password! });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain(WRONG_CREDENTIALS);
  });

  it('pauses an account after ten wrong passwords, saying how long to wait, even for the right one', async () => {
    const viewer = await insertStaffRow(t.deps, buildStaff());
    const b = browserClient(t.app);
    const statuses: number[] = [];
    let last = '';
    for (let i = 0; i < 10; i++) {
      const res = await b.post('/staff/signin', { email: viewer.email, password: `wrong ${i}` });
      statuses.push(res.status);
      last = await res.text();
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 401, 401, 401, 429]);
    expect(last).toContain('please wait 15 minutes');
    t.clock.ms += 5 * MIN;
    const right = await b.post('/staff/signin', { email: viewer.email, password: viewer.password! });
    expect(right.status).toBe(429);
    expect(await right.text()).toContain('please wait 10 minutes');
    t.clock.ms += 10 * MIN;
    expect((await b.post('/staff/signin', { email: viewer.email, password: viewer.password! })).status).toBe(303);
  });

  it('throttles one address trying many accounts', async () => {
    const b = browserClient(t.app);
    const from = { 'x-test-client-address': '203.0.113.9' };
    for (let i = 0; i < 50; i++) await b.post('/staff/signin', { email: `guess${i}@example.org`, password: 'password guess' }, from);
    const res = await b.post('/staff/signin', { email: 'another@example.org', password: 'password guess' }, from);
    expect(res.status).toBe(429);
    // another address is not affected
    expect(
      (await b.post('/staff/signin', { email: 'another@example.org', password: 'password guess' }, { 'x-test-client-address': '198.51.100.1' })).status,
    ).toBe(401);
  });

  it('hashes a password again at sign-in when it was hashed with fewer iterations than today', async () => {
    const viewer = await insertStaffRow(t.deps, buildStaff());
    const weaker = await hashPassword(viewer.password!, 1_000);
    t.handle.sqlite
      .prepare('update staff set password_hash = ?, password_salt = ?, password_iterations = ? where id = ?')
      .run(weaker.hash, weaker.salt, weaker.iterations, viewer.id);
    expect((await browserClient(t.app).post('/staff/signin', { email: viewer.email, password: viewer.password! })).status).toBe(303);
    const row = sql<{ password_iterations: number; password_salt: string }>('select password_iterations, password_salt from staff where id = ?', viewer.id)[0]!;
    expect(row.password_iterations).toBe(PBKDF2_ITERATIONS);
    expect(row.password_salt).not.toBe(weaker.salt);
    expect((await browserClient(t.app).post('/staff/signin', { email: viewer.email, password: viewer.password! })).status).toBe(303);
  });

  it('names a missing field', async () => {
    const res = await browserClient(t.app).post('/staff/signin', { email: 'a@example.org' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Enter your password');
  });

  it('refuses a sign-in form posted from another site', async () => {
    const viewer = await insertStaffRow(t.deps, buildStaff());
    const res = await browserClient(t.app).post('/staff/signin', { email: viewer.email, password: viewer.password! }, { origin: 'https://evil.example' });
    expect(res.status).toBe(403);
  });

  it('issues a new token at every sign-in and ends the one the browser had', async () => {
    const viewer = await insertStaffRow(t.deps, buildStaff());
    const b = browserClient(t.app);
    await b.post('/staff/signin', { email: viewer.email, password: viewer.password! });
    const first = b.cookie;
    await b.post('/staff/signin', { email: viewer.email, password: viewer.password! });
    expect(b.cookie).not.toBe(first);
    expect(sql('select count(*) as n from sessions')).toEqual([{ n: 1 }]);
    expect((await browserClient(t.app, first).get('/finance')).status).toBe(303);
  });
});

describe('the second factor', () => {
  it('takes a CLI-made admin from the link to a password, TOTP enrolment, recovery codes and /finance', async () => {
    const cli = await runCli(['staff', 'add', '--email', 'admin@example.org', '--role', 'admin', '--name', 'Ada Admin'], {
      DATABASE_PATH: t.deps.config.databasePath,
      PUBLIC_URL: ORIGIN,
    });
    expect(cli.code).toBe(0);
    const link = /http:\/\/localhost:8787\/staff\/password\?token=\S+/.exec(cli.stdout)![0];
    // the CLI ran on the wall clock; this app's clock is in 2026-11-20
    t.clock.ms = Date.now();
    const b = browserClient(t.app);
    const path = link.slice(ORIGIN.length);
    const form = await b.get(path);
    expect(form.status).toBe(200);
    const token = field(await form.text(), 'token');
    const short = await b.post('/staff/password', { token, password: 'short', confirm: 'short' });
    expect(short.status).toBe(400);
    expect(await short.text()).toContain('Use at least 12 characters');
    const set = await b.post('/staff/password', { token, password: 'a sturdy admin password', confirm: 'a sturdy admin password' });
    expect(set.status).toBe(303);
    expect(set.headers.get('location')).toBe('/staff/signin?notice=password_set');
    // single use
    expect((await b.get(path)).status).toBe(400);

    const signin = await b.post('/staff/signin', { email: 'admin@example.org', password: 'a sturdy admin password', next: '/finance/audit' });
    expect(signin.headers.get('location')).toBe('/staff/signin/second-factor?next=%2Ffinance%2Faudit');
    // a password alone reaches nothing
    expect((await b.get('/finance')).headers.get('location')).toBe('/staff/signin/second-factor');
    const enrol = await (await b.get('/staff/signin/second-factor?next=%2Ffinance%2Faudit')).text();
    expect(enrol).toContain('<svg');
    const secret = /id="totp-secret">([A-Z2-7 ]+)</.exec(enrol)![1]!.replace(/ /g, '');
    const csrf = field(enrol, '_csrf');
    const wrong = await b.post('/staff/signin/second-factor', { _csrf: csrf, next: '/finance/audit', code: '000000' });
    expect(wrong.status).toBe(401);
    const done = await b.post('/staff/signin/second-factor', { _csrf: csrf, next: '/finance/audit', code: totpCode(secret, t.clock.ms) });
    expect(done.status).toBe(200);
    const codes = [...(await done.text()).matchAll(/<code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})<\/code>/g)].map((m) => m[1]!);
    expect(codes).toHaveLength(10);
    const page = await b.get('/finance');
    expect(await page.text()).toContain('Signed in as Ada Admin, role admin');
    expect((await b.get('/finance/audit')).status).toBe(200);
    expect(audit().map((a) => a.action)).toEqual(['staff.created', 'staff.password_set', 'signin.second_factor_failed', 'staff.totp_enrolled', 'signin']);
    // only hashes of the recovery codes are kept
    expect(JSON.stringify(sql('select * from staff_recovery_codes'))).not.toContain(codes[0]!.replace('-', ''));

    // next time: a code, never the same one twice; or a recovery code, once
    const again = browserClient(t.app);
    await again.post('/staff/signin', { email: 'admin@example.org', password: 'a sturdy admin password' });
    const verify = await (await again.get('/staff/signin/second-factor')).text();
    expect(verify).not.toContain('<svg');
    const replay = await again.post('/staff/signin/second-factor', { _csrf: field(verify, '_csrf'), code: totpCode(secret, t.clock.ms) });
    expect(replay.status).toBe(401);
    const recovered = await again.post('/staff/signin/second-factor', { _csrf: field(verify, '_csrf'), code: codes[3]!.toUpperCase() });
    expect(recovered.status).toBe(303);
    const third = browserClient(t.app);
    await third.post('/staff/signin', { email: 'admin@example.org', password: 'a sturdy admin password' });
    const v3 = await (await third.get('/staff/signin/second-factor')).text();
    expect((await third.post('/staff/signin/second-factor', { _csrf: field(v3, '_csrf'), code: codes[3]! })).status).toBe(401);
    t.clock.ms += 30_000;
    expect((await third.post('/staff/signin/second-factor', { _csrf: field(v3, '_csrf'), code: totpCode(secret, t.clock.ms) })).status).toBe(303);
  });
});

describe('signed-in pages', () => {
  it('send a browser without a session to sign in and back, answer an API client 401, a weaker role 403', async () => {
    const b = browserClient(t.app);
    const res = await b.get('/finance/audit?before_at=1&before_id=x');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/staff/signin?next=%2Ffinance%2Faudit%3Fbefore_at%3D1%26before_id%3Dx');
    expect(await (await b.get('/staff/signin?next=%2Ffinance%2Faudit')).text()).toContain('name="next" value="/finance/audit"');
    const api = await t.app.request('/finance', { headers: { accept: 'application/json' } });
    expect(api.status).toBe(401);
    expect(await api.json()).toEqual({ error: 'Sign in first.', reference: api.headers.get('x-request-id') });
    const viewer = await insertStaffRow(t.deps, buildStaff());
    const s = await sessionFor(t.deps, 'staff', viewer.id);
    const denied = await browserClient(t.app, s.cookie).get('/finance/audit');
    expect(denied.status).toBe(403);
  });

  it('never send a signed-in person to another site after sign-in', async () => {
    const viewer = await insertStaffRow(t.deps, buildStaff());
    for (const next of ['https://evil.example/', '//evil.example/', '/\\evil.example']) {
      const res = await browserClient(t.app).post('/staff/signin', { email: viewer.email, password: viewer.password!, next });
      expect(res.headers.get('location')).toBe('/finance');
    }
  });

  it('end after the idle time and at the absolute time', async () => {
    const viewer = await insertStaffRow(t.deps, buildStaff());
    const s = await sessionFor(t.deps, 'staff', viewer.id);
    const b = browserClient(t.app, s.cookie);
    // every 50 minutes a request keeps the session alive (idle expiry is 60 minutes) ...
    for (let i = 0; i < 14; i++) {
      t.clock.ms += 50 * MIN;
      expect((await b.get('/finance')).status).toBe(200);
    }
    // ... until 12 hours after sign-in
    t.clock.ms += 50 * MIN;
    expect((await b.get('/finance')).status).toBe(303);
    const s2 = await sessionFor(t.deps, 'staff', viewer.id);
    t.clock.ms += 61 * MIN;
    expect((await browserClient(t.app, s2.cookie).get('/finance')).status).toBe(303);
  });

  it('refuse a state-changing post without the session CSRF token or from another site', async () => {
    const viewer = await insertStaffRow(t.deps, buildStaff());
    const s = await sessionFor(t.deps, 'staff', viewer.id);
    const b = browserClient(t.app, s.cookie);
    expect((await b.post('/signout', {})).status).toBe(403);
    expect((await b.post('/signout', { _csrf: 'forged' })).status).toBe(403);
    expect((await b.post('/signout', { _csrf: s.csrf }, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await b.get('/finance')).status).toBe(200);
    // a script sends the token as a header
    const api = await t.app.request('/signout', {
      method: 'POST',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/json', accept: 'application/json' },
      body: '{}',
    });
    expect(api.status).toBe(303);
    expect(sql('select count(*) as n from sessions')).toEqual([{ n: 0 }]);
  });

  it('sign out here, or everywhere', async () => {
    const viewer = await insertStaffRow(t.deps, buildStaff());
    const here = await sessionFor(t.deps, 'staff', viewer.id);
    const there = await sessionFor(t.deps, 'staff', viewer.id);
    const b = browserClient(t.app, here.cookie);
    const out = await b.post('/signout', { _csrf: here.csrf });
    expect(out.headers.get('location')).toBe('/staff/signin?notice=signed_out');
    expect(b.cookie).toBe('');
    expect((await browserClient(t.app, there.cookie).get('/finance')).status).toBe(200);
    const again = await sessionFor(t.deps, 'staff', viewer.id);
    await browserClient(t.app, again.cookie).post('/signout/everywhere', { _csrf: again.csrf });
    expect((await browserClient(t.app, there.cookie).get('/finance')).status).toBe(303);
    expect(audit().map((a) => a.action)).toEqual(['signout', 'signout.everywhere']);
  });
});

describe('staff management by an admin', () => {
  it('changes a role and disables an account, ending their sessions, audited in the same write', async () => {
    const admin = await insertStaffRow(t.deps, buildStaff({ role: 'admin', name: 'Ada' }));
    const viewer = await insertStaffRow(t.deps, buildStaff({ name: 'Vic' }));
    const theirs = await sessionFor(t.deps, 'staff', viewer.id);
    const mine = await sessionFor(t.deps, 'staff', admin.id);
    const b = browserClient(t.app, mine.cookie);
    const page = await (await b.get('/finance/staff')).text();
    expect(page).toContain(`action="/finance/staff/${viewer.id}/role"`);
    expect(page).not.toContain(`action="/finance/staff/${admin.id}/role"`);

    const bad = await b.post(`/finance/staff/${viewer.id}/role`, { _csrf: mine.csrf, role: 'owner' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('must be one of viewer, finance, admin');
    expect((await b.post(`/finance/staff/${viewer.id}/role`, { role: 'finance' })).status).toBe(403);

    const changed = await b.post(`/finance/staff/${viewer.id}/role`, { _csrf: mine.csrf, role: 'finance' });
    expect(changed.headers.get('location')).toBe('/finance/staff?changed=1');
    expect(sql('select role from staff where id = ?', viewer.id)).toEqual([{ role: 'finance' }]);
    expect((await browserClient(t.app, theirs.cookie).get('/finance')).status).toBe(303);

    await b.post(`/finance/staff/${viewer.id}/status`, { _csrf: mine.csrf, disabled: 'true' });
    expect((await browserClient(t.app).post('/staff/signin', { email: viewer.email, password: viewer.password! })).status).toBe(401);
    expect((await b.post(`/finance/staff/${admin.id}/status`, { _csrf: mine.csrf, disabled: 'true' })).status).toBe(409);
    expect(audit().filter((a) => a.action.startsWith('staff.'))).toEqual([
      { action: 'staff.role_changed', actor: `staff:${admin.id}`, target: `staff:${viewer.id}` },
      { action: 'staff.disabled', actor: `staff:${admin.id}`, target: `staff:${viewer.id}` },
    ]);
  });
});

describe('supporters sign in by emailed link', () => {
  const addSupporter = () =>
    t.handle.sqlite.prepare(`insert into supporters (id, email, name, created_at) values ('sup_1', 'reader@example.com', 'Rita', 0)`).run();

  it('gives the same answer for a known and an unknown email, and emails only the known one', async () => {
    addSupporter();
    const b = browserClient(t.app);
    const known = await b.post('/signin', { email: 'Reader@Example.com' });
    const unknown = await b.post('/signin', { email: 'stranger@example.com' });
    expect([known.status, unknown.status]).toEqual([200, 200]);
    const strip = (html: string) => html.replace(/name="[^"]*" value="[^"]*"/g, '');
    expect(strip(await known.text())).toBe(strip(await unknown.text()));
    expect(sql('select to_address, template from outbox')).toEqual([{ to_address: 'reader@example.com', template: 'signin_link' }]);
  });

  it('signs in once through the link, into /account, and shows the email in the dev preview', async () => {
    addSupporter();
    const b = browserClient(t.app);
    await b.post('/signin', { email: 'reader@example.com' });
    const preview = await t.app.request('/dev/mail', { headers: { accept: 'text/html' } });
    const emailId = /href="\/dev\/mail\/(eml_[^"]+)"/.exec(await preview.text())![1]!;
    const text = await (await t.app.request(`/dev/mail/${emailId}?format=text`)).text();
    expect(text).toContain('Subject: Your sign-in link for The Harbour Ledger');
    const url = /http:\/\/localhost:8787\/signin\/link\?token=\S+/.exec(text)![0];
    const confirm = await b.get(url.slice(ORIGIN.length));
    expect(confirm.status).toBe(200);
    const token = field(await confirm.text(), 'token');
    // opening the link (a mail scanner, say) does not use it
    expect((await b.get(url.slice(ORIGIN.length))).status).toBe(200);
    const signedIn = await b.post('/signin/link', { token });
    expect(signedIn.headers.get('location')).toBe('/account');
    expect(await (await b.get('/account')).text()).toContain('Signed in as reader@example.com');
    expect((await browserClient(t.app).post('/signin/link', { token })).status).toBe(400);
    // a supporter is nobody on the staff pages
    expect((await b.get('/finance')).headers.get('location')).toBe('/staff/signin?next=%2Ffinance');
  });

  it('refuses a link after 15 minutes', async () => {
    addSupporter();
    const b = browserClient(t.app);
    await b.post('/signin', { email: 'reader@example.com' });
    const url = JSON.parse(sql<{ props: string }>('select props from outbox')[0]!.props).url as string;
    t.clock.ms += 15 * MIN;
    expect((await b.get(url.slice(ORIGIN.length))).status).toBe(400);
    expect((await b.post('/signin/link', { token: new URL(url).searchParams.get('token')! })).status).toBe(400);
  });

  it('sends at most five links an hour to one address, without saying so', async () => {
    addSupporter();
    const b = browserClient(t.app);
    for (let i = 0; i < 7; i++) expect((await b.post('/signin', { email: 'reader@example.com' })).status).toBe(200);
    expect(sql('select count(*) as n from outbox')).toEqual([{ n: 5 }]);
  });

  it('lets staff ask for a password link by email', async () => {
    const viewer = await insertStaffRow(t.deps, buildStaff());
    const res = await browserClient(t.app).post('/staff/password/reset', { email: viewer.email });
    expect(res.status).toBe(200);
    const props = JSON.parse(sql<{ props: string }>('select props from outbox')[0]!.props) as { url: string; purpose: string };
    expect(props.purpose).toBe('staff_password');
    expect(props.url.startsWith(`${ORIGIN}/staff/password?token=`)).toBe(true);
  });
});

describe('second-factor secrets at rest', () => {
  const KEY_NEW = `${'7c'.repeat(4)}00112233445566778899aabbccddeeff0a1b2c3d4e5f6a7b8c9d0e1f`;
  const stored = (id: string) => sql<{ totp_secret: string | null }>('select totp_secret from staff where id = ?', id)[0]!.totp_secret!;
  /** the same database served by an app with other settings for the keys */
  const appWith = (staffSecrets: Config['staffSecrets'], lines: string[] = []) =>
    createApp({ ...t.deps, config: { ...t.deps.config, staffSecrets }, log: createLogger('debug', (l) => lines.push(l)) });
  const keyOf = (hex: string) => new SecretBytes(parseKey256(hex)!);

  /** password, then the second-factor form: the code's answer */
  async function secondFactor(app: ReturnType<typeof createApp>, person: { email: string; password: string | null }, code: (now: number) => string) {
    const b = browserClient(app);
    await b.post('/staff/signin', { email: person.email, password: person.password! });
    const page = await (await b.get('/staff/signin/second-factor')).text();
    return b.post('/staff/signin/second-factor', { _csrf: field(page, '_csrf'), code: code(t.clock.ms) });
  }

  it('stores an enrolment sealed, never the base32 secret, and signs in with it again', async () => {
    const fin = await insertStaffRow(t.deps, buildStaff({ role: 'finance', totpSecret: null }));
    const b = browserClient(t.app);
    await b.post('/staff/signin', { email: fin.email, password: fin.password! });
    const enrol = await (await b.get('/staff/signin/second-factor')).text();
    const secret = /id="totp-secret">([A-Z2-7 ]+)</.exec(enrol)![1]!.replace(/ /g, '');
    expect(stored(fin.id)).toMatch(/^v1:[0-9a-f]{8}:/);
    expect(stored(fin.id)).not.toContain(secret);
    expect((await b.post('/staff/signin/second-factor', { _csrf: field(enrol, '_csrf'), code: totpCode(secret, t.clock.ms) })).status).toBe(200);
    const sealed = stored(fin.id);
    expect(sealed).not.toContain(secret);
    t.clock.ms += 30_000;
    expect((await secondFactor(t.app, fin, (now) => totpCode(secret, now))).status).toBe(303);
    // a sealed value under the current key is left as it is
    expect(stored(fin.id)).toBe(sealed);
  });

  it('reads a plain secret from before sealing, and seals it at the next sign-in', async () => {
    const fin = await insertStaffRow(t.deps, buildStaff({ role: 'finance' }));
    t.handle.sqlite.prepare('update staff set totp_secret = ? where id = ?').run(fin.totpSecret, fin.id);
    expect((await secondFactor(t.app, fin, (now) => totpCode(fin.totpSecret!, now))).status).toBe(303);
    expect(stored(fin.id)).toMatch(/^v1:/);
    expect(stored(fin.id)).not.toContain(fin.totpSecret!);
    t.clock.ms += 30_000;
    expect((await secondFactor(t.app, fin, (now) => totpCode(fin.totpSecret!, now))).status).toBe(303);
  });

  it('keeps plain text where no key is set (development), and a sealed value then cannot be read', async () => {
    const plainApp = appWith(null);
    const fin = await insertStaffRow({ ...t.deps, config: { ...t.deps.config, staffSecrets: null } }, buildStaff({ role: 'finance' }));
    expect(stored(fin.id)).toBe(fin.totpSecret);
    expect((await secondFactor(plainApp, fin, (now) => totpCode(fin.totpSecret!, now))).status).toBe(303);
    expect(stored(fin.id)).toBe(fin.totpSecret);
    const sealed = await insertStaffRow(t.deps, buildStaff({ role: 'finance' }));
    const res = await secondFactor(plainApp, sealed, (now) => totpCode(sealed.totpSecret!, now));
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('cannot read your second-factor key');
  });

  it('rotates: the previous key still opens, the next sign-in seals under the new one, then the old key can go', async () => {
    const fin = await insertStaffRow(t.deps, buildStaff({ role: 'finance' }));
    const before = stored(fin.id);
    const rotating = appWith({ current: keyOf(KEY_NEW), previous: keyOf(TEST_STAFF_SECRETS_KEY) });
    expect((await secondFactor(rotating, fin, (now) => totpCode(fin.totpSecret!, now))).status).toBe(303);
    const after = stored(fin.id);
    expect(after.split(':')[1]).not.toBe(before.split(':')[1]);
    expect(after).not.toContain(fin.totpSecret!);
    t.clock.ms += 30_000;
    const rotated = appWith({ current: keyOf(KEY_NEW), previous: null });
    expect((await secondFactor(rotated, fin, (now) => totpCode(fin.totpSecret!, now))).status).toBe(303);
    // the old key alone no longer opens it
    t.clock.ms += 30_000;
    expect((await secondFactor(t.app, fin, (now) => totpCode(fin.totpSecret!, now))).status).toBe(401);
  });

  it('answers a wrong key, a value from another row or a tampered value with a clear 401, logs why (no secret), and still takes a recovery code', async () => {
    const fin = await insertStaffRow(t.deps, buildStaff({ role: 'finance' }));
    const other = await insertStaffRow(t.deps, buildStaff({ role: 'admin' }));
    const codes = ['rcvr-code-0001', 'rcvr-code-0002', 'rcvr-code-0003'];
    const hashes = await Promise.all(codes.map((k) => sha256Hex(normalizeRecoveryCode(k))));
    await t.deps.db.atomic(replaceRecoveryCodes(t.deps.db, fin.id, hashes, t.clock.ms));
    const good = stored(fin.id);
    const [v, id, iv, ct] = good.split(':') as [string, string, string, string];
    const cases: [string, () => ReturnType<typeof createApp>, string | null][] = [
      ['unknown_key', () => appWith({ current: keyOf(KEY_NEW), previous: null }, lines), null],
      ['tampered', () => appWith(t.deps.config.staffSecrets, lines), stored(other.id)],
      ['tampered', () => appWith(t.deps.config.staffSecrets, lines), [v, id, iv, `${ct[0] === 'A' ? 'B' : 'A'}${ct.slice(1)}`].join(':')],
    ];
    const lines: string[] = [];
    for (const [i, [reason, app, value]] of cases.entries()) {
      t.handle.sqlite.prepare('update staff set totp_secret = ? where id = ?').run(value ?? good, fin.id);
      t.clock.ms += 30_000;
      const res = await secondFactor(app(), fin, (now) => totpCode(fin.totpSecret!, now));
      expect(res.status).toBe(401);
      expect(await res.text()).toContain('Sign in with one of your recovery codes');
      const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'second-factor secret unreadable');
      expect(logged.at(-1)).toMatchObject({ level: 'error', staff: fin.id, reason });
      const recovered = await secondFactor(app(), fin, () => codes[i]!);
      expect(recovered.status).toBe(303);
      // nothing is written over a value that could not be read
      expect(stored(fin.id)).toBe(value ?? good);
    }
    for (const secret of [fin.totpSecret!, other.totpSecret!, TEST_STAFF_SECRETS_KEY, KEY_NEW]) expect(lines.join('\n')).not.toContain(secret);
    expect(audit().filter((a) => a.action === 'signin.recovery_code_used')).toHaveLength(3);
  });

  it('replaces a pending enrolment secret that cannot be read, rather than failing', async () => {
    const fin = await insertStaffRow(t.deps, buildStaff({ role: 'finance', totpSecret: null }));
    const b = browserClient(t.app);
    await b.post('/staff/signin', { email: fin.email, password: fin.password! });
    await b.get('/staff/signin/second-factor');
    const lines: string[] = [];
    const rotated = appWith({ current: keyOf(KEY_NEW), previous: null }, lines);
    const again = browserClient(rotated, b.cookie);
    const page = await again.get('/staff/signin/second-factor');
    expect(page.status).toBe(200);
    const html = await page.text();
    const secret = /id="totp-secret">([A-Z2-7 ]+)</.exec(html)![1]!.replace(/ /g, '');
    expect(lines.some((l) => l.includes('pending second-factor secret unreadable'))).toBe(true);
    const done = await again.post('/staff/signin/second-factor', { _csrf: field(html, '_csrf'), code: totpCode(secret, t.clock.ms) });
    expect(done.status).toBe(200);
    expect(stored(fin.id)).not.toContain(secret);
  });
});
