// The operator CLI's real command table: help for every command, checks of option values
// before anything is opened, and the exit codes a spawned process really ends with.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI, COMMANDS, PAYOUT_FORMULA, runCli } from '../src/runtime/cli.js';
import { EXIT, overview } from '../src/runtime/cli.kit.js';
import { ROOT, runCli as spawnCli } from './helpers/server.js';

let dir: string;
let dbPath: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'storyfund-cli-'));
  dbPath = join(dir, 'storyfund.sqlite');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Settings start-up would refuse: help and usage errors must not need them. */
const BAD_SETTINGS = { NODE_ENV: 'staging', PORT: 'eighty' };

async function inProcess(argv: string[], env: Record<string, string> = { NODE_ENV: 'test', DATABASE_PATH: dbPath, LOG_LEVEL: 'silent' }) {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, cb) {
        append(String(chunk));
        cb();
      },
    });
  const code = await runCli(argv, env, { out: sink((s) => (out += s)), err: sink((s) => (err += s)) });
  return { code, out, err };
}

describe('contributions export, in process', () => {
  it('writes every row to a reader slower than itself without piling listeners on its output', { timeout: 120_000 }, async () => {
    const env = { NODE_ENV: 'test', DATABASE_PATH: dbPath, LOG_LEVEL: 'silent' };
    expect((await inProcess(['dev', 'seed', '--contributions', '1500'], env)).code).toBe(EXIT.ok);
    let csv = '';
    let waits = 0;
    let mostErrorListeners = 0;
    // a pipe that takes one chunk at a time, a turn later: the export waits for 'drain' each time
    const slow = new Writable({
      highWaterMark: 1,
      write(chunk, _enc, cb) {
        csv += String(chunk);
        mostErrorListeners = Math.max(mostErrorListeners, slow.listenerCount('error'));
        waits++;
        setImmediate(cb);
      },
    });
    const baseline = slow.listenerCount('error');
    const code = await runCli(['contributions', 'export'], env, { out: slow, err: new Writable({ write: (_c, _e, cb) => cb() }) });
    expect(code).toBe(EXIT.ok);
    const rows = csv.split('\r\n').filter(Boolean);
    // the header, then the seeded contributions with their refunds and disputes
    expect(rows[0]).toMatch(/^contribution_id,created_at,/);
    expect(rows.length).toBeGreaterThan(1500);
    expect(waits).toBeGreaterThan(10);
    expect(mostErrorListeners).toBeLessThanOrEqual(baseline + 1);
    expect(slow.listenerCount('error')).toBe(baseline);
    expect(slow.listenerCount('drain')).toBe(0);
  });
});

const groups = [...new Set(COMMANDS.filter((c) => c.name.includes(' ')).map((c) => c.name.split(' ')[0]!))];

describe('npm run cli, in process', () => {
  it('has the commands the README documents', () => {
    expect(COMMANDS.map((c) => c.name)).toEqual(
      expect.arrayContaining(['migrate', 'contributions export', 'dev seed', 'reconcile', 'payouts statement', 'backup']),
    );
  });

  it.each(COMMANDS.flatMap((c) => [[c.name, '--help'] as const, [c.name, '-h'] as const]))(
    '%s %s prints its usage and exits 0, without settings',
    async (name, flag) => {
      const r = await inProcess([...name.split(' '), flag], BAD_SETTINGS);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(new RegExp(`^Usage: npm run cli -- ${name}\\b`));
      expect(r.out).toContain('-h, --help');
    },
  );

  it.each(groups)('%s alone lists its subcommands and exits 0', async (group) => {
    const r = await inProcess([group], BAD_SETTINGS);
    expect(r.code).toBe(0);
    for (const c of COMMANDS.filter((c) => c.name.startsWith(`${group} `))) expect(r.out).toContain(c.name);
  });

  it('gives the payout formula with the signs the statement computes, as the README does', async () => {
    const r = await inProcess(['payouts', 'statement', '--help'], BAD_SETTINGS);
    expect(PAYOUT_FORMULA).toBe('gross - fees + refunds + disputes + other = paid out');
    expect(r.out).toContain(PAYOUT_FORMULA);
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain(PAYOUT_FORMULA);
  });

  it('documents every exit code in the README', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const code of Object.values(EXIT)) expect(readme).toMatch(new RegExp(`^\\| ${code} \\| \\w`, 'm'));
  });

  it.each([
    [['contributions', 'export', '--format', 'xml'], '--format must be csv (got xml).'],
    [['contributions', 'export', '--from', '2026-02-30'], '--from is not a real date: 2026-02-30'],
    [['contributions', 'export', '--to', 'yesterday'], '--to must be a date like 2026-11-01'],
    [['reconcile', '--since', '3w'], '--since must be like 30d, 36h or 2026-11-01 (got 3w)'],
    [['payouts', 'statement', '--since', 'last week'], '--since must be like 30d, 36h or 2026-11-01 (got last week)'],
    [['payouts', 'statement', 'ch_123'], "A payout id starts with po_ (got 'ch_123')."],
    [['dev', 'seed', '--contributions', '0'], '--contributions must be a positive whole number (got 0).'],
    [['dev', 'seed', '--contributions', '1e3'], '--contributions must be a positive whole number (got 1e3).'],
    [['dev', 'seed', '--seed', '-1'], "--seed needs a value before '-1' (write --seed=-1 if that is the value)."],
    [['dev', 'seed', '--seed=-1'], '--seed must be a positive whole number (got -1).'],
  ])('%j exits 64 naming the bad value, before opening the database', async (argv, message) => {
    const r = await inProcess(argv);
    expect(r.code).toBe(64);
    expect(r.err.split('\n')[0]).toBe(message);
    expect(r.err).toContain(`Run 'npm run cli -- ${argv[0]} ${argv[0] === 'reconcile' ? '' : `${argv[1]} `}--help' for details.`);
    expect(existsSync(dbPath)).toBe(false);
  });

  it('exits 1 with every bad setting listed when the settings are wrong', async () => {
    const r = await inProcess(['migrate'], BAD_SETTINGS);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^Invalid configuration:\n {2}- NODE_ENV .*\n {2}- PORT /);
  });

  it('runs a command with good settings and exits 0', async () => {
    const r = await inProcess(['migrate']);
    expect(r.code).toBe(0);
    expect(r.err).toBe(`Migrations applied to ${dbPath}\n`);
    expect(existsSync(dbPath)).toBe(true);
  });
});

describe('npm run cli, as a process', () => {
  it('prints the overview for --help and for no command at all, exit 0', async () => {
    for (const args of [['--help'], []]) {
      const r = await spawnCli(args, BAD_SETTINGS, { npm: true });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(overview(CLI));
    }
  });

  it('answers reconcile --help with exit 0, and a misspelt command with the nearest one and exit 64', async () => {
    const help = await spawnCli(['reconcile', '--help'], BAD_SETTINGS, { npm: true });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run cli -- reconcile \[--since/);
    const typo = await spawnCli(['reconcle'], BAD_SETTINGS, { npm: true });
    expect(typo.code).toBe(64);
    expect(typo.stdout).toBe('');
    expect(typo.stderr).toBe("Unknown command 'reconcle'. Did you mean 'reconcile'?\nRun 'npm run cli -- --help' for the list of commands.\n");
  });

  it('exits 64 on a bad option and 1 on bad settings', async () => {
    const option = await spawnCli(['contributions', 'export', '--form', 'csv'], { DATABASE_PATH: dbPath });
    expect(option.code).toBe(64);
    expect(option.stderr).toContain("Unknown option '--form' for 'contributions export'. Did you mean '--format'?");
    const settings = await spawnCli(['migrate'], { ...BAD_SETTINGS, DATABASE_PATH: dbPath });
    expect(settings.code).toBe(1);
    expect(settings.stderr).toContain('Invalid configuration:');
    expect(existsSync(dbPath)).toBe(false);
  });
});
