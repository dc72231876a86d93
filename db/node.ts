// better-sqlite3 driver for the Node runtime and the CLI. Node-only: imported from
// src/runtime/ and tests, never from app code.
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ATOMIC_RUNNER, runSync, type Db } from './db.js';
import { createGroupCommit } from './group-commit.js';
import * as schema from './schema.js';

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export type NodeDb = { db: Db; sqlite: Database.Database; close(): void };

export function openNodeDb(path: string, opts: { readonly?: boolean } = {}): NodeDb {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path, { readonly: opts.readonly ?? false });
  // WAL lets readers (exports) run beside the writer; NORMAL is durable across app
  // crashes in WAL mode and costs 2.5x less throughput than FULL (see STACK.md).
  if (!opts.readonly) {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
  }
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = drizzle(withStatementCache(sqlite), { schema }) as unknown as Db;
  Object.defineProperty(db, ATOMIC_RUNNER, { value: createGroupCommit(sqlite, runSync) });
  return { db, sqlite, close: () => sqlite.close() };
}

/** Compiled statements kept per connection; the app runs a few dozen distinct SQL texts. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * drizzle compiles every query it runs afresh (better-sqlite3 `prepare`), which was a
 * fifth of a webhook's CPU time. The values are parameters, so the SQL text of a query
 * shape never changes: compile each text once and reuse it.
 */
function withStatementCache(sqlite: Database.Database): Database.Database {
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
  return new Proxy(sqlite, {
    get(target, key) {
      if (key === 'prepare') return prepare;
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export function migrateNodeDb(handle: NodeDb): void {
  migrate(drizzle(handle.sqlite), { migrationsFolder: MIGRATIONS_DIR });
}
