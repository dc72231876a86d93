// better-sqlite3 driver for the Node runtime and the CLI. Node-only: imported from
// src/runtime/ and tests, never from app code.
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.js';
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
  const db = drizzle(sqlite, { schema }) as unknown as Db;
  return { db, sqlite, close: () => sqlite.close() };
}

export function migrateNodeDb(handle: NodeDb): void {
  migrate(drizzle(handle.sqlite), { migrationsFolder: MIGRATIONS_DIR });
}
