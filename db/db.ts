// The database as the app sees it: the same drizzle API over better-sqlite3 (sync) and
// D1 (async). Always `await` queries so both drivers behave alike.
import type { BatchItem } from 'drizzle-orm/batch';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import type * as schema from './schema.js';
import { isSqlStatement, type SqlStatement } from './sql.js';

export type Db = BaseSQLiteDatabase<'sync' | 'async', unknown, typeof schema>;
/** One write of an atomic() call: a drizzle query, or hand-written SQL for the hot paths (db/sql.ts). */
export type Statement = BatchItem<'sqlite'> | SqlStatement;

/** Runs one atomic write its own way for a driver (Node: db/node.ts groups them per commit). */
export type AtomicRunner = (statements: readonly Statement[]) => Promise<unknown[]>;

/** Where a runtime attaches its AtomicRunner to its Db; app code never sees it. */
export const ATOMIC_RUNNER: unique symbol = Symbol('storyfund.atomicRunner');

/**
 * Runs every statement or none of them. Build all statements first, then call this:
 * D1 has no interactive transactions, so nothing may be read between the writes.
 * D1: one `batch` (one implicit transaction, db/d1.ts). better-sqlite3: a synchronous
 * transaction shared with the other atomic writes of the same event-loop turn (group
 * commit, db/node.ts); the promise settles only after the commit.
 */
export async function atomic(db: Db, statements: readonly Statement[]): Promise<unknown[]> {
  if (statements.length === 0) return [];
  const runner = (db as unknown as { [ATOMIC_RUNNER]?: AtomicRunner })[ATOMIC_RUNNER];
  if (!runner) throw new Error('This database handle cannot run atomic writes: open it with openNodeDb or openD1Db');
  return runner(statements);
}

/** Runs one drizzle statement on a synchronous driver (better-sqlite3), returning what drizzle would. */
export function runSync(statement: Statement): unknown {
  return (statement as unknown as { prepare(): { execute(): { sync(): unknown } } }).prepare().execute().sync();
}

/** The SQL text and values of any statement, for drivers that take them as they are (D1). */
export function toSqlStatement(statement: Statement): SqlStatement {
  if (isSqlStatement(statement)) return statement;
  const q = (statement as unknown as { toSQL(): { sql: string; params: SqlStatement['params'] } }).toSQL();
  return { sql: q.sql, params: q.params };
}
