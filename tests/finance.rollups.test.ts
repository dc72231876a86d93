// The finance figures the pages read from the rollups against the same figures summed from
// the entries themselves, on the hand-worked ledger of tests/helpers/finance-ledger.ts
// (refunds, a lost dispute and its fee, JPY, a conversion, a pending fee) written through
// the ledger's own statements in shuffled orders with duplicates, fees learned later. The
// replays of real Stripe histories (tests/helpers/replay.ts) check the rollups after every
// random order too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attribution, attributionFromEntries, DIMENSIONS } from '../src/finance/finance.attribution.repo.js';
import type { Range } from '../src/finance/finance.ranges.js';
import {
  currencyTotals,
  currencyTotalsFromEntries,
  givingSeries,
  givingSeriesFromEntries,
  recurringTotals,
  recurringTotalsFromGifts,
  supporterMonthsAndDays,
  supporterPeriod,
} from '../src/finance/finance.totals.repo.js';
import type { Write } from '../src/ledger/ledger.js';
import { writeStatements } from '../src/ledger/ledger.repo.js';
import { toSqlStatement } from '../db/db.js';
import { eraseSupporterRollupStatements } from '../src/ledger/ledger.rollups.repo.js';
import { runCliCaptured } from './helpers/cli.js';
import { buildTestContext, type TestContext } from './factories/deps.js';
import { financeEntryWrites, seedFinanceLedger } from './helpers/finance-ledger.js';
import { clearLedger, rollupDifferences } from './helpers/ledger.js';
import { rng, shuffledWithDuplicates } from './helpers/random.js';

let t: TestContext;
beforeAll(() => {
  t = buildTestContext();
});
afterAll(() => t?.cleanup());

const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
const RANGES: Record<string, Range> = {
  'November (a month)': { fromMs: day('2026-11-01'), toMs: day('2026-12-01') },
  '2026 (a year)': { fromMs: day('2026-01-01'), toMs: day('2027-01-01') },
  'one day': { fromMs: day('2026-11-16'), toMs: day('2026-11-17') },
  'a range across October and November': { fromMs: day('2026-10-04'), toMs: day('2026-11-11') },
  'an empty week': { fromMs: day('2026-07-01'), toMs: day('2026-07-08') },
  // November whole (read as a month) with days of October and December at its ends
  'October 4 to December 2': { fromMs: day('2026-10-04'), toMs: day('2026-12-03') },
  'two years': { fromMs: day('2025-01-01'), toMs: day('2027-01-01') },
};

const byKey = <T extends { currency: string; value?: string | null; bucket?: string }>(rows: T[]) =>
  [...rows].sort((a, b) => `${a.bucket ?? ''}|${a.value ?? ''}|${a.currency}`.localeCompare(`${b.bucket ?? ''}|${b.value ?? ''}|${b.currency}`));

async function expectSameAsEntries() {
  const db = t.deps.db;
  for (const [name, r] of Object.entries(RANGES)) {
    expect(await currencyTotals(db, r), name).toEqual(await currencyTotalsFromEntries(db, r));
    for (const bucket of ['day', 'month'] as const)
      expect(byKey(await givingSeries(db, r, bucket)), name).toEqual(byKey(await givingSeriesFromEntries(db, r, bucket)));
    for (const by of DIMENSIONS) expect(byKey(await attribution(db, r, by)), `${name} by ${by}`).toEqual(byKey(await attributionFromEntries(db, r, by)));
    expect(await recurringTotals(db, r), name).toEqual(await recurringTotalsFromGifts(db, r));
  }
}

describe('rollup-backed figures equal the entries', () => {
  it.each([1, 2, 3, 4, 5])('after the entries are written in shuffled order %i with duplicates, and their fees learned later', async (seed) => {
    clearLedger(t.handle);
    seedFinanceLedger(t.handle, { entries: false });
    const random = rng(seed);
    const { entries, settlements } = financeEntryWrites();
    // entries first (each once at least), then fees interleaved with redelivered entries;
    // some writes share one atomic call, as several facts of one event do
    const order = [...shuffledWithDuplicates(entries, random), ...shuffledWithDuplicates([...settlements, ...entries], random)];
    for (let i = 0; i < order.length; ) {
      const n = 1 + Math.floor(random() * 3);
      await t.deps.db.atomic(writeStatements(order.slice(i, i + n), { now: t.clock.ms, eventId: null }));
      i += n;
    }
    expect(rollupDifferences(t.handle)).toEqual([]);
    // the figures worked out by hand in tests/finance.test.ts, now from rollups the writes kept
    const nov = await currencyTotals(t.deps.db, RANGES['November (a month)']!);
    expect(nov.find((x) => x.currency === 'gbp')).toEqual({
      currency: 'gbp',
      grossMinor: 1500,
      feesMinor: 95,
      netMinor: 1805,
      refundsMinor: -400,
      disputesMinor: 0,
      gifts: 2,
      supporters: 2,
      feesPending: 0,
    });
    expect(nov.find((x) => x.currency === 'jpy')).toMatchObject({ grossMinor: 3000, feesMinor: 1608, netMinor: -1608, disputesMinor: -3000 });
    expect(nov.find((x) => x.currency === 'eur')).toMatchObject({ grossMinor: 2500, feesPending: 1 });
    await expectSameAsEntries();
  });

  it('keeps them when one write names more entries than D1 binds values in a statement (the scope goes as JSON)', async () => {
    clearLedger(t.handle);
    seedFinanceLedger(t.handle, { entries: false });
    const { entries, settlements } = financeEntryWrites();
    const extra: Write[] = Array.from({ length: 60 }, (_, i) => ({
      type: 'entry',
      entry: {
        key: `payment:pi_many_${i}`,
        kind: 'gift',
        giftId: 'gift_g1',
        subscriptionId: null,
        frequency: 'one_off',
        amountMinor: 100 + i,
        currency: 'gbp',
        email: `many${i % 7}@example.org`,
        stripeId: `pi_many_${i}`,
        occurredAt: day('2026-11-03') + i * 60_000,
        paymentIntentId: `pi_many_${i}`,
      },
    }));
    await t.deps.db.atomic(writeStatements([...entries, ...extra], { now: t.clock.ms, eventId: null }));
    await t.deps.db.atomic(writeStatements([...settlements, ...entries], { now: t.clock.ms, eventId: null }));
    expect(rollupDifferences(t.handle)).toEqual([]);
    const gbp = (await currencyTotals(t.deps.db, RANGES['November (a month)']!)).find((x) => x.currency === 'gbp');
    // 1500 as before, and 60 gifts of 100..159
    expect(gbp).toMatchObject({ grossMinor: 1500 + 60 * 100 + (59 * 60) / 2, gifts: 62, supporters: 2 + 7, feesPending: 60 });
    await expectSameAsEntries();
  });

  it.each([1, 2, 3])(
    'keeps them when payments first recorded without gift or email gain them from a later delivery of the same key (order %i)',
    async (seed) => {
      clearLedger(t.handle);
      seedFinanceLedger(t.handle, { entries: false });
      const random = rng(seed);
      const { entries, settlements } = financeEntryWrites();
      // the same payments as an event that knew neither the gift nor the payer would record them
      const bare = entries.flatMap((w) =>
        w.type === 'entry' && (w.entry.kind === 'gift' || w.entry.kind === 'renewal') ? [{ ...w, entry: { ...w.entry, giftId: null, email: null } }] : [],
      );
      expect(bare.length).toBeGreaterThan(3);
      const order = [...shuffledWithDuplicates([...bare, ...settlements], random), ...shuffledWithDuplicates([...entries, ...settlements], random)];
      for (let i = 0; i < order.length; ) {
        const n = 1 + Math.floor(random() * 3);
        await t.deps.db.atomic(writeStatements(order.slice(i, i + n), { now: t.clock.ms, eventId: null }));
        i += n;
        // the attribution and who-gave rollups follow each payment as it gains its gift and email
        if (i % 5 === 0) expect(rollupDifferences(t.handle)).toEqual([]);
      }
      expect(rollupDifferences(t.handle)).toEqual([]);
      await expectSameAsEntries();
    },
  );

  it('brackets the attribution and who-gave rollups only around writes that record a payment', () => {
    const { entries, settlements } = financeEntryWrites();
    const tablesOf = (writes: Write[]) =>
      writeStatements(writes, { now: t.clock.ms, eventId: null }).map((s) => /^insert into (ledger_\w+|recurring_\w+)/.exec(toSqlStatement(s).sql)?.[1]);
    const payment = entries.find((w) => w.type === 'entry' && w.entry.kind === 'gift')!;
    const refund = entries.find((w) => w.type === 'entry' && w.entry.kind === 'refund')!;
    expect(tablesOf([payment])).toEqual(
      expect.arrayContaining(['ledger_day_attribution', 'ledger_month_attribution', 'ledger_supporter_counts', 'ledger_supporter_periods']),
    );
    // a fee learned, a refund: the day totals move, the payments' attribution and payers cannot
    for (const writes of [[settlements[0]!], [refund]]) {
      const tables = tablesOf(writes);
      expect(tables).toContain('ledger_day_totals');
      expect(tables.filter((x) => x && /attribution|supporter/.test(x))).toEqual([]);
    }
  });

  it('answers a range that is not whole days from the entries, with the same figures', async () => {
    clearLedger(t.handle);
    seedFinanceLedger(t.handle);
    const partial = { fromMs: day('2026-11-02') + 3_600_000, toMs: day('2026-11-16') + 7_200_000 };
    const totals = await currencyTotals(t.deps.db, partial);
    expect(totals).toEqual(await currencyTotalsFromEntries(t.deps.db, partial));
    // 09:00 on the 2nd is in, 03:00 on the 16th too; 08:00 on the 5th is in
    expect(totals.find((x) => x.currency === 'gbp')).toMatchObject({ grossMinor: 1500, gifts: 2 });
    await expectSameAsEntries();
  });

  it('counts distinct supporters from the per-period counters only for a calendar month or year', () => {
    expect(supporterPeriod(RANGES['November (a month)']!)).toBe('2026-11');
    expect(supporterPeriod(RANGES['2026 (a year)']!)).toBe('2026');
    expect(supporterPeriod(RANGES['one day']!)).toBeNull();
    expect(supporterPeriod({ fromMs: day('2026-11-01'), toMs: day('2026-11-30') })).toBeNull();
  });
});

describe('distinct supporters for any run of days (giving days and the day before each)', () => {
  const first = day('2025-11-20');
  /** Returning supporters: a few addresses (one in two letter cases) giving on many days, in two currencies. */
  function givingWrites(random: () => number): Write[] {
    const emails = ['ann@example.org', 'Ann@Example.org', 'bob@example.org', 'cy@example.org', 'di@example.org', 'ed@example.org'];
    return Array.from({ length: 90 }, (_, i): Write => {
      const currency = random() < 0.7 ? 'gbp' : 'usd';
      return {
        type: 'entry',
        entry: {
          key: `payment:pi_days_${i}`,
          kind: i % 5 === 0 ? 'renewal' : 'gift',
          giftId: 'gift_g1',
          subscriptionId: null,
          frequency: 'one_off',
          amountMinor: 500,
          currency,
          email: emails[Math.floor(random() * emails.length)]!,
          stripeId: `pi_days_${i}`,
          // about four months, several payments on some days, two on the same day sometimes
          occurredAt: first + Math.floor(random() * 120) * 86_400_000 + Math.floor(random() * 86_400_000),
          paymentIntentId: `pi_days_${i}`,
        },
      };
    });
  }
  function randomRanges(random: () => number): Range[] {
    const out: Range[] = [
      { fromMs: first, toMs: first + 130 * 86_400_000 },
      { fromMs: day('2025-12-01'), toMs: day('2026-03-01') },
      { fromMs: day('2025-12-31'), toMs: day('2026-02-02') },
    ];
    for (let i = 0; i < 40; i++) {
      const from = first - 3 * 86_400_000 + Math.floor(random() * 130) * 86_400_000;
      out.push({ fromMs: from, toMs: from + (1 + Math.floor(random() * 100)) * 86_400_000 });
    }
    return out;
  }
  async function expectSupportersAsEntries(ranges: Range[]) {
    for (const r of ranges) {
      const name = `${new Date(r.fromMs).toISOString()} to ${new Date(r.toMs).toISOString()}`;
      expect(await currencyTotals(t.deps.db, r), name).toEqual(await currencyTotalsFromEntries(t.deps.db, r));
    }
  }

  it.each([11, 12, 13])('equal the entries after shuffled, duplicated deliveries (seed %i), and after an erasure', async (seed) => {
    clearLedger(t.handle);
    seedFinanceLedger(t.handle, { entries: false });
    const random = rng(seed);
    const writes = givingWrites(random);
    const order = shuffledWithDuplicates(writes, random);
    for (let i = 0; i < order.length; ) {
      const n = 1 + Math.floor(random() * 4);
      await t.deps.db.atomic(writeStatements(order.slice(i, i + n), { now: t.clock.ms, eventId: null }));
      i += n;
    }
    expect(rollupDifferences(t.handle)).toEqual([]);
    // returning supporters: fewer distinct than payments over the whole time
    const all = await currencyTotals(t.deps.db, { fromMs: first, toMs: first + 130 * 86_400_000 });
    expect(all.find((x) => x.currency === 'gbp')!.supporters).toBe(5);
    const ranges = randomRanges(random);
    await expectSupportersAsEntries(ranges);

    // erasing ann (both spellings) drops her from every range and leaves the others' counts
    const erase = eraseSupporterRollupStatements('sup_nobody', 'ann@example.org');
    await t.deps.db.atomic([
      ...erase,
      ...eraseSupporterRollupStatements('sup_nobody', 'Ann@Example.org'),
      { sql: `update ledger_entries set email = null where lower(email) = 'ann@example.org'`, params: [] },
    ]);
    expect(t.handle.sqlite.prepare(`select count(*) as n from ledger_supporter_days where email = 'ann@example.org'`).get()).toEqual({ n: 0 });
    expect(rollupDifferences(t.handle)).toEqual([]);
    await expectSupportersAsEntries(ranges);
    // and a payment of hers arriving again after the erasure is counted as the entries count it
    await t.deps.db.atomic(writeStatements(writes.slice(0, 10), { now: t.clock.ms, eventId: null }));
    expect(rollupDifferences(t.handle)).toEqual([]);
    await expectSupportersAsEntries(ranges);
  });

  it('splits a run of days into the whole months inside it and the days at its ends', () => {
    const d = (iso: string) => day(iso) / 86_400_000;
    expect(supporterMonthsAndDays({ fromMs: day('2025-12-30'), toMs: day('2026-03-02') })).toEqual({
      months: [202601, 202602],
      days: [d('2025-12-30'), d('2025-12-31'), d('2026-03-01')],
    });
    expect(supporterMonthsAndDays({ fromMs: day('2026-11-01'), toMs: day('2027-01-01') })).toEqual({ months: [202611, 202612], days: [] });
    expect(supporterMonthsAndDays({ fromMs: day('2026-11-03'), toMs: day('2026-11-05') })).toEqual({ months: [], days: [d('2026-11-03'), d('2026-11-04')] });
  });
});

describe('npm run cli -- ledger rollups check', () => {
  const cli = (argv: string[]) => runCliCaptured(argv, t.deps.config.databasePath);

  it('exits 0 when they match, 1 naming a row that differs, and --rebuild makes them match again', async () => {
    clearLedger(t.handle);
    seedFinanceLedger(t.handle);
    expect(await cli(['ledger', 'rollups', 'check'])).toEqual({ code: 0, out: 'The rollups match the ledger entries\n' });

    const nov15 = day('2026-11-15') / 86_400_000;
    t.handle.sqlite.prepare(`update ledger_day_totals set amount_minor = amount_minor + 1 where day = ? and currency = 'jpy' and kind = 'gift'`).run(nov15);
    t.handle.sqlite.prepare(`delete from ledger_supporter_counts where period = '2026-11' and currency = 'usd'`).run();
    const broken = await cli(['ledger', 'rollups', 'check']);
    expect(broken.code).toBe(1);
    expect(broken.out).toContain(
      `ledger_day_totals [${nov15},"jpy","jpy","gift","one_off"]: the entries give [1,3000,108,2892,0], the rollup holds [1,3001,108,2892,0]`,
    );
    expect(broken.out).toContain('ledger_supporter_counts ["2026-11","usd"]: the entries give [1], the rollup holds none');
    expect(broken.out).toContain('2 rollup rows differ from the entries');

    const rebuilt = await cli(['ledger', 'rollups', 'check', '--rebuild']);
    expect(rebuilt).toEqual({ code: 0, out: expect.stringContaining('Rebuilt the rollups from the entries (2 rows differed before); they now match') });
    expect(await cli(['ledger', 'rollups', 'check'])).toEqual({ code: 0, out: 'The rollups match the ledger entries\n' });
  });
});
