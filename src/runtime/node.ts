// Node entry: one process, a SQLite file, the HTTP server.
import { serve } from '@hono/node-server';
import Stripe from 'stripe';
import { migrateNodeDb, openNodeDb } from '../../db/node.js';
import { createApp } from '../app.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { createLogger, forJob, type Deps } from '../deps.js';
import { describeError } from '../lib/log.js';
import { dispatchOutbox } from '../mail/mail.dispatch.js';
import { createTransport } from '../mail/mail.transport.js';
import { scheduledReconcile } from './reconcile.js';
import { smtpTransport } from './node.smtp.js';
import { nodeExportReader } from './node.export.js';
import { createStripe } from './stripe.js';
import { nodeClientAddress } from './node.client.js';
import { createMailPort } from '../mail/mail.port.js';
import { pruneIdentity } from '../auth/auth.repo.js';

/**
 * `writeLog` receives each JSON log line, `writeBanner` the start-up banner for a person:
 * stdout and stderr by default, so standard output carries log lines only and can be piped
 * to a log collector.
 */
export function startNode(env: Record<string, string | undefined>, opts: { writeLog?: (line: string) => void; writeBanner?: (text: string) => void } = {}) {
  const config = loadConfig(env);
  // a bad transport setting (SMTP on a runtime without it) stops start-up before anything opens
  const transport = createTransport(config.mail, { smtp: smtpTransport });
  // likewise a TRUSTED_PROXIES entry that is not an address or range
  const clientAddress = nodeClientAddress(config.trustedProxies);
  const now = () => Date.now();
  const log = createLogger(config.logLevel, opts.writeLog ?? ((line) => process.stdout.write(`${line}\n`)), now);
  const checkpointLog = log.child({ job: 'wal-checkpoint' });
  const handle = openNodeDb(config.databasePath, {
    checkpointEveryMs: CHECKPOINT_EVERY_MS,
    cacheKiB: PAGE_CACHE_KIB,
    onCheckpointError: (error) => checkpointLog.warn('WAL checkpoint failed; the next one retries', { error: describeError(error) }),
  });
  migrateNodeDb(handle);
  const deps: Deps = {
    db: handle.db,
    // Node's http client (keep-alive by default on Node 20) costs about half the CPU of the
    // fetch client per Stripe call, which was most of what POST /checkout adds (BENCHMARKS.md).
    stripe: createStripe(config, handle.db, now, { httpClient: Stripe.createNodeHttpClient() }),
    config,
    now,
    log,
    mail: createMailPort(now),
    // the socket's peer, or the client a trusted proxy names (TRUSTED_PROXIES)
    clientAddress,
    // node:crypto HMAC: about 4x cheaper per call than SubtleCrypto on Node (docs/platform-notes.md, Verifying webhook signatures)
    webhookCrypto: Stripe.createNodeCryptoProvider(),
    // an in-memory database cannot be opened a second time, so its exports read through `db`
    openExportReader: config.databasePath === ':memory:' ? undefined : nodeExportReader(config.databasePath),
  };
  const app = createApp(deps);
  const outbox = config.mail.transport === 'none' ? null : every(OUTBOX_INTERVAL_MS, deps, 'outbox', (run) => dispatchOutbox(run, transport));
  const pruner = every(PRUNE_INTERVAL_MS, deps, 'identity-prune', (run) => pruneIdentity(run.db, run.now()));
  const reconciler =
    config.reconcileIntervalHours > 0 ? every(config.reconcileIntervalHours * 3_600_000, deps, 'reconcile', (run) => scheduledReconcile(run)) : null;
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
    (opts.writeBanner ?? ((text) => process.stderr.write(`${text}\n`)))(announcement(config, info.port));
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      outbox?.stop();
      pruner.stop();
      reconciler?.stop();
      server.close(() => {
        void handle.close().then(resolve);
      });
    });
  return { app, deps, server, stop };
}

/** Expired sessions, used links and old throttle windows are deleted this often. */
const PRUNE_INTERVAL_MS = 3_600_000;

/** How often the WAL is copied back into the database file, off the event loop (db/checkpoint.ts). */
const CHECKPOINT_EVERY_MS = 1_000;

/**
 * SQLite's page cache for the server's connection. Its default (2 MiB) holds little of a
 * ledger of a million contributions, so each webhook's index lookups went to the OS.
 */
const PAGE_CACHE_KIB = 32 * 1024;

/** Emails are queued in the same write as their cause; this sends them shortly after. */
const OUTBOX_INTERVAL_MS = 2_000;

/**
 * Runs `job` every `ms`, never overlapping itself, without keeping the process alive. Each
 * run gets deps whose log lines carry the job's name and the run's own id.
 */
function every(ms: number, deps: Deps, name: string, job: (run: Deps) => Promise<unknown>): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = async () => {
    const run = forJob(deps, name);
    try {
      await job(run);
    } catch (err) {
      run.log.error(`${name} run failed`, { error: describeError(err) });
    }
    if (!stopped) timer = setTimeout(tick, ms).unref();
  };
  timer = setTimeout(tick, ms).unref();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

function announcement(config: Config, port: number): string {
  const lines = [`Storyfund is listening on ${config.publicUrl} (port ${port})`, `Database: ${config.databasePath}`];
  if (config.stripe.mode === 'sandbox') {
    lines.push(
      'Stripe: OFFLINE SANDBOX is active (no STRIPE_SECRET_KEY set). Payments are simulated on a local test page;',
      '        no real money moves and nothing is sent to Stripe.',
    );
  } else {
    lines.push(`Stripe: ${config.stripe.secretKey.includes('_live_') ? 'LIVE' : 'test'} mode; webhooks at ${config.publicUrl}/webhooks/stripe`);
  }
  if (config.mail.transport === 'preview') lines.push(`Email: kept for preview at ${config.publicUrl}/dev/mail (MAIL_TRANSPORT=preview)`);
  return lines.join('\n');
}

const isMain = import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('runtime/node.ts');
if (isMain) {
  try {
    const running = startNode(process.env);
    const shutdown = () => void running.stop().then(() => process.exit(0));
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}
