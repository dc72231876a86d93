// Once per test run: bundle the Worker exactly as `npm run worker:build` does (the bytes
// `wrangler deploy` would upload), and apply every migration in db/migrations to a local
// D1 with `wrangler d1 migrations apply`, as `npm run worker:dev` does. Each workerd
// target then runs that bundle in Miniflare over its own copy of the migrated database.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ROOT } from '../helpers/server.js';
import type { WorkerBuild } from './workerd.js';

const OUT = join(ROOT, 'dist', 'test-worker');

function wrangler(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', [join(ROOT, 'scripts', 'wrangler.sh'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`wrangler ${args.join(' ')} exited with ${code}:\n${out}`))));
  });
}

function kib(output: string, pattern: RegExp): number {
  const m = pattern.exec(output);
  if (!m) throw new Error(`wrangler did not report the bundle size:\n${output}`);
  return Number(m[1]);
}

export async function setup(project: TestProject): Promise<void> {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const bundleDir = join(OUT, 'bundle');
  const persistDir = join(OUT, 'd1-template');
  // wrangler's own reading of wrangler.toml, so the test Worker gets what `wrangler dev`
  // would give it (compatibility date and flags, [vars], the D1 database id)
  Object.assign(process.env, {
    WRANGLER_SEND_METRICS: 'false',
    WRANGLER_SEND_ERROR_REPORTS: 'false',
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    XDG_CONFIG_HOME: join(ROOT, '.wrangler', 'config'),
  });
  const readConfig = async () => (await import('wrangler')).unstable_getMiniflareWorkerOptions(join(ROOT, 'wrangler.toml')).workerOptions;
  const [built, , workerOptions] = await Promise.all([
    wrangler(['deploy', '--dry-run', '--outdir', bundleDir]),
    wrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistDir]),
    readConfig(),
  ]);
  const d1 = workerOptions.d1Databases as Record<string, { id: string }>;
  const build: WorkerBuild = {
    scriptPath: join(bundleDir, 'worker.js'),
    uploadKiB: kib(built, /Total Upload: ([\d.]+) KiB/),
    uploadGzipKiB: kib(built, /gzip: ([\d.]+) KiB/),
    d1PersistTemplate: join(persistDir, 'v3', 'd1'),
    d1Id: d1.DB!.id,
    compatibilityDate: workerOptions.compatibilityDate!,
    compatibilityFlags: workerOptions.compatibilityFlags ?? [],
    vars: workerOptions.bindings as Record<string, string>,
  };
  project.provide('workerBuild', build);
}

declare module 'vitest' {
  export interface ProvidedContext {
    workerBuild: WorkerBuild;
  }
}
