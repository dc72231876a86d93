// npm run bench: Storyfund's hot paths, each measured against a bare Hono app on the same
// pinned core moments before it, so the ratios hold on a shared, noisy machine where the
// raw numbers do not. How to read the output and what each optimisation bought:
// BENCHMARKS.md.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { openNodeDb } from '../db/node.js';
import { insertPendingGift } from '../src/ledger/ledger.repo.js';
import { invoicePaidTemplate, invoicePaymentPaidTemplate, sessionCompletedTemplate, sign, fill, writeDeliveries, type EventTemplate } from './lib/events.js';
import {
  choosePinning,
  cpuMicros,
  freePort,
  hasCommand,
  memoryKiB,
  pinned,
  pinSelf,
  resetPeak,
  shellLine,
  startServer,
  startStandin,
  stopAllOnExit,
  type Server,
} from './lib/proc.js';
import { runWrk, type WrkRun } from './lib/wrk.js';
import { CHECKOUT_FORM } from './lib/checkout.js';
import { financeRows, renderFinance, type FinanceTiming } from './lib/finance.js';

const ROOT = resolve(import.meta.dirname, '..');
const RESULTS = join(ROOT, 'bench', 'results');
const BUILD = join(RESULTS, 'build');
const RUN = join(RESULTS, 'run');
const CACHE = join(RESULTS, 'cache');
const PROFILES = join(RESULTS, 'profiles');

const { values: opt } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '64' },
    contributions: { type: 'string', default: '1000000' },
    only: { type: 'string', default: 'pages,webhooks,checkout,finance,export' },
    // writes a V8 CPU profile of the Storyfund server to bench/results/profiles/ (slows it down)
    profile: { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(opt.rounds);
const SECONDS = Number(opt.seconds);
const WARMUP = Number(opt.warmup);
const CONNECTIONS = Number(opt.connections);
const CONTRIBUTIONS = Number(opt.contributions);
const ONLY = new Set(opt.only.split(','));

const WEBHOOK_SECRET = 'whsec_bench_storyfund';
const WEBHOOK_FLOOR_KEY = 'webhook-floor';
const OPS_TOKEN = randomBytes(32).toString('hex');
const APPEAL_QUERY = '?article=wrenmouth-council-north-strand-water-quality&section=Environment&campaign=winter-appeal&variant=b&currency=gbp';
/** Bare Hono hello on this kind of machine when the goals were set (docs/platform-notes.md). */
const REFERENCE_HELLO_RPS = 60_000;
/** Enough prepared events per second of load that a run never sends one twice. */
const EVENTS_PER_SECOND = 40_000;

const log = (msg: string) => process.stderr.write(`${msg}\n`);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const spread = (xs: number[]) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });

// ---------------------------------------------------------------------------------------
// Build, data, servers

/**
 * Bundles the entry points so every server starts as plain `node file.js`, as in production.
 * Split into chunks, so a module imported on demand (the CLI's Stripe commands) loads only
 * when used, as it does from tsc's output and under tsx.
 */
async function buildAll(): Promise<void> {
  rmSync(BUILD, { recursive: true, force: true });
  await build({
    entryPoints: {
      'runtime/node': join(ROOT, 'src/runtime/node.ts'),
      'runtime/cli': join(ROOT, 'src/runtime/cli.ts'),
      baseline: join(ROOT, 'bench/servers/baseline.ts'),
      'stripe-standin': join(ROOT, 'bench/servers/stripe-standin.ts'),
    },
    outdir: BUILD,
    bundle: true,
    platform: 'node',
    format: 'esm',
    splitting: true,
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  // db/node.ts finds its migrations beside the module, which is now an entry or a shared chunk.
  for (const dir of ['runtime/migrations', 'migrations']) cpSync(join(ROOT, 'db/migrations'), join(BUILD, dir), { recursive: true });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

/**
 * A database with CONTRIBUTIONS contributions, seeded by the CLI. The seeded file is kept
 * in bench/results/cache, keyed by everything that shapes it, so only the first run (or
 * one after a schema change) pays for seeding.
 */
async function prepareDatabase(): Promise<{ path: string; seedCommand: string; seededNow: boolean; seedSeconds: number | null }> {
  const hash = createHash('sha256');
  for (const f of [
    ...filesUnder(join(ROOT, 'db/migrations')).sort(),
    join(ROOT, 'db/schema.ts'),
    join(ROOT, 'src/runtime/seed.ts'),
    join(ROOT, 'src/ledger/ledger.seed.repo.ts'),
    join(ROOT, 'src/ledger/ledger.rollups.repo.ts'),
  ])
    hash.update(relative(ROOT, f)).update(readFileSync(f));
  const key = `seed-${CONTRIBUTIONS}-${hash.digest('hex').slice(0, 12)}.sqlite`;
  mkdirSync(CACHE, { recursive: true });
  const cached = join(CACHE, key);
  const env = { DATABASE_PATH: `${cached}.partial`, NODE_ENV: 'development', LOG_LEVEL: 'warn' };
  const argv = ['node', join(BUILD, 'runtime/cli.js'), 'dev', 'seed', '--contributions', String(CONTRIBUTIONS)];
  let seededNow = false;
  let seedSeconds: number | null = null;
  if (!existsSync(cached)) {
    for (const old of readdirSync(CACHE)) rmSync(join(CACHE, old), { force: true });
    log(`Seeding ${CONTRIBUTIONS} contributions (once; cached in bench/results/cache)...`);
    const started = Date.now();
    await run(argv, env);
    seedSeconds = (Date.now() - started) / 1000;
    renameSync(`${cached}.partial`, cached);
    seededNow = true;
  }
  rmSync(RUN, { recursive: true, force: true });
  mkdirSync(RUN, { recursive: true });
  const path = join(RUN, 'storyfund.sqlite');
  copyFileSync(cached, path);
  return { path, seedCommand: shellLine(argv, { ...env, DATABASE_PATH: './bench.sqlite' }), seededNow, seedSeconds };
}

function run(argv: string[], env: Record<string, string>): Promise<void> {
  return new Promise((res, rej) => {
    const child = spawn(argv[0]!, argv.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('exit', (code) => (code === 0 ? res() : rej(new Error(`${argv.join(' ')} exited with ${code}`))));
  });
}

// ---------------------------------------------------------------------------------------
// Rows

type Round = { row: WrkRun; base: WrkRun };
type ThroughputResult = { key: string; label: string; connections: number; rounds: Round[]; commands: string[] };

type Goal = { text: string; measured: string; met: boolean | null };

const pinning = choosePinning();
let baseline: Server;

async function baselineRun(seconds = SECONDS): Promise<WrkRun> {
  return runWrk({ url: `${baseline.url}/`, script: 'get.lua', connections: CONNECTIONS, seconds, core: pinning.load, serverPid: baseline.pid });
}

type RowSpec = {
  key: string;
  label: string;
  server: Server;
  path: string;
  script: string;
  connections?: number;
  /** script arguments for one wrk invocation (webhook rows prepare fresh events each time) */
  argsFor?: (phase: string) => Promise<string[]>;
};

/**
 * Warm-up, then rounds of [bare Hono, (reference,) this row] back to back: each round's
 * ratio uses the baseline measured seconds before it, which cancels most of the machine's
 * drift. A row judged against a reference (a page against its own bytes served as a
 * constant) gets that reference measured in the same round, right before it.
 */
async function throughputRow(o: RowSpec, reference?: RowSpec): Promise<ThroughputResult[]> {
  const runner = (spec: RowSpec) => async (phase: string, seconds: number) =>
    runWrk({
      url: spec.server.url + spec.path,
      script: spec.script,
      scriptArgs: spec.argsFor ? await spec.argsFor(phase) : [],
      connections: spec.connections ?? CONNECTIONS,
      seconds,
      core: pinning.load,
      serverPid: spec.server.pid,
    });
  const specs = reference ? [reference, o] : [o];
  log(`- ${specs.map((x) => x.label).join(', then ')}`);
  const rounds: Round[][] = specs.map(() => []);
  if (WARMUP > 0) for (const spec of specs) await runner(spec)('warmup', WARMUP);
  for (let r = 1; r <= ROUNDS; r++) {
    const base = await baselineRun();
    for (const [i, spec] of specs.entries()) {
      const row = await runner(spec)(`round${r}`, SECONDS);
      if (row.errors)
        log(`  ${spec.key} round ${r}: ${row.errors} errors (status ${row.status}, timeouts ${row.timeout}, socket ${row.connect + row.read + row.write})`);
      if (row.wrapped) log(`  ${spec.key} round ${r}: ran out of prepared events; some requests were duplicates`);
      rounds[i]!.push({ row, base });
    }
  }
  return specs.map((spec, i) => ({
    key: spec.key,
    label: spec.label,
    connections: spec.connections ?? CONNECTIONS,
    rounds: rounds[i]!,
    commands: [...new Set(rounds[i]!.map((r) => r.row.command))],
  }));
}

const ratios = (t: ThroughputResult) => t.rounds.map((r) => r.row.rps / r.base.rps);
const ratioTo = (t: ThroughputResult, ref: ThroughputResult) =>
  t.rounds.map((r, i) => r.row.rps / r.base.rps / (ref.rounds[i]!.row.rps / ref.rounds[i]!.base.rps));

// ---------------------------------------------------------------------------------------

async function main() {
  if (!hasCommand('wrk')) {
    console.error('npm run bench needs wrk, the HTTP load generator. On Debian or Ubuntu: sudo apt-get install -y wrk');
    process.exit(1);
  }
  stopAllOnExit();
  pinSelf(pinning.load);
  const startedAt = Date.now();
  const loadBefore = loadavg();
  log(`Building...`);
  await buildAll();
  const db = await prepareDatabase();

  const standin = await startStandin(join(BUILD, 'stripe-standin.js'), join(ROOT, 'tests/fixtures/stripe'), pinning.load);
  const appPort = await freePort();
  const appEnv = {
    PORT: String(appPort),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${appPort}`,
    DATABASE_PATH: db.path,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    STRIPE_SECRET_KEY: 'sk_test_bench',
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_BASE: standin.url,
    // emails are queued in the outbox (part of the measured write) but not sent during the run
    MAIL_TRANSPORT: 'none',
    OPS_TOKEN,
    // one address posting thousands of checkouts is what the budget refuses; the row measures the accepted path
    CHECKOUT_LIMIT_PER_ADDRESS: '1000000',
    CHECKOUT_LIMIT_PER_EMAIL: '1000000',
    CHECKOUT_LIMIT_WINDOW_MINUTES: '1',
  };
  const app = await startServer({
    name: 'storyfund',
    argv: ['node', ...(opt.profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILES}`] : []), join(BUILD, 'runtime/node.js')],
    env: appEnv,
    port: appPort,
    core: pinning.server,
    readyPath: '/health',
  });

  // The static rows serve Storyfund's own bytes, fetched from it, as constant strings.
  const article = await fetch(`${app.url}/`);
  writeFileSync(join(RUN, 'article.html'), await article.text());
  const fragment = await fetch(`${app.url}/appeal${APPEAL_QUERY}`);
  writeFileSync(join(RUN, 'appeal.html'), await fragment.text());
  const fragmentHeaders = Object.fromEntries(
    ['cache-control', 'access-control-allow-origin'].flatMap((h) => (fragment.headers.get(h) ? [[h, fragment.headers.get(h)!]] : [])),
  );
  const basePort = await freePort();
  baseline = await startServer({
    name: 'baseline',
    argv: ['node', join(BUILD, 'baseline.js')],
    env: {
      PORT: String(basePort),
      BENCH_STATIC: JSON.stringify({
        '/static/article': { file: join(RUN, 'article.html') },
        '/static/appeal': { file: join(RUN, 'appeal.html'), headers: fragmentHeaders },
      }),
    },
    port: basePort,
    core: pinning.server,
  });

  log(`Warming up the baseline...`);
  await baselineRun(WARMUP + 1);

  const throughput: ThroughputResult[] = [];
  const goals: { row: string; goal: Goal }[] = [];

  if (ONLY.has('pages')) {
    const pages = [
      [
        { key: 'article', label: 'GET / (demo article with the appeal)', server: app, path: '/', script: 'get.lua' },
        { key: 'static-article', label: 'article bytes as a constant string (bare Hono)', server: baseline, path: '/static/article', script: 'get.lua' },
      ],
      [
        { key: 'appeal', label: 'GET /appeal (fragment, per-request values)', server: app, path: `/appeal${APPEAL_QUERY}`, script: 'get.lua' },
        { key: 'static-appeal', label: 'appeal fragment bytes as a constant string (bare Hono)', server: baseline, path: '/static/appeal', script: 'get.lua' },
      ],
    ] as const;
    for (const [row, ref] of pages) {
      const [refResult, rowResult] = await throughputRow(row, ref);
      throughput.push(refResult!, rowResult!);
      const s = spread(ratioTo(rowResult!, refResult!));
      goals.push({
        row: row.key,
        goal: {
          text: '≥ 80% of its bytes as a constant string (same round)',
          measured: `${pct(s.median)} (${pct(s.min)}–${pct(s.max)})`,
          met: s.median >= 0.8,
        },
      });
    }
  }

  if (ONLY.has('webhooks')) {
    const w = await webhookRows(app, db.path);
    throughput.push(...w);
    for (const row of w) {
      if (row.key === WEBHOOK_FLOOR_KEY) continue;
      const s = spread(ratios(row));
      goals.push({
        row: row.key,
        goal: {
          text: '≥ 15% of bare Hono',
          measured: `${pct(s.median)} (${pct(s.min)}–${pct(s.max)})`,
          met: s.median >= 0.15 && row.rounds.every((r) => r.row.errors === 0),
        },
      });
    }
  }

  let checkout: CheckoutResult | null = null;
  if (ONLY.has('checkout')) checkout = await checkoutRows(app, standin);

  let finance: FinanceTiming[] = [];
  if (ONLY.has('finance')) finance = await financeRows(app.url, db.path, log);

  let exports: ExportResult[] = [];
  if (ONLY.has('export')) exports = await exportRows(app, db.path);

  const stats = (await (await fetch(`${standin.url}/__bench/stats`)).json()) as { sessions: number; unexpected: Record<string, number> };
  await Promise.all([app.stop(), baseline.stop(), standin.stop()]);

  const report = [
    renderReport({ throughput, goals, checkout, exports, db, stats, startedAt, loadBefore, servers: { app, baseline, standin } }),
    ...renderFinance(finance, CONTRIBUTIONS),
  ].join('\n');
  console.log(report);
  writeFileSync(join(RESULTS, 'latest.md'), report);
  writeFileSync(join(RESULTS, 'latest.json'), JSON.stringify({ throughput, checkout, exports, goals, finance }, null, 2));
  log(`\nWritten to bench/results/latest.md (${((Date.now() - startedAt) / 1000).toFixed(0)} s in all)`);
}

// ---------------------------------------------------------------------------------------
// Webhooks

async function webhookRows(app: Server, dbPath: string): Promise<ThroughputResult[]> {
  // Renewals of regular gifts the seeded ledger already holds, and one-off gifts that
  // POST /checkout would have recorded as pending.
  const handle = openNodeDb(dbPath);
  const monthly = handle.sqlite
    .prepare(
      `select g.id as gift, r.stripe_subscription_id as sub, g.email as email, r.stripe_customer_id as customer
       from recurring_gifts r join gifts g on g.id = r.gift_id where g.frequency = 'monthly' and g.email is not null limit 2000`,
    )
    .all() as { gift: string; sub: string; email: string; customer: string }[];
  const pending: string[] = [];
  const now = Date.now();
  for (let i = 0; i < 2000; i++) {
    const id = `gift_bench${i.toString(36).padStart(6, '0')}${now.toString(36)}`;
    await insertPendingGift(
      handle.db,
      {
        id,
        frequency: 'one_off',
        amountMinor: 1000,
        currency: 'gbp',
        email: null,
        article: 'wrenmouth-council-north-strand-water-quality',
        section: 'Environment',
        campaign: null,
        variant: 'b',
        referrer: null,
        country: 'GB',
      },
      now,
    );
    pending.push(id);
  }
  await handle.close();
  if (monthly.length === 0) throw new Error('The seeded database holds no monthly gifts to renew');

  let serial = 0;
  const prefix = now.toString(36);
  const invoice = invoicePaidTemplate();
  const session = sessionCompletedTemplate();
  const invoicePayment = invoicePaymentPaidTemplate();
  const invoiceValues = (n: string, i: number) => {
    const m = monthly[i % monthly.length]!;
    return { N: n, GIFT: m.gift, SUB: m.sub, EMAIL: m.email, CUSTOMER: m.customer };
  };
  const sessionValues = (n: string, i: number) => ({ N: n, GIFT: pending[i % pending.length]!, EMAIL: `reader${i % 5000}@example.com` });

  /** Fresh, unique, freshly signed events for one wrk invocation (signatures expire after 300 s). */
  const prepare = (name: string, t: EventTemplate, valuesOf: (n: string, i: number) => Record<string, string>) => async (phase: string) => {
    const count = Math.ceil(EVENTS_PER_SECOND * (phase === 'warmup' ? WARMUP : SECONDS));
    const first = serial;
    serial += count;
    const file = join(RUN, `${name}-${phase}.tsv`);
    await writeDeliveries(file, t, count, (i) => valuesOf(`${prefix}${(first + i).toString(36)}`, first + i), WEBHOOK_SECRET);
    return [file, '0'];
  };

  // Each template must be accepted and applied before it is measured.
  for (const [t, values] of [
    [invoice, invoiceValues(`check${prefix}`, 0)],
    [session, sessionValues(`check${prefix}`, 0)],
    [invoicePayment, { N: `check${prefix}` }],
  ] as const) {
    const payload = fill(t, values);
    const res = await fetch(`${app.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': sign(payload, WEBHOOK_SECRET, Math.floor(Date.now() / 1000)) },
      body: payload,
    });
    if (res.status !== 200) throw new Error(`The benchmark's webhook event was refused (${res.status}): ${await res.text()}\n${app.output()}`);
  }

  const rows: ThroughputResult[] = [];
  rows.push(
    ...(await throughputRow({
      key: 'webhook-invoice',
      label: 'POST /webhooks/stripe: unique invoice.paid',
      server: app,
      path: '/webhooks/stripe',
      script: 'webhooks.lua',
      argsFor: prepare('invoice', invoice, invoiceValues),
    })),
  );
  rows.push(
    ...(await throughputRow({
      key: 'webhook-invoice-payment',
      label: "POST /webhooks/stripe: unique invoice_payment.paid (the renewal's link to its payment)",
      server: app,
      path: '/webhooks/stripe',
      script: 'webhooks.lua',
      argsFor: prepare('invoice-payment', invoicePayment, (n) => ({ N: n })),
    })),
  );
  rows.push(
    ...(await throughputRow({
      key: 'webhook-session',
      label: 'POST /webhooks/stripe: unique checkout.session.completed',
      server: app,
      path: '/webhooks/stripe',
      script: 'webhooks.lua',
      argsFor: prepare('session', session, sessionValues),
    })),
  );

  // Duplicates: 1000 events already applied, redelivered round and round.
  const dupFile = join(RUN, 'duplicates.tsv');
  const dupValues = (i: number) => (i % 2 ? invoiceValues(`dup${prefix}${i}`, i) : sessionValues(`dup${prefix}${i}`, i));
  const dupCount = 1000;
  for (let i = 0; i < dupCount; i++) {
    const t = i % 2 ? invoice : session;
    const payload = fill(t, dupValues(i));
    const res = await fetch(`${app.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': sign(payload, WEBHOOK_SECRET, Math.floor(Date.now() / 1000)) },
      body: payload,
    });
    await res.arrayBuffer();
  }
  // One file per template, since a file holds one template: alternate by round.
  const dupPrepare = async (phase: string) => {
    const useInvoice = phase.endsWith('2') || phase === 'warmup';
    const file = dupFile.replace('.tsv', `-${phase}.tsv`);
    const idx = Array.from({ length: dupCount / 2 }, (_, k) => (useInvoice ? 2 * k + 1 : 2 * k));
    await writeDeliveries(file, useInvoice ? invoice : session, idx.length, (k) => dupValues(idx[k]!), WEBHOOK_SECRET);
    return [file, '1'];
  };
  rows.push(
    ...(await throughputRow(
      {
        key: 'webhook-duplicate',
        label: 'POST /webhooks/stripe: duplicates (already applied)',
        server: app,
        path: '/webhooks/stripe',
        script: 'webhooks.lua',
        argsFor: dupPrepare,
      },
      // the same bytes posted to bare Hono, which reads them and answers JSON: a webhook's floor
      {
        key: WEBHOOK_FLOOR_KEY,
        label: 'the same webhook bytes POSTed to bare Hono (body read, JSON reply)',
        server: baseline,
        path: '/post',
        script: 'webhooks.lua',
        argsFor: dupPrepare,
      },
    )),
  );
  return rows;
}

// ---------------------------------------------------------------------------------------
// Checkout: the time Storyfund adds over calling the stand-in Stripe directly

type CheckoutResult = { app: WrkRun[]; direct: WrkRun[]; addedP50Ms: number[]; addedP99Ms: number[]; commands: string[] };

async function checkoutRows(app: Server, standin: Server): Promise<CheckoutResult> {
  log('- POST /checkout vs the stand-in Stripe called directly (1 connection)');
  const formFile = join(RUN, 'checkout-form.txt');
  writeFileSync(formFile, CHECKOUT_FORM);
  const first = await fetch(`${app.url}/checkout`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: CHECKOUT_FORM,
  });
  if (first.status !== 303) throw new Error(`POST /checkout answered ${first.status}: ${await first.text()}`);
  // What the SDK sent for that checkout: the direct row sends the same bytes.
  const last = (await (await fetch(`${standin.url}/__bench/last`)).json()) as { body: string };
  const sdkFile = join(RUN, 'checkout-sdk-body.txt');
  writeFileSync(sdkFile, last.body);
  const one = (url: string, type: string, file: string, seconds: number, pid: number) =>
    runWrk({ url, script: 'post.lua', scriptArgs: [type, file], connections: 1, seconds, core: pinning.load, serverPid: pid });
  const appRun = (s: number) => one(`${app.url}/checkout`, 'application/x-www-form-urlencoded', formFile, s, app.pid);
  const directRun = (s: number) => one(`${standin.url}/v1/checkout/sessions`, 'application/x-www-form-urlencoded', sdkFile, s, standin.pid);
  await appRun(WARMUP);
  await directRun(WARMUP);
  const result: CheckoutResult = { app: [], direct: [], addedP50Ms: [], addedP99Ms: [], commands: [] };
  for (let r = 0; r < ROUNDS; r++) {
    const a = await appRun(SECONDS);
    const d = await directRun(SECONDS);
    if (a.errors) log(`  round ${r + 1}: ${a.errors} errors`);
    result.app.push(a);
    result.direct.push(d);
    result.addedP50Ms.push((a.p50 - d.p50) / 1000);
    result.addedP99Ms.push((a.p99 - d.p99) / 1000);
  }
  result.commands = [result.app[0]!.command, result.direct[0]!.command];
  return result;
}

// ---------------------------------------------------------------------------------------
// Export of every contribution, with other requests' latency meanwhile

type ExportResult = {
  label: string;
  rows: number;
  seconds: number[];
  /** CPU time (user + system) of the process that made the CSV, over the export */
  cpuSeconds: number[];
  peakMiB: number[];
  othersP99Ms: number[];
  othersIdleP99Ms: number;
  othersErrors: number;
  command: string;
  othersCommand: string;
  note: string;
  /** for an export served by the app: the server's RSS just before it started */
  rssBeforeMiB?: number[];
};

async function exportRows(app: Server, dbPath: string): Promise<ExportResult[]> {
  const handle = openNodeDb(dbPath, { readonly: true });
  const rows = (handle.sqlite.prepare('select count(*) as n from ledger_entries').get() as { n: number }).n;
  await handle.close();
  const others = (seconds: number, until?: Promise<unknown>) =>
    runWrk({ url: `${app.url}/appeal${APPEAL_QUERY}`, script: 'paced.lua', scriptArgs: ['10'], connections: 16, seconds, core: pinning.load, until });
  log('- other requests with no export running (16 connections, 10 ms apart)');
  const idle = await others(SECONDS);
  const results: ExportResult[] = [];

  log(`- CLI export of ${rows} contributions`);
  const cliArgv = pinned(pinning.server, ['node', join(BUILD, 'runtime/cli.js'), 'contributions', 'export', '--format', 'csv']);
  const cliEnv = { DATABASE_PATH: dbPath, NODE_ENV: 'development', LOG_LEVEL: 'warn' };
  const cli: ExportResult = {
    label: `CLI export (npm run cli -- contributions export), ${rows} rows`,
    rows,
    seconds: [],
    cpuSeconds: [],
    peakMiB: [],
    othersP99Ms: [],
    othersIdleP99Ms: idle.p99 / 1000,
    othersErrors: 0,
    command: `${shellLine(cliArgv, { ...cliEnv, DATABASE_PATH: './bench.sqlite' })} > /dev/null`,
    othersCommand: '',
    note: 'its own process on the server core, beside the live server; peak RSS is the CLI process',
  };
  for (let r = 0; r < ROUNDS; r++) {
    const sink = openSync('/dev/null', 'w');
    const started = performance.now();
    const child = spawn(cliArgv[0]!, cliArgv.slice(1), { env: { PATH: process.env.PATH ?? '', ...cliEnv }, stdio: ['ignore', sink, 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    let peak = 0;
    let cpu = 0;
    const poll = setInterval(() => {
      try {
        peak = Math.max(peak, memoryKiB(child.pid!).peak);
        // sampled every 20 ms, so the last sample misses at most that much of the end
        cpu = cpuMicros(child.pid!);
      } catch {
        // exited between polls
      }
    }, 20);
    const exited = new Promise<number>((res) => child.once('exit', (code) => res(code ?? -1)));
    const during = others(120, exited);
    const code = await exited;
    const seconds = (performance.now() - started) / 1000;
    clearInterval(poll);
    closeSync(sink);
    const o = await during;
    if (code !== 0) throw new Error(`export exited with ${code}: ${stderr}`);
    cli.seconds.push(seconds);
    cli.cpuSeconds.push(cpu / 1e6);
    cli.peakMiB.push(peak / 1024);
    cli.othersP99Ms.push(o.p99 / 1000);
    cli.othersErrors += o.errors;
    cli.othersCommand = o.command;
  }
  results.push(cli);

  // The HTTP export, where this build has it (GET /ops/contributions.csv, behind OPS_TOKEN).
  const probe = await fetch(`${app.url}/ops/contributions.csv?from=2999-01-01`, { headers: { authorization: `Bearer ${OPS_TOKEN}` } });
  await probe.arrayBuffer();
  if (probe.status === 200) {
    log(`- HTTP export (GET /ops/contributions.csv) of ${rows} contributions`);
    const http: ExportResult = {
      label: `HTTP export (GET /ops/contributions.csv), ${rows} rows`,
      rows,
      seconds: [],
      cpuSeconds: [],
      peakMiB: [],
      othersP99Ms: [],
      othersIdleP99Ms: idle.p99 / 1000,
      othersErrors: 0,
      command: `${pinned(pinning.load, []).join(' ')} curl -s -o /dev/null -H 'authorization: Bearer $OPS_TOKEN' ${app.url}/ops/contributions.csv`.trim(),
      othersCommand: '',
      note: "served by the app process itself; peak RSS is the whole server process during the export, CPU time the server's over the download (serving the other requests too)",
      rssBeforeMiB: [],
    };
    for (let r = 0; r < ROUNDS; r++) {
      const hwmReset = resetPeak(app.pid);
      const before = memoryKiB(app.pid);
      const cpuBefore = cpuMicros(app.pid);
      const started = performance.now();
      const body = download(`${app.url}/ops/contributions.csv`, { authorization: `Bearer ${OPS_TOKEN}` });
      const during = others(300, body);
      const { status, bytes } = await body;
      const seconds = (performance.now() - started) / 1000;
      const cpu = (cpuMicros(app.pid) - cpuBefore) / 1e6;
      const after = memoryKiB(app.pid);
      const o = await during;
      if (status !== 200 || bytes < rows * 50) throw new Error(`HTTP export answered ${status} with ${bytes} bytes`);
      http.seconds.push(seconds);
      http.cpuSeconds.push(cpu);
      http.peakMiB.push((hwmReset ? after.peak : Math.max(before.rss, after.rss)) / 1024);
      http.rssBeforeMiB!.push(before.rss / 1024);
      http.othersP99Ms.push(o.p99 / 1000);
      http.othersErrors += o.errors;
      http.othersCommand = o.command;
    }
    results.push(http);
  }
  return results;
}

function download(url: string, headers: Record<string, string>): Promise<{ status: number; bytes: number }> {
  return new Promise((res, rej) => {
    const req = httpRequest(url, { headers }, (response) => {
      let bytes = 0;
      response.on('data', (d: Buffer) => (bytes += d.length));
      response.on('end', () => res({ status: response.statusCode ?? 0, bytes }));
      response.on('error', rej);
    });
    req.on('error', rej);
    req.end();
  });
}

// ---------------------------------------------------------------------------------------
// Report

function pct(x: number): string {
  return `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;
}
function ms(us: number): string {
  return us >= 10_000 ? `${(us / 1000).toFixed(0)} ms` : `${(us / 1000).toFixed(2)} ms`;
}
function num(x: number): string {
  return Math.round(x).toLocaleString('en-GB');
}
const yes = (met: boolean | null) => (met === null ? '—' : met ? '**met**' : '**missed**');

function renderReport(r: {
  throughput: ThroughputResult[];
  goals: { row: string; goal: Goal }[];
  checkout: CheckoutResult | null;
  exports: ExportResult[];
  db: { seedCommand: string; seededNow: boolean; seedSeconds: number | null };
  stats: { sessions: number; unexpected: Record<string, number> };
  startedAt: number;
  loadBefore: number[];
  servers: { app: Server; baseline: Server; standin: Server };
}): string {
  const lines: string[] = [];
  const allBase = r.throughput.flatMap((t) => t.rounds.map((x) => x.base));
  lines.push(`## Results (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC)`, '');
  lines.push(
    `Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores; Node ${process.version}; ${pinning.note}. ` +
      `Load average before/after: ${r.loadBefore.map((x) => x.toFixed(1)).join(' ')} / ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}. ` +
      `${ROUNDS} rounds × ${SECONDS} s after a ${WARMUP} s warm-up; wrk, 1 thread.`,
    '',
  );
  lines.push('| row | conns | req/s (median) | p50 | p99 | server CPU / req | × bare Hono (median, min–max) | × bare Hono by CPU / req | goal | measured | |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|');
  if (allBase.length) {
    lines.push(
      `| bare Hono hello (baseline, ${allBase.length} runs) | ${CONNECTIONS} | ${num(median(allBase.map((b) => b.rps)))} | ${ms(median(allBase.map((b) => b.p50)))} | ${ms(median(allBase.map((b) => b.p99)))} | ${cpuCell(allBase)} | 100% | 100% | | | |`,
    );
  }
  for (const t of r.throughput) {
    const runs = t.rounds.map((x) => x.row);
    const s = spread(ratios(t));
    const g = r.goals.find((x) => x.row === t.key)?.goal;
    const errors = runs.reduce((n, x) => n + x.errors, 0);
    lines.push(
      `| ${t.label}${errors ? ` (${errors} errors)` : ''} | ${t.connections} | ${num(median(runs.map((x) => x.rps)))} | ${ms(median(runs.map((x) => x.p50)))} | ${ms(median(runs.map((x) => x.p99)))} | ${cpuCell(runs)} | ${pct(s.median)} (${pct(s.min)}–${pct(s.max)}) | ${cpuRatioCell(t)} | ${g?.text ?? 'reference'} | ${g?.measured ?? ''} | ${g ? yes(g.met) : ''} |`,
    );
  }
  // The absolute goals (ms, s) were set on this kind of machine with bare Hono at ~60k req/s;
  // on a busier or slower one, scale them by how fast bare Hono ran here.
  const speed = allBase.length ? median(allBase.map((b) => b.rps)) / REFERENCE_HELLO_RPS : null;
  if (speed !== null) {
    lines.push(
      '',
      `Machine speed this run: bare Hono did ${num(median(allBase.map((b) => b.rps)))} req/s, ${pct(speed)} of the ${num(REFERENCE_HELLO_RPS)} req/s the goals were set at. ` +
        `Times below are also shown scaled by that (× ${speed.toFixed(2)}), as an estimate for an idle machine.`,
    );
  }
  const scaled = (x: number, unit: string, digits: number) => (speed === null ? '' : ` (≈ ${(x * speed).toFixed(digits)} ${unit} scaled)`);
  if (r.checkout) {
    const c = r.checkout;
    const a50 = spread(c.addedP50Ms);
    lines.push('', '### POST /checkout over a stand-in Stripe on loopback (1 connection, requests one after another)', '');
    lines.push('| | req/s (median) | p50 | p99 | CPU / req (that process) |', '|---|---:|---:|---:|---:|');
    lines.push(
      `| POST /checkout (Storyfund → SDK → stand-in) | ${num(median(c.app.map((x) => x.rps)))} | ${ms(median(c.app.map((x) => x.p50)))} | ${ms(median(c.app.map((x) => x.p99)))} | ${cpuCell(c.app)} |`,
    );
    lines.push(
      `| the stand-in called directly, same body | ${num(median(c.direct.map((x) => x.rps)))} | ${ms(median(c.direct.map((x) => x.p50)))} | ${ms(median(c.direct.map((x) => x.p99)))} | ${cpuCell(c.direct)} |`,
    );
    lines.push(
      '',
      `Storyfund adds **${a50.median.toFixed(2)} ms** at p50${scaled(a50.median, 'ms', 2)} (rounds: ${c.addedP50Ms.map((x) => x.toFixed(2)).join(', ')}) and ${median(c.addedP99Ms).toFixed(2)} ms at p99. Goal ≤ 1 ms: ${yes(a50.median <= 1)}.`,
    );
    const errs = c.app.reduce((n, x) => n + x.errors, 0);
    if (errs) lines.push(`(${errs} checkout requests failed.)`);
  }
  if (r.exports.length) {
    lines.push('', '### CSV export of every contribution, with other requests running (GET /appeal, 16 connections, 10 ms apart)', '');
    lines.push(
      "| export | time (median, min–max) | CPU time | peak RSS | others' p99 meanwhile | others' p99 idle | goal | |",
      '|---|---:|---:|---:|---:|---:|---|---|',
    );
    for (const e of r.exports) {
      const t = spread(e.seconds);
      const m = spread(e.peakMiB);
      const c = spread(e.cpuSeconds);
      const p = spread(e.othersP99Ms);
      // Served by the app, the export's memory is what the server grew by while it ran: the
      // server's own cache and heap were there before and stay after.
      const grew = e.rssBeforeMiB?.length ? spread(e.peakMiB.map((peak, i) => peak - e.rssBeforeMiB![i]!)) : null;
      const met = t.median <= 4 && (grew ?? m).median <= 128 && p.median <= 60;
      const memory = `${m.median.toFixed(0)} MiB (${m.min.toFixed(0)}–${m.max.toFixed(0)})${grew ? `; +${grew.median.toFixed(0)} MiB for the export` : ''}`;
      lines.push(
        `| ${e.label} | ${t.median.toFixed(2)} s (${t.min.toFixed(2)}–${t.max.toFixed(2)})${scaled(t.median, 's', 1)} | ${c.median.toFixed(2)} s | ${memory} | ${p.median.toFixed(1)} ms (${p.min.toFixed(1)}–${p.max.toFixed(1)})${e.othersErrors ? `, ${e.othersErrors} errors` : ''} | ${e.othersIdleP99Ms.toFixed(1)} ms | ≤ 4 s, ≤ 128 MiB, ≤ 60 ms | ${yes(met)} |`,
      );
    }
    for (const e of r.exports) {
      const before = e.rssBeforeMiB?.length ? ` (it held ${median(e.rssBeforeMiB).toFixed(0)} MiB just before)` : '';
      lines.push('', `- ${e.label}: ${e.note}${before}.`);
    }
  }
  if (Object.keys(r.stats.unexpected).length)
    lines.push('', `**The stand-in Stripe was asked for things it does not serve:** ${JSON.stringify(r.stats.unexpected)}`);
  lines.push('', '### Rerun one row', '', 'Servers (bundled by `npm run bench` into bench/results/build/):', '', '```sh');
  lines.push(`# seed (once): ${r.db.seedCommand}${r.db.seededNow && r.db.seedSeconds ? `   # took ${r.db.seedSeconds.toFixed(0)} s this run` : ''}`);
  for (const s of [r.servers.baseline, r.servers.standin, r.servers.app])
    lines.push(s.command.replace(/OPS_TOKEN=\w+/, 'OPS_TOKEN=$OPS_TOKEN').replace(`${RESULTS}/run/storyfund.sqlite`, './bench.sqlite'));
  lines.push(
    '```',
    '',
    'Load (ports as in this run; the webhook rows read event files that `npm run bench -- --only webhooks` writes to bench/results/run/, signed for 300 s):',
    '',
    '```sh',
  );
  if (allBase[0]) lines.push(allBase[0].command);
  for (const t of r.throughput) lines.push(...t.commands.slice(0, 1));
  if (r.checkout) lines.push(...r.checkout.commands);
  for (const e of r.exports) lines.push(e.command.replace(`${RESULTS}/run/storyfund.sqlite`, './bench.sqlite'), `${e.othersCommand}   # meanwhile`);
  lines.push('```');
  lines.push('', `Whole run: ${((Date.now() - r.startedAt) / 1000).toFixed(0)} s.`);
  // paths relative to the repository, so the commands read the same on every clone
  return lines.join('\n').replaceAll(`${ROOT}/`, './');
}

/**
 * The same ratio from CPU time instead of req/s: bare Hono's server CPU per request over the
 * row's, round by round. Time-sharing with other processes lowers req/s but hardly moves CPU
 * per request, so on a busy machine this is the steadier of the two.
 */
function cpuRatioCell(t: ThroughputResult): string {
  const xs = t.rounds.flatMap((r) => (r.row.serverCpuUs && r.base.serverCpuUs ? [r.base.serverCpuUs / r.row.serverCpuUs] : []));
  return xs.length ? pct(median(xs)) : '';
}

function cpuCell(runs: WrkRun[]): string {
  const xs = runs.map((x) => x.serverCpuUs).filter((x): x is number => x !== null);
  return xs.length ? `${median(xs).toFixed(0)} µs` : '';
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
