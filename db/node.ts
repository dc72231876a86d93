// better-sqlite3 driver for the Node runtime and the CLI. Node-only: imported from
// src/runtime/ and tests, never from app code.
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDb, runSync, type Db, type Statement } from './db.js';
import { startCheckpointer, type Checkpointer } from './checkpoint.js';
import { createGroupCommit } from './group-commit.js';
import * as schema from './schema.js';
import { isSqlStatement, type SqlStatement } from './sql.js';

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export type NodeDb = { db: Db; sqlite: Database.Database; checkpointer: Checkpointer | null; close(): Promise<void> };

export type NodeDbOptions = {
  readonly?: boolean;
  /** the server's connection: WAL checkpoints on a worker thread every this many ms (db/checkpoint.ts) */
  checkpointEveryMs?: number;
  onCheckpointError?(message: string): void;
  /** SQLite's page cache for this connection, in KiB (SQLite's default is 2,000) */
  cacheKiB?: number;
};

/**
 * With checkpoints on a worker, the connection itself only checkpoints if the WAL passes
 * this many pages (~80 MiB), a backstop should the worker fall behind.
 */
const BACKSTOP_CHECKPOINT_PAGES = 20_000;

export function openNodeDb(path: string, opts: NodeDbOptions = {}): NodeDb {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path, { readonly: opts.readonly ?? false });
  // WAL lets readers (exports) run beside the writer. NORMAL survives an app crash but
  // not power loss; the commits that acknowledge Stripe raise it to FULL for themselves
  // (fullSyncCommits below, docs/decisions/0007-durable-acknowledgements.md).
  if (!opts.readonly) {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
  }
  if (opts.cacheKiB) sqlite.pragma(`cache_size = -${Math.round(opts.cacheKiB)}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const { connection, prepare } = withStatementCache(sqlite);
  const run = (s: Statement): unknown => (isSqlStatement(s) ? prepare(s.sql).run(...s.params) : runSync(s));
  const db = createDb({
    orm: drizzle(connection, { schema }),
    sql: {
      all: <T>(s: SqlStatement) => Promise.resolve(prepare(s.sql).all(...s.params) as T[]),
      // raw mode is switched back off by the statement cache when the text is next reused
      values: <T extends unknown[]>(s: SqlStatement) =>
        Promise.resolve(
          prepare(s.sql)
            .raw(true)
            .all(...s.params) as T[],
        ),
      run: (s: SqlStatement) => {
        prepare(s.sql).run(...s.params);
        return Promise.resolve();
      },
    },
    runAtomic: createGroupCommit(sqlite, run, opts.readonly ? {} : { durably: fullSyncCommits(sqlite) }),
  });
  let checkpointer: Checkpointer | null = null;
  if (opts.checkpointEveryMs && !opts.readonly && path !== ':memory:') {
    sqlite.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
    checkpointer = startCheckpointer(path, { everyMs: opts.checkpointEveryMs, onError: opts.onCheckpointError ?? (() => {}) });
  }
  return {
    db,
    sqlite,
    checkpointer,
    // synchronous unless a checkpointer has to finish first
    close: () => {
      if (!checkpointer) {
        sqlite.close();
        return Promise.resolve();
      }
      return checkpointer.stop().then(() => {
        sqlite.close();
      });
    },
  };
}

/**
 * atomic() writes are the ones a reply waits for (a webhook's 200 tells Stripe never to
 * send the event again), so their commit fsyncs the WAL: FULL for that commit only, one
 * fsync shared by the whole group. The fsync also covers every NORMAL commit before it in
 * the WAL. Other writes (a pending gift, the outbox's bookkeeping) stay NORMAL: losing the
 * last of them to a power cut costs no money fact, and FULL on each would cost an fsync.
 */
function fullSyncCommits(sqlite: Database.Database): <T>(commit: () => T) => T {
  const full = sqlite.prepare('pragma synchronous = FULL');
  const normal = sqlite.prepare('pragma synchronous = NORMAL');
  return (commit) => {
    full.run();
    try {
      return commit();
    } finally {
      normal.run();
    }
  };
}

/** Compiled statements kept per connection; the app runs a few dozen distinct SQL texts. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * drizzle compiles every query it runs afresh (better-sqlite3 `prepare`), which was a
 * fifth of a webhook's CPU time. The values are parameters, so the SQL text of a query
 * shape never changes: compile each text once and reuse it.
 */
function withStatementCache(sqlite: Database.Database): { connection: Database.Database; prepare(source: string): Database.Statement } {
  const cache = new Map<string, Database.Statement>();
  const prepare = (source: string): Database.Statement => {
    const cached = cache.get(source);
    // A statement mid-iteration cannot run again until it finishes: give that caller its own.
    if (cached && !cached.busy) {
      // drizzle switches a statement to array rows (raw) for some reads and never back
      if (cached.reader) cached.raw(false);
      return cached;
    }
    const statement = sqlite.prepare(source);
    if (!cached) {
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      cache.set(source, statement);
    }
    return statement;
  };
  const connection = new Proxy(sqlite, {
    get(target, key) {
      if (key === 'prepare') return prepare;
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { connection, prepare };
}

export function migrateNodeDb(handle: NodeDb): void {
  migrate(drizzle(handle.sqlite), { migrationsFolder: MIGRATIONS_DIR });
}
