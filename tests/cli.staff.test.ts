// The staff commands through the CLI's command table, in process (standard input given as
// a stream); the spawned entry is driven by tests/auth.routes.test.ts and the browser test.
import { Readable, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyPassword } from '../src/auth/auth.crypto.js';
import { findStaffByEmail } from '../src/auth/auth.repo.js';
import { openTotpSecret, sealTotpSecret, type StaffSecretKeys } from '../src/auth/auth.secrets.js';
import { newSession } from '../src/auth/auth.sessions.js';
import { newTotpSecret } from '../src/auth/auth.totp.js';
import { parseKey256, SecretBytes } from '../src/lib/crypto.js';
import { runCli } from '../src/runtime/cli.js';
import { buildTestContext, type TestContext } from './factories/deps.js';

let t: TestContext;
beforeEach(() => {
  t = buildTestContext();
});
afterEach(() => t.cleanup());

async function cli(argv: string[], stdin = '', extraEnv: Record<string, string> = {}) {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, cb) {
        append(String(chunk));
        cb();
      },
    });
  const env = { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_PATH: t.deps.config.databasePath, PUBLIC_URL: 'https://support.example.org', ...extraEnv };
  const code = await runCli(argv, env, {
    out: sink((s) => {
      out += s;
    }),
    err: sink((s) => {
      err += s;
    }),
    stdin: Readable.from([stdin]),
  });
  return { code, out, err };
}

describe('npm run cli -- staff', () => {
  it('adds, lists, changes the role of and disables an account, refusing bad input with exit 64', async () => {
    const added = await cli(['staff', 'add', '--email', 'Ops@Example.org', '--role', 'finance']);
    expect(added.code).toBe(0);
    expect(added.out).toMatch(/^Added ops <ops@example\.org> as finance\.\n/);
    expect(added.out).toMatch(/https:\/\/support\.example\.org\/staff\/password\?token=[A-Za-z0-9_-]{43}\n/);
    const again = await cli(['staff', 'add', '--email', 'ops@example.org', '--role', 'viewer']);
    expect(again.code).toBe(64);
    expect(again.err).toContain('a staff account for ops@example.org already exists');
    const badRole = await cli(['staff', 'set-role', '--email', 'ops@example.org', '--role', 'owner']);
    expect(badRole.code).toBe(64);
    expect(badRole.err).toContain('--role must be one of viewer, finance, admin (got owner)');
    expect(badRole.err).toContain('Usage: npm run cli -- staff set-role');
    expect((await cli(['staff', 'set-role', '--email', 'ops@example.org', '--role', 'admin'])).code).toBe(0);
    expect((await cli(['staff', 'disable', '--email', 'ops@example.org'])).code).toBe(0);
    const list = await cli(['staff', 'list']);
    expect(list.out).toBe('email\tname\trole\tpassword\t2nd factor\tstatus\nops@example.org\tops\tadmin\tno password\t-\tDISABLED\n');
    expect(t.handle.sqlite.prepare('select action, actor from audit_log order by rowid').all()).toEqual([
      { action: 'staff.created', actor: 'cli' },
      { action: 'staff.role_changed', actor: 'cli' },
      { action: 'staff.disabled', actor: 'cli' },
    ]);
  });

  it('sets a password read from standard input, hashed, with no link', async () => {
    const r = await cli(['staff', 'add', '--email', 'vee@example.org', '--role', 'viewer', '--name', 'Vee', '--password-stdin'], 'from standard input\n');
    expect(r.code).toBe(0);
    expect(r.out).toBe('Added Vee <vee@example.org> as viewer.\n');
    const row = (await findStaffByEmail(t.deps.db, 'vee@example.org'))!;
    expect(await verifyPassword('from standard input', { hash: row.passwordHash!, salt: row.passwordSalt!, iterations: row.passwordIterations! })).toBe(true);
    const short = await cli(['staff', 'add', '--email', 'short@example.org', '--role', 'viewer', '--password-stdin'], 'short');
    expect(short.code).toBe(64);
    expect(short.err).toContain('the password must be 12 to 256 characters');
    expect((await cli(['staff', 'list'])).out).toContain('vee@example.org\tVee\tviewer\tpassword\t-\tactive');
  });

  it('names a missing email before opening anything', async () => {
    const r = await cli(['staff', 'disable']);
    expect(r.code).toBe(64);
    expect(r.err).toContain('--email is required');
  });

  it('resets a second factor: secret, enrolment, recovery codes and sessions go; audited; they enrol again', async () => {
    await cli(['staff', 'add', '--email', 'fin@example.org', '--role', 'finance', '--password-stdin'], 'a long enough password');
    const person = (await findStaffByEmail(t.deps.db, 'fin@example.org'))!;
    const db = t.handle.sqlite;
    db.prepare('update staff set totp_secret = ?, totp_enrolled_at = 1, totp_last_step = 5 where id = ?').run(newTotpSecret(), person.id);
    db.prepare('insert into staff_recovery_codes (code_hash, staff_id, created_at) values (?, ?, 1)').run('h1', person.id);
    const session = await newSession(t.deps, { kind: 'staff', subjectId: person.id, stage: 'active', userAgent: 'test' });
    await t.deps.db.atomic(session.statements);
    const other = await cli(['staff', 'add', '--email', 'other@example.org', '--role', 'finance', '--password-stdin'], 'a long enough password');
    expect(other.code).toBe(0);
    const otherId = (await findStaffByEmail(t.deps.db, 'other@example.org'))!.id;
    db.prepare('update staff set totp_secret = ?, totp_enrolled_at = 1 where id = ?').run(newTotpSecret(), otherId);

    const r = await cli(['staff', 'reset-second-factor', '--email', 'FIN@example.org']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Reset the second factor of fin@example.org');
    expect(db.prepare('select totp_secret, totp_enrolled_at, totp_last_step from staff where id = ?').get(person.id)).toEqual({
      totp_secret: null,
      totp_enrolled_at: null,
      totp_last_step: null,
    });
    expect(db.prepare('select count(*) as n from staff_recovery_codes where staff_id = ?').get(person.id)).toEqual({ n: 0 });
    expect(db.prepare("select count(*) as n from sessions where kind = 'staff' and subject_id = ?").get(person.id)).toEqual({ n: 0 });
    // nobody else's second factor is touched
    expect(db.prepare('select totp_enrolled_at from staff where id = ?').get(otherId)).toEqual({ totp_enrolled_at: 1 });
    expect(db.prepare("select actor, target from audit_log where action = 'staff.second_factor_reset'").all()).toEqual([
      { actor: 'cli', target: `staff:${person.id}` },
    ]);
    expect((await cli(['staff', 'list'])).out).toContain('fin@example.org\tfin\tfinance\tpassword\t-\tactive');
    const unknown = await cli(['staff', 'reset-second-factor', '--email', 'nobody@example.org']);
    expect(unknown.code).toBe(64);
    expect(unknown.err).toContain('no staff account for nobody@example.org');
  });

  it('reseals every second-factor secret under the current key, naming the ones it cannot read', async () => {
    const hexKey = (seed: number) => Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 31 + seed) % 256)).toString('hex');
    const [oldKey, newKey, strayKey] = [hexKey(3), hexKey(101), hexKey(202)];
    const keys = (current: string, previous?: string): StaffSecretKeys => ({
      current: new SecretBytes(parseKey256(current)!),
      previous: previous ? new SecretBytes(parseKey256(previous)!) : null,
    });
    const db = t.handle.sqlite;
    const people: Record<string, { id: string; secret: string }> = {};
    for (const name of ['plain', 'old', 'current', 'stray', 'none']) {
      await cli(['staff', 'add', '--email', `${name}@example.org`, '--role', 'finance', '--password-stdin'], 'a long enough password');
      people[name] = { id: (await findStaffByEmail(t.deps.db, `${name}@example.org`))!.id, secret: newTotpSecret() };
    }
    const store = (name: string, value: string) => db.prepare('update staff set totp_secret = ? where id = ?').run(value, people[name]!.id);
    store('plain', people.plain!.secret);
    store('old', await sealTotpSecret(keys(oldKey), people.old!.id, people.old!.secret));
    const currentValue = await sealTotpSecret(keys(newKey), people.current!.id, people.current!.secret);
    store('current', currentValue);
    store('stray', await sealTotpSecret(keys(strayKey), people.stray!.id, people.stray!.secret));

    const noKey = await cli(['staff', 'secrets', 'reseal']);
    expect(noKey.code).toBe(64);
    expect(noKey.err).toContain('STAFF_SECRETS_KEY is not set');

    const env = { STAFF_SECRETS_KEY: newKey, STAFF_SECRETS_KEY_PREVIOUS: oldKey };
    const r = await cli(['staff', 'secrets', 'reseal'], '', env);
    expect(r.out).toContain('Sealed 2 second-factor secret(s) under the current key; 1 already were.');
    expect(r.out).toContain('1 cannot be read');
    expect(r.out).toContain('stray@example.org: the stored second-factor secret was encrypted with a key that is neither');
    expect(r.code).toBe(1);
    // the current key alone now opens the plain and the old one, to the same secrets
    const stored = (name: string) => (db.prepare('select totp_secret as v from staff where id = ?').get(people[name]!.id) as { v: string | null }).v;
    for (const name of ['plain', 'old', 'current'])
      expect(await openTotpSecret(keys(newKey), people[name]!.id, stored(name)!)).toEqual({ ok: true, secret: people[name]!.secret, reseal: false });
    expect(stored('current')).toBe(currentValue);
    expect(stored('none')).toBeNull();
    expect((db.prepare("select count(*) as n from audit_log where action = 'staff.secrets_resealed'").get() as { n: number }).n).toBe(2);

    await cli(['staff', 'reset-second-factor', '--email', 'stray@example.org']);
    const again = await cli(['staff', 'secrets', 'reseal'], '', { STAFF_SECRETS_KEY: newKey });
    expect(again.code).toBe(0);
    expect(again.out).toBe(
      'Sealed 0 second-factor secret(s) under the current key; 3 already were.\nSTAFF_SECRETS_KEY_PREVIOUS is no longer needed by any stored secret.\n',
    );
  });
});
