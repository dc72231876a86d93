// A staff API token's life: an admin makes it on /finance/staff (shown once, stored as its
// SHA-256 only, audited), it reads the API as its owner with the owner's current role, sets
// no cookie, records when it was last used, and stops at its expiry (by deps.now()), when
// its owner is disabled, and when it is revoked (audited). No log line ever holds it. The
// CLI's `staff token create|list|revoke` does the same from the shell.
import { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/auth/auth.crypto.js';
import { findStaff } from '../src/auth/auth.repo.js';
import { staffChangeStatements } from '../src/auth/auth.staff.js';
import { createLogger } from '../src/deps.js';
import { runCli } from '../src/runtime/cli.js';
import { buildTestContext, type TestContext } from './factories/deps.js';
import { buildStaff, insertStaffRow, sessionFor, type SignedIn } from './factories/staff.js';
import { seedFinanceLedger } from './helpers/finance-ledger.js';

let t: TestContext;
let admin: SignedIn;
let adminId: string;
let analystId: string;
const lines: string[] = [];
const START = Date.parse('2026-11-20T10:00:00Z');

beforeAll(async () => {
  t = buildTestContext();
  seedFinanceLedger(t.handle);
  // every line the app logs, at every level, to look for the token in
  t.deps.log = createLogger(
    'debug',
    (line) => lines.push(line),
    () => t.clock.ms,
  );
  adminId = (await insertStaffRow(t.deps, buildStaff({ role: 'admin', name: 'Ada Admin' }))).id;
  analystId = (await insertStaffRow(t.deps, buildStaff({ role: 'viewer', name: 'Ana Analyst', email: 'ana@example.org' }))).id;
  admin = await sessionFor(t.deps, 'staff', adminId);
});
afterAll(() => t?.cleanup());
beforeEach(() => {
  t.clock.ms = START;
});

const BASE = 'http://localhost:8787';
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const adminPost = (path: string, fields: Record<string, string>) =>
  t.app.request(`${BASE}${path}`, {
    method: 'POST',
    headers: { cookie: admin.cookie, origin: BASE, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    body: form({ _csrf: admin.csrf, ...fields }),
  });
const withToken = (token: string, path = '/finance/api/supporters', headers: Record<string, string> = {}) =>
  t.app.request(`${BASE}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
const tokenRow = (id: string) => t.handle.sqlite.prepare('select * from api_tokens where id = ?').get(id) as Record<string, unknown>;

async function createOnPage(fields: Record<string, string>) {
  const res = await adminPost('/finance/staff/tokens', fields);
  const html = await res.text();
  return { res, html, token: /<code id="api-token-secret">(sfapi_[A-Za-z0-9_-]{43})<\/code>/.exec(html)?.[1] };
}

describe('an API token made on /finance/staff', () => {
  let token = '';
  let id = '';

  it('is shown once, stored only as its hash, and audited without the secret', async () => {
    const made = await createOnPage({ staff_id: analystId, name: 'Month-end sheet' });
    expect(made.res.status).toBe(201);
    expect(made.res.headers.get('cache-control')).toBe('no-store');
    expect(made.html).toContain('it is shown only this once');
    token = made.token!;
    expect(token).toMatch(/^sfapi_/);
    const rows = t.handle.sqlite.prepare('select * from api_tokens').all() as Record<string, unknown>[];
    expect(rows).toHaveLength(1);
    id = rows[0]!.id as string;
    expect(rows[0]).toMatchObject({
      staff_id: analystId,
      name: 'Month-end sheet',
      created_by: `staff:${adminId}`,
      created_at: START,
      expires_at: null,
      last_used_at: null,
      revoked_at: null,
    });
    expect(rows[0]!.token_hash).toBe(await sha256Hex(token));
    expect(JSON.stringify(rows)).not.toContain(token.slice('sfapi_'.length));
    const audit = t.handle.sqlite.prepare(`select actor, action, target, details from audit_log where action like 'staff.api_token%'`).all();
    expect(audit).toEqual([
      {
        actor: `staff:${adminId}`,
        action: 'staff.api_token_created',
        target: `staff:${analystId}`,
        details: JSON.stringify({ token: id, name: 'Month-end sheet', expires: null }),
      },
    ]);
    // the staff page lists it by name, never the secret again
    const list = await (await t.app.request(`${BASE}/finance/staff`, { headers: { cookie: admin.cookie, accept: 'text/html' } })).text();
    expect(list).toContain('Month-end sheet');
    expect(list).toContain('Revoke Month-end sheet');
    expect(list).not.toContain(token);
  });

  it("reads the API as its owner with the owner's current role, sets no cookie, and records when it was last used", async () => {
    const res = await withToken(token, '/finance/api/supporters', { cookie: admin.cookie });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toBeNull();
    type S = { supporters: { id: string; email: string }[] };
    // the admin's cookie beside the token changes nothing: the token's owner is a viewer
    expect(((await res.json()) as S).supporters.find((s) => s.id === 'sup_ann')!.email).toBe('a•••@example.org');
    expect(tokenRow(id).last_used_at).toBe(START);
    // written at most once a minute
    t.clock.ms = START + 30_000;
    await withToken(token);
    expect(tokenRow(id).last_used_at).toBe(START);
    t.clock.ms = START + 61_000;
    await withToken(token);
    expect(tokenRow(id).last_used_at).toBe(START + 61_000);

    const analyst = (await findStaff(t.deps.db, analystId))!;
    await t.deps.db.atomic(
      staffChangeStatements(t.deps.db, analyst, { kind: 'role', role: 'finance' }, { actor: 'cli', origin: { ip: null, userAgent: null } }, t.deps.now()),
    );
    expect(((await (await withToken(token)).json()) as S).supporters.find((s) => s.id === 'sup_ann')!.email).toBe('ann@example.org');
    expect((await withToken(token, '/finance/api/tokens')).status).toBe(403);
  });

  it('stops while its owner is disabled', async () => {
    const change = async (disabled: boolean) => {
      const person = (await findStaff(t.deps.db, analystId))!;
      await t.deps.db.atomic(
        staffChangeStatements(t.deps.db, person, { kind: 'disabled', disabled }, { actor: 'cli', origin: { ip: null, userAgent: null } }, t.deps.now()),
      );
    };
    await change(true);
    const res = await withToken(token);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: "This API token's owner is disabled." });
    // a disabled member cannot be given a new one either
    expect((await createOnPage({ staff_id: analystId, name: 'another' })).res.status).toBe(409);
    await change(false);
    expect((await withToken(token)).status).toBe(200);
  });

  it('stops once revoked, audited, and cannot be revoked twice', async () => {
    const res = await adminPost(`/finance/staff/tokens/${id}/revoke`, {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/finance/staff?token_revoked=1#api-tokens');
    const refused = await withToken(token);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(await refused.json()).toMatchObject({ error: 'This API token has been revoked.' });
    expect(tokenRow(id).revoked_at).toBe(START);
    expect(t.handle.sqlite.prepare(`select actor, action, target from audit_log where action = 'staff.api_token_revoked'`).all()).toEqual([
      { actor: `staff:${adminId}`, action: 'staff.api_token_revoked', target: `staff:${analystId}` },
    ]);
    expect((await adminPost(`/finance/staff/tokens/${id}/revoke`, {})).status).toBe(409);
    expect((await adminPost('/finance/staff/tokens/tok_nothing/revoke', {})).status).toBe(404);
  });

  it('stops at the end of its last day, by the app clock', async () => {
    const made = await createOnPage({ staff_id: analystId, name: 'Short-lived', expires: '2026-11-21' });
    expect(made.res.status).toBe(201);
    expect(made.html).toContain('until the end of 2026-11-21 (UTC)');
    t.clock.ms = Date.parse('2026-11-21T23:59:59Z');
    expect((await withToken(made.token!)).status).toBe(200);
    t.clock.ms = Date.parse('2026-11-22T00:00:00Z');
    const res = await withToken(made.token!);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'This API token has expired.' });
  });

  it('refuses a bad form with a 400 naming the field', async () => {
    const cases: [Record<string, string>, string, string][] = [
      [{ staff_id: analystId, name: '' }, 'name', 'give the token a name'],
      [{ staff_id: analystId, name: 'x'.repeat(101) }, 'name', 'must be at most 100 characters'],
      [{ staff_id: analystId, name: 'old', expires: '2026-11-19' }, 'expires', 'must be today or later'],
      [{ staff_id: analystId, name: 'odd', expires: '2026-02-30' }, 'expires', 'is not a real date'],
      [{ staff_id: 'stf_nobody', name: 'ghost' }, 'staff_id', 'is not a member of staff'],
    ];
    for (const [fields, field, message] of cases) {
      const res = await adminPost('/finance/staff/tokens', fields);
      expect(res.status, field).toBe(400);
      expect(await res.text(), field).toContain(`<li>${field}: ${message}</li>`);
    }
    // none of them made a token
    expect(t.handle.sqlite.prepare(`select count(*) as n from api_tokens where name in ('old', 'odd', 'ghost', '')`).get()).toEqual({ n: 0 });
  });

  it('never wrote a token to the log, even one sent in a query string', async () => {
    const misplaced = await t.app.request(`${BASE}/finance/api/overview?token=${token}`, { headers: { authorization: `Bearer ${token}x` } });
    expect(misplaced.status).toBe(401);
    expect(lines.length).toBeGreaterThan(10);
    const secrets = (t.handle.sqlite.prepare('select id from api_tokens').all() as { id: string }[]).length;
    expect(secrets).toBe(2);
    expect(lines.join('\n')).not.toContain(token);
    expect(lines.join('\n')).not.toMatch(/sfapi_[A-Za-z0-9_-]{10}/);
  });
});

describe('npm run cli -- staff token', () => {
  async function cli(argv: string[]) {
    let out = '';
    let err = '';
    const sink = (append: (s: string) => void) =>
      new Writable({
        write(chunk, _enc, cb) {
          append(String(chunk));
          cb();
        },
      });
    const env = { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_PATH: t.deps.config.databasePath, PUBLIC_URL: 'https://support.example.org' };
    const code = await runCli(argv, env, {
      out: sink((s) => {
        out += s;
      }),
      err: sink((s) => {
        err += s;
      }),
      stdin: Readable.from(['']),
    });
    return { code, out, err };
  }

  it('creates a token printed once, lists tokens without it, revokes one, and refuses bad input with exit 64', async () => {
    const made = await cli(['staff', 'token', 'create', '--email', 'ANA@example.org', '--name', 'BI dashboard', '--expires', '2099-12-31']);
    expect(made.code, made.err).toBe(0);
    const token = /^(sfapi_[A-Za-z0-9_-]{43})$/m.exec(made.out)![1]!;
    const id = /Created API token (tok_\w+) "BI dashboard" for ana@example\.org/.exec(made.out)![1]!;
    expect(made.out).toContain('valid until 2100-01-01T00:00:00Z');
    t.clock.ms = Date.now();
    expect((await withToken(token, '/finance/api/overview')).status).toBe(200);

    const list = await cli(['staff', 'token', 'list', '--email', 'ana@example.org']);
    expect(list.code).toBe(0);
    expect(list.out.split('\n')[0]).toBe('id\tname\towner\tcreated\tlast used\texpires\tstatus');
    expect(list.out).toMatch(new RegExp(`${id}\\tBI dashboard\\tana@example.org\\t\\S+\\t\\S+\\t2100-01-01T00:00:00Z\\tactive`));
    expect(list.out).not.toContain('sfapi_');

    const revoked = await cli(['staff', 'token', 'revoke', id]);
    expect(revoked.code).toBe(0);
    expect((await withToken(token, '/finance/api/overview')).status).toBe(401);
    expect((await cli(['staff', 'token', 'list'])).out).toMatch(new RegExp(`${id}\\tBI dashboard.*\\trevoked`));
    expect(t.handle.sqlite.prepare(`select actor, action from audit_log where actor = 'cli' and action like 'staff.api_token%' order by rowid`).all()).toEqual([
      { actor: 'cli', action: 'staff.api_token_created' },
      { actor: 'cli', action: 'staff.api_token_revoked' },
    ]);

    const bad: [string[], string][] = [
      [['staff', 'token', 'create', '--email', 'ana@example.org'], '--name is required'],
      [
        ['staff', 'token', 'create', '--email', 'ana@example.org', '--name', 'x', '--expires', '2020-01-01'],
        '--expires must be today or later (got 2020-01-01)',
      ],
      [['staff', 'token', 'create', '--email', 'nobody@example.org', '--name', 'x'], 'no staff account for nobody@example.org'],
      [['staff', 'token', 'revoke', id], 'This API token is already revoked.'],
      [['staff', 'token', 'revoke', 'po_123'], 'a token id starts with tok_'],
      [['staff', 'token', 'revoke'], "'staff token revoke' needs tok_…"],
    ];
    for (const [argv, message] of bad) {
      const r = await cli(argv);
      expect(r.code, argv.join(' ')).toBe(64);
      expect(r.err, argv.join(' ')).toContain(message);
    }
    // the group alone lists its commands
    const group = await cli(['staff', 'token']);
    expect(group.code).toBe(0);
    expect(group.out).toMatch(/staff token create\s+make an API token/);
    expect(group.out).toMatch(/staff token revoke\s+revoke an API token/);
  });
});
