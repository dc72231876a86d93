// The export's lines are built by SQLite and JavaScript (fastExportLines) and checked by CLEAN_REST; these tests hold them
// to csvLine's bytes (exportRowToCsv over the row's values, as the export always wrote)
// for values chosen to break CSV: quotes, commas, CR/LF, formula starts, unicode, NUL, nulls.
import { afterEach, describe, expect, it } from 'vitest';
import { migrateNodeDb, openNodeDb, type NodeDb } from '../../db/node.js';
import {
  CLEAN_LINE,
  fastExportLines,
  EXPORT_HEADER,
  exportRowToCsv,
  readExportPage,
  readFilteredExportPage,
  type Cursor,
  type ExportFilter,
  type ExportRange,
} from './ledger.export.js';
import { EXPORT_SCHEMA_VERSION, exportFilteredLinesQuery, exportLinesQuery, exportQuery } from './ledger.export.repo.js';

let handle: NodeDb | undefined;
afterEach(() => handle?.close());

function open(): NodeDb {
  handle = openNodeDb(':memory:');
  migrateNodeDb(handle);
  return handle;
}

/** Deterministic, so a failure names the same rows on every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TRICKY = [
  '',
  'plain',
  '=SUM(A1:A9)',
  '+44 20 7946 0000',
  '-5',
  '@handle',
  '\tindented',
  '\rcarriage',
  '\nnewline first',
  'a,b',
  ',',
  '"',
  '""',
  'say "hi"',
  'line\r\nbreak',
  'line\nbreak',
  'trailing\r',
  "'=already quoted",
  ' =space first',
  'x=1',
  'a-b',
  'ünïcødé',
  '日本語の記事',
  '😀 emoji',
  '€5',
  '\u2028',
  '\x1f',
  '=',
  '-',
  '@',
  '1.5',
  '007',
  'nul\0inside',
];
const ODD_BUT_CLEAN = [
  '',
  null,
  'plain',
  'x=1',
  'a-b',
  'ünïcødé',
  '日本語の記事',
  '😀 emoji',
  '€5',
  '\u2028',
  '\x1f',
  '1.5',
  '007',
  ' =space first',
  "'=already quoted",
  'tab\tinside',
  'nul\0inside',
];
const ALPHABET = ['a', 'Z', '0', '9', '.', ' ', '"', ',', '\r', '\n', '\t', '=', '+', '-', '@', "'", 'é', '€', '😀', '\x1f', '_'];

function trickyText(random: () => number): string | null {
  const r = random();
  if (r < 0.1) return null;
  if (r < 0.55) return TRICKY[Math.floor(random() * TRICKY.length)]!;
  let s = '';
  for (let n = Math.floor(random() * 6); n > 0; n--) s += ALPHABET[Math.floor(random() * ALPHABET.length)]!;
  return s;
}

/** Values SQLite can hold in the integer columns, including ones JavaScript cannot hold exactly. */
const NUMBERS: (number | bigint | string | null)[] = [
  0,
  1,
  -1,
  10500,
  -10500,
  999_999_999_999_999,
  -999_999_999_999_999,
  2 ** 53 - 1,
  1_000_000_000_000_000,
  1.5,
  -0.25,
  null,
  '',
  '-',
  'abc',
  2n ** 62n,
];
/** Every UTC millisecond from year 0001 to 9999 is fair game; beyond that toISOString changes form. */
const TIMES = [
  0, -1, 1, 999, 1000, -1000, -86_400_001, 1_795_821_420_011, 253_402_300_799_999, -62_135_596_800_000, 253_402_300_800_000, -62_135_596_800_001, 1.5,
];

/**
 * Entries written by hand carry their gift's attribution as the app's writes copy it (the
 * export reads it from the entry); the gift's status follows by trigger on its own.
 */
function attributeFromGifts(h: NodeDb): void {
  h.sqlite.exec(
    'update ledger_entries set article = g.article, section = g.section, campaign = g.campaign, variant = g.variant from gifts g where g.id = ledger_entries.gift_id',
  );
}

/** Rows with tricky values in every column the export reads, written around the app's types. */
function seedTricky(h: NodeDb, n: number, seed: number): void {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const gift = h.sqlite.prepare(
    `insert into gifts (id, status, frequency, amount_minor, currency, article, campaign, variant, created_at, updated_at) values (?, ?, 'one_off', 100, 'gbp', ?, ?, ?, 0, 0)`,
  );
  const entry = h.sqlite.prepare(
    `insert into ledger_entries (id, key, kind, gift_id, frequency, amount_minor, currency, fee_minor, net_minor, settlement_currency, exchange_rate, balance_transaction_id, email, stripe_id, occurred_at, created_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
  );
  const giftIds: string[] = [];
  for (let i = 0; i < n / 3; i++) {
    const id = `${trickyText(random) ?? ''}gift${i}`;
    gift.run(id, trickyText(random) ?? 'paid', trickyText(random), trickyText(random), trickyText(random));
    giftIds.push(id);
  }
  for (let i = 0; i < n; i++) {
    const time = random() < 0.3 ? pick(TIMES) : Math.floor(random() * 253_402_300_799_999);
    const text = () => trickyText(random);
    entry.run(
      `${text() ?? ''}le${i}`,
      `k${i}`,
      text() ?? 'gift',
      random() < 0.8 ? pick(giftIds) : null,
      text() ?? 'monthly',
      pick(NUMBERS) ?? 0,
      text() ?? 'gbp',
      pick(NUMBERS),
      pick(NUMBERS),
      text(),
      text(),
      text(),
      text(),
      text() ?? 'pi',
      time,
    );
  }
  // odd but harmless values, which the fast path may take
  const odd = () => pick(ODD_BUT_CLEAN);
  gift.run('gift_odd', odd() ?? 'paid', odd(), odd(), odd());
  for (let i = 0; i < n / 4; i++) {
    // a currency has a shape to keep, so odd text there is not harmless
    entry.run(
      `led_odd${i}${odd() ?? ''}`,
      `o${i}`,
      odd() ?? 'gift',
      'gift_odd',
      odd() ?? 'monthly',
      pick([0, 5, -5, 999_999_999_999_999]),
      'eur',
      pick([null, 7, -7]),
      pick([null, 12]),
      pick([null, 'gbp']),
      odd(),
      odd(),
      odd(),
      odd() ?? 'ch',
      1_795_821_420_011 - i,
    );
  }
  // and ordinary rows, which the fast path must take
  gift.run('gift_plain', 'refunded', 'harbour-water', 'winter-appeal', 'b');
  for (let i = 0; i < n / 4; i++) {
    entry.run(
      `led_plain${i}`,
      `p${i}`,
      'refund',
      'gift_plain',
      'annual',
      -1200,
      'usd',
      -40,
      -1240,
      'gbp',
      '0.79',
      `txn_${i}`,
      `reader${i}@example.com`,
      `re_${i}`,
      1_795_821_420_011 + i,
    );
  }
  attributeFromGifts(h);
}

/** Ordinary rows with exactly one cell replaced, so each rule is tested on its own. */
function seedOneOff(h: NodeDb): number {
  const gift = h.sqlite.prepare(
    `insert into gifts (id, status, frequency, amount_minor, currency, article, campaign, variant, created_at, updated_at) values (@id, @status, 'one_off', 100, 'gbp', @article, @campaign, @variant, 0, 0)`,
  );
  const entry = h.sqlite.prepare(
    `insert into ledger_entries (id, key, kind, gift_id, frequency, amount_minor, currency, fee_minor, net_minor, settlement_currency, exchange_rate, balance_transaction_id, email, stripe_id, occurred_at, created_at)
     values (@id, @id, @kind, @gift, @frequency, @amount, @currency, @fee, @net, @settlement, @rate, @txn, @email, @stripe, @at, 0)`,
  );
  const plainGift = { status: 'paid', article: 'harbour-water', campaign: 'winter-appeal', variant: 'b' };
  const plainEntry = {
    kind: 'gift',
    frequency: 'monthly',
    amount: 1000,
    currency: 'gbp',
    fee: 34,
    net: 966,
    settlement: 'gbp',
    rate: '1.0',
    txn: 'txn_1',
    email: 'a@example.com',
    stripe: 'in_1',
  };
  let n = 0;
  const add = (
    giftOverride: Partial<Record<keyof typeof plainGift, unknown>>,
    entryOverride: Partial<Record<keyof typeof plainEntry | 'id' | 'at', unknown>>,
  ) => {
    n++;
    const giftId = `gift_one${n}`;
    gift.run({ ...plainGift, ...giftOverride, id: giftId });
    entry.run({ ...plainEntry, id: `led_one${n}`, at: 1_795_821_420_011 + n, ...entryOverride, gift: giftId });
  };
  for (const v of TRICKY) {
    for (const column of Object.keys(plainGift) as (keyof typeof plainGift)[]) if (column !== 'status' || v !== '') add({ [column]: v }, {});
    for (const column of ['kind', 'frequency', 'currency', 'settlement', 'rate', 'txn', 'email', 'stripe'] as const) add({}, { [column]: v });
    add({}, { id: `${v}led_one_id${n}` });
  }
  for (const v of NUMBERS) for (const column of ['amount', 'fee', 'net'] as const) if (column !== 'amount' || v !== null) add({}, { [column]: v });
  for (const at of TIMES) add({}, { at });
  attributeFromGifts(h);
  return n;
}

/**
 * The reference: every row's values formatted by csvLine, as the export always wrote them,
 * with the gift's status and attribution read from the gift itself as it did before they
 * were kept on the entry: the lines must not change with where the export reads them.
 */
function reference(h: NodeDb, range: ExportRange = {}): string[] {
  const q = exportQuery(h.db, range).toSQL();
  const viaGift = h.sqlite
    .prepare(
      `select e.id, e.occurred_at, e.kind, e.frequency, e.currency, e.amount_minor, e.fee_minor, e.net_minor, e.settlement_currency, e.exchange_rate,
        g.status, e.email, e.stripe_id, e.gift_id, g.article, g.campaign, g.variant, e.balance_transaction_id, ${EXPORT_SCHEMA_VERSION}
       from ledger_entries e left join gifts g on g.id = e.gift_id
       where (? is null or e.occurred_at >= ?) and (? is null or e.occurred_at < ?) order by e.occurred_at, e.id`,
    )
    .raw(true)
    .all(range.fromMs ?? null, range.fromMs ?? null, range.toMs ?? null, range.toMs ?? null) as unknown[][];
  const lines = viaGift.map(exportRowToCsv);
  // and the drizzle query the export falls back on agrees
  expect(
    (
      h.sqlite
        .prepare(q.sql)
        .raw(true)
        .all(...q.params) as unknown[][]
    ).map(exportRowToCsv),
  ).toEqual(lines);
  return lines;
}

async function exportAll(h: NodeDb, range: ExportRange, pageRows: number): Promise<string> {
  let csv = '';
  let after: Cursor | null = null;
  do {
    const page = await readExportPage(h.db, range, after, pageRows);
    csv += page.chunks.join('');
    after = page.next;
  } while (after);
  return csv;
}

describe('the export lines SQLite builds', () => {
  it('are csvLine byte for byte whenever the fast path writes them', () => {
    const h = open();
    seedTricky(h, 3000, 7);
    const oneOff = seedOneOff(h);
    const q = exportLinesQuery({}, null, 1_000_000);
    const rows = h.sqlite
      .prepare(q.sql)
      .raw(true)
      .all(...q.params) as [string, number, string][];
    const ref = reference(h);
    expect(rows).toHaveLength(ref.length);
    let accepted = 0;
    fastExportLines(rows).forEach((line, i) => {
      if (line === null) return;
      accepted++;
      expect(CLEAN_LINE.test(line)).toBe(true);
      expect(JSON.stringify(line)).toBe(JSON.stringify(ref[i]));
    });
    // the fast path is taken by every ordinary row and every odd but harmless one
    expect(accepted).toBeGreaterThan(750 + 750 + oneOff / 3);
    expect(accepted).toBeLessThan(rows.length);
  });

  // Most of this test is its one-row pages: 4,989 page queries and, for the two thirds of
  // these rows that csvLine must rebuild, 3,257 more (about 0.3 ms a page, 0.5 ms a rebuild).
  // Measured: 3.3 s of the test's 3.6 s with the 2 cores to itself, 7.3 s on a busy machine,
  // 12.5 s at a load average of 10. One-row pages are the only way to put a page boundary
  // after every row, so the work stays and the limit is the node project's 60 s instead of
  // vitest's 5 s default.
  it('page by page, give exactly the bytes of csvLine over every row, tricky or not', { timeout: 60_000 }, async () => {
    const h = open();
    seedTricky(h, 3000, 11);
    seedOneOff(h);
    const expected = reference(h).join('');
    for (const pageRows of [1, 7, 1000, 5000]) expect(await exportAll(h, {}, pageRows)).toBe(expected);
  });

  it('honour a date range', async () => {
    const h = open();
    seedTricky(h, 600, 13);
    const range = { fromMs: 0, toMs: 1_795_821_420_011 + 50 };
    const expected = reference(h, range).join('');
    expect(expected.length).toBeGreaterThan(0);
    expect(await exportAll(h, range, 9)).toBe(expected);
  });

  it('write created_at as toISOString does, across years 0001 to 9999', () => {
    const h = open();
    const random = prng(3);
    const times = [
      ...TIMES.filter(Number.isInteger),
      ...Array.from({ length: 5000 }, () => Math.floor(random() * (253_402_300_799_999 + 62_135_596_800_000)) - 62_135_596_800_000),
    ];
    const iso = h.sqlite.prepare(`select strftime('%Y-%m-%dT%H:%M:%fZ', ? / 1000.0, 'unixepoch')`).pluck();
    for (const ms of times) {
      const js = new Date(ms).toISOString();
      // outside years 0000-9999 toISOString writes six digits and a sign; CLEAN_LINE sends those to csvLine
      if (/^\d{4}-/.test(js)) expect(iso.get(ms), `${ms}`).toBe(js);
    }
  });

  it('keep the header csvLine writes', () => {
    expect(EXPORT_HEADER).toBe(
      'contribution_id,created_at,kind,frequency,currency,amount_minor,fee_minor,net_minor,settlement_currency,exchange_rate,status,supporter_email,stripe_id,gift_id,article,campaign,variant,balance_transaction_id,schema_version\r\n',
    );
  });
});

// The contributions page's download: the same lines, only the rows a filter selects. The
// reference applies each filter to the rows' values in JavaScript, with SQLite's rules for
// the odd stored values (text sorts above every number; lower() folds ASCII only).
describe('the filtered export lines', () => {
  const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  /** SQLite's `value >= bound` (or <=) for what an integer column may hold */
  const compare = (v: unknown, bound: number, op: '>=' | '<=') => {
    if (v === null) return false;
    if (typeof v === 'string') return op === '>=';
    return op === '>=' ? Number(v) >= bound : Number(v) <= bound;
  };
  function matches(row: unknown[], f: ExportFilter): boolean {
    const [, at, kind, frequency, currency, amount, , , , , status, email, , , article, campaign, variant] = row;
    const eq = (v: unknown, want: string | undefined) => want === undefined || v === want;
    return (
      (f.range.fromMs === undefined || (typeof at === 'number' && at >= f.range.fromMs)) &&
      (f.range.toMs === undefined || (typeof at === 'number' && at < f.range.toMs)) &&
      eq(kind, f.kind) &&
      eq(frequency, f.frequency) &&
      eq(currency, f.currency) &&
      (f.minMinor === undefined || compare(amount, f.minMinor, '>=')) &&
      (f.maxMinor === undefined || compare(amount, f.maxMinor, '<=')) &&
      (f.email === undefined || (typeof email === 'string' && asciiLower(email) === f.email.toLowerCase())) &&
      eq(status, f.status) &&
      eq(campaign, f.campaign) &&
      eq(article, f.article) &&
      eq(variant, f.variant)
    );
  }
  function filteredReference(h: NodeDb, f: ExportFilter): string[] {
    const q = exportQuery(h.db, {}).toSQL();
    return (
      h.sqlite
        .prepare(q.sql)
        .raw(true)
        .all(...q.params) as unknown[][]
    )
      .filter((row) => matches(row, f))
      .map(exportRowToCsv);
  }
  async function exportFiltered(h: NodeDb, f: ExportFilter, pageRows: number): Promise<{ csv: string; pages: number }> {
    let csv = '';
    let pages = 0;
    let after: Cursor | null = null;
    do {
      const page = await readFilteredExportPage(h.db, f, after, pageRows);
      csv += page.chunks.join('');
      pages++;
      after = page.next;
    } while (after);
    return { csv, pages };
  }

  it('give the reference rows for each filter alone and together, tricky values included, page by page', { timeout: 60_000 }, async () => {
    const h = open();
    seedTricky(h, 1200, 17);
    seedOneOff(h);
    const T = 1_795_821_420_011;
    // an address stored as the supporter typed it, looked for in other letter cases
    h.sqlite
      .prepare(
        `insert into ledger_entries (id, key, kind, gift_id, frequency, amount_minor, currency, email, stripe_id, occurred_at, created_at) values ('led_case', 'case', 'gift', 'gift_plain', 'one_off', 500, 'gbp', 'Mixed.Case@Example.COM', 'pi_case', ?, 0)`,
      )
      .run(T + 1);
    attributeFromGifts(h);
    const filters: ExportFilter[] = [
      { range: {} },
      { range: { fromMs: T - 100, toMs: T + 100 } },
      { range: { fromMs: T } },
      { range: { toMs: T } },
      { range: {}, kind: 'refund' },
      { range: {}, frequency: 'annual' },
      { range: {}, currency: 'usd' },
      { range: {}, currency: 'eur', minMinor: 0, maxMinor: 5 },
      { range: {}, minMinor: -1300, maxMinor: -1200 },
      { range: {}, maxMinor: 0 },
      { range: {}, email: 'READER7@Example.com' },
      { range: {}, email: 'mixed.case@example.com' },
      { range: {}, status: 'refunded' },
      { range: {}, status: 'paid', campaign: 'winter-appeal', article: 'harbour-water', variant: 'b' },
      { range: { fromMs: T + 3, toMs: T + 40 }, kind: 'refund', currency: 'usd', status: 'refunded', variant: 'b' },
      // tricky text as the value looked for: compared as it is, never as SQL
      { range: {}, campaign: '=SUM(A1:A9)' },
      { range: {}, article: 'say "hi"' },
      { range: {}, variant: "'; drop table ledger_entries; --" },
      { range: {}, kind: 'a,b' },
    ];
    const random = prng(5);
    const rows = h.sqlite
      .prepare('select e.kind, e.currency, e.email, g.status, g.campaign, g.article, g.variant from ledger_entries e left join gifts g on g.id = e.gift_id')
      .all() as Record<string, string | null>[];
    // and filters made of values the data holds, so odd ones are looked for too
    for (let i = 0; i < 12; i++) {
      const r = rows[Math.floor(random() * rows.length)]!;
      const f: ExportFilter = { range: {} };
      for (const key of ['kind', 'currency', 'email', 'status', 'campaign', 'article', 'variant'] as const)
        if (random() < 0.35 && r[key] != null) f[key] = r[key]!;
      filters.push(f);
    }
    let nonEmpty = 0;
    for (const f of filters) {
      const expected = filteredReference(h, f);
      if (expected.length) nonEmpty++;
      const { csv, pages } = await exportFiltered(h, f, 7);
      expect(csv, JSON.stringify(f)).toBe(expected.join(''));
      expect(pages, JSON.stringify(f)).toBe(Math.floor(expected.length / 7) + 1);
    }
    // the filters select something: an empty file everywhere would prove nothing
    expect(nonEmpty).toBeGreaterThan(20);
  });

  it('keep each page an index range scan, from the cursor when there is one', () => {
    const h = open();
    const plan = (f: ExportFilter, after: Cursor | null) => {
      const q = exportFilteredLinesQuery(f, after, 500);
      return (h.sqlite.prepare(`explain query plan ${q.sql}`).all(...q.params) as { detail: string }[]).map((p) => p.detail).join(' | ');
    };
    const after = { occurredAt: 5, id: 'le_x' };
    const f: ExportFilter = { range: { fromMs: 1, toMs: 9 }, status: 'paid', campaign: 'x', currency: 'gbp', email: 'a@example.com' };
    // the gift's status and attribution are filtered on the entry itself: no search of gifts
    expect(plan(f, null)).toBe('SEARCH ledger_entries USING INDEX ledger_entries_occurred (occurred_at>? AND occurred_at<?)');
    expect(plan(f, after)).toBe('SEARCH ledger_entries USING INDEX ledger_entries_occurred ((occurred_at,id)>(?,?) AND occurred_at<?)');
    expect(plan({ range: {}, campaign: 'x' }, after)).toMatch(/^SEARCH ledger_entries USING INDEX ledger_entries_occurred \(\(occurred_at,id\)>\(\?,\?\)\)/);
    expect(plan(f, after)).not.toMatch(/TEMP B-TREE|SCAN gifts/);
  });
});
