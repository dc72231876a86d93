// Operator CLI: npm run cli -- <command>. Node-only.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { migrateNodeDb, openNodeDb } from '../../db/node.js';
import { ConfigError, loadConfig } from '../config.js';
import { DAY_MS, EXPORT_HEADER, parseDay, readExportPage, type Cursor } from '../ledger/ledger.export.js';
import { NODE_CLI_EXPORT, nodeExportReader } from './node.export.js';
// The seed, the Stripe SDK and the reconciler are imported by the commands that use them:
// loaded up front they added ~25 MiB to the export's peak RSS, which is bounded (BENCHMARKS.md).

const USAGE = `Usage: npm run cli -- <command>

Commands:
  migrate                                   apply database migrations
  contributions export --format csv [--from YYYY-MM-DD] [--to YYYY-MM-DD]
                                            write recorded payments as CSV to stdout
                                            (--to includes that whole day, UTC)
  dev seed --contributions N [--seed S]     add N made-up contributions (not in production)
  reconcile [--since 30d|36h|YYYY-MM-DD]    recover Stripe events never processed, fill missing
                                            fees, report drift against Stripe (exit 2 on drift)
  payouts statement [po_…] [--since 30d]    per payout: gross - fees - refunds - disputes = paid out
  backup <file>                             a consistent copy of the database, safe while the app runs
`;

export async function runCli(argv: string[], env: Record<string, string | undefined>, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const config = loadConfig(env);
  const [command, sub, ...rest] = argv;
  if (command === 'migrate') {
    const handle = openNodeDb(config.databasePath);
    migrateNodeDb(handle);
    await handle.close();
    process.stderr.write(`Migrations applied to ${config.databasePath}\n`);
    return 0;
  }
  if (command === 'contributions' && sub === 'export') {
    const { values } = parseArgs({ args: rest, options: { format: { type: 'string', default: 'csv' }, from: { type: 'string' }, to: { type: 'string' } } });
    if (values.format !== 'csv') throw new UsageError(`--format must be csv (got ${values.format})`);
    const range = {
      fromMs: values.from ? parseDay(values.from, '--from') : undefined,
      toMs: values.to ? parseDay(values.to, '--to') + DAY_MS : undefined,
    };
    // Apply migrations first on the writer connection, then read from a read-only one so
    // the export never blocks the app's writes (WAL readers do not block the writer).
    const writer = openNodeDb(config.databasePath);
    migrateNodeDb(writer);
    await writer.close();
    const reader = nodeExportReader(config.databasePath, NODE_CLI_EXPORT)();
    try {
      await write(out, EXPORT_HEADER);
      let after: Cursor | null = null;
      do {
        const page = await readExportPage(reader.db, range, after, reader.pageRows);
        for (const chunk of page.chunks) await write(out, chunk);
        after = page.next;
      } while (after);
    } finally {
      await reader.close();
    }
    return 0;
  }
  if (command === 'dev' && sub === 'seed') {
    const { values } = parseArgs({ args: rest, options: { contributions: { type: 'string', default: '1000' }, seed: { type: 'string', default: '1' } } });
    const contributions = Number(values.contributions);
    if (!Number.isInteger(contributions) || contributions < 1) throw new UsageError(`--contributions must be a positive whole number (got ${values.contributions})`);
    const handle = openNodeDb(config.databasePath);
    try {
      migrateNodeDb(handle);
      const { seedContributions } = await import('./seed.js');
      const r = seedContributions(handle, config, { contributions, now: Date.now(), seed: Number(values.seed) || 1 });
      process.stderr.write(`Seeded ${r.contributions} contributions (${r.gifts} gifts, ${r.recurringGifts} regular, ${r.supporters} supporters) in ${(r.ms / 1000).toFixed(1)} s\n`);
    } finally {
      await handle.close();
    }
    return 0;
  }
  if (command === 'reconcile') {
    const { values } = parseArgs({ args: argv.slice(1), options: { since: { type: 'string', default: '30d' } } });
    const { reconcileCommand } = await import('./cli.ledger.js');
    return reconcileCommand(config, { since: values.since }, out);
  }
  if (command === 'payouts' && sub === 'statement') {
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { since: { type: 'string', default: '30d' } } });
    const { payoutsCommand } = await import('./cli.ledger.js');
    return payoutsCommand(config, { payoutId: positionals[0], since: values.since }, out);
  }
  if (command === 'backup') {
    const target = sub;
    if (!target || rest.length) throw new UsageError('backup takes one argument: the file to write, e.g. backups/storyfund-2026-11-30.sqlite');
    if (existsSync(target)) throw new UsageError(`${target} already exists; a backup never overwrites a file`);
    const handle = openNodeDb(config.databasePath, { readonly: true });
    try {
      const started = Date.now();
      // SQLite's online backup: a consistent snapshot, page by page, while the app keeps writing
      // (https://sqlite.org/backup.html); better-sqlite3 yields between steps.
      const { totalPages } = await handle.sqlite.backup(target);
      process.stderr.write(`Backed up ${config.databasePath} to ${target} (${totalPages} pages) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    } finally {
      await handle.close();
    }
    return 0;
  }
  throw new UsageError(command ? `Unknown command: ${[command, sub].filter(Boolean).join(' ')}` : 'No command given');
}

class UsageError extends Error {}

function write(out: NodeJS.WritableStream, chunk: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (out.write(chunk)) resolve();
    else {
      out.once('drain', resolve);
      out.once('error', reject);
    }
  });
}

const isMain = process.argv[1]?.endsWith('runtime/cli.ts') || process.argv[1]?.endsWith('runtime/cli.js');
if (isMain) {
  runCli(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof ConfigError) console.error(err.message);
      else if (err instanceof UsageError) console.error(`${err.message}\n\n${USAGE}`);
      else console.error(err instanceof Error ? err.message : err);
      process.exit(err instanceof UsageError ? 64 : 1);
    },
  );
}
