// The staff commands through the CLI's command table, in process (standard input given as
// a stream); the spawned entry is driven by tests/auth.routes.test.ts and the browser test.
import { Readable, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyPassword } from '../src/auth/auth.crypto.js';
import { findStaffByEmail } from '../src/auth/auth.repo.js';
import { runCli } from '../src/runtime/cli.js';
import { buildTestContext, type TestContext } from './factories/deps.js';

let t: TestContext;
beforeEach(() => {
  t = buildTestContext();
});
afterEach(() => t.cleanup());

async function cli(argv: string[], stdin = '') {
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
});
