// The contributions page's CSV download against the seeded ledger (tests/helpers/finance-ledger.ts)
// plus rows written to break a spreadsheet: exact file contents for a range and a filter,
// the same rows as every page of the list, totals that tie to the overview's, cells that
// cannot run as formulas, who may download and see the button, bad filters named, the
// audit entries, and a body that is read page by page as the client takes it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/db.js';
import { createApp } from '../src/app.js';
import type { ExportReader } from '../src/deps.js';
import { listContributions } from '../src/finance/finance.lists.repo.js';
import { contributionFilter, contributionsQuery } from '../src/finance/finance.js';
import { EXPORT_HEADER } from '../src/ledger/ledger.export.js';
import { buildTestContext, type TestContext } from './factories/deps.js';
import { buildStaff, insertStaffRow, sessionFor, type SignedIn } from './factories/staff.js';
import { csvTotals, parseCsvRecords } from './helpers/csv.js';
import { seedFinanceLedger } from './helpers/finance-ledger.js';
import { REBUILD_SQL } from '../src/ledger/ledger.rollups.repo.js';

let t: TestContext;
let viewer: SignedIn;
let finance: SignedIn;
let admin: SignedIn;
let financeId: string;

const EVIL_CAMPAIGN = '=HYPERLINK("http://evil.example","open")';

beforeAll(async () => {
  t = buildTestContext();
  seedFinanceLedger(t.handle);
  // In June 2025, apart from the ledger the overview tests sum: attribution and an address
  // that a spreadsheet would run as formulas, and text that needs quoting.
  const db = t.handle.sqlite;
  db.prepare(
    `insert into gifts (id, status, frequency, amount_minor, currency, email, campaign, article, section, variant, payment_intent_id, created_at, updated_at)
     values ('gift_x', 'paid', 'one_off', 700, 'gbp', '-2+3@example.org', ?, ?, 'news', '+1', 'pi_x', 0, 0)`,
  ).run(EVIL_CAMPAIGN, 'rates, "fees"\nand more');
  db.prepare(
    `insert into ledger_entries (id, key, kind, gift_id, frequency, amount_minor, currency, fee_minor, net_minor, settlement_currency, exchange_rate, stripe_id, payment_intent_id, email, balance_transaction_id, occurred_at, created_at)
     values ('le_x1', 'payment:pi_x', 'gift', 'gift_x', 'one_off', 700, 'gbp', 30, 670, 'gbp', '1', 'pi_x', 'pi_x', '-2+3@example.org', '@txn_x', ?, 0)`,
  ).run(Date.parse('2025-06-01T12:00:00Z'));
  // as the ledger's writes would: the entry carries its gift's attribution, and the rollups count it
  db.prepare(`update ledger_entries set campaign = ?, article = ?, section = 'news', variant = '+1' where id = 'le_x1'`).run(
    EVIL_CAMPAIGN,
    'rates, "fees"\nand more',
  );
  for (const q of REBUILD_SQL) db.prepare(q).run();
  viewer = await sessionFor(t.deps, 'staff', (await insertStaffRow(t.deps, buildStaff({ role: 'viewer' }))).id);
  financeId = (await insertStaffRow(t.deps, buildStaff({ role: 'finance' }))).id;
  finance = await sessionFor(t.deps, 'staff', financeId);
  admin = await sessionFor(t.deps, 'staff', (await insertStaffRow(t.deps, buildStaff({ role: 'admin' }))).id);
});
afterAll(() => t?.cleanup());

const get = (path: string, s: SignedIn, accept = 'text/csv', app = t.app) =>
  app.request(`http://localhost:8787${path}`, { headers: { cookie: s.cookie, accept } });
const download = async (query: string, s: SignedIn = finance) => {
  const res = await get(`/finance/contributions.csv${query}`, s);
  expect(res.status).toBe(200);
  return res;
};

describe('the contributions CSV', () => {
  it("writes every November row, oldest first, with the export's columns: refunds and disputes negative, JPY in whole yen, fees in the settlement currency", async () => {
    const res = await download('?from=2026-11-01&to=2026-11-30');
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="contributions_2026-11-01_to_2026-11-30.csv"');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).toBe(
      [
        'contribution_id,created_at,kind,frequency,currency,amount_minor,fee_minor,net_minor,settlement_currency,exchange_rate,status,supporter_email,stripe_id,gift_id,article,campaign,variant,balance_transaction_id,schema_version',
        'le_01,2026-11-02T09:00:00.000Z,gift,one_off,gbp,1000,35,965,gbp,,paid,ann@example.org,pi_g1,gift_g1,harbour-water,winter,a,,1',
        'le_09,2026-11-03T15:00:00.000Z,gift,one_off,usd,1000,40,760,gbp,,paid,eve@example.org,pi_g5,gift_g5,harbour-water,winter,b,,1',
        'le_03,2026-11-05T08:00:00.000Z,renewal,monthly,gbp,500,20,480,gbp,,paid,bob@example.org,in_g2_nov,gift_g2,ferry-cuts,winter,b,,1',
        'le_04,2026-11-10T12:00:00.000Z,refund,one_off,gbp,-400,0,-400,gbp,,paid,ann@example.org,re_g1,gift_g1,harbour-water,winter,a,,1',
        'le_05,2026-11-15T03:00:00.000Z,gift,one_off,jpy,3000,108,2892,jpy,,paid,chie@example.org,pi_g3,gift_g3,harbour-water,,a,,1',
        'le_06,2026-11-16T03:00:00.000Z,dispute,one_off,jpy,-3000,0,-3000,jpy,,paid,chie@example.org,dp_g3,gift_g3,harbour-water,,a,,1',
        'le_07,2026-11-16T03:00:00.000Z,dispute_fee,one_off,jpy,0,1500,-1500,jpy,,paid,chie@example.org,dp_g3,gift_g3,harbour-water,,a,,1',
        'le_08,2026-11-20T09:00:00.000Z,gift,one_off,eur,2500,,,,,paid,ann@example.org,pi_g4,gift_g4,ferry-cuts,newsletter,b,,1',
        '',
      ].join('\r\n'),
    );
  });

  it('applies the filters on the entry and on its gift, and names the open ends of the range in the file name', async () => {
    const gbp = await download('?from=2026-11-01&currency=GBP');
    expect(gbp.headers.get('content-disposition')).toBe('attachment; filename="contributions_from_2026-11-01.csv"');
    expect(parseCsvRecords(await gbp.text()).map((r) => r.contribution_id)).toEqual(['le_01', 'le_03', 'le_04']);
    const winterB = await download('?campaign=winter&variant=b&to=2026-11-30');
    expect(winterB.headers.get('content-disposition')).toBe('attachment; filename="contributions_until_2026-11-30.csv"');
    expect(parseCsvRecords(await winterB.text()).map((r) => r.contribution_id)).toEqual(['le_02', 'le_09', 'le_03']);
    const all = await download('');
    expect(all.headers.get('content-disposition')).toBe('attachment; filename="contributions_all-dates.csv"');
    expect(parseCsvRecords(await all.text())).toHaveLength(10);
    const none = await download('?status=failed');
    expect(await none.text()).toBe(EXPORT_HEADER);
  });

  it('holds exactly the rows of every page of the list for the same filters, whatever page or order the list was on', async () => {
    const queries = [
      '',
      'currency=gbp',
      'campaign=winter&variant=b',
      'email=ANN@example.org&kind=refund',
      'article=harbour-water&frequency=one_off&from=2026-11-15&to=2026-11-15',
      'currency=jpy&min=1&max=3000',
      'currency=gbp&min=-5&max=0',
      'currency=gbp&min=5',
      'status=paid&from=2026-11-01',
      'kind=dispute_fee',
      'frequency=monthly&to=2026-10-31',
      `campaign=${encodeURIComponent(EVIL_CAMPAIGN)}`,
    ];
    let nonEmpty = 0;
    for (const query of queries) {
      const { filter } = contributionFilter(contributionsQuery.parse(Object.fromEntries(new URLSearchParams(query))));
      const listed = await listContributions(t.deps.db, filter, { by: 'date', dir: 'asc' }, null, 1000);
      // the page's own position and order do not narrow or reorder the file
      const rows = parseCsvRecords(await (await download(`?${query}&sort=amount&dir=desc&after=0.le_99`)).text());
      expect(
        rows.map((r) => r.contribution_id),
        query,
      ).toEqual(listed.map((r) => r.id));
      if (rows.length) nonEmpty++;
    }
    expect(nonEmpty).toBe(queries.length);
  });

  it("sums, per currency, to the overview's totals for the same range", async () => {
    for (const [from, to] of [
      ['2026-11-01', '2026-11-30'],
      ['2026-01-01', '2026-12-31'],
      ['2025-01-01', '2026-12-31'],
      ['2026-11-16', '2026-11-16'],
    ] as const) {
      const rows = parseCsvRecords(await (await download(`?from=${from}&to=${to}`)).text());
      const overview = (await (await get(`/finance?from=${from}&to=${to}`, finance, 'application/json')).json()) as { totals: unknown[] };
      expect(overview.totals.length, `${from}..${to}`).toBeGreaterThan(0);
      expect(csvTotals(rows), `${from}..${to}`).toEqual(overview.totals);
    }
  });

  it('keeps formulas from running and quotes what needs quoting, as the CLI export does', async () => {
    const text = await (await download(`?campaign=${encodeURIComponent(EVIL_CAMPAIGN)}`)).text();
    expect(text).toBe(
      `${EXPORT_HEADER}le_x1,2025-06-01T12:00:00.000Z,gift,one_off,gbp,700,30,670,gbp,1,paid,'-2+3@example.org,pi_x,gift_x,"rates, ""fees""\nand more","'=HYPERLINK(""http://evil.example"",""open"")",'+1,'@txn_x,1\r\n`,
    );
    const [row] = parseCsvRecords(text);
    expect(row).toMatchObject({ campaign: `'${EVIL_CAMPAIGN}`, article: 'rates, "fees"\nand more', variant: "'+1", supporter_email: "'-2+3@example.org" });
  });
});

describe('who may download', () => {
  it('shows the button to finance and admin, with the filters of the view and without its page or order; not to viewers, who get a 403', async () => {
    const query = '?currency=gbp&campaign=winter&sort=amount&dir=asc';
    for (const s of [finance, admin]) {
      const html = await (await get(`/finance/contributions${query}`, s, 'text/html')).text();
      expect(html).toContain('<a href="/finance/contributions.csv?currency=gbp&amp;campaign=winter" download="">Download CSV</a>');
    }
    const asViewer = await (await get(`/finance/contributions${query}`, viewer, 'text/html')).text();
    expect(asViewer).toContain('id="contributions"');
    expect(asViewer).not.toContain('Download CSV');
    expect(asViewer).not.toContain('contributions.csv');
    const refused = await get('/finance/contributions.csv?currency=gbp', viewer, 'application/json');
    expect(refused.status).toBe(403);
    expect(await refused.text()).not.toContain('le_01');
    expect((await get('/finance/contributions.csv?currency=gbp', viewer, 'text/html')).status).toBe(403);
  });

  it('answers a bad filter with a 400 naming each field, before anything is sent', async () => {
    const bad = async (query: string) => {
      const res = await get(`/finance/contributions.csv${query}`, finance, 'application/json');
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-disposition')).toBeNull();
      return ((await res.json()) as { fields: Record<string, string> }).fields;
    };
    expect(await bad('?currency=xyz&from=2026-02-30')).toEqual({ currency: 'is not a currency we take', from: 'from is not a real date' });
    expect(await bad('?min=5')).toEqual({ min: 'choose a currency to filter by amount' });
    expect(await bad('?currency=gbp&max=1.234')).toHaveProperty('max');
    expect(await bad('?from=2026-11-05&to=2026-11-01')).toEqual({ to: 'must be on or after from' });
    expect(await bad('?kind=payout')).toHaveProperty('kind');
    expect(await bad('?email=not-an-address')).toHaveProperty('email');
  });
});

describe('the audit log', () => {
  const entries = () =>
    t.handle.sqlite
      .prepare(`select action, target, details from audit_log where actor = ? and action like 'finance.export%' order by at, rowid`)
      .all(`staff:${financeId}`) as { action: string; target: string; details: string }[];

  it('records who downloaded which filter, then the rows sent; an address filtered on is masked', async () => {
    const before = entries().length;
    await (await download('?email=Ann@Example.org&currency=gbp&from=2026-11-01&to=2026-11-30&sort=amount')).text();
    expect(
      entries()
        .slice(before)
        .map((e) => ({ ...e, details: JSON.parse(e.details) as unknown })),
    ).toEqual([
      {
        action: 'finance.export',
        target: 'contributions',
        details: { from: '2026-11-01', to: '2026-11-30', currency: 'gbp', email: 'A•••@Example.org' },
      },
      {
        action: 'finance.export_finished',
        target: 'contributions',
        details: { from: '2026-11-01', to: '2026-11-30', currency: 'gbp', email: 'A•••@Example.org', outcome: 'complete', rows: 2 },
      },
    ]);
    expect(JSON.stringify(entries())).not.toMatch(/ann@example\.org/i);
  });

  it('writes nothing for a refused download', async () => {
    const before = t.handle.sqlite.prepare(`select count(*) as n from audit_log where action like 'finance.export%'`).get() as { n: number };
    expect((await get('/finance/contributions.csv?currency=xyz', finance, 'application/json')).status).toBe(400);
    expect((await get('/finance/contributions.csv', viewer, 'application/json')).status).toBe(403);
    expect(t.handle.sqlite.prepare(`select count(*) as n from audit_log where action like 'finance.export%'`).get()).toEqual(before);
  });
});

describe('streaming', () => {
  it('sends the first rows before it has read the rest, reading a page only as the client takes the one before', async () => {
    // 60 more rows in 2024, read 5 a page: 12 full pages and an empty one
    const insert = t.handle.sqlite.prepare(
      `insert into ledger_entries (id, key, kind, frequency, amount_minor, currency, stripe_id, occurred_at, created_at) values (?, ?, 'gift', 'one_off', ?, 'usd', ?, ?, 0)`,
    );
    for (let i = 0; i < 60; i++)
      insert.run(`le_s${String(i).padStart(2, '0')}`, `stream:${i}`, 100 + i, `pi_s${i}`, Date.parse('2024-03-01T00:00:00Z') + i * 1000);
    let pagesRead = 0;
    let closed = 0;
    const counting = (db: Db): Db => ({
      ...db,
      sql: {
        ...db.sql,
        values: (s) => {
          pagesRead++;
          return db.sql.values(s);
        },
      },
    });
    const reader = (): ExportReader => ({
      db: counting(t.deps.db),
      pageRows: 5,
      pause: () => Promise.resolve(),
      close: async () => {
        closed++;
      },
    });
    const app = createApp({ ...t.deps, openExportReader: reader });
    const finished = () =>
      t.handle.sqlite.prepare(`select details from audit_log where action = 'finance.export_finished' and details like '%2024-03-01%'`).all();

    const res = await get('/finance/contributions.csv?from=2024-03-01&to=2024-03-01&currency=usd', finance, 'text/csv', app);
    expect(res.status).toBe(200);
    const body = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('le_s00')) {
      const { value, done } = await body.read();
      expect(done).toBe(false);
      text += decoder.decode(value, { stream: true });
    }
    // the first page is out; at most the one after it has been read, and the reader is still open
    expect(pagesRead).toBeLessThanOrEqual(2);
    expect(closed).toBe(0);
    expect(finished()).toEqual([]);
    for (;;) {
      const { value, done } = await body.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    const rows = parseCsvRecords(text);
    expect(rows.map((r) => r.contribution_id)).toEqual(Array.from({ length: 60 }, (_, i) => `le_s${String(i).padStart(2, '0')}`));
    expect(pagesRead).toBe(13);
    expect(closed).toBe(1);
    expect(finished()).toEqual([{ details: JSON.stringify({ from: '2024-03-01', to: '2024-03-01', currency: 'usd', outcome: 'complete', rows: 60 }) }]);
  });

  it('closes the reader and records the download as cancelled when the client stops reading', async () => {
    let closed = 0;
    const app = createApp({
      ...t.deps,
      openExportReader: () => ({
        db: t.deps.db,
        pageRows: 5,
        pause: () => Promise.resolve(),
        close: async () => {
          closed++;
        },
      }),
    });
    const res = await get('/finance/contributions.csv?from=2024-03-01&to=2024-03-01', finance, 'text/csv', app);
    const body = res.body!.getReader();
    await body.read();
    await body.read();
    await body.cancel();
    expect(closed).toBe(1);
    const [last] = t.handle.sqlite
      .prepare(`select details from audit_log where action = 'finance.export_finished' order by at desc, rowid desc limit 1`)
      .all() as {
      details: string;
    }[];
    const details = JSON.parse(last!.details) as { outcome: string; rows: number };
    expect(details.outcome).toBe('cancelled');
    // what had been handed to the stream when the client left: a page or two of the 60
    expect(details.rows).toBeGreaterThanOrEqual(5);
    expect(details.rows).toBeLessThan(60);
  });
});
