// The ports the app needs. Each runtime builds one Deps and hands it to createApp;
// nothing in the app reaches for a global connection, clock or environment.
import type { Context } from 'hono';
import type Stripe from 'stripe';
import type { Db } from '../db/db.js';
import type { SessionRow } from './auth/auth.repo.js';
import type { Config } from './config.js';
import type { PublicError } from './lib/errors.js';
import type { MailPort } from './mail/mail.port.js';
import type { Logger } from './lib/log.js';
import { newRequestId } from './lib/request-id.js';

// The logger lives in lib/log.ts with its redaction; runtimes and tests build it from here.
export { createLogger, type LogFields, type Logger } from './lib/log.js';

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
   * Where this runtime's requests get a request id that a trusted party set: Workers take
   * Cloudflare's `cf-ray`, which Cloudflare's edge sets on every request. Unset (Node, where
   * any client could send any header): every request gets a fresh id.
   */
  trustedRequestId?: (headers: Headers) => string | null;
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
    /** the app's deps, with `log` bound to this request (its id, method and path) */
    deps: Deps;
    /** this request's id: the X-Request-Id header, and the reference on error pages */
    requestId: string;
    htmlError?: (error: PublicError) => string;
    /** the request's session once looked up (null: none); see auth/auth.sessions.ts */
    session?: SessionRow | null;
    /** set by APIs whose every answer is JSON, errors included, whatever the client's Accept says */
    jsonOnly?: true;
  };
};

/** Someone on the staff, signed in with every factor their role needs. */
export type StaffPrincipal = { id: string; email: string; name: string; role: 'viewer' | 'finance' | 'admin' };
/** A supporter signed in by an emailed link. */
export type SupporterPrincipal = { id: string; email: string; name: string | null };

/** Routes behind requireStaff(role): the person and their session are on the context. */
export type StaffEnv = AppEnv & { Variables: { staff: StaffPrincipal; session: SessionRow } };
/**
 * Routes behind requireApiStaff(role): the person, and how they proved it (a session cookie, or
 * an API token whose id is given). No session on the context: a token request has none.
 */
export type ApiEnv = AppEnv & { Variables: { staff: StaffPrincipal; apiTokenId: string | null } };
/** Routes behind requireSupporter(). */
export type SupporterEnv = AppEnv & { Variables: { supporter: SupporterPrincipal; session: SessionRow } };

/**
 * Deps for one run of background work (the outbox, reconcile, a cron run): its lines carry
 * the job's name and an id of their own, as a request's carry the request id. `fields` adds
 * what started the run (the request whose reply queued an email, a cron expression).
 */
export function forJob<D extends { log: Logger }>(deps: D, job: string, fields: Record<string, unknown> = {}): D {
  return { ...deps, log: deps.log.child({ job, jobId: newRequestId(), ...fields }) };
}
