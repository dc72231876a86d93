import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckpointResult } from './checkpoint.js';
import { migrateNodeDb, openNodeDb, type NodeDb } from './node.js';
import { sandboxObjects } from './schema.js';

let dir: string;
let handle: NodeDb | null = null;
afterEach(async () => {
  await handle?.close();
  handle = null;
  rmSync(dir, { recursive: true, force: true });
});

describe('WAL checkpoints on a worker thread', () => {
  it('copies committed writes into the database file without the connection checkpointing itself', async () => {
    dir = mkdtempSync(join(tmpdir(), 'storyfund-ckpt-'));
    const path = join(dir, 'db.sqlite');
    handle = openNodeDb(path, { checkpointEveryMs: 20 });
    migrateNodeDb(handle);
    // the connection's own threshold is only a backstop now
    expect(handle.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(20_000);
    const copied = new Promise<CheckpointResult>((resolve) => handle!.checkpointer!.onCheckpoint((r) => r.checkpointed > 0 && resolve(r)));
    const sizeBefore = statSync(path).size;
    const rows = Array.from({ length: 500 }, (_, i) =>
      handle!.db.orm.insert(sandboxObjects).values({ id: `obj_${i}`, type: 'test', data: 'x'.repeat(200), createdAt: i }),
    );
    await handle.db.atomic(rows);
    const result = await copied;
    expect(result.checkpointed).toBeGreaterThan(0);
    expect(statSync(path).size).toBeGreaterThan(sizeBefore);
    expect(handle.sqlite.prepare('select count(*) as n from sandbox_objects').get()).toEqual({ n: 500 });
  });

  it('stops with the connection and leaves nothing running', async () => {
    dir = mkdtempSync(join(tmpdir(), 'storyfund-ckpt-'));
    const h = openNodeDb(join(dir, 'db.sqlite'), { checkpointEveryMs: 10 });
    await h.close();
    expect(h.sqlite.open).toBe(false);
  });
});
