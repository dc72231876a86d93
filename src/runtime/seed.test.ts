import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateNodeDb, openNodeDb, type NodeDb } from '../../db/node.js';
import { loadConfig } from '../config.js';
import { seedContributions } from './seed.js';

let dir: string;
let handle: NodeDb;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'storyfund-seed-'));
  handle = openNodeDb(join(dir, 'db.sqlite'));
  migrateNodeDb(handle);
});
afterEach(async () => {
  await handle.close();
  rmSync(dir, { recursive: true, force: true });
});

const one = <T>(sql: string, ...params: unknown[]) => handle.sqlite.prepare(sql).get(...params) as T;

describe('dev seed', () => {
  it('adds exactly the contributions asked for, each tied to a gift that exists, twice over', () => {
    const now = Date.parse('2026-11-20T10:00:00Z');
    const config = loadConfig({ LOG_LEVEL: 'silent' });
    const first = seedContributions(handle, config, { contributions: 2000, now });
    seedContributions(handle, config, { contributions: 500, now });
    expect(first.contributions).toBe(2000);
    expect(one<{ n: number }>('select count(*) as n from ledger_entries').n).toBe(2500);
    expect(one<{ n: number }>('select count(*) as n from ledger_entries l left join gifts g on g.id = l.gift_id where g.id is null').n).toBe(0);
    expect(one<{ n: number }>("select count(*) as n from ledger_entries where kind = 'renewal' and recurring_gift_id is null").n).toBe(0);
    expect(one<{ n: number }>('select count(*) as n from ledger_entries where occurred_at > ?', now).n).toBe(0);
    expect(handle.sqlite.pragma('foreign_key_check')).toEqual([]);
  });

  it('is refused in production', () => {
    const config = { ...loadConfig({ LOG_LEVEL: 'silent' }), env: 'production' as const };
    expect(() => seedContributions(handle, config, { contributions: 10, now: Date.now() })).toThrow(/production/);
  });
});
