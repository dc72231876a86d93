// Operator CLI: npm run cli -- <command>. Node-only. Each command is one entry of COMMANDS;
// parsing, --help, suggestions and exit codes are cli.kit.ts's.
import { existsSync } from 'node:fs';
import { migrateNodeDb, openNodeDb } from '../../db/node.js';
import { ConfigError, loadConfig } from '../config.js';
import { DAY_MS, EXPORT_HEADER, parseDay, readExportPage, type Cursor } from '../ledger/ledger.export.js';
import { parseSince } from './reconcile.report.js';
import { asUsage, type Cli, type CliCommand, type CliIo, defineCommand, EXIT, runCommandLine, UsageError } from './cli.kit.js';
import { STAFF_COMMANDS } from './cli.staff.js';
import { NODE_CLI_EXPORT, nodeExportReader } from './node.export.js';
// The seed, the Stripe SDK and the reconciler are imported by the commands that use them:
// loaded up front they added ~25 MiB to the export's peak RSS, which is bounded (BENCHMARKS.md).

/** What `payouts statement` adds up; refunds and lost disputes are negative amounts, so they are added. */
export const PAYOUT_FORMULA = 'gross - fees + refunds + disputes + other = paid out';

const SINCE = { type: 'string', value: '30d|36h|YYYY-MM-DD', description: 'how far back: days, hours or a UTC date', default: '30d' } as const;

const migrate = defineCommand({
  name: 'migrate',
  summary: 'apply database migrations',
  description: 'The server also applies them at start; run this before a release that must not wait for the first start.',
  async run({ io }) {
    const config = loadConfig(io.env);
    const handle = openNodeDb(config.databasePath);
    try {
      migrateNodeDb(handle);
    } finally {
      await handle.close();
    }
    io.err.write(`Migrations applied to ${config.databasePath}\n`);
    return EXIT.ok;
  },
});

const contributionsExport = defineCommand({
  name: 'contributions export',
  summary: 'write recorded payments as CSV to stdout',
  description: [
    'One row per payment, refund and dispute, oldest first; the same bytes as GET /ops/contributions.csv.',
    'Reads from its own read-only connection, in one read transaction, so it can run beside the live app.',
    "Use 'npm run -s cli -- ...' to keep npm's banner out of the file.",
  ].join('\n'),
  options: {
    format: { type: 'string', value: 'csv', description: 'output format (only csv)', default: 'csv' },
    from: { type: 'string', value: 'YYYY-MM-DD', description: 'first day, UTC' },
    to: { type: 'string', value: 'YYYY-MM-DD', description: 'last day, UTC, included whole' },
  },
  examples: ['npm run -s cli -- contributions export --from 2026-11-01 --to 2026-11-30 > contributions.csv'],
  async run({ values, io }) {
    if (values.format !== 'csv') throw new UsageError(`--format must be csv (got ${values.format}).`);
    const range = asUsage(() => ({
      fromMs: values.from ? parseDay(values.from, '--from') : undefined,
      toMs: values.to ? parseDay(values.to, '--to') + DAY_MS : undefined,
    }));
    const config = loadConfig(io.env);
    // Apply migrations first on the writer connection, then read from a read-only one so
    // the export never blocks the app's writes (WAL readers do not block the writer).
    const writer = openNodeDb(config.databasePath);
    try {
      migrateNodeDb(writer);
    } finally {
      await writer.close();
    }
    const reader = nodeExportReader(config.databasePath, NODE_CLI_EXPORT)();
    try {
      await write(io.out, EXPORT_HEADER);
      let after: Cursor | null = null;
      do {
        const page = await readExportPage(reader.db, range, after, reader.pageRows);
        for (const chunk of page.chunks) await write(io.out, chunk);
        // stdout is the CSV; what could not be read goes beside it, by entry, on stderr
        for (const p of page.problems) io.err.write(`contribution ${p.id}: ${p.column} ${p.reason}; written empty\n`);
        after = page.next;
      } while (after);
    } finally {
      await reader.close();
    }
    return EXIT.ok;
  },
});

const devSeed = defineCommand({
  name: 'dev seed',
  summary: 'add made-up contributions to try things on (refused in production)',
  options: {
    contributions: { type: 'string', value: 'N', description: 'how many contributions to add', default: '1000' },
    seed: { type: 'string', value: 'S', description: 'random seed; the same seed gives the same data', default: '1' },
  },
  examples: ['npm run cli -- dev seed --contributions 1000000'],
  async run({ values, io }) {
    const contributions = positiveWhole(values.contributions, '--contributions');
    const seed = positiveWhole(values.seed, '--seed');
    const config = loadConfig(io.env);
    const handle = openNodeDb(config.databasePath);
    try {
      migrateNodeDb(handle);
      const { seedContributions } = await import('./seed.js');
      const r = seedContributions(handle, config, { contributions, now: Date.now(), seed });
      io.err.write(
        `Seeded ${r.contributions} contributions (${r.gifts} gifts, ${r.recurringGifts} regular, ${r.supporters} supporters; ${r.refunds} refunds, ${r.disputes} disputes, ${r.payouts} payouts) in ${(r.ms / 1000).toFixed(1)} s\n`,
      );
    } finally {
      await handle.close();
    }
    return EXIT.ok;
  },
});

const reconcile = defineCommand({
  name: 'reconcile',
  summary: 'recover Stripe events never processed, fill missing fees, report drift against Stripe',
  description: [
    'Stripe keeps events for 30 days, the widest useful window.',
    `Exits ${EXIT.drift} when the ledger and Stripe disagree (the report says where).`,
  ].join('\n'),
  options: { since: SINCE },
  examples: ['npm run cli -- reconcile --since 36h', 'npm run cli -- reconcile --since 2026-11-01'],
  async run({ values, io }) {
    asUsage(() => parseSince(values.since, Date.now()));
    const config = loadConfig(io.env);
    const { reconcileCommand } = await import('./cli.ledger.js');
    return reconcileCommand(config, { since: values.since }, io.out);
  },
});

const payoutsStatement = defineCommand({
  name: 'payouts statement',
  summary: `per payout: ${PAYOUT_FORMULA}`,
  description: [
    `Each payout's balance transactions, added up as ${PAYOUT_FORMULA},`,
    'where refunds and lost disputes are negative amounts (a reinstated dispute is positive).',
    `Exits ${EXIT.drift} if a payout does not balance, or cannot be checked because a stored cell of it is unreadable.`,
  ].join('\n'),
  args: [{ name: 'po_…', description: 'one payout; without it, every payout in the period', required: false }],
  options: { since: SINCE },
  examples: ['npm run cli -- payouts statement po_1QxYz…', 'npm run cli -- payouts statement --since 7d'],
  async run({ values, args, io }) {
    const payoutId = args[0];
    if (payoutId !== undefined && !/^po_\w+$/.test(payoutId)) throw new UsageError(`A payout id starts with po_ (got '${payoutId}').`);
    asUsage(() => parseSince(values.since, Date.now()));
    const config = loadConfig(io.env);
    const { payoutsCommand } = await import('./cli.ledger.js');
    return payoutsCommand(config, { payoutId, since: values.since }, io.out);
  },
});

const backup = defineCommand({
  name: 'backup',
  summary: 'a consistent copy of the database, safe while the app runs',
  description: "SQLite's online backup: a snapshot taken page by page while the app keeps writing. Never overwrites a file.",
  args: [{ name: '<file>', description: 'the file to write, e.g. backups/storyfund-2026-11-30.sqlite', required: true }],
  examples: ['npm run cli -- backup backups/storyfund-$(date +%F).sqlite'],
  async run({ args, io }) {
    const target = args[0]!;
    if (existsSync(target)) throw new UsageError(`${target} already exists; a backup never overwrites a file.`);
    const config = loadConfig(io.env);
    const handle = openNodeDb(config.databasePath, { readonly: true });
    try {
      const started = Date.now();
      // https://sqlite.org/backup.html; better-sqlite3 yields between steps.
      const { totalPages } = await handle.sqlite.backup(target);
      io.err.write(`Backed up ${config.databasePath} to ${target} (${totalPages} pages) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    } finally {
      await handle.close();
    }
    return EXIT.ok;
  },
});

const eventsQuarantined = defineCommand({
  name: 'events quarantined',
  summary: 'signed Stripe events kept out of the ledger (bad fields, or objects Stripe does not have): id, type, received, why',
  description: [
    'Newest first. A quarantined event wrote no money and no email, and Stripe was answered 2xx so',
    'it stopped retrying; a later, corrected event for the same object applies as usual.',
  ].join('\n'),
  options: { limit: { type: 'string', value: 'N', description: 'how many to show', default: '100' } },
  examples: ['npm run cli -- events quarantined --limit 20'],
  async run({ values, io }) {
    const limit = positiveWhole(values.limit, '--limit');
    const config = loadConfig(io.env);
    const { eventsQuarantinedCommand } = await import('./cli.events.js');
    return eventsQuarantinedCommand(config, { limit }, io.out);
  },
});

const eventsRetry = defineCommand({
  name: 'events retry',
  summary: 'apply a quarantined Stripe event again, from the bytes it arrived in',
  description: [
    'For an event quarantined because it failed parsing (after a fix) or because Stripe did not have an',
    'object it names. Applied: it leaves the quarantine list and its effects (money, emails) are written as',
    'a delivery would write them. Still failing: it stays quarantined, with the fields printed, and the exit code is 1.',
  ].join('\n'),
  args: [{ name: 'evt_…', description: 'the quarantined event', required: true }],
  examples: ['npm run cli -- events retry evt_1QdemoQuarantined'],
  async run({ args, io }) {
    const id = args[0] ?? '';
    if (!/^evt_[A-Za-z0-9_]{1,250}$/.test(id)) throw new UsageError(`the event id must look like evt_…, not ${JSON.stringify(id.slice(0, 40))}`);
    const config = loadConfig(io.env);
    const { eventsRetryCommand } = await import('./cli.events.js');
    return eventsRetryCommand(config, id, io.out);
  },
});

const statementsSend = defineCommand({
  name: 'statements send',
  summary: "queue each supporter's annual giving statement (one email per supporter and currency)",
  description: [
    'Lists every gift, renewal and refund of the calendar year (UTC) by supporter and currency, with the total,',
    'and says whether gifts are tax-deductible (TAX_DEDUCTIBLE). Run it again safely: a statement already',
    'queued for that year, currency and supporter is not queued twice. The outbox sends them as usual.',
  ].join('\n'),
  options: { year: { type: 'string', value: 'YYYY', description: 'the calendar year (required)' } },
  examples: ['npm run cli -- statements send --year 2026'],
  async run({ values, io }) {
    const year = Number(values.year);
    if (!values.year || !/^\d{4}$/.test(values.year) || year < 2000 || year > 2100)
      throw new UsageError(`--year must be a year like 2026 (got ${values.year ?? 'nothing'}).`);
    const config = loadConfig(io.env);
    const { statementsSendCommand } = await import('./cli.statements.js');
    return statementsSendCommand(config, { year, now: Date.now() }, io.out);
  },
});

const ledgerRollupsCheck = defineCommand({
  name: 'ledger rollups check',
  summary: 'sum the ledger entries again and compare with the rollups the finance pages read',
  description: [
    'The rollups are kept by the same atomic write as the entries, so they should never differ;',
    "payouts' stored totals and gifts (summed again from their items) are checked with them;",
    `this proves it. Exits ${EXIT.failed} naming each row that differs. --rebuild then replaces the rollups`,
    'with the sums from the entries (and exits 0 once they match).',
  ].join('\n'),
  options: { rebuild: { type: 'boolean', description: 'replace the rollups with the sums from the entries' } },
  examples: ['npm run cli -- ledger rollups check', 'npm run cli -- ledger rollups check --rebuild'],
  async run({ values, io }) {
    const config = loadConfig(io.env);
    const { rollupsCheckCommand } = await import('./cli.ledger.js');
    return rollupsCheckCommand(config, { rebuild: values.rebuild === true }, io.out);
  },
});

/** Every command the CLI has. A new command is one entry here; its --help comes with it. */
export const COMMANDS: readonly CliCommand[] = [
  migrate,
  contributionsExport,
  devSeed,
  reconcile,
  payoutsStatement,
  backup,
  eventsQuarantined,
  eventsRetry,
  statementsSend,
  ledgerRollupsCheck,
  ...STAFF_COMMANDS,
];

export const CLI: Cli = {
  invocation: 'npm run cli --',
  title: 'Storyfund operator CLI (Node only; settings come from the environment, as for npm start)',
  commands: COMMANDS,
  footer: [
    'Exit codes:',
    `  ${EXIT.ok}   done`,
    `  ${EXIT.failed}   could not run (bad settings, database or Stripe failure)`,
    `  ${EXIT.drift}   ran and found drift against Stripe, or a payout that does not balance`,
    `  ${EXIT.usage}  bad command line: unknown command or option, bad value, missing argument`,
  ].join('\n'),
  isPlainError: (err) => err instanceof ConfigError,
};

export function runCli(argv: readonly string[], env: Record<string, string | undefined>, io: Partial<Omit<CliIo, 'env'>> = {}): Promise<number> {
  return runCommandLine(CLI, argv, { out: io.out ?? process.stdout, err: io.err ?? process.stderr, stdin: io.stdin ?? process.stdin, env });
}

function positiveWhole(value: string, flag: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive whole number (got ${value}).`);
  return n;
}

function write(out: NodeJS.WritableStream, chunk: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (out.write(chunk)) return resolve();
    // each wait takes its listeners away again: a reader slower than the export (a pipe)
    // makes it wait once per chunk, and left behind they piled up on stdout
    const onDrain = () => {
      out.off('error', onError);
      resolve();
    };
    const onError = (err: unknown) => {
      out.off('drain', onDrain);
      reject(err);
    };
    out.once('drain', onDrain);
    out.once('error', onError);
  });
}

const isMain = process.argv[1]?.endsWith('runtime/cli.ts') || process.argv[1]?.endsWith('runtime/cli.js');
if (isMain) {
  // the command's code as soon as it is done, whatever idle sockets or timers remain
  void runCli(process.argv.slice(2), process.env).then((code) => process.exit(code));
}
