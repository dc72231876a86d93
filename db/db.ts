// The database as the app sees it: the same drizzle API over better-sqlite3 (sync) and
// D1 (async). Always `await` queries so both drivers behave alike.
import type { BatchItem } from 'drizzle-orm/batch';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import type * as schema from './schema.js';

export type Db = BaseSQLiteDatabase<'sync' | 'async', unknown, typeof schema>;
export type Statement = BatchItem<'sqlite'>;

type Batchable = { batch(statements: readonly Statement[]): Promise<unknown[]> };
type Transactional = { transaction<T>(fn: () => T): T };

/**
 * Runs every statement or none of them. Build all statements first, then call this:
 * D1 has no interactive transactions, so nothing may be read between the writes.
 * D1: `db.batch` (one implicit transaction). better-sqlite3: a synchronous transaction.
 */
export async function atomic(db: Db, statements: readonly Statement[]): Promise<unknown[]> {
  if (statements.length === 0) return [];
  const maybeBatch = (db as unknown as Partial<Batchable>).batch;
  if (typeof maybeBatch === 'function') return maybeBatch.call(db, statements);
  return (db as unknown as Transactional).transaction(() =>
    statements.map((s) => (s as unknown as { prepare(): { execute(): { sync(): unknown } } }).prepare().execute().sync()),
  );
}
