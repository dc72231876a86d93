// A running Storyfund the flow suite can drive over real HTTP, whatever the runtime:
// its base URL plus direct access to its database for assertions and fault injection.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestHandler } from 'msw';
import { setupServer } from 'msw/node';
import { startNode } from '../../src/runtime/node.js';
import { stripeHandlers, type StripeStore } from '../mocks/stripe-api.js';
import { freePort, startServer } from './server.js';

export type SqlParam = string | number | null;

export type Target = {
  runtime: 'node' | 'workerd';
  url: string;
  /** rows of one SELECT against the app's own database (SQLite file or local D1) */
  query<T = Record<string, unknown>>(sql: string, ...params: SqlParam[]): Promise<T[]>;
  /** one write or DDL statement against the app's database */
  exec(sql: string): Promise<void>;
  /** what the app printed (logs, and on Node the start-up banner) */
  output(): string;
  /** the app's log stream only: Node's stdout, workerd's console.log */
  logs(): string;
  stop(): Promise<void>;
};

/** Starts a target in sandbox mode (no Stripe key) with these extra settings. */
export type StartSandbox = (env: Record<string, string>) => Promise<Target>;
/**
 * Starts a target with a Stripe key whose API calls `store`'s msw handlers answer; `outbound`
 * answers the target's other outbound calls (Turnstile's siteverify, say).
 */
export type StartLive = (env: Record<string, string>, store: StripeStore, outbound?: RequestHandler[]) => Promise<Target>;

function sqliteAccess(path: string): Pick<Target, 'query' | 'exec'> {
  const open = () => {
    const db = new Database(path);
    db.pragma('busy_timeout = 5000');
    return db;
  };
  return {
    query: async <T>(sql: string, ...params: SqlParam[]) => {
      const db = open();
      try {
        return db.prepare(sql).all(...params) as T[];
      } finally {
        db.close();
      }
    },
    exec: async (sql: string) => {
      const db = open();
      try {
        db.prepare(sql).run();
      } finally {
        db.close();
      }
    },
  };
}

/** `npm start`'s entry as a child process: the Node server exactly as it ships. */
export const startNodeSandbox: StartSandbox = async (env) => {
  const server = await startServer({ LOG_LEVEL: 'info', ...env });
  return { runtime: 'node', url: server.url, ...sqliteAccess(server.dbPath), output: server.output, logs: server.stdout, stop: server.stop };
};

/**
 * The Node server in this process, so msw (which patches this process's fetch) can answer
 * the Stripe SDK; requests to the server itself pass through untouched.
 */
export const startNodeLive: StartLive = async (env, store, outbound = []) => {
  const dir = mkdtempSync(join(tmpdir(), 'storyfund-live-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const msw = setupServer(...stripeHandlers(store), ...outbound);
  msw.listen({
    onUnhandledRequest(request, print) {
      if (new URL(request.url).hostname !== '127.0.0.1') print.error();
    },
  });
  const dbPath = join(dir, 'storyfund.sqlite');
  let logs = '';
  let banner = '';
  const running = startNode(
    { PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: url, DATABASE_PATH: dbPath, NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env },
    { writeLog: (line) => (logs += `${line}\n`), writeBanner: (text) => (banner += `${text}\n`) },
  );
  await new Promise<void>((resolve) => (running.server.listening ? resolve() : running.server.once('listening', () => resolve())));
  return {
    runtime: 'node',
    url,
    ...sqliteAccess(dbPath),
    output: () => banner + logs,
    logs: () => logs,
    stop: async () => {
      await running.stop();
      msw.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};
