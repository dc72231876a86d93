// Who may reach what: every route the app has (with every optional part switched on: the
// sandbox, the ops token, the mail preview) tried signed out, as a supporter and with each
// staff role, against the table below. A route missing from the table fails the test, so
// a new route cannot be added without deciding who may use it.
import { inspectRoutes } from 'hono/dev';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findStaff } from '../src/auth/auth.repo.js';
import { newApiToken } from '../src/auth/auth.tokens.js';
import { buildTestContext, type TestContext } from './factories/deps.js';
import { buildStaff, insertStaffRow, sessionFor, type SignedIn } from './factories/staff.js';

const PERSONAS = ['anon', 'supporter', 'viewer', 'finance', 'admin'] as const;
type Persona = (typeof PERSONAS)[number];
/** 401 and 403 are access answers; the classes are what a person allowed in gets for the sample request */
type Expect = '2xx' | '3xx' | '4xx' | 401 | 403;
type Row = { sample?: string; expect: Expect | Record<Persona, Expect> };

const everyone = (e: Expect): Row['expect'] => e;
const staffOnly = (ok: Expect, min: 'viewer' | 'finance' | 'admin' = 'viewer'): Row['expect'] => ({
  anon: 401,
  supporter: 401,
  viewer: min === 'viewer' ? ok : 403,
  finance: min === 'admin' ? 403 : ok,
  admin: ok,
});

const supporterOnly = (ok: Expect): Row['expect'] => ({ anon: 401, supporter: ok, viewer: 401, finance: 401, admin: 401 });

/** `METHOD path` as the router knows it -> the request to try and what each persona gets. */
const TABLE: Record<string, Row> = {
  'GET /health': { expect: everyone('2xx') },
  'GET /': { expect: everyone('2xx') },
  'GET /appeal': { expect: everyone('2xx') },
  'POST /checkout': { expect: everyone('4xx') },
  'GET /assets/site.css': { expect: everyone('2xx') },
  'GET /assets/appeal.css': { expect: everyone('2xx') },
  'GET /assets/article.css': { expect: everyone('2xx') },
  'GET /assets/appeal.js': { expect: everyone('2xx') },
  'GET /assets/sandbox.css': { expect: everyone('2xx') },
  'GET /assets/account.css': { expect: everyone('2xx') },
  'GET /thank-you': { expect: everyone('4xx') },
  'POST /webhooks/stripe': { expect: everyone('4xx') },
  // a bearer token of its own; no session opens it
  'GET /ops/contributions.csv': { expect: everyone(401) },
  'GET /staff/signin': { expect: everyone('2xx') },
  'POST /staff/signin': { expect: everyone('4xx') },
  'GET /staff/signin/second-factor': { expect: everyone('3xx') },
  'POST /staff/signin/second-factor': { expect: everyone('3xx') },
  'GET /staff/password': { expect: everyone('4xx') },
  'POST /staff/password': { expect: everyone('4xx') },
  'GET /staff/password/reset': { expect: everyone('2xx') },
  'POST /staff/password/reset': { expect: everyone('4xx') },
  'GET /signin': { expect: everyone('2xx') },
  'POST /signin': { expect: everyone('4xx') },
  'GET /signin/link': { expect: everyone('4xx') },
  'POST /signin/link': { expect: everyone('4xx') },
  'POST /signout': { expect: { anon: 401, supporter: '3xx', viewer: '3xx', finance: '3xx', admin: '3xx' } },
  'POST /signout/everywhere': { expect: { anon: 401, supporter: '3xx', viewer: '3xx', finance: '3xx', admin: '3xx' } },
  'GET /finance': { expect: staffOnly('2xx') },
  'GET /finance/contributions': { expect: staffOnly('2xx') },
  // the download: finance and admin only
  'GET /finance/contributions.csv': { expect: staffOnly('2xx', 'finance') },
  // a gift that does not exist: a 404 for everyone allowed to look
  'GET /finance/gifts/:id': { sample: '/finance/gifts/gift_nothing', expect: staffOnly('4xx') },
  // refunds: finance and admin only; a gift that does not exist is a 404, a post without its fields a 400
  'GET /finance/gifts/:id/refund': { sample: '/finance/gifts/gift_nothing/refund', expect: staffOnly('4xx', 'finance') },
  'GET /finance/gifts/:id/refund/confirm': { sample: '/finance/gifts/gift_nothing/refund/confirm', expect: staffOnly('4xx', 'finance') },
  'POST /finance/gifts/:id/refund': { sample: '/finance/gifts/gift_nothing/refund', expect: staffOnly('4xx', 'finance') },
  'GET /finance/supporters': { expect: staffOnly('2xx') },
  'GET /finance/supporters/:id': { sample: '/finance/supporters/sup_access', expect: staffOnly('2xx') },
  'GET /finance/failed': { expect: staffOnly('2xx') },
  'GET /finance/attribution': { expect: staffOnly('2xx') },
  'GET /finance/payouts': { expect: staffOnly('2xx') },
  'GET /finance/payouts/:id': { sample: '/finance/payouts/po_nothing', expect: staffOnly('4xx') },
  'GET /finance/audit': { expect: staffOnly('2xx', 'admin') },
  'GET /finance/staff': { expect: staffOnly('2xx', 'admin') },
  // an admin's JSON post without a role is a 400 naming the field
  'POST /finance/staff/:id/role': { sample: '/finance/staff/stf_nobody/role', expect: staffOnly('4xx', 'admin') },
  'POST /finance/staff/:id/status': { sample: '/finance/staff/stf_nobody/status', expect: staffOnly('4xx', 'admin') },
  // the JSON API: the same roles as the pages; also opened by an API token (see the bearer test below)
  'GET /finance/api/overview': { expect: staffOnly('2xx') },
  'GET /finance/api/contributions': { expect: staffOnly('2xx') },
  'GET /finance/api/supporters': { expect: staffOnly('2xx') },
  'GET /finance/api/supporters/:id': { sample: '/finance/api/supporters/sup_access', expect: staffOnly('2xx') },
  'GET /finance/api/failed': { expect: staffOnly('2xx') },
  'GET /finance/api/attribution': { expect: staffOnly('2xx') },
  'GET /finance/api/payouts': { expect: staffOnly('2xx') },
  'GET /finance/api/payouts/:id': { sample: '/finance/api/payouts/po_nothing', expect: staffOnly('4xx') },
  'GET /finance/api/gifts/:id': { sample: '/finance/api/gifts/gift_nothing', expect: staffOnly('4xx') },
  'GET /finance/api/tokens': { expect: staffOnly('2xx', 'admin') },
  // a JSON post is not the form: 400 naming the fields; an unknown token: 404
  'POST /finance/staff/tokens': { expect: staffOnly('4xx', 'admin') },
  'POST /finance/staff/tokens/:id/revoke': { sample: '/finance/staff/tokens/tok_nobody/revoke', expect: staffOnly('4xx', 'admin') },
  'GET /account': { expect: { anon: 401, supporter: '2xx', viewer: 401, finance: 401, admin: 401 } },
  'GET /account/statements/:year': { sample: '/account/statements/2026', expect: { anon: 401, supporter: '2xx', viewer: 401, finance: 401, admin: 401 } },
  // another supporter's (or no one's) gift or payment: 404, never a 403 that confirms it exists
  'GET /account/receipts/:id': { sample: '/account/receipts/led_nobody', expect: supporterOnly('4xx') },
  'POST /account/recurring/:id/amount': { sample: '/account/recurring/rec_nobody/amount', expect: supporterOnly('4xx') },
  'POST /account/recurring/:id/interval': { sample: '/account/recurring/rec_nobody/interval', expect: supporterOnly('4xx') },
  'POST /account/recurring/:id/pause': { sample: '/account/recurring/rec_nobody/pause', expect: supporterOnly('4xx') },
  'POST /account/recurring/:id/resume': { sample: '/account/recurring/rec_nobody/resume', expect: supporterOnly('4xx') },
  'GET /account/recurring/:id/cancel': { sample: '/account/recurring/rec_nobody/cancel', expect: supporterOnly('4xx') },
  'POST /account/recurring/:id/cancel': { sample: '/account/recurring/rec_nobody/cancel', expect: supporterOnly('4xx') },
  'POST /account/recurring/:id/card': { sample: '/account/recurring/rec_nobody/card', expect: supporterOnly('4xx') },
  'GET /account/data': { expect: supporterOnly('2xx') },
  'GET /account/delete': { expect: supporterOnly('2xx') },
  // without the confirmation a 400 names the field; nothing is erased
  'POST /account/delete': { expect: supporterOnly('4xx') },
  'GET /finance/supporters/:id/data': { sample: '/finance/supporters/sup_nobody/data', expect: staffOnly('4xx', 'finance') },
  'POST /finance/supporters/:id/erase': { sample: '/finance/supporters/sup_nobody/erase', expect: staffOnly('4xx', 'finance') },
  'GET /sandbox/portal/:id': { sample: '/sandbox/portal/bps_unknown', expect: everyone('4xx') },
  'POST /sandbox/portal/:id/card': { sample: '/sandbox/portal/bps_unknown/card', expect: everyone('4xx') },
  'GET /dev/mail': { expect: everyone('2xx') },
  'GET /dev/mail/:id': { sample: '/dev/mail/eml_unknown', expect: everyone('4xx') },
  'GET /sandbox/events': { expect: everyone('2xx') },
  // without an action a 400; nothing changes
  'POST /sandbox/events': { expect: everyone('4xx') },
  'GET /sandbox/checkout/:id': { sample: '/sandbox/checkout/cs_test_unknown', expect: everyone('4xx') },
  'POST /sandbox/checkout/:id/pay': { sample: '/sandbox/checkout/cs_test_unknown/pay', expect: everyone('4xx') },
  'POST /sandbox/checkout/:id/redeliver': { sample: '/sandbox/checkout/cs_test_unknown/redeliver', expect: everyone('4xx') },
  'POST /sandbox/checkout/:id/decline': { sample: '/sandbox/checkout/cs_test_unknown/decline', expect: everyone('4xx') },
  'POST /sandbox/checkout/:id/cancel': { sample: '/sandbox/checkout/cs_test_unknown/cancel', expect: everyone('4xx') },
};

function classOf(status: number): Expect {
  if (status === 401 || status === 403) return status;
  if (status >= 500) throw new Error(`a ${status} is a bug`);
  return `${String(status)[0]}xx` as Expect;
}

let t: TestContext;
let ids: Record<Exclude<Persona, 'anon'>, { kind: 'staff' | 'supporter'; id: string }>;
/** an API token of a member of staff with each role */
let bearer: Record<'viewer' | 'finance' | 'admin', string>;
beforeAll(async () => {
  // no Stripe key: the offline sandbox, so nothing here reaches a network
  t = buildTestContext({ STRIPE_SECRET_KEY: '', OPS_TOKEN: 'access-test-ops-token-0123456789abcdef', MAIL_TRANSPORT: 'preview' });
  t.handle.sqlite.prepare(`insert into supporters (id, email, created_at) values ('sup_access', 'reader@example.com', 0)`).run();
  const staff = async (role: 'viewer' | 'finance' | 'admin') => ({ kind: 'staff' as const, id: (await insertStaffRow(t.deps, buildStaff({ role }))).id });
  ids = { supporter: { kind: 'supporter', id: 'sup_access' }, viewer: await staff('viewer'), finance: await staff('finance'), admin: await staff('admin') };
  const token = async (staffId: string) => {
    const made = await newApiToken(
      t.deps.db,
      (await findStaff(t.deps.db, staffId))!,
      { name: 'access test', expiresAt: null },
      { actor: 'cli', origin: { ip: null, userAgent: null } },
      t.deps.now(),
    );
    await t.deps.db.atomic(made.statements);
    return made.token;
  };
  bearer = { viewer: await token(ids.viewer.id), finance: await token(ids.finance.id), admin: await token(ids.admin.id) };
});
afterAll(() => t?.cleanup());

const routes = () => {
  const seen = new Set<string>();
  for (const r of inspectRoutes(t.app)) if (!r.isMiddleware) seen.add(`${r.method} ${r.path}`);
  return [...seen];
};

/** An API client's request: JSON, the session's CSRF token where there is one (or an API token), from this site. */
async function attempt(method: string, path: string, s: SignedIn | null, token?: string): Promise<number> {
  const headers: Record<string, string> = { accept: 'application/json', origin: 'http://localhost:8787' };
  if (s) Object.assign(headers, { cookie: s.cookie, 'x-csrf-token': s.csrf });
  if (token) headers.authorization = `Bearer ${token}`;
  if (method !== 'GET') headers['content-type'] = 'application/json';
  const res = await t.app.request(`http://localhost:8787${path}`, { method, headers, ...(method === 'GET' ? {} : { body: '{}' }) });
  return res.status;
}

describe('access to every route', () => {
  it('has a row for every route the app serves, and no row for a route it does not', () => {
    const served = routes();
    expect(served.filter((r) => !TABLE[r])).toEqual([]);
    expect(Object.keys(TABLE).filter((r) => !served.includes(r))).toEqual([]);
  });

  it('answers each persona as the table says', async () => {
    const got: Record<string, Record<string, Expect>> = {};
    const want: Record<string, Record<string, Expect>> = {};
    for (const key of routes()) {
      const row = TABLE[key];
      if (!row) continue;
      const [method, path] = key.split(' ') as [string, string];
      got[key] = {};
      want[key] = {};
      for (const p of PERSONAS) {
        // a fresh session per try: signing out ends the one it used
        const s = p === 'anon' ? null : await sessionFor(t.deps, ids[p].kind, ids[p].id);
        got[key][p] = classOf(await attempt(method, row.sample ?? path, s));
        want[key][p] = typeof row.expect === 'object' ? row.expect[p] : row.expect;
      }
    }
    expect(got).toEqual(want);
  });

  it('opens the JSON API to an API token with its owner role, and nothing else: elsewhere a token is no one', async () => {
    const got: Record<string, Record<string, Expect>> = {};
    const want: Record<string, Record<string, Expect>> = {};
    for (const key of routes()) {
      const row = TABLE[key];
      if (!row) continue;
      const [method, path] = key.split(' ') as [string, string];
      got[key] = {};
      want[key] = {};
      for (const role of ['viewer', 'finance', 'admin'] as const) {
        got[key][role] = classOf(await attempt(method, row.sample ?? path, null, bearer[role]));
        const expect = typeof row.expect === 'object' ? row.expect : { anon: row.expect, [role]: row.expect };
        want[key][role] = (path.startsWith('/finance/api/') ? expect[role] : expect.anon) as Expect;
      }
    }
    expect(got).toEqual(want);
  });

  it('answers a signed-out browser on the JSON API with a 401 and a Bearer challenge, not a sign-in page', async () => {
    for (const key of Object.keys(TABLE).filter((k) => k.startsWith('GET /finance/api/'))) {
      const row = TABLE[key]!;
      const res = await t.app.request(`http://localhost:8787${row.sample ?? key.slice(4)}`, { headers: { accept: 'text/html' } });
      expect(res.status, key).toBe(401);
      expect(res.headers.get('www-authenticate'), key).toMatch(/^Bearer /);
      expect(res.headers.get('content-type'), key).toMatch(/^application\/json/);
    }
  });

  it('sends a signed-out browser from every staff and account page to sign in, and back after', async () => {
    for (const [key, row] of Object.entries(TABLE)) {
      const [method, path] = key.split(' ') as [string, string];
      if (method !== 'GET' || typeof row.expect !== 'object' || row.expect.anon !== 401) continue;
      // the JSON API answers 401 to everyone (above): it has no page to come back to
      if (path.startsWith('/finance/api/')) continue;
      const res = await t.app.request(`http://localhost:8787${row.sample ?? path}`, { headers: { accept: 'text/html' } });
      expect(res.status, key).toBe(303);
      const signIn = path.startsWith('/account') ? '/signin' : '/staff/signin';
      expect(res.headers.get('location'), key).toBe(`${signIn}?next=${encodeURIComponent(row.sample ?? path)}`);
    }
  });
});
