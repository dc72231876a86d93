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
});
