import { Hono } from 'hono';
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateNodeDb, openNodeDb, type NodeDb } from '../../db/node.js';
import { ledgerEntries } from '../../db/schema.js';
import { loadConfig } from '../config.js';
import { createLogger, type AppEnv, type Deps } from '../deps.js';
import { AppError } from '../lib/errors.js';
import { EXPORT_HEADER } from '../ledger/ledger.export.js';
import { exportPageQuery, opsRoutes } from './ops.routes.js';

const TOKEN = 'ops-token-0123456789abcdef0123456789abcdef';
const DAY = 86_400_000;
const NOV_1 = Date.parse('2026-11-01T00:00:00Z');

let handle: NodeDb | undefined;
afterEach(() => handle?.close());

function setup(env: Record<string, string> = { OPS_TOKEN: TOKEN }, pageRows = 3) {
  handle = openNodeDb(':memory:');
  migrateNodeDb(handle);
  const deps: Deps = {
    db: handle.db,
    stripe: new Stripe('sk_test_unused'),
    config: loadConfig({ NODE_ENV: 'test', ...env }),
    now: () => NOV_1,
    log: createLogger('silent'),
    webhookCrypto: Stripe.createSubtleCryptoProvider(),
  };
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set('deps', deps);
    await next();
  });
  app.route('/ops', opsRoutes({ pageRows }));
  // as app.ts maps it
  app.onError((err, c) => (err instanceof AppError ? c.json({ error: err.message, fields: err.fields }, err.status) : c.json({ error: String(err) }, 500)));
  return { app, db: handle.db };
}

/** n entries; several share one occurred_at so a page boundary falls inside a tie. */
async function seed(db: Deps['db'], n: number, at: (i: number) => number) {
  for (let i = 0; i < n; i++) {
    await db.insert(ledgerEntries).values({
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

  it('reads each page as an index range scan of ledger_entries_occurred: no sort, no OFFSET', () => {
    setup();
    const q = exportPageQuery(handle!.db, { fromMs: NOV_1, toMs: NOV_1 + DAY }, { occurredAt: NOV_1, id: 'le_0001' }, 1000).toSQL();
    const plan = (handle!.sqlite.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...q.params) as { detail: string }[]).map((r) => r.detail);
    expect(plan[0]).toMatch(/^SEARCH ledger_entries USING INDEX ledger_entries_occurred \(occurred_at>\? AND occurred_at<\?\)/);
    expect(plan.join('\n')).not.toMatch(/TEMP B-TREE|SCAN ledger_entries/);
    expect(q.sql).not.toMatch(/offset/i);
  });
});
