// Every GET route the app serves (enumerated from the router, as the access test does, with
// every optional part switched on), fuzzed through its query string and path parameters,
// signed out, as a supporter, as an admin and with the ops token. No 5xx, no leak, no raw
// reflection, and a GET writes no money.
import fc from 'fast-check';
import { inspectRoutes } from 'hono/dev';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestContext, type TestContext } from '../factories/deps.js';
import { buildStaff, insertStaffRow, sessionFor, type SignedIn } from '../factories/staff.js';
import { count } from '../helpers/ledger.js';
import { startStripeMock } from '../mocks/stripe-api.js';
import { encodedText, expectSafeResponse, fuzz, nastyText } from './fuzz.kit.js';

const OPS_TOKEN = 'fuzz-ops-token-0123456789abcdef0123456789';
const mock = startStripeMock();
let t: TestContext;
let signedIn: Record<'supporter' | 'admin', SignedIn>;
beforeAll(async () => {
  // the sandbox, the ops export and the mail preview: every route there can be
  t = buildTestContext({ STRIPE_SECRET_KEY: '', OPS_TOKEN, MAIL_TRANSPORT: 'preview' });
  t.handle.sqlite.prepare(`insert into supporters (id, email, created_at) values ('sup_fuzz', 'reader@example.com', 0)`).run();
  const admin = await insertStaffRow(t.deps, buildStaff({ role: 'admin' }));
  signedIn = { supporter: await sessionFor(t.deps, 'supporter', 'sup_fuzz'), admin: await sessionFor(t.deps, 'staff', admin.id) };
});
afterAll(async () => {
  mock.close();
  await t.cleanup();
});

/** Query names the pages read, and a few they do not. */
const NAMES = [
  'next',
  'token',
  'currency',
  'article',
  'return_to',
  'session_id',
  'from',
  'to',
  'notice',
  'changed',
  'before_at',
  'before_id',
  'page',
  'limit',
  'q',
  'status',
  'id',
];

const queryPairs = fc.array(
  fc.tuple(
    fc.oneof({ arbitrary: fc.constantFrom(...NAMES), weight: 5 }, { arbitrary: nastyText.map((s) => encodeURIComponent(s.toWellFormed())), weight: 1 }),
    encodedText,
  ),
  { maxLength: 6 },
);

/** A value that looks right for its name, so that pages get past their first check. */
const plausibleQuery = fc.constantFrom(
  'currency=usd',
  'session_id=cs_test_a1b2c3d4e5f6g7h8',
  'from=2026-01-01&to=2026-12-31',
  'from=2026-02-30',
  'to=9999-99-99',
  'before_at=1764000000000&before_id=aud_x',
  'before_at=1e400&before_id=',
  'next=/finance/audit',
  'next=//evil.example',
  'next=https://evil.example/',
  'next=/\\evil.example',
  'return_to=https%3A%2F%2Fnews.example.com%2Fa',
  'token=vrf_00000000000000000000',
);

const personas = ['anon', 'supporter', 'admin', 'ops'] as const;

let routes: string[] = [];

describe('fuzzing every GET page', () => {
  it('enumerates the GET routes from the router', () => {
    routes = [
      ...new Set(
        inspectRoutes(t.app)
          .filter((r) => !r.isMiddleware && r.method === 'GET')
          .map((r) => r.path),
      ),
    ];
    // the pages every reader and staff member reaches are among them
    expect(routes).toEqual(
      expect.arrayContaining([
        '/',
        '/appeal',
        '/thank-you',
        '/health',
        '/staff/signin',
        '/signin',
        '/finance',
        '/finance/audit',
        '/account',
        '/ops/contributions.csv',
        '/dev/mail',
      ]),
    );
  });

  it('never answers 5xx, leaks nothing, reflects nothing raw, writes no money', { timeout: 900_000 }, async () => {
    const cases = fc.record({
      route: fc.constantFrom(...routes),
      param: fc.oneof(fc.constantFrom('eml_unknown', 'cs_test_unknown', 'stf_nobody'), encodedText),
      query: fc.oneof(
        queryPairs.map((p) => p.map(([k, v]) => `${k}=${v}`).join('&')),
        plausibleQuery,
        fc.tuple(plausibleQuery, queryPairs).map(([a, p]) => [a, ...p.map(([k, v]) => `${k}=${v}`)].join('&')),
      ),
      persona: fc.constantFrom(...personas),
      accept: fc.constantFrom('text/html', 'application/json', '*/*'),
    });
    await fuzz('pages', cases, async (c) => {
      const path = c.route.replace(/:[^/]+/g, c.param);
      const headers: Record<string, string> = { accept: c.accept };
      if (c.persona === 'supporter' || c.persona === 'admin') headers.cookie = signedIn[c.persona].cookie;
      if (c.persona === 'ops') headers.authorization = `Bearer ${OPS_TOKEN}`;
      const before = [count(t.handle, 'gifts'), count(t.handle, 'ledger_entries'), count(t.handle, 'outbox')];
      const url = `http://localhost:8787${path}?${c.query}`;
      const res = await t.app.request(url, { headers });
      const decoded = c.query.split('&').flatMap((pair) => pair.split('=').map((s) => safeDecode(s)));
      await expectSafeResponse(res, [...decoded, safeDecode(c.param)], `GET ${path}?${c.query.slice(0, 200)} as ${c.persona}`);
      expect([count(t.handle, 'gifts'), count(t.handle, 'ledger_entries'), count(t.handle, 'outbox')], url.slice(0, 200)).toEqual(before);
    });
  });
});

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replaceAll('+', ' '));
  } catch {
    return s;
  }
}
