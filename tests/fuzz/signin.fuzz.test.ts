// The sign-in forms fuzzed: staff password, the second factor (with a half-signed-in
// session), set-password links, supporter sign-in link requests and link consumption with
// garbage tokens, in every encoding and from other origins. No 5xx, no leak, no raw
// reflection, and no input without a real credential or address opens a session or makes a link.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_FIELD } from '../../src/auth/auth.middleware.js';
import { newSession } from '../../src/auth/auth.sessions.js';
import { buildTestContext, type TestContext } from '../factories/deps.js';
import { buildStaff, insertStaffRow } from '../factories/staff.js';
import { count } from '../helpers/ledger.js';
import { encodedText, expectSafeResponse, fuzz, nastyText, stringsIn, wrongType } from './fuzz.kit.js';

let t: TestContext;
let pending: { cookie: string; csrf: string };
beforeAll(async () => {
  t = buildTestContext();
  const person = await insertStaffRow(t.deps, buildStaff({ role: 'finance', email: 'finance@example.org' }));
  t.handle.sqlite.prepare(`insert into supporters (id, email, created_at) values ('sup_fuzz', 'reader@example.com', 0)`).run();
  // right password, code still to come: what the second-factor form is posted with
  const s = await newSession(t.deps, { kind: 'staff', subjectId: person.id, stage: 'second_factor', userAgent: 'fuzz' });
  await t.deps.db.atomic(s.statements);
  pending = { cookie: `storyfund_session=${s.token}`, csrf: s.csrfToken };
});
afterAll(async () => {
  await t.cleanup();
});

const POSTS = ['/staff/signin', '/staff/signin/second-factor', '/staff/password', '/staff/password/reset', '/signin', '/signin/link'] as const;
const GETS = ['/signin/link', '/staff/password'] as const;

const fieldValue = fc.oneof(
  {
    arbitrary: fc.constantFrom(
      'nobody@example.org',
      'Someone.Else@example.com',
      'a long enough password',
      '123456',
      '000000',
      'abcd-efgh-ijkl',
      '/finance',
      '//evil.example',
      'vrf_0000000000',
    ),
    weight: 3,
  },
  { arbitrary: nastyText, weight: 4 },
);

const pairs = fc.array(fc.tuple(fc.constantFrom('email', 'password', 'confirm', 'code', 'token', 'next', CSRF_FIELD, '__proto__', 'email[]'), fieldValue), {
  maxLength: 7,
});

type Body = { body: BodyInit | null; contentType: string | null; inputs: string[] };

const body: fc.Arbitrary<Body> = fc.oneof(
  pairs.map((p) => ({
    body: new URLSearchParams(p.map(([k, v]) => [k, v])).toString(),
    contentType: 'application/x-www-form-urlencoded',
    inputs: stringsIn(p),
  })),
  fc.array(fc.tuple(fc.constantFrom('email', 'password', 'code', 'token', 'next'), encodedText), { maxLength: 5 }).map((p) => ({
    body: p.map(([k, v]) => `${k}=${v}`).join('&'),
    contentType: 'application/x-www-form-urlencoded',
    inputs: [],
  })),
  pairs.map((p) => {
    const form = new FormData();
    for (const [k, v] of p) form.append(k, v.toWellFormed());
    return { body: form, contentType: null, inputs: stringsIn(p) };
  }),
  fc
    .dictionary(fc.constantFrom('email', 'password', 'code', 'token', 'next'), wrongType)
    .map((o) => ({ body: JSON.stringify(o), contentType: 'application/json', inputs: stringsIn(o) })),
  fc
    .tuple(
      nastyText,
      fc.constantFrom(null, 'text/plain', 'multipart/form-data', 'multipart/form-data; boundary=zz', 'application/octet-stream', 'application/json'),
    )
    .map(([b, ct]) => ({ body: b, contentType: ct, inputs: [b] })),
);

const cases = fc.record({
  request: fc.oneof(
    { arbitrary: fc.record({ method: fc.constant('POST' as const), path: fc.constantFrom(...POSTS), body }), weight: 4 },
    { arbitrary: fc.record({ method: fc.constant('GET' as const), path: fc.constantFrom(...GETS), token: encodedText }), weight: 1 },
  ),
  origin: fc.constantFrom('http://localhost:8787', 'http://localhost:8787', 'http://localhost:8787', null, 'null', 'https://evil.example'),
  withPendingSession: fc.boolean(),
  withCsrfHeader: fc.boolean(),
  host: fc.integer({ min: 1, max: 4 }),
});

describe('fuzzing the sign-in forms', () => {
  it('never answers 5xx, leaks nothing, reflects nothing raw, opens no session and makes no link', { timeout: 900_000 }, async () => {
    await fuzz('signin', cases, async (c) => {
      const headers: Record<string, string> = { accept: 'text/html', 'x-test-client-address': `198.51.100.${c.host}` };
      if (c.origin) headers.origin = c.origin;
      if (c.withPendingSession) headers.cookie = pending.cookie;
      if (c.withCsrfHeader) headers['x-csrf-token'] = pending.csrf;
      const r = c.request;
      let res: Response;
      let inputs: string[];
      let label: string;
      const before = [count(t.handle, 'sessions'), count(t.handle, 'verifications'), count(t.handle, 'gifts'), count(t.handle, 'ledger_entries')];
      if (r.method === 'GET') {
        label = `GET ${r.path}?token=${r.token.slice(0, 100)}`;
        inputs = [r.token];
        res = await t.app.request(`http://localhost:8787${r.path}?token=${r.token}`, { headers });
      } else {
        if (r.body.contentType) headers['content-type'] = r.body.contentType;
        label = `POST ${r.path} (${r.body.contentType ?? 'multipart'})`;
        inputs = r.body.inputs;
        res = await t.app.request(`http://localhost:8787${r.path}`, { method: 'POST', headers, body: r.body.body });
      }
      await expectSafeResponse(res, inputs, label);
      expect([count(t.handle, 'sessions'), count(t.handle, 'verifications'), count(t.handle, 'gifts'), count(t.handle, 'ledger_entries')], label).toEqual(
        before,
      );
    });
  });
});
