// The staff commands: through the CLI's entry for what an operator types, and as functions
// for what needs standard input.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyPassword } from '../src/auth/auth.crypto.js';
import { findStaffByEmail } from '../src/auth/auth.repo.js';
import { STAFF_USAGE, StaffCliError, staffAdd, staffList } from '../src/runtime/cli.staff.js';
import { buildTestContext, type TestContext } from './factories/deps.js';
import { runCli } from './helpers/server.js';

let t: TestContext;
beforeEach(() => {
  t = buildTestContext();
});
afterEach(() => t.cleanup());

const env = () => ({ DATABASE_PATH: t.deps.config.databasePath, PUBLIC_URL: 'https://support.example.org' });

describe('npm run cli -- staff', () => {
  it('answers --help on each subcommand with its usage and exit 0', async () => {
    for (const sub of Object.keys(STAFF_USAGE)) {
      const r = await runCli(['staff', sub, '--help'], env());
      expect(r.code, sub).toBe(0);
      expect(r.stdout, sub).toContain(`Usage: npm run cli -- staff ${sub}`);
    }
  });

  it('adds, lists, changes the role of and disables an account, refusing bad input with exit 64', async () => {
    const added = await runCli(['staff', 'add', '--email', 'Ops@Example.org', '--role', 'finance'], env());
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^Added ops <ops@example\.org> as finance\.\n/);
    expect(added.stdout).toMatch(/https:\/\/support\.example\.org\/staff\/password\?token=[A-Za-z0-9_-]{43}\n/);
    const again = await runCli(['staff', 'add', '--email', 'ops@example.org', '--role', 'viewer'], env());
    expect(again.code).toBe(64);
    expect(again.stderr).toContain('a staff account for ops@example.org already exists');
    const badRole = await runCli(['staff', 'set-role', '--email', 'ops@example.org', '--role', 'owner'], env());
    expect(badRole.code).toBe(64);
    expect(badRole.stderr).toContain('--role must be one of viewer, finance, admin (got owner)');
    expect((await runCli(['staff', 'set-role', '--email', 'ops@example.org', '--role', 'admin'], env())).code).toBe(0);
    expect((await runCli(['staff', 'disable', '--email', 'ops@example.org'], env())).code).toBe(0);
    const list = await runCli(['staff', 'list'], env());
    expect(list.stdout).toBe('email\tname\trole\tpassword\t2nd factor\tstatus\nops@example.org\tops\tadmin\tno password\t-\tDISABLED\n');
    const actions = t.handle.sqlite.prepare('select action, actor from audit_log order by rowid').all();
    expect(actions).toEqual([
      { action: 'staff.created', actor: 'cli' },
      { action: 'staff.role_changed', actor: 'cli' },
      { action: 'staff.disabled', actor: 'cli' },
    ]);
  });

  it('sets a password given on standard input, hashed, with no link', async () => {
    let out = '';
    const deps = { ...t.deps, out: (s: string) => void (out += s) };
    await staffAdd(deps, { email: 'vee@example.org', role: 'viewer', name: 'Vee', password: 'from standard input' });
    expect(out).toBe('Added Vee <vee@example.org> as viewer.\n');
    const row = (await findStaffByEmail(t.deps.db, 'vee@example.org'))!;
    expect(row.passwordHash).not.toContain('from standard input');
    expect(await verifyPassword('from standard input', { hash: row.passwordHash!, salt: row.passwordSalt!, iterations: row.passwordIterations! })).toBe(true);
    await expect(staffAdd(deps, { email: 'short@example.org', role: 'viewer', password: 'short' })).rejects.toThrow(StaffCliError);
    out = '';
    await staffList(deps);
    expect(out).toContain('vee@example.org\tVee\tviewer\tpassword\t-\tactive');
  });
});
