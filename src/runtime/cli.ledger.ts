// The ledger's operator commands: reconcile against Stripe, payout statements. Node-only.
import Stripe from 'stripe';
import { migrateNodeDb, openNodeDb } from '../../db/node.js';
import type { Config } from '../config.js';
import { createLogger, type Deps } from '../deps.js';
import { payoutReports } from '../ledger/ledger.payouts.repo.js';
import { isKnownCurrency, minorToMajorString } from '../lib/money.js';
import { runReconcile, type ReconcileProgress } from '../webhooks/webhooks.reconcile.js';
import { formatReport, parseSince } from './reconcile.report.js';
import { createStripe } from './stripe.js';
import { createMailPort } from '../mail/mail.port.js';

/** Exit code when the ledger and Stripe disagree (1 is any other failure). */
export const EXIT_DRIFT = 2;

export function withDeps<T>(config: Config, fn: (deps: Deps) => Promise<T>): Promise<T> {
  const handle = openNodeDb(config.databasePath);
  migrateNodeDb(handle);
  const now = () => Date.now();
  const deps: Deps = {
    db: handle.db,
    stripe: createStripe(config, handle.db, now),
    config,
    now,
    // stdout carries the report; logs go to stderr
    log: createLogger(config.logLevel, (line) => process.stderr.write(`${line}\n`), now),
    mail: createMailPort(now),
    // no requests reach the CLI
    clientAddress: () => null,
    webhookCrypto: Stripe.createNodeCryptoProvider(),
  };
  return fn(deps).finally(() => handle.close());
}

/** A one-line bar on stderr, only on a terminal: piped output stays clean. */
function progressBar(stream: NodeJS.WriteStream): { update(p: ReconcileProgress): void; done(): void } {
  if (!stream.isTTY) return { update() {}, done() {} };
  const label = { events: 'Stripe events', fees: 'missing fees', balance: 'balance transactions' };
  let last = 0;
  return {
    update(p) {
      const t = Date.now();
      if (t - last < 80 && p.fraction !== 1) return;
      last = t;
      const width = 30;
      const filled = p.fraction == null ? 0 : Math.round(p.fraction * width);
      const bar = p.fraction == null ? '?'.repeat(width) : '#'.repeat(filled) + '-'.repeat(width - filled);
      const pct = p.fraction == null ? '   ' : `${String(Math.round(p.fraction * 100)).padStart(3)}%`;
      stream.write(`\r[${bar}] ${pct} ${label[p.phase]}: ${p.done}\x1b[K`);
    },
    done() {
      stream.write('\r\x1b[K');
    },
  };
}

export async function reconcileCommand(config: Config, opts: { since: string }, out: NodeJS.WritableStream): Promise<number> {
  const sinceSec = parseSince(opts.since, Date.now());
  if (Date.now() / 1000 - sinceSec > 30 * 86_400) {
    // https://docs.stripe.com/api/events: "events going back 30 days"
    process.stderr.write('Note: Stripe keeps events for 30 days; older gaps cannot be recovered from events.\n');
  }
  const bar = progressBar(process.stderr);
  const report = await withDeps(config, (deps) => runReconcile(deps, { sinceSec, onProgress: (p) => bar.update(p) })).finally(() => bar.done());
  out.write(formatReport(report));
  return report.drift ? EXIT_DRIFT : 0;
}

export async function payoutsCommand(config: Config, opts: { payoutId?: string; since: string }, out: NodeJS.WritableStream): Promise<number> {
  const reports = await withDeps(config, (deps) =>
    payoutReports(deps.db, opts.payoutId ? { payoutId: opts.payoutId } : { sinceSec: parseSince(opts.since, Date.now()) }),
  );
  if (!reports.length) {
    out.write(opts.payoutId ? `No payout ${opts.payoutId} is recorded.\n` : 'No payouts recorded in this period.\n');
    return opts.payoutId ? 1 : 0;
  }
  for (const r of reports) {
    const m = (n: number) => (isKnownCurrency(r.currency) ? minorToMajorString(n, r.currency) : String(n));
    const c = r.currency.toUpperCase();
    out.write(
      [
        `${r.payoutId}  ${r.status}${r.arrivalDate ? `, arrives ${new Date(r.arrivalDate).toISOString().slice(0, 10)}` : ''}`,
        `  gross ${m(r.grossMinor)} - fees ${m(r.feesMinor)} + refunds ${m(r.refundsMinor)} + disputes ${m(r.disputesMinor)}${r.otherMinor ? ` + other ${m(r.otherMinor)}` : ''} = ${m(r.computedMinor)} ${c}`,
        `  paid out ${m(r.paidOutMinor)} ${c}: ${r.problems.length ? 'CANNOT BE CHECKED' : r.items.length === 0 ? 'not itemised yet (reconciliation not complete, or a manual payout)' : r.balanced ? 'balanced' : 'DOES NOT BALANCE'}`,
        ...r.problems.map((p) => `  unreadable, left out: ${p}`),
        ...r.items
          .filter((i) => i.type !== 'payout')
          .map(
            (i) =>
              `    ${i.balanceTransactionId}  ${i.reportingCategory.padEnd(16)} ${m(i.amountMinor).padStart(10)}  fee ${m(i.feeMinor).padStart(8)}  ${i.giftId ?? 'NOT MATCHED to a gift'}`,
          ),
        '',
      ].join('\n'),
    );
  }
  return reports.every((r) => r.problems.length === 0 && (r.items.length === 0 || r.balanced)) ? 0 : EXIT_DRIFT;
}

/**
 * `ledger rollups check`: sums the entries again and compares with the rollups the writes
 * kept; with `rebuild`, replaces the rollups with those sums after reporting what differed.
 */
export async function rollupsCheckCommand(config: Config, opts: { rebuild: boolean }, out: NodeJS.WritableStream): Promise<number> {
  const { CHECK_QUERIES, compareRollups, rebuildStatements } = await import('../ledger/ledger.rollups.repo.js');
  const { PAYOUTS_CHECK_QUERIES, payoutsRebuildStatements } = await import('../ledger/ledger.payouts.repo.js');
  const handle = openNodeDb(config.databasePath);
  try {
    migrateNodeDb(handle);
    const db = handle.db;
    const compare = async () => {
      const found = [];
      for (const q of [...CHECK_QUERIES, ...PAYOUTS_CHECK_QUERIES]) {
        const [expected, actual] = await Promise.all([
          db.sql.values<unknown[]>({ sql: q.expected, params: [] }),
          db.sql.values<unknown[]>({ sql: q.actual, params: [] }),
        ]);
        found.push(...compareRollups(q.table, q.keys, expected, actual));
      }
      return found;
    };
    const differences = await compare();
    const SHOWN = 50;
    for (const d of differences.slice(0, SHOWN)) out.write(`${d.table} ${d.key}: the entries give ${d.expected}, the rollup holds ${d.actual}\n`);
    if (differences.length > SHOWN) out.write(`… and ${differences.length - SHOWN} more\n`);
    if (!opts.rebuild) {
      out.write(differences.length ? `${differences.length} rollup rows differ from the entries\n` : 'The rollups match the ledger entries\n');
      return differences.length ? 1 : 0;
    }
    await db.atomic([...rebuildStatements(), ...payoutsRebuildStatements()]);
    const after = await compare();
    out.write(
      `Rebuilt the rollups from the entries (${differences.length} rows differed before); ${after.length ? `${after.length} still differ` : 'they now match'}\n`,
    );
    return after.length ? 1 : 0;
  } finally {
    await handle.close();
  }
}
