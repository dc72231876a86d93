// The shared donation flow (tests/flow/flow.suite.ts) against the Node server over
// better-sqlite3, plus what only the Node runtime has: start-up checks and the CLI export.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFlow, exportCsv, giveSandboxGift, OPS_TOKEN } from './flow/flow.suite.js';
import { freePort, ROOT, runCli, startServer, type RunningServer } from './helpers/server.js';
import { startNodeLive, startNodeSandbox, type Target } from './helpers/target.js';

describeFlow('node', { sandbox: startNodeSandbox, live: startNodeLive });

describe('the Node server', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ OPS_TOKEN });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('says plainly at start-up that the sandbox is active', () => {
    expect(server.output()).toContain('OFFLINE SANDBOX is active');
  });

  it('exports the same bytes from the CLI as from GET /ops/contributions.csv', async () => {
    const target = { url: server.url } as Target;
    await giveSandboxGift(target, { frequency: 'one_off', amount: '15', email: 'cli@example.com', article: 'harbour-water' });
    await giveSandboxGift(target, { frequency: 'annual', amount: '60', email: 'cli2@example.com', article: 'ferry-cuts' });
    const cli = await runCli(['contributions', 'export', '--format', 'csv'], server.env);
    expect(cli.code).toBe(0);
    const http = await (await exportCsv(target)).text();
    expect(cli.stdout.trim().split('\r\n')).toHaveLength(3);
    expect(cli.stdout).toBe(http);

    const empty = await runCli(['contributions', 'export', '--format', 'csv', '--to', '2020-01-01'], server.env);
    expect(empty.stdout).toBe(await (await exportCsv(target, '?to=2020-01-01')).text());
    expect(empty.stdout.trim().split('\r\n')).toHaveLength(1);
  });

  it('copies the live database consistently while the server runs, and never overwrites a file', async () => {
    const target = { url: server.url } as Target;
    await giveSandboxGift(target, { frequency: 'monthly', amount: '7', email: 'backup@example.com', article: 'harbour-water' });
    const dir = mkdtempSync(join(tmpdir(), 'storyfund-backup-'));
    try {
      const file = join(dir, 'copy.sqlite');
      const made = await runCli(['backup', file], server.env);
      expect(made.stderr).toContain('Backed up');
      expect(made.code).toBe(0);
      const copy = new Database(file, { readonly: true });
      try {
        expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(copy.prepare("select kind, amount_minor, frequency from ledger_entries where email = 'backup@example.com'").all()).toEqual([
          { kind: 'gift', amount_minor: 700, frequency: 'monthly' },
        ]);
      } finally {
        copy.close();
      }
      const again = await runCli(['backup', file], server.env);
      expect(again.code).toBe(64);
      expect(again.stderr).toContain('already exists');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('start-up configuration', () => {
  it('refuses to start with bad settings and lists every bad field', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/runtime/node.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', PORT: 'eighty', STRIPE_SECRET_KEY: 'sk_test_abc', CURRENCIES: 'gbp,xyz' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((res) => child.once('exit', res));
    expect(code).toBe(1);
    expect(err).toContain('Invalid configuration');
    expect(err).toMatch(/PORT/);
    expect(err).toMatch(/CURRENCIES/);
    expect(err).toMatch(/STRIPE_WEBHOOK_SECRET is required/);
  });

  it('with a Stripe key and no webhook secret, refuses to start: no unsigned event can ever be accepted', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/runtime/node.ts'], {
      cwd: ROOT,
      // every other setting valid, so this is the one reason
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'development',
        PORT: String(await freePort()),
        DATABASE_PATH: join(tmpdir(), `storyfund-refused-${process.pid}`, 'db.sqlite'),
        STRIPE_SECRET_KEY: 'sk_test_abc',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((res) => child.once('exit', res));
    expect(code).toBe(1);
    expect(out).toContain('STRIPE_WEBHOOK_SECRET is required when STRIPE_SECRET_KEY is set');
    expect(out).not.toContain('listening');
    expect(out).not.toContain('sk_test_abc');
  });

  it('refuses the sandbox in production', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/runtime/node.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((res) => child.once('exit', res));
    expect(code).toBe(1);
    expect(err).toMatch(/STRIPE_SECRET_KEY is required in production/);
  });
});
