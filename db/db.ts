// The database as the app sees it: one object per connection, built by the runtime
// (db/node.ts, db/d1.ts) and carried in Deps. Three ways in, one rule for which to use
// (docs/decisions/0001-sql-on-hot-paths.md): `orm`, drizzle, for everything except the
// measured hot paths, which run hand-written statements (db/sql.ts) through `sql`; every
// write of more than one statement goes through `atomic`. Always `await`: better-sqlite3
// answers synchronously and D1 does not, so both are treated as asynchronous.
import type { BatchItem } from 'drizzle-orm/batch';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import type * as schema from './schema.js';
import { isSqlStatement, type SqlStatement } from './sql.js';

/** drizzle over either driver. */
export type Orm = BaseSQLiteDatabase<'sync' | 'async', unknown, typeof schema>;

/** One write of an atomic() call: a drizzle query, or hand-written SQL for the hot paths (db/sql.ts). */
export type Statement = BatchItem<'sqlite'> | SqlStatement;

/** How a driver runs SqlStatements. */
export type SqlPort = {
  /** rows keyed by the column names (or aliases) of the SQL */
  all<T>(statement: SqlStatement): Promise<T[]>;
  /** the first row, or null */
  first<T>(statement: SqlStatement): Promise<T | null>;
  /** rows as arrays in select-list order, for reads that pass many rows through */
  values<T extends unknown[]>(statement: SqlStatement): Promise<T[]>;
  /** one statement on its own, committed when the promise settles (several together: atomic) */
  run(statement: SqlStatement): Promise<void>;
};

export type Db = {
  readonly orm: Orm;
  readonly sql: SqlPort;
  /**
   * Runs every statement or none of them. Build all statements first, then call this:
   * D1 has no interactive transactions, so nothing may be read between the writes.
   * D1: one `batch` (one implicit transaction). better-sqlite3: a synchronous transaction
   * shared with the other atomic writes of the same event-loop turn (group commit,
   * db/group-commit.ts); the promise settles only after the commit.
   */
  atomic(statements: readonly Statement[]): Promise<unknown[]>;
};

/** What a driver supplies; createDb adds what is the same for every driver. */
export type DriverParts = {
  orm: Orm;
  sql: Omit<SqlPort, 'first'>;
  runAtomic(statements: readonly Statement[]): Promise<unknown[]>;
};

export function createDb(parts: DriverParts): Db {
  const { all, values, run } = parts.sql;
  return {
    orm: parts.orm,
    sql: {
      all,
      values,
      run,
      first: async <T>(s: SqlStatement) => ((await all<T>(s))[0] ?? null) as T | null,
    },
    atomic: (statements) => (statements.length === 0 ? Promise.resolve([]) : parts.runAtomic(statements)),
  };
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
