// Rows already in a database can hold anything SQLite accepts: written before the webhook
// parsed Stripe's payloads, or by hand. The export (CLI and HTTP), reconcile and payout
// statements still run over them, write or sum every readable value, and name each
// unreadable cell by its row's id.
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/runtime/cli.js';
import { runReconcile } from '../src/webhooks/webhooks.reconcile.js';
import { formatReport } from '../src/runtime/reconcile.report.js';
import { createLogger } from '../src/deps.js';
import { buildTestContext, type TestContext } from './factories/deps.js';
import { TEST_WEBHOOK_SECRET } from './factories/stripe.js';
import { startStripeMock } from './mocks/stripe-api.js';

const mock = startStripeMock();
afterAll(() => mock.close());

const OPS_TOKEN = 'ops-token-0123456789abcdef0123456789abcdef';
const NOV_20 = Date.parse('2026-11-20T09:00:00Z');

let t: TestContext;
let logged: Record<string, unknown>[];
beforeEach(() => {
  t = buildTestContext({ OPS_TOKEN });
  logged = [];
  // the app's own logger, redaction and all, writing into the test
  t.deps.log = createLogger('debug', (line) => logged.push(JSON.parse(line) as Record<string, unknown>), t.deps.now);
  mock.store.events = [];
  mock.store.objects.clear();
  mock.store.subscriptions.clear();
});
afterEach(() => t.cleanup());

/** A good entry, then one bad cell per row, each straight into SQLite as a careless hand or an old release might. */
function writeBadRows(): void {
  const insert = t.handle.sqlite.prepare(
    `insert into ledger_entries (id, key, kind, frequency, amount_minor, currency, fee_minor, net_minor, settlement_currency, balance_transaction_id, stripe_id, occurred_at, created_at)
     values (@id, @id, 'gift', 'one_off', @amount, @currency, @fee, @net, @settlement, null, @id, @at, 0)`,
  );
  const good = { amount: 1000, currency: 'gbp', fee: null, net: null, settlement: null, at: NOV_20 };
  insert.run({ ...good, id: 'le_good' });
  insert.run({ ...good, id: 'le_time_1e20', at: 1e20 });
  insert.run({ ...good, id: 'le_time_text', at: 'yesterday' });
  insert.run({ ...good, id: 'le_amount_text', amount: 'a lot' });
  insert.run({ ...good, id: 'le_amount_real', amount: 15.5 });
  insert.run({ ...good, id: 'le_amount_huge', amount: 1e21 });
  insert.run({ ...good, id: 'le_fee_text', fee: 'unknown', net: 'x' });
  insert.run({ ...good, id: 'le_currency_upper', currency: 'GBP' });
  insert.run({ ...good, id: 'le_currency_blob', currency: Buffer.from([0x67, 0x00]) });
  insert.run({ ...good, id: 'le_settlement_number', settlement: 123 });
}

const BAD = {
  le_time_1e20: 'created_at',
  le_time_text: 'created_at',
  le_amount_text: 'amount_minor',
  le_amount_real: 'amount_minor',
  le_amount_huge: 'amount_minor',
  le_fee_text: 'fee_minor',
  le_currency_upper: 'currency',
  le_currency_blob: 'currency',
  le_settlement_number: 'settlement_currency',
} as const;

/** CSV text -> one object per data row, keyed by the header (no cell here holds a comma). */
function rowsOf(csv: string): Record<string, string>[] {
  const [head, ...lines] = csv.trim().split('\r\n');
  const header = head!.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [header[i], v])));
}

function expectEveryRowWithBadCellsEmpty(csv: string): void {
  const rows = rowsOf(csv);
  expect(rows.map((r) => r.contribution_id).sort()).toEqual(['le_good', ...Object.keys(BAD)].sort());
  expect(rows.find((r) => r.contribution_id === 'le_good')).toMatchObject({ created_at: '2026-11-20T09:00:00.000Z', amount_minor: '1000', currency: 'gbp' });
  for (const [id, column] of Object.entries(BAD)) {
    const row = rows.find((r) => r.contribution_id === id)!;
    expect(row[column], `${id} ${column}`).toBe('');
    // the rest of the row is still there
    expect(row.kind, id).toBe('gift');
  }
}

const env = () => ({
  NODE_ENV: 'test',
  DATABASE_PATH: t.deps.config.databasePath,
  STRIPE_SECRET_KEY: 'sk_test_storyfund',
  STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
  LOG_LEVEL: 'silent',
});

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const captured = { out: '', err: '' };
  const sink = (to: 'out' | 'err') =>
    new Writable({
      write: (chunk, _enc, cb) => {
        captured[to] += String(chunk);
        cb();
      },
    });
  const code = await runCli(args, env(), { out: sink('out'), err: sink('err') });
  return { code, ...captured };
}

describe('the contributions export over bad stored rows', () => {
  it('CLI: writes every row, each unreadable cell empty, and names each on stderr by its id', async () => {
    writeBadRows();
    const { code, out, err } = await cli('contributions', 'export', '--format', 'csv');
    expect(code).toBe(0);
    expectEveryRowWithBadCellsEmpty(out);
    for (const [id, column] of Object.entries(BAD)) expect(err).toContain(`contribution ${id}: ${column} `);
    expect(err).not.toContain('le_good');
  });

  it('HTTP: answers 200 with every row, each unreadable cell empty, and logs each by its id', async () => {
    writeBadRows();
    const res = await t.app.request('/ops/contributions.csv', { headers: { authorization: `Bearer ${OPS_TOKEN}` } });
    expect(res.status).toBe(200);
    expectEveryRowWithBadCellsEmpty(await res.text());
    const named = logged.filter((l) => l.level === 'error').map((l) => [l.contribution, l.column]);
    expect(named).toEqual(expect.arrayContaining(Object.entries(BAD)));
  });
});

describe('reconcile over bad stored rows', () => {
  it('runs, names each unreadable entry as drift with its id, and sums only the readable ones', async () => {
    writeBadRows();
    const since = Math.floor(NOV_20 / 1000) - 86_400;
    const report = await runReconcile(t.deps, { sinceSec: since });
    const unreadable = report.objects.filter((o) => o.problem === 'unreadable');
    // every bad row whose time falls in the window (text sorts after every number in SQLite)
    for (const id of [
      'le_time_1e20',
      'le_time_text',
      'le_amount_text',
      'le_amount_real',
      'le_amount_huge',
      'le_fee_text',
      'le_currency_upper',
      'le_currency_blob',
      'le_settlement_number',
    ]) {
      expect(unreadable.map((o) => o.detail).join('\n'), id).toContain(`entry ${id}: `);
    }
    expect(report.drift).toBe(true);
    // only le_good's £10 is summed: no NaN, no text in a total
    expect(report.currencies).toEqual([expect.objectContaining({ currency: 'gbp', ledger: expect.objectContaining({ grossMinor: 1000 }) })]);
    expect(formatReport(report)).toContain('unreadable: ');

    const { code, out } = await cli('reconcile', '--since', '2026-11-19');
    expect(code).toBe(2);
    expect(out).toContain('unreadable: le_amount_text: entry le_amount_text: amount_minor is not a whole number of minor units');
  });
});

describe('payout statements over bad stored rows', () => {
  it('prints every payout, leaves unreadable cells out of the sums by id, and exits 2', async () => {
    const sql = (text: string) => t.handle.sqlite.prepare(text).run();
    sql(`insert into payouts (id, amount_minor, currency, status, reconciliation_status, automatic, arrival_date, stripe_created, created_at, updated_at)
         values ('po_good', 900, 'gbp', 'paid', 'completed', 1, 1764600000000, 1764500000, 0, 0),
                ('po_bad', 'lots', X'00', 'paid', 'completed', 1, 1e20, 1764500001, 0, 0)`);
    sql(`insert into payout_items (balance_transaction_id, payout_id, type, reporting_category, amount_minor, fee_minor, net_minor, currency, stripe_created)
         values ('txn_good', 'po_good', 'charge', 'charge', 1000, 100, 900, 'gbp', 1764400000),
                ('txn_bad', 'po_good', 'charge', 'charge', 'a lot', 0, 0, 'gbp', 1764400001)`);
    const { code, out } = await cli('payouts', 'statement', '--since', '2025-11-01');
    expect(code).toBe(2);
    expect(out).toContain('po_good  paid, arrives 2025-12-01');
    expect(out).toContain('gross 10.00 - fees 1.00 + refunds 0.00 + disputes 0.00 = 9.00 GBP');
    expect(out).toContain('unreadable, left out: balance transaction txn_bad: amount_minor is not a whole number of minor units');
    expect(out).toContain(
      'unreadable, left out: payout po_bad: amount_minor is not a whole number of minor units; currency is not a three-letter lower-case currency code; arrival_date is not a time',
    );
    expect(out.match(/CANNOT BE CHECKED/g)).toHaveLength(2);
  });
});
