// D1 driver for the Workers runtime.
import { drizzle } from 'drizzle-orm/d1';
import { createDb, toSqlStatement, type Db } from './db.js';
import * as schema from './schema.js';
import type { SqlStatement } from './sql.js';

export function openD1Db(binding: D1Database): Db {
  return createDb({
    orm: drizzle(binding, { schema }),
    sql: {
      async all<T>(s: SqlStatement) {
        const { results } = await binding
          .prepare(s.sql)
          .bind(...s.params)
          .all<T>();
        return results;
      },
      values<T extends unknown[]>(s: SqlStatement) {
        return binding
          .prepare(s.sql)
          .bind(...s.params)
          .raw<T>();
      },
      async run(s: SqlStatement) {
        await binding
          .prepare(s.sql)
          .bind(...s.params)
          .run();
      },
    },
    // D1's batch is one implicit transaction: every statement or none
    // (https://developers.cloudflare.com/d1/worker-api/d1-database/#batch).
    runAtomic: (statements) =>
      binding.batch(
        statements.map((st) => {
          const s = toSqlStatement(st);
          return binding.prepare(s.sql).bind(...s.params);
        }),
      ),
  });
}
