// D1 driver for the Workers runtime.
import { drizzle } from 'drizzle-orm/d1';
import { ATOMIC_RUNNER, toSqlStatement, type AtomicRunner, type Db } from './db.js';
import * as schema from './schema.js';
import { SQL_PORT, type SqlPort, type SqlStatement } from './sql.js';

export function openD1Db(binding: D1Database): Db {
  const db = drizzle(binding, { schema }) as unknown as Db;
  const port: SqlPort = {
    async all<T>(s: SqlStatement) {
      const { results } = await binding.prepare(s.sql).bind(...s.params).all<T>();
      return results;
    },
    async run(s: SqlStatement) {
      await binding.prepare(s.sql).bind(...s.params).run();
    },
  };
  // D1's batch is one implicit transaction: every statement or none
  // (https://developers.cloudflare.com/d1/worker-api/d1-database/#batch).
  const runner: AtomicRunner = (statements) =>
    binding.batch(
      statements.map((st) => {
        const s = toSqlStatement(st);
        return binding.prepare(s.sql).bind(...s.params);
      }),
    );
  Object.defineProperty(db, SQL_PORT, { value: port });
  Object.defineProperty(db, ATOMIC_RUNNER, { value: runner });
  return db;
}
