import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateNodeDb, openNodeDb, type NodeDb } from '../../db/node.js';
import { loadConfig } from '../config.js';
import { rollupDifferences } from '../../tests/helpers/ledger.js';
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
    expect(one<{ n: number }>("select count(*) as n from ledger_entries where kind in ('gift', 'renewal')").n).toBe(2500);
    expect(one<{ n: number }>('select count(*) as n from ledger_entries l left join gifts g on g.id = l.gift_id where g.id is null').n).toBe(0);
    expect(one<{ n: number }>("select count(*) as n from ledger_entries where kind = 'renewal' and recurring_gift_id is null").n).toBe(0);
    expect(one<{ n: number }>('select count(*) as n from ledger_entries where occurred_at > ?', now).n).toBe(0);
    expect(handle.sqlite.pragma('foreign_key_check')).toEqual([]);
  });

  it('adds refunds, disputes, regular gifts in every state, attribution and balanced payouts, with rollups that match the entries', () => {
    const now = Date.parse('2026-11-20T10:00:00Z');
    const r = seedContributions(handle, loadConfig({ LOG_LEVEL: 'silent' }), { contributions: 5000, now });
    const count = (where: string) => one<{ n: number }>(`select count(*) as n from ${where}`).n;
    expect(r.refunds).toBeGreaterThan(0);
    expect(count("ledger_entries where kind = 'refund'")).toBe(r.refunds);
    expect(count("ledger_entries where kind = 'dispute'")).toBe(r.disputes);
    expect(count("ledger_entries where kind = 'dispute_fee'")).toBe(r.disputes);
    expect(count('disputes')).toBe(r.disputes);
    expect(count("recurring_gifts where status = 'canceled' and canceled_at is not null")).toBeGreaterThan(0);
    expect(count("recurring_gifts where status = 'past_due' and payment_issue is not null")).toBeGreaterThan(0);
    expect(count('(select distinct campaign from gifts)')).toBe(4);
    expect(count('(select distinct variant from ledger_entries)')).toBe(2);
    // every entry carries its gift's attribution, and a refund its payment's gift
    expect(
      count(`ledger_entries e join gifts g on g.id = e.gift_id
             where e.article is not g.article or e.section is not g.section or e.campaign is not g.campaign or e.variant is not g.variant`),
    ).toBe(0);
    expect(r.payouts).toBeGreaterThan(0);
    // each payout's items (without its own withdrawal) add up to what it paid
    expect(count(`payouts p where p.amount_minor <> (select sum(i.net_minor) from payout_items i where i.payout_id = p.id and i.type <> 'payout')`)).toBe(0);
    expect(rollupDifferences(handle)).toEqual([]);
    expect(count('ledger_day_totals')).toBeGreaterThan(0);
    // a machine shared with other test runs: seeding and the check take seconds there
  }, 120_000);

  it('is refused in production', () => {
    const config = { ...loadConfig({ LOG_LEVEL: 'silent' }), env: 'production' as const };
    expect(() => seedContributions(handle, config, { contributions: 10, now: Date.now() })).toThrow(/production/);
  });
});
