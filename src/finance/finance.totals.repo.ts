// The overview's reads: totals per currency, recurring metrics and the chart's series. Totals
// over whole days come from the ledger's rollups, which the same atomic write as the entries
// keeps (ledger/ledger.rollups.repo.ts), so they cannot disagree with the entries; the
// *FromEntries functions sum the entries themselves.
import { and, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/db.js';
import { ledgerEntries, recurringGifts } from '../../db/schema.js';
import { sqlList, sqlTemplate } from '../../db/sql.js';
import { DAY_MS } from '../ledger/ledger.rollups.repo.js';
import { DISPUTE, DISPUTE_LIST, inRange, kindIn, monthsAndDays, PAYMENT, PAYMENT_LIST, REFUND, REFUND_LIST, wholeDays, type Range } from './finance.ranges.js';

/** Per currency; fees and net are in the settlement currency, which is the row's currency unless Stripe converted. */
export type CurrencyTotals = {
  currency: string;
  grossMinor: number;
  feesMinor: number;
  netMinor: number;
  refundsMinor: number;
  disputesMinor: number;
  gifts: number;
  supporters: number;
  /** entries whose fee Stripe has not reported yet (their fee and net are not in the sums) */
  feesPending: number;
};

/** The calendar month ('2026-11') or year ('2026') a range is exactly, whose distinct supporters are counted as they come. */
export function supporterPeriod(r: Range): string | null {
  const d = new Date(r.fromMs);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  if (r.fromMs === Date.UTC(y, 0, 1) && r.toMs === Date.UTC(y + 1, 0, 1)) return String(y).padStart(4, '0');
  if (r.fromMs === Date.UTC(y, m, 1) && r.toMs === Date.UTC(y, m + 1, 1)) return `${String(y).padStart(4, '0')}-${String(m + 1).padStart(2, '0')}`;
  return null;
}

/**
 * One pass over the range's day totals, by currency and settlement currency: the gross side
 * is folded per currency and the fee side per settlement currency (two passes cost twice
 * the scan, which is most of a two-year range's time).
 */
const totalsSelect = (source: string) => sqlTemplate`
  select currency, settlement_currency as settlement,
    sum(case when kind in (${PAYMENT_LIST}) then amount_minor else 0 end) as gross,
    sum(case when kind in (${REFUND_LIST}) then amount_minor else 0 end) as refunds,
    sum(case when kind in (${DISPUTE_LIST}) then amount_minor else 0 end) as disputes,
    sum(case when kind in (${PAYMENT_LIST}) then entries else 0 end) as gifts,
    sum(fee_minor) as fees, sum(net_minor) as net, sum(fees_pending) as pending, sum(entries) as entries
  from ${{ fragment: source }} where day >= ${'fromDay'} and day < ${'toDay'}
  group by currency, settlement_currency`;
/** A short range: its days found by the primary key, then sorted into groups (the sort is per row in the range). */
const totalsBySeek = totalsSelect('ledger_day_totals');
/**
 * A long range: every row read from the covering index, which is already in group order, so
 * nothing is sorted (two years: 2.7 ms against 9.4 ms by the key and a sort, at 1M entries).
 */
const totalsByScan = totalsSelect('ledger_day_totals indexed by ledger_day_totals_by_currency');
// two subqueries: SQLite answers a lone min() or max() from the key in one seek, but not both in one select
const daySpan = sqlTemplate`select (select min(day) from ledger_day_totals) as lo, (select max(day) from ledger_day_totals) as hi`;
/** Sorting a row of the range costs about three times reading a row of the index (measured at 1M entries). */
const SORT_PER_SCAN = 3;

type TotalsRow = {
  currency: string;
  settlement: string;
  gross: number;
  refunds: number;
  disputes: number;
  gifts: number;
  fees: number;
  net: number;
  pending: number;
  entries: number;
};

/** The pairs folded per currency and per settlement currency; a currency none of whose rollup rows holds an entry any more is left out. */
function foldTotals(rows: readonly TotalsRow[]) {
  const byCurrency = new Map<string, { currency: string; gross: number; refunds: number; disputes: number; gifts: number; entries: number }>();
  const settled = new Map<string, { currency: string; fees: number; net: number; pending: number; entries: number }>();
  for (const x of rows) {
    const b = byCurrency.get(x.currency) ?? { currency: x.currency, gross: 0, refunds: 0, disputes: 0, gifts: 0, entries: 0 };
    b.gross += x.gross;
    b.refunds += x.refunds;
    b.disputes += x.disputes;
    b.gifts += x.gifts;
    b.entries += x.entries;
    byCurrency.set(x.currency, b);
    const st = settled.get(x.settlement) ?? { currency: x.settlement, fees: 0, net: 0, pending: 0, entries: 0 };
    st.fees += x.fees;
    st.net += x.net;
    st.pending += x.pending;
    st.entries += x.entries;
    settled.set(x.settlement, st);
  }
  return { byCurrency: [...byCurrency.values()].filter((b) => b.entries > 0), settled: [...settled.values()].filter((x) => x.entries > 0) };
}
const supportersInPeriod = sqlTemplate`select currency, supporters from ledger_supporter_counts where period = ${'period'}`;
/**
 * Each supporter's first giving day inside [fromDay, toDay) is the one whose previous
 * giving day is before fromDay (docs/decisions/0012-distinct-supporters-for-any-range.md):
 * counted per whole month inside the range and per day at its ends, each list a handful of
 * index seeks on (month or day, prev_day).
 */
const supportersInDays = sqlTemplate`
  select currency, sum(supporters) as supporters from (
    select currency, supporters from ledger_supporter_month_counts
      where month in (select value from json_each(${'months'})) and prev_day < ${'fromDay'}
    union all
    select currency, supporters from ledger_supporter_day_counts
      where day in (select value from json_each(${'days'})) and prev_day < ${'fromDay'})
  group by currency`;

/** A whole-day range as the calendar months inside it (202611 style) and the days at its ends. */
export function supporterMonthsAndDays(r: Range): { months: number[]; days: number[] } {
  const p = monthsAndDays(r);
  const days: number[] = [];
  for (let d = p.fromDay; d < p.headEnd; d++) days.push(d);
  for (let d = p.tailStart; d < p.toDay; d++) days.push(d);
  const months: number[] = [];
  for (let m = p.fromMonth; m && m < p.toMonth; m = m % 100 === 12 ? m + 89 : m + 1) months.push(m);
  return { months, days };
}

/**
 * Per currency, from the rollups for whole days (every period the pages offer). Distinct
 * supporters: counted as they come for a calendar month or year, and from the giving days'
 * counts for any other run of days.
 */
export async function currencyTotals(db: Db, r: Range): Promise<CurrencyTotals[]> {
  if (!wholeDays(r)) return currencyTotalsFromEntries(db, r);
  const days = { fromDay: r.fromMs / DAY_MS, toDay: r.toMs / DAY_MS };
  const period = supporterPeriod(r);
  const span = await db.sql.first<{ lo: number | null; hi: number | null }>(daySpan.bind({}));
  const inRange = span?.lo == null || span.hi == null ? 0 : Math.min(days.toDay, span.hi + 1) - Math.max(days.fromDay, span.lo);
  const scan = span?.lo != null && span.hi != null && inRange * SORT_PER_SCAN > span.hi - span.lo + 1;
  const [totals, supporterRows] = await Promise.all([
    db.sql.all<TotalsRow>((scan ? totalsByScan : totalsBySeek).bind(days)),
    period
      ? db.sql.all<{ currency: string; supporters: number }>(supportersInPeriod.bind({ period }))
      : db.sql.all<{ currency: string; supporters: number }>(supportersInDays.bind(givingDayLists(r))),
  ]);
  const supporterCount = new Map(supporterRows.map((x) => [x.currency, x.supporters]));
  const { byCurrency, settled } = foldTotals(totals);
  return mergeTotals(
    byCurrency.map((b) => ({ ...b, supporters: supporterCount.get(b.currency) ?? 0 })),
    settled,
  );
}

function givingDayLists(r: Range) {
  const { months, days } = supporterMonthsAndDays(r);
  return { months: JSON.stringify(months), days: JSON.stringify(days), fromDay: r.fromMs / DAY_MS };
}

function mergeTotals(
  byCurrency: readonly { currency: string; gross: number; refunds: number; disputes: number; gifts: number; supporters: number }[],
  settled: readonly { currency: string; fees: number; net: number; pending: number }[],
): CurrencyTotals[] {
  const rows = new Map<string, CurrencyTotals>();
  const row = (currency: string) => {
    let t = rows.get(currency);
    if (!t) {
      t = { currency, grossMinor: 0, feesMinor: 0, netMinor: 0, refundsMinor: 0, disputesMinor: 0, gifts: 0, supporters: 0, feesPending: 0 };
      rows.set(currency, t);
    }
    return t;
  };
  for (const b of byCurrency)
    Object.assign(row(b.currency), { grossMinor: b.gross, refundsMinor: b.refunds, disputesMinor: b.disputes, gifts: b.gifts, supporters: b.supporters });
  for (const s of settled) Object.assign(row(s.currency), { feesMinor: s.fees, netMinor: s.net, feesPending: s.pending });
  return [...rows.values()].sort((a, b) => a.currency.localeCompare(b.currency));
}

/** The same figures summed from the entries themselves: ranges that are not whole days, and the truth the rollups are tested against. */
export async function currencyTotalsFromEntries(db: Db, r: Range): Promise<CurrencyTotals[]> {
  const byCurrency = await db.orm
    .select({
      currency: ledgerEntries.currency,
      gross: sql<number>`coalesce(sum(case when ${ledgerEntries.kind} in ${kindIn(PAYMENT)} then ${ledgerEntries.amountMinor} end), 0)`,
      refunds: sql<number>`coalesce(sum(case when ${ledgerEntries.kind} in ${kindIn(REFUND)} then ${ledgerEntries.amountMinor} end), 0)`,
      disputes: sql<number>`coalesce(sum(case when ${ledgerEntries.kind} in ${kindIn(DISPUTE)} then ${ledgerEntries.amountMinor} end), 0)`,
      gifts: sql<number>`count(case when ${ledgerEntries.kind} in ${kindIn(PAYMENT)} then 1 end)`,
      supporters: sql<number>`count(distinct case when ${ledgerEntries.kind} in ${kindIn(PAYMENT)} then lower(${ledgerEntries.email}) end)`,
    })
    .from(ledgerEntries)
    .where(inRange(r))
    .groupBy(ledgerEntries.currency);
  const settlement = sql<string>`coalesce(${ledgerEntries.settlementCurrency}, ${ledgerEntries.currency})`;
  const settled = await db.orm
    .select({
      currency: settlement,
      fees: sql<number>`coalesce(sum(${ledgerEntries.feeMinor}), 0)`,
      net: sql<number>`coalesce(sum(${ledgerEntries.netMinor}), 0)`,
      pending: sql<number>`count(case when ${ledgerEntries.feeMinor} is null then 1 end)`,
    })
    .from(ledgerEntries)
    .where(inRange(r))
    .groupBy(settlement);
  return mergeTotals(byCurrency, settled);
}

/** Stripe's statuses in which a subscription still collects money (https://docs.stripe.com/billing/subscriptions/overview#subscription-statuses). */
export const LIVE_SUBSCRIPTION = ['active', 'past_due', 'trialing'] as const;

export type RecurringTotals = {
  currency: string;
  monthly: number;
  annual: number;
  monthlyMinor: number;
  annualMinor: number;
  newInRange: number;
  cancelledInRange: number;
};

const LIVE_LIST = sqlList(LIVE_SUBSCRIPTION);
const liveRecurring = sqlTemplate`
  select currency,
    sum(case when "interval" = 'month' and status in (${LIVE_LIST}) then gifts else 0 end) as monthly,
    sum(case when "interval" = 'year' and status in (${LIVE_LIST}) then gifts else 0 end) as annual,
    sum(case when "interval" = 'month' and status in (${LIVE_LIST}) then amount_minor else 0 end) as monthlyMinor,
    sum(case when "interval" = 'year' and status in (${LIVE_LIST}) then amount_minor else 0 end) as annualMinor
  from recurring_gift_totals where currency <> '' group by currency`;
const recurringEvents = sqlTemplate`
  select currency, sum(case when event = 'started' then gifts else 0 end) as started, sum(case when event = 'cancelled' then gifts else 0 end) as cancelled
  from recurring_gift_days where day >= ${'fromDay'} and day < ${'toDay'} group by currency`;

/** Live counts and amounts, new and cancelled in the range, from the recurring rollups (whole days). */
export async function recurringTotals(db: Db, r: Range): Promise<RecurringTotals[]> {
  if (!wholeDays(r)) return recurringTotalsFromGifts(db, r);
  const [live, events] = await Promise.all([
    db.sql.all<Omit<RecurringTotals, 'newInRange' | 'cancelledInRange'>>(liveRecurring.bind({})),
    db.sql.all<{ currency: string; started: number; cancelled: number }>(recurringEvents.bind({ fromDay: r.fromMs / DAY_MS, toDay: r.toMs / DAY_MS })),
  ]);
  const rows = new Map<string, RecurringTotals>();
  const row = (currency: string) => {
    let t = rows.get(currency);
    if (!t) {
      t = { currency, monthly: 0, annual: 0, monthlyMinor: 0, annualMinor: 0, newInRange: 0, cancelledInRange: 0 };
      rows.set(currency, t);
    }
    return t;
  };
  for (const l of live) Object.assign(row(l.currency), l);
  for (const x of events) Object.assign(row(x.currency), { newInRange: x.started, cancelledInRange: x.cancelled });
  return [...rows.values()].filter((x) => x.monthly + x.annual + x.newInRange + x.cancelledInRange > 0).sort((a, b) => a.currency.localeCompare(b.currency));
}

/** The same figures from every recurring gift: the truth the rollup is tested against. */
export async function recurringTotalsFromGifts(db: Db, r: Range): Promise<RecurringTotals[]> {
  const live = sql`${recurringGifts.status} in ${sql.raw(`(${LIVE_SUBSCRIPTION.map((s) => `'${s}'`).join(', ')})`)}`;
  const rows = await db.orm
    .select({
      currency: sql<string>`coalesce(${recurringGifts.currency}, '')`,
      monthly: sql<number>`count(case when ${live} and ${recurringGifts.interval} = 'month' then 1 end)`,
      annual: sql<number>`count(case when ${live} and ${recurringGifts.interval} = 'year' then 1 end)`,
      monthlyMinor: sql<number>`coalesce(sum(case when ${live} and ${recurringGifts.interval} = 'month' then ${recurringGifts.amountMinor} end), 0)`,
      annualMinor: sql<number>`coalesce(sum(case when ${live} and ${recurringGifts.interval} = 'year' then ${recurringGifts.amountMinor} end), 0)`,
      newInRange: sql<number>`count(case when ${recurringGifts.createdAt} >= ${r.fromMs} and ${recurringGifts.createdAt} < ${r.toMs} then 1 end)`,
      cancelledInRange: sql<number>`count(case when ${recurringGifts.canceledAt} >= ${r.fromMs} and ${recurringGifts.canceledAt} < ${r.toMs} then 1 end)`,
    })
    .from(recurringGifts)
    .groupBy(sql`coalesce(${recurringGifts.currency}, '')`);
  return rows
    .filter((x) => x.currency !== '' && x.monthly + x.annual + x.newInRange + x.cancelledInRange > 0)
    .sort((a, b) => a.currency.localeCompare(b.currency));
}

export type Bucket = 'day' | 'month';
export type SeriesPoint = { bucket: string; currency: string; oneOffMinor: number; recurringMinor: number };

const seriesTemplate = (format: string) => sqlTemplate`
  select strftime('${{ fragment: format }}', day * 86400, 'unixepoch') as bucket, currency,
    sum(case when frequency = 'one_off' then amount_minor else 0 end) as oneOffMinor,
    sum(case when frequency <> 'one_off' then amount_minor else 0 end) as recurringMinor
  from ledger_day_totals where day >= ${'fromDay'} and day < ${'toDay'} and kind in (${PAYMENT_LIST})
  group by 1, 2 having sum(entries) > 0 order by 1, 2`;
const SERIES = { day: seriesTemplate('%Y-%m-%d'), month: seriesTemplate('%Y-%m') };

/** Gross giving per day or month (UTC) and currency, one-off apart from recurring: from the rollups for whole days. */
export async function givingSeries(db: Db, r: Range, bucket: Bucket): Promise<SeriesPoint[]> {
  if (!wholeDays(r)) return givingSeriesFromEntries(db, r, bucket);
  return db.sql.all<SeriesPoint>(SERIES[bucket].bind({ fromDay: r.fromMs / DAY_MS, toDay: r.toMs / DAY_MS }));
}

export async function givingSeriesFromEntries(db: Db, r: Range, bucket: Bucket): Promise<SeriesPoint[]> {
  const format = bucket === 'day' ? '%Y-%m-%d' : '%Y-%m';
  const key = sql<string>`strftime(${format}, ${ledgerEntries.occurredAt} / 1000, 'unixepoch')`;
  return db.orm
    .select({
      bucket: key,
      currency: ledgerEntries.currency,
      oneOffMinor: sql<number>`coalesce(sum(case when ${ledgerEntries.frequency} = 'one_off' then ${ledgerEntries.amountMinor} end), 0)`,
      recurringMinor: sql<number>`coalesce(sum(case when ${ledgerEntries.frequency} <> 'one_off' then ${ledgerEntries.amountMinor} end), 0)`,
    })
    .from(ledgerEntries)
    .where(and(inRange(r), inArray(ledgerEntries.kind, PAYMENT)))
    .groupBy(key, ledgerEntries.currency)
    .orderBy(key, ledgerEntries.currency);
}
