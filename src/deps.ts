// The ports the app needs. Each runtime builds one Deps and hands it to createApp;
// nothing in the app reaches for a global connection, clock or environment.
import type { Context } from 'hono';
import type Stripe from 'stripe';
import type { Db } from '../db/db.js';
import type { SessionRow } from './auth/auth.repo.js';
import type { Config } from './config.js';
import type { PublicError } from './lib/errors.js';
import type { MailPort } from './mail/mail.port.js';

export type LogFields = Record<string, unknown>;
export type Logger = {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
};

export type Deps = {
  db: Db;
  stripe: Stripe;
  config: Config;
  /** milliseconds since the epoch */
  now: () => number;
  log: Logger;
  /** queues emails in the outbox, inside the caller's atomic() write */
  mail: MailPort;
  /**
   * The client's address as this runtime knows it (Node: the socket's peer; Workers:
   * Cloudflare's CF-Connecting-IP), for throttles and the audit log. Null when unknown.
   */
  clientAddress: (c: Context) => string | null;
  /** verifies webhook signatures: Node's crypto on Node, SubtleCrypto on Workers */
  webhookCrypto: Stripe.CryptoProvider;
  /**
   * Node: a read-only connection of the export's own, opened per download. Absent on
   * Workers, where the export pages through `db` (D1 answers asynchronously).
   */
  openExportReader?: () => ExportReader;
};

/** Where a long export reads from, and how it shares the event loop while it does. */
export type ExportReader = {
  db: Db;
  /** rows per page */
  pageRows: number;
  /** called between pages so other requests are served during a long export */
  pause(): Promise<void>;
  close(): Promise<void>;
};

/**
 * Hono environment: every handler reads its dependencies from c.var.deps. A route that
 * can do better than the shared error page for a browser (the checkout form, filled in
 * again) sets htmlError; onError calls it for requests that want HTML.
 */
export type AppEnv = {
  Variables: {
    deps: Deps;
    htmlError?: (error: PublicError) => string;
    /** the request's session once looked up (null: none); see auth/auth.sessions.ts */
    session?: SessionRow | null;
  };
};

/** Someone on the staff, signed in with every factor their role needs. */
export type StaffPrincipal = { id: string; email: string; name: string; role: 'viewer' | 'finance' | 'admin' };
/** A supporter signed in by an emailed link. */
export type SupporterPrincipal = { id: string; email: string; name: string | null };

/** Routes behind requireStaff(role): the person and their session are on the context. */
export type StaffEnv = AppEnv & { Variables: { staff: StaffPrincipal; session: SessionRow } };
/** Routes behind requireSupporter(). */
export type SupporterEnv = AppEnv & { Variables: { supporter: SupporterPrincipal; session: SessionRow } };

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;

/** One JSON line per log record, so both runtimes' log tooling can parse it. */
export function createLogger(level: Config['logLevel'], write: (line: string) => void): Logger {
  const min = LEVELS[level];
  const at =
    (lvl: keyof typeof LEVELS) =>
    (msg: string, fields?: LogFields): void => {
      if (LEVELS[lvl] < min) return;
      write(JSON.stringify({ level: lvl, msg, ...fields }));
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
