import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateNodeDb, openNodeDb, type NodeDb } from './node.js';
import { sandboxObjects } from './schema.js';

let dir: string;
let handle: NodeDb;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'storyfund-gc-'));
  handle = openNodeDb(join(dir, 'db.sqlite'));
  migrateNodeDb(handle);
});
afterEach(async () => {
  await handle.close();
  rmSync(dir, { recursive: true, force: true });
});

const put = (id: string) => handle.db.orm.insert(sandboxObjects).values({ id, type: 'test', data: '{}', createdAt: 1 });
const ids = () => (handle.sqlite.prepare('select id from sandbox_objects order by id').all() as { id: string }[]).map((r) => r.id);

describe('atomic() on Node: group commit', () => {
  it('commits the writes of one event-loop turn together, and settles each only after the commit', async () => {
    const writes = [handle.db.atomic([put('a1'), put('a2')]), handle.db.atomic([put('b1')]), handle.db.atomic([put('c1')])];
    // nothing is written until the turn's writes are flushed
    expect(ids()).toEqual([]);
    await Promise.all(writes);
    expect(ids()).toEqual(['a1', 'a2', 'b1', 'c1']);
  });

  it('rolls back a failing write alone: the others in the same commit stand', async () => {
    await handle.db.atomic([put('taken')]);
    const results = await Promise.allSettled([
      handle.db.atomic([put('first')]),
      // the second statement violates the primary key: its first must not stay either
      handle.db.atomic([put('half'), put('taken')]),
      handle.db.atomic([put('last')]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(ids()).toEqual(['first', 'last', 'taken']);
  });

  it('uses one commit for a turn and a new one for the next', async () => {
    const other = openNodeDb(join(dir, 'db.sqlite'));
    try {
      // data_version on another connection counts the commits it has not made itself
      const seen = () => (other.sqlite.prepare('pragma data_version').get() as { data_version: number }).data_version;
      const start = seen();
      await Promise.all([handle.db.atomic([put('x1')]), handle.db.atomic([put('x2')]), handle.db.atomic([put('x3')])]);
      expect(seen() - start).toBe(1);
      await handle.db.atomic([put('y1')]);
      expect(seen() - start).toBe(2);
    } finally {
      await other.close();
    }
  });
});

describe('atomic() on Node: durable acknowledgements', () => {
  // pragma_synchronous() reads the connection's setting from inside the write itself
  const seenBy = (label: string) => ({
    sql: `insert into sandbox_objects (id, type, data, created_at) select '${label}', 'sync', cast(synchronous as text), 1 from pragma_synchronous()`,
    params: [],
  });
  const seen = () => handle.sqlite.prepare("select id, data from sandbox_objects where type = 'sync' order by id").all();
  const setting = () => handle.sqlite.pragma('synchronous', { simple: true });

  it('commits a group at synchronous=FULL (2) and leaves the connection at NORMAL (1) for other writes', async () => {
    expect(setting()).toBe(1);
    await Promise.all([handle.db.atomic([seenBy('a')]), handle.db.atomic([seenBy('b')])]);
    expect(seen()).toEqual([
      { id: 'a', data: '2' },
      { id: 'b', data: '2' },
    ]);
    expect(setting()).toBe(1);
    handle.sqlite.prepare(seenBy('direct').sql).run();
    expect(seen()).toContainEqual({ id: 'direct', data: '1' });
  });

  it('goes back to NORMAL when a group fails to commit', async () => {
    // another connection holds the write lock, so the group's write fails and nothing is written
    const other = openNodeDb(join(dir, 'db.sqlite'));
    other.sqlite.pragma('busy_timeout = 0');
    handle.sqlite.pragma('busy_timeout = 0');
    other.sqlite.prepare('begin immediate').run();
    try {
      await expect(handle.db.atomic([seenBy('blocked')])).rejects.toThrow(/locked|busy/i);
      expect(setting()).toBe(1);
    } finally {
      other.sqlite.prepare('rollback').run();
      await other.close();
    }
    expect(seen()).toEqual([]);
  });
});
