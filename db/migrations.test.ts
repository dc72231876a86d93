import Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from './node.js';

const migrations = readdirSync(MIGRATIONS_DIR)
  .filter((f) => f.endsWith('.sql'))
  .sort();
const apply = (db: Database.Database, file: string) => {
  for (const statement of readFileSync(join(MIGRATIONS_DIR, file), 'utf8').split('--> statement-breakpoint')) db.exec(statement);
};

describe('migrations', () => {
  it('moves stripe_events.payload last and keeps every event recorded before', () => {
    const db = new Database(':memory:');
    const at = migrations.indexOf('0003_stripe_events_payload_last.sql');
    expect(at).toBeGreaterThan(0);
    for (const f of migrations.slice(0, at)) apply(db, f);
    db.prepare(
      `insert into stripe_events (id, type, stripe_created, livemode, payload, received_at, processed_at, attempts, last_error) values ('evt_1', 'invoice.paid', 1, 0, '{"id":"evt_1"}', 2, 3, 1, null), ('evt_2', 'charge.updated', 4, 1, '{}', 5, null, 2, 'boom')`,
    ).run();
    for (const f of migrations.slice(at)) apply(db, f);
    const columns = (db.prepare('pragma table_info(stripe_events)').all() as { name: string }[]).map((c) => c.name);
    // every column a delivery reads or writes sits before the payload; after it only the
    // quarantine's, appended later (SQLite adds columns at the end) and read only by staff
    const payload = columns.indexOf('payload');
    expect(columns.slice(payload + 1)).toEqual(['quarantined_at', 'quarantine_errors']);
    for (const hot of ['id', 'type', 'stripe_created', 'livemode', 'received_at', 'processed_at', 'attempts', 'last_error'])
      expect(columns.indexOf(hot)).toBeLessThan(payload);
    expect(db.prepare('select * from stripe_events order by id').all()).toEqual([
      {
        id: 'evt_1',
        type: 'invoice.paid',
        stripe_created: 1,
        livemode: 0,
        received_at: 2,
        processed_at: 3,
        attempts: 1,
        last_error: null,
        payload: '{"id":"evt_1"}',
        quarantined_at: null,
        quarantine_errors: null,
      },
      {
        id: 'evt_2',
        type: 'charge.updated',
        stripe_created: 4,
        livemode: 1,
        received_at: 5,
        processed_at: null,
        attempts: 2,
        last_error: 'boom',
        payload: '{}',
        quarantined_at: null,
        quarantine_errors: null,
      },
    ]);
    // the partial index for unprocessed events is back
    expect(db.prepare(`explain query plan select id from stripe_events where processed_at is null`).all()).toEqual([
      expect.objectContaining({ detail: expect.stringContaining('stripe_events_unprocessed') }),
    ]);
  });

  it("keeps each ledger entry's gift_status equal to its gift's status, from the backfill on, whatever writes it", () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    const at = migrations.indexOf('0013_ledger_entries_gift_status.sql');
    expect(at).toBeGreaterThan(0);
    for (const f of migrations.slice(0, at)) apply(db, f);
    const gift = db.prepare(
      `insert into gifts (id, status, frequency, amount_minor, currency, created_at, updated_at) values (?, ?, 'one_off', 500, 'gbp', 0, 0)`,
    );
    const entry = db.prepare(
      `insert into ledger_entries (id, key, kind, gift_id, frequency, amount_minor, currency, stripe_id, occurred_at, created_at) values (?, ?, 'gift', ?, 'one_off', 500, 'gbp', 'pi', 1, 1)`,
    );
    gift.run('g_paid', 'paid');
    gift.run('g_pending', 'pending');
    entry.run('e1', 'k1', 'g_paid');
    entry.run('e2', 'k2', 'g_pending');
    entry.run('e3', 'k3', null);
    for (const f of migrations.slice(at)) apply(db, f);
    const statuses = () =>
      Object.fromEntries((db.prepare('select id, gift_status from ledger_entries order by id').raw(true).all() as [string, string | null][]).map((r) => r));
    const truth = () =>
      Object.fromEntries(
        (
          db.prepare('select e.id, g.status from ledger_entries e left join gifts g on g.id = e.gift_id order by e.id').raw(true).all() as [
            string,
            string | null,
          ][]
        ).map((r) => r),
      );
    // the entries written before the migration
    expect(statuses()).toEqual({ e1: 'paid', e2: 'pending', e3: null });
    // a new entry, and one that says otherwise by hand
    entry.run('e4', 'k4', 'g_pending');
    db.prepare(
      `insert into ledger_entries (id, key, kind, gift_id, frequency, amount_minor, currency, stripe_id, occurred_at, created_at, gift_status) values ('e5', 'k5', 'refund', null, 'one_off', -500, 'gbp', 're', 2, 2, 'paid')`,
    ).run();
    expect(statuses()).toEqual({ e1: 'paid', e2: 'pending', e3: null, e4: 'pending', e5: null });
    // the gift is paid: each of its entries follows
    db.prepare(`update gifts set status = 'paid' where id = 'g_pending'`).run();
    expect(statuses()).toMatchObject({ e2: 'paid', e4: 'paid' });
    // an entry gains its gift, or is moved to another
    gift.run('g_failed', 'failed');
    db.prepare(`update ledger_entries set gift_id = 'g_failed' where id in ('e3', 'e1')`).run();
    // an upsert that gives the entry its gift (the app's writes)
    db.prepare(
      `insert into ledger_entries (id, key, kind, gift_id, frequency, amount_minor, currency, stripe_id, occurred_at, created_at) values ('e6', 'k5', 'refund', 'g_paid', 'one_off', -500, 'gbp', 're', 2, 2)
       on conflict (key) do update set gift_id = coalesce(ledger_entries.gift_id, excluded.gift_id)`,
    ).run();
    expect(statuses()).toEqual({ e1: 'failed', e2: 'paid', e3: 'failed', e4: 'paid', e5: 'paid' });
    // a gift deleted (foreign keys off, as by hand) leaves its entries with no status, as a join would find none
    db.pragma('foreign_keys = OFF');
    db.prepare(`delete from gifts where id = 'g_failed'`).run();
    expect(statuses()).toEqual(truth());
    expect(statuses()).toMatchObject({ e1: null, e3: null });
  });
});
