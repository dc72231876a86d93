// Bodies that cannot be read as what their content type says (found by the fuzzers): a
// multipart form without its boundary, JSON cut short. Each is the client's error, a 400,
// on every form the app takes; before, Hono's TypeError or HTTPException became our 500.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSession } from '../src/auth/auth.sessions.js';
import { buildTestContext, type TestContext } from './factories/deps.js';
import { buildStaff, insertStaffRow, sessionFor, type SignedIn } from './factories/staff.js';
import { count } from './helpers/ledger.js';

let t: TestContext;
let admin: SignedIn;
let other: string;
let halfSignedIn: string;
beforeAll(async () => {
  t = buildTestContext();
  admin = await sessionFor(t.deps, 'staff', (await insertStaffRow(t.deps, buildStaff({ role: 'admin' }))).id);
  other = (await insertStaffRow(t.deps, buildStaff({ role: 'viewer' }))).id;
  // right password, code still to come: the second-factor form reads its body only then
  const s = await newSession(t.deps, { kind: 'staff', subjectId: other, stage: 'second_factor', userAgent: 'test' });
  await t.deps.db.atomic(s.statements);
  halfSignedIn = `storyfund_session=${s.token}`;
});
afterAll(async () => {
  await t.cleanup();
});

const ORIGIN = 'http://localhost:8787';
const UNREADABLE = [
  { contentType: 'multipart/form-data', body: 'email=a@example.org' },
  { contentType: 'multipart/form-data; boundary=zz', body: '<x-fuzz>' },
  { contentType: 'multipart/form-data; boundary=zz', body: '--zz\r\nContent-Disposition: form-data; name="email"\r\n\r\nhalf' },
];

describe('a form body that cannot be read', () => {
  it.each(['/staff/signin', '/staff/signin/second-factor', '/staff/password', '/staff/password/reset', '/signin', '/signin/link'])(
    'POST %s answers 400, and writes nothing',
    async (path) => {
      for (const { contentType, body } of UNREADABLE) {
        const sessions = count(t.handle, 'sessions');
        const headers: Record<string, string> = { origin: ORIGIN, 'content-type': contentType, accept: 'text/html' };
        if (path === '/staff/signin/second-factor') headers.cookie = halfSignedIn;
        const res = await t.app.request(`${ORIGIN}${path}`, { method: 'POST', headers, body });
        expect(res.status, `${path} ${contentType}`).toBe(400);
        expect(await res.text()).toContain('could not be read');
        expect(count(t.handle, 'sessions')).toBe(sessions);
      }
    },
  );

  it('a signed-in post whose CSRF token would be in the unreadable form is refused with a 400, not a 500', async () => {
    const res = await t.app.request(`${ORIGIN}/signout`, {
      method: 'POST',
      headers: { origin: ORIGIN, cookie: admin.cookie, 'content-type': 'multipart/form-data', accept: 'text/html' },
      body: 'x',
    });
    expect(res.status).toBe(400);
  });

  it('a validated form (an admin changing a role) answers 400 naming the body, and changes nothing', async () => {
    const res = await t.app.request(`${ORIGIN}/finance/staff/${other}/role`, {
      method: 'POST',
      headers: { origin: ORIGIN, cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'multipart/form-data' },
      body: 'role=admin',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('could not be read');
    expect(t.handle.sqlite.prepare('select role from staff where id = ?').get(other)).toEqual({ role: 'viewer' });
  });
});
