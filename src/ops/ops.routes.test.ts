import { Hono } from 'hono';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateNodeDb, openNodeDb, type NodeDb } from '../../db/node.js';
import { gifts, ledgerEntries } from '../../db/schema.js';
import { loadConfig } from '../config.js';
import { createLogger, type AppEnv, type Deps, type ExportReader } from '../deps.js';
import { AppError } from '../lib/errors.js';
import { EXPORT_HEADER } from '../ledger/ledger.export.js';
import { exportLinesQuery } from '../ledger/ledger.export.repo.js';
import { nodeExportReader } from '../runtime/node.export.js';
import { opsRoutes } from './ops.routes.js';
import { createMailPort } from '../mail/mail.port.js';

const TOKEN = 'ops-token-0123456789abcdef0123456789abcdef';
const DAY = 86_400_000;
const NOV_1 = Date.parse('2026-11-01T00:00:00Z');

let handle: NodeDb | undefined;
let dir: string | undefined;
afterEach(async () => {
  await handle?.close();
  handle = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** In memory, the export pages through `db` as on Workers; `reader` gives it Node's own connection. */
function setup(env: Record<string, string> = { OPS_TOKEN: TOKEN }, pageRows = 3, reader?: (path: string) => () => ExportReader) {
  dir = reader ? mkdtempSync(join(tmpdir(), 'storyfund-ops-')) : undefined;
  const path = dir ? join(dir, 'ops.sqlite') : ':memory:';
  handle = openNodeDb(path);
  migrateNodeDb(handle);
  const deps: Deps = {
    db: handle.db,
    stripe: new Stripe('sk_test_unused'),
    config: loadConfig({ NODE_ENV: 'test', ...env }),
    now: () => NOV_1,
    log: createLogger('silent', () => {}),
    mail: createMailPort(() => NOV_1),
    clientAddress: () => null,
    webhookCrypto: Stripe.createSubtleCryptoProvider(),
    openExportReader: reader?.(path),
  };
  return { app: appWith(deps, pageRows), db: handle.db, deps };
}

function appWith(deps: Deps, pageRows: number) {
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set('deps', deps);
    await next();
  });
  app.route('/ops', opsRoutes({ pageRows }));
  // as app.ts maps it
  app.onError((err, c) => {
    if (!(err instanceof AppError)) return c.json({ error: String(err) }, 500);
    if (err.status === 401) c.header('www-authenticate', 'Bearer realm="storyfund"');
    return c.json({ error: err.message, fields: err.fields }, err.status);
  });
  return app;
}

/** n entries; several share one occurred_at so a page boundary falls inside a tie. */
async function seed(db: Deps['db'], n: number, at: (i: number) => number) {
  for (let i = 0; i < n; i++) {
    await db.orm.insert(ledgerEntries).values({
      id: `le_${String(i).padStart(4, '0')}`,
      key: `payment:pi_${i}`,
      kind: 'gift',
      frequency: 'one_off',
      amountMinor: 100 + i,
      currency: 'gbp',
      stripeId: `pi_${i}`,
      occurredAt: at(i),
      createdAt: at(i),
    });
  }
}

const get = (app: Hono<AppEnv>, path: string, token: string | null = TOKEN) =>
  app.request(path, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });

const ids = (csv: string) =>
  csv
    .trim()
    .split('\r\n')
    .slice(1)
    .map((line) => line.split(',')[0]);

describe('GET /ops/contributions.csv', () => {
  it('is not there at all when OPS_TOKEN is unset', async () => {
    const { app } = setup({});
    const res = await get(app, '/ops/contributions.csv');
    expect(res.status).toBe(404);
  });

  it('asks for the token when it is missing or wrong', async () => {
    const { app } = setup();
    for (const token of [null, 'nope', `${TOKEN}x`, TOKEN.slice(0, -1)]) {
      const res = await get(app, '/ops/contributions.csv', token);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
  });

  it('streams every row once, oldest first, across page boundaries that split equal timestamps', async () => {
    const { app, db } = setup();
    // 10 rows, timestamps in pairs: with 3 rows a page every page boundary but one splits a tie
    await seed(db, 10, (i) => NOV_1 + Math.floor(i / 2) * 1000);
    const res = await get(app, '/ops/contributions.csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="contributions.csv"');
    const csv = await res.text();
    expect(csv.startsWith(EXPORT_HEADER)).toBe(true);
    expect(ids(csv)).toEqual(Array.from({ length: 10 }, (_, i) => `le_${String(i).padStart(4, '0')}`));
    const first = csv.split('\r\n')[1]!.split(',');
    expect(first.slice(0, 6)).toEqual(['le_0000', '2026-11-01T00:00:00.000Z', 'gift', 'one_off', 'gbp', '100']);
  });

  it('ends cleanly when the last page is exactly full', async () => {
    const { app, db } = setup();
    await seed(db, 6, (i) => NOV_1 + i);
    expect(ids(await (await get(app, '/ops/contributions.csv')).text())).toHaveLength(6);
  });

  it('filters by whole UTC days, to inclusive', async () => {
    const { app, db } = setup();
    await seed(db, 5, (i) => NOV_1 + i * DAY); // Nov 1 .. Nov 5
    const res = await get(app, '/ops/contributions.csv?from=2026-11-02&to=2026-11-04');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="contributions_2026-11-02_2026-11-04.csv"');
    expect(ids(await res.text())).toEqual(['le_0001', 'le_0002', 'le_0003']);
  });

  it('names the bad field for a bad date range', async () => {
    const { app } = setup();
    const bad = await get(app, '/ops/contributions.csv?from=2026-02-30');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ fields: { from: expect.stringContaining('not a real date') } });
    const backwards = await get(app, '/ops/contributions.csv?from=2026-11-05&to=2026-11-01');
    expect(backwards.status).toBe(400);
    expect(await backwards.json()).toMatchObject({ fields: { to: 'to must be on or after from' } });
  });

  it('reads each page as an index range scan of ledger_entries_occurred from its cursor, and nothing but the entries', () => {
    setup();
    const planOf = (q: { sql: string; params: readonly unknown[] }) =>
      (handle!.sqlite.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...q.params) as { detail: string }[]).map((r) => r.detail);
    expect(planOf(exportLinesQuery({ fromMs: NOV_1, toMs: NOV_1 + DAY }, null, 1000))[0]).toMatch(
      /^SEARCH ledger_entries USING INDEX ledger_entries_occurred \(occurred_at>\? AND occurred_at<\?\)/,
    );
    // a later page starts at its cursor, not at `from` (which would walk every earlier page again)
    const q = exportLinesQuery({ fromMs: NOV_1, toMs: NOV_1 + DAY }, { occurredAt: NOV_1, id: 'le_0001' }, 1000);
    const plan = planOf(q);
    expect(plan[0]).toMatch(/^SEARCH ledger_entries USING INDEX ledger_entries_occurred \(\(occurred_at,id\)>\(\?,\?\) AND occurred_at<\?\)/);
    // the gift's status and attribution are on the entry: no search of gifts per row
    expect(plan).toHaveLength(1);
    expect(plan.join('\n')).not.toMatch(/TEMP B-TREE|SCAN ledger_entries/);
    expect(q.sql).not.toMatch(/offset/i);
  });
});

describe("GET /ops/contributions.csv on Node, from the export's own read-only connection", () => {
  /** Counts the readers opened and closed around Node's real one. */
  function counting(pageRows: number) {
    const counts = { opened: 0, closed: 0 };
    const reader = (path: string) => {
      const open = nodeExportReader(path, { pageRows });
      return () => {
        counts.opened++;
        const r = open();
        return {
          ...r,
          close: () => {
            counts.closed++;
            return r.close();
          },
        };
      };
    };
    return { counts, reader };
  }

  it('gives the same bytes as paging through the app connection, and closes its connection', async () => {
    const { counts, reader } = counting(4);
    const { app, db, deps } = setup({ OPS_TOKEN: TOKEN }, 3, reader);
    await db.orm.insert(gifts).values({
      id: 'gift_1',
      status: 'paid',
      frequency: 'one_off',
      amountMinor: 500,
      currency: 'gbp',
      article: 'a,b',
      campaign: '=1+1',
      variant: 'b',
      createdAt: NOV_1,
      updatedAt: NOV_1,
    });
    await seed(db, 10, (i) => NOV_1 + Math.floor(i / 2) * 1000);
    // as the app's writes do: an entry that gains its gift gains its attribution (its status follows by trigger)
    await db.orm
      .update(ledgerEntries)
      .set({ giftId: 'gift_1', article: 'a,b', campaign: '=1+1', variant: 'b', email: '"quoted"@example.com' })
      .where(eq(ledgerEntries.id, 'le_0003'));
    const viaReader = await (await get(app, '/ops/contributions.csv')).text();
    expect(counts).toEqual({ opened: 1, closed: 1 });
    const viaDb = await (await get(appWith({ ...deps, openExportReader: undefined }, 3), '/ops/contributions.csv')).text();
    expect(ids(viaReader)).toHaveLength(10);
    expect(viaReader).toBe(viaDb);
    expect(viaReader).toContain(`le_0003,2026-11-01T00:00:01.000Z,gift,one_off,gbp,103,,,,,paid,"""quoted""@example.com",pi_3,gift_1,"a,b",'=1+1,b,,1\r\n`);
  });

  it('answers a clean 500 before the first byte when the first page fails, and closes its connection', async () => {
    const { counts, reader } = counting(4);
    const { app } = setup({ OPS_TOKEN: TOKEN }, 3, reader);
    // the line query names this column: every read of it now fails
    handle!.sqlite.exec('ALTER TABLE ledger_entries RENAME COLUMN balance_transaction_id TO settled_by');
    const res = await get(app, '/ops/contributions.csv');
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toMatch(/json/);
    expect(counts).toEqual({ opened: 1, closed: 1 });
  });

  it('closes its connection when the client stops reading', async () => {
    const { counts, reader } = counting(2);
    const { app, db } = setup({ OPS_TOKEN: TOKEN }, 3, reader);
    await seed(db, 10, (i) => NOV_1 + i);
    const res = await get(app, '/ops/contributions.csv');
    const body = res.body!.getReader();
    await body.read();
    await body.cancel();
    expect(counts).toEqual({ opened: 1, closed: 1 });
  });
});
