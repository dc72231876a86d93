// D1 driver for the Workers runtime.
import { drizzle } from 'drizzle-orm/d1';
import type { Db } from './db.js';
import * as schema from './schema.js';

export function openD1Db(binding: D1Database): Db {
  return drizzle(binding, { schema }) as unknown as Db;
}
