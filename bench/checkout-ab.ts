// POST /checkout at two or more git revisions, measured in turns against one stand-in Stripe,
// so the load other people put on a shared machine falls on every revision alike. The
// main bench measures one revision at a time, and on a busy machine two runs minutes
// apart can differ by more than the change being measured.
//
//   npx tsx bench/checkout-ab.ts a6373a3 HEAD [--rounds 8] [--seconds 3]
//
// Each revision is taken with `git archive` into bench/results/ab/<rev>/, bundled as the
// main bench does, and started on core 0 with its own empty database (migrated at start).
// Rounds alternate the order; the table gives each revision's median and minimum of server
// CPU per request and of p50 (1 connection, requests one after another, as the main bench).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { choosePinning, freePort, startServer, startStandin, stopAllOnExit, type Server } from './lib/proc.js';
import { runWrk } from './lib/wrk.js';
import { CHECKOUT_FORM } from './lib/checkout.js';

const ROOT = join(import.meta.dirname, '..');
const AB = join(ROOT, 'bench/results/ab');
const { values: opt, positionals: revs } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '8' }, seconds: { type: 'string', default: '3' } },
});
if (revs.length < 2) {
  console.error('usage: npx tsx bench/checkout-ab.ts <rev> <rev> [...] [--rounds 8] [--seconds 3]');
  process.exit(2);
}

stopAllOnExit();
const pinning = choosePinning();
rmSync(AB, { recursive: true, force: true });
mkdirSync(AB, { recursive: true });
const formFile = join(AB, 'checkout-form.txt');
writeFileSync(formFile, CHECKOUT_FORM);

async function bundle(entry: string, outdir: string, cwd: string): Promise<void> {
  await build({
    entryPoints: { [entry.replace(/\.ts$/, '').replace(/^src\//, '')]: join(cwd, entry) },
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
    absWorkingDir: cwd,
  });
}

await bundle('bench/servers/stripe-standin.ts', join(AB, 'standin'), ROOT);
const standin = await startStandin(join(AB, 'standin/bench/servers/stripe-standin.js'), join(ROOT, 'tests/fixtures/stripe'), pinning.load);

type Variant = { rev: string; server: Server; cpu: number[]; p50: number[] };
const variants: Variant[] = [];
for (const rev of revs) {
  const sha = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', rev]).toString().trim();
  const dir = join(AB, sha);
  mkdirSync(dir, { recursive: true });
  execFileSync('sh', ['-c', `git -C '${ROOT}' archive ${sha} | tar -x -C '${dir}'`]);
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  await bundle('src/runtime/node.ts', join(dir, 'build'), dir);
  cpSync(join(dir, 'db/migrations'), join(dir, 'build/runtime/migrations'), { recursive: true });
  const port = await freePort();
  const server = await startServer({
    name: `Storyfund ${rev}`,
    argv: ['node', join(dir, 'build/runtime/node.js')],
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATABASE_PATH: join(dir, 'storyfund.sqlite'),
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      STRIPE_SECRET_KEY: 'sk_test_bench',
      STRIPE_WEBHOOK_SECRET: 'whsec_bench_storyfund',
      STRIPE_API_BASE: standin.url,
      MAIL_TRANSPORT: 'none',
    },
    port,
    core: pinning.server,
    readyPath: '/health',
  });
  variants.push({ rev: `${rev} (${sha})`, server, cpu: [], p50: [] });
}

const post = (v: Variant, seconds: number) =>
  runWrk({
    url: `${v.server.url}/checkout`,
    script: 'post.lua',
    scriptArgs: ['application/x-www-form-urlencoded', formFile],
    connections: 1,
    seconds,
    core: pinning.load,
    serverPid: v.server.pid,
  });

for (const v of variants) await post(v, 2);
const rounds = Number(opt.rounds);
for (let r = 0; r < rounds; r++) {
  for (const v of r % 2 ? [...variants].reverse() : variants) {
    const run = await post(v, Number(opt.seconds));
    if (run.errors) console.error(`${v.rev}: ${run.errors} errors in round ${r + 1}`);
    v.cpu.push(run.serverCpuUs ?? NaN);
    v.p50.push(run.p50);
  }
  console.error(`round ${r + 1}/${rounds}: ${variants.map((v) => `${v.rev} ${v.cpu.at(-1)!.toFixed(0)} µs CPU, p50 ${v.p50.at(-1)} µs`).join(' | ')}`);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
console.log(
  `\n${pinning.note}; ${rounds} rounds × ${opt.seconds} s, order alternating; load average now ${execFileSync('cat', ['/proc/loadavg']).toString().split(' ').slice(0, 3).join(' ')}\n`,
);
console.log('| revision | server CPU / req (median, min) | p50 (median, min) |');
console.log('|---|---:|---:|');
for (const v of variants)
  console.log(
    `| ${v.rev} | ${median(v.cpu).toFixed(0)} µs, ${Math.min(...v.cpu).toFixed(0)} µs | ${(median(v.p50) / 1000).toFixed(2)} ms, ${(Math.min(...v.p50) / 1000).toFixed(2)} ms |`,
  );
process.exit(0);
