// Reads behind the finance pages. Totals over whole days come from the ledger's rollups,
// which the same atomic write as the entries keeps (ledger/ledger.rollups.repo.ts), so they
// cannot disagree with the entries; the *FromEntries functions sum the entries themselves.
// Ranges are half-open UTC milliseconds: from <= occurred_at < to, so the ledger's
// (occurred_at, id) index serves each one.
import { and, asc, desc, eq, gte, inArray, isNotNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/db.js';
import { gifts, ledgerEntries, outbox, recurringGifts, stripeEvents, supporters, type EntryKind } from '../../db/schema.js';
import { sqlList, sqlTemplate } from '../../db/sql.js';
import { DAY_MS } from '../ledger/ledger.rollups.repo.js';

export type Range = { fromMs: number; toMs: number };

const PAYMENT: EntryKind[] = ['gift', 'renewal'];
const REFUND: EntryKind[] = ['refund', 'refund_reversal'];
const DISPUTE: EntryKind[] = ['dispute', 'dispute_fee', 'dispute_reversal'];
const PAYMENT_LIST = sqlList(PAYMENT);
const REFUND_LIST = sqlList(REFUND);
const DISPUTE_LIST = sqlList(DISPUTE);
const kindIn = (kinds: readonly EntryKind[]) => sql.raw(`(${kinds.map((k) => `'${k}'`).join(', ')})`);

const inRange = (r: Range) => and(gte(ledgerEntries.occurredAt, r.fromMs), lt(ledgerEntries.occurredAt, r.toMs));

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

/** A range of whole UTC days, which the daily rollups answer; any other range is summed from the entries. */
const wholeDays = (r: Range) => r.fromMs % DAY_MS === 0 && r.toMs % DAY_MS === 0;

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

export type FailedRenewal = {
  id: string;
  stripeSubscriptionId: string;
  giftId: string | null;
  supporterEmail: string | null;
  amountMinor: number | null;
  currency: string | null;
  interval: 'month' | 'year' | null;
  status: string;
  paymentIssue: string;
  declineCode: string | null;
  nextPaymentAttemptAt: number | null;
};

/** Recurring gifts whose last payment failed; `awaitingRetry` keeps those Stripe will try again. */
export async function failedRenewals(db: Db, opts: { awaitingRetry: boolean; limit: number }): Promise<FailedRenewal[]> {
  // Two reads in the partial index's own order (next attempt, id), each stopping at the
  // limit: those Stripe will retry, soonest first, then those it will not, instead of
  // sorting every open problem (thousands at 1M contributions) on a computed key.
  const page = (retry: boolean, limit: number) =>
    db.orm
      .select({
        id: recurringGifts.id,
        stripeSubscriptionId: recurringGifts.stripeSubscriptionId,
        giftId: recurringGifts.giftId,
        supporterEmail: supporters.email,
        amountMinor: recurringGifts.amountMinor,
        currency: recurringGifts.currency,
        interval: recurringGifts.interval,
        status: recurringGifts.status,
        paymentIssue: sql<string>`${recurringGifts.paymentIssue}`,
        declineCode: recurringGifts.declineCode,
        nextPaymentAttemptAt: recurringGifts.nextPaymentAttemptAt,
      })
      .from(recurringGifts)
      .leftJoin(supporters, eq(supporters.id, recurringGifts.supporterId))
      .where(
        and(
          isNotNull(recurringGifts.paymentIssue),
          retry ? isNotNull(recurringGifts.nextPaymentAttemptAt) : sql`${recurringGifts.nextPaymentAttemptAt} is null`,
        ),
      )
      .orderBy(asc(recurringGifts.nextPaymentAttemptAt), asc(recurringGifts.id))
      .limit(limit);
  const retrying = await page(true, opts.limit);
  if (opts.awaitingRetry || retrying.length >= opts.limit) return retrying;
  return [...retrying, ...(await page(false, opts.limit - retrying.length))];
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

// Contributions: one row per ledger entry, as the export has them.

export type ContributionFilter = {
  range: { fromMs?: number; toMs?: number };
  status?: string;
  kind?: EntryKind;
  frequency?: string;
  currency?: string;
  campaign?: string;
  article?: string;
  variant?: string;
  minMinor?: number;
  maxMinor?: number;
  email?: string;
};
export type ContributionSort = { by: 'date' | 'amount'; dir: 'asc' | 'desc' };
/** The last row of the page before: its sort value and id. */
export type ContributionCursor = { value: number; id: string };

export type ContributionRow = {
  id: string;
  occurredAt: number;
  kind: EntryKind;
  frequency: string;
  currency: string;
  amountMinor: number;
  feeMinor: number | null;
  netMinor: number | null;
  settlementCurrency: string | null;
  email: string | null;
  giftId: string | null;
  status: string | null;
  article: string | null;
  campaign: string | null;
  variant: string | null;
};

export function contributionWhere(f: ContributionFilter): SQL[] {
  const where: SQL[] = [];
  if (f.range.fromMs != null) where.push(gte(ledgerEntries.occurredAt, f.range.fromMs));
  if (f.range.toMs != null) where.push(lt(ledgerEntries.occurredAt, f.range.toMs));
  if (f.kind) where.push(eq(ledgerEntries.kind, f.kind));
  if (f.frequency) where.push(eq(ledgerEntries.frequency, f.frequency as 'one_off'));
  if (f.currency) where.push(eq(ledgerEntries.currency, f.currency));
  if (f.minMinor != null) where.push(gte(ledgerEntries.amountMinor, f.minMinor));
  if (f.maxMinor != null) where.push(sql`${ledgerEntries.amountMinor} <= ${f.maxMinor}`);
  if (f.email) where.push(eq(sql`lower(${ledgerEntries.email})`, f.email.toLowerCase()));
  if (f.status) where.push(eq(gifts.status, f.status as 'paid'));
  if (f.campaign) where.push(eq(ledgerEntries.campaign, f.campaign));
  if (f.article) where.push(eq(ledgerEntries.article, f.article));
  if (f.variant) where.push(eq(ledgerEntries.variant, f.variant));
  return where;
}

export async function listContributions(
  db: Db,
  f: ContributionFilter,
  sort: ContributionSort,
  after: ContributionCursor | null,
  limit: number,
): Promise<ContributionRow[]> {
  const where = contributionWhere(f);
  const col = sort.by === 'date' ? ledgerEntries.occurredAt : ledgerEntries.amountMinor;
  // a row-value comparison keeps each page a range scan of the index, however deep (no OFFSET)
  if (after)
    where.push(
      sort.dir === 'desc'
        ? sql`(${col}, ${ledgerEntries.id}) < (${after.value}, ${after.id})`
        : sql`(${col}, ${ledgerEntries.id}) > (${after.value}, ${after.id})`,
    );
  const order = sort.dir === 'desc' ? [desc(col), desc(ledgerEntries.id)] : [asc(col), asc(ledgerEntries.id)];
  return db.orm
    .select({
      id: ledgerEntries.id,
      occurredAt: ledgerEntries.occurredAt,
      kind: ledgerEntries.kind,
      frequency: ledgerEntries.frequency,
      currency: ledgerEntries.currency,
      amountMinor: ledgerEntries.amountMinor,
      feeMinor: ledgerEntries.feeMinor,
      netMinor: ledgerEntries.netMinor,
      settlementCurrency: ledgerEntries.settlementCurrency,
      email: ledgerEntries.email,
      giftId: ledgerEntries.giftId,
      status: gifts.status,
      article: ledgerEntries.article,
      campaign: ledgerEntries.campaign,
      variant: ledgerEntries.variant,
    })
    .from(ledgerEntries)
    .leftJoin(gifts, eq(gifts.id, ledgerEntries.giftId))
    .where(where.length ? and(...where) : undefined)
    .orderBy(...order)
    .limit(limit);
}

// A gift's timeline.

export type GiftRow = typeof gifts.$inferSelect;

export async function giftTimeline(db: Db, giftId: string) {
  const [gift] = await db.orm.select().from(gifts).where(eq(gifts.id, giftId)).limit(1);
  if (!gift) return null;
  const entries = await db.orm
    .select()
    .from(ledgerEntries)
    .where(eq(ledgerEntries.giftId, giftId))
    .orderBy(asc(ledgerEntries.occurredAt), asc(ledgerEntries.id));
  const [recurring] = gift.subscriptionId
    ? await db.orm.select().from(recurringGifts).where(eq(recurringGifts.stripeSubscriptionId, gift.subscriptionId)).limit(1)
    : [];
  // The Stripe ids this gift is known by; an event or email naming one of them is the gift's.
  const ids = new Set<string>([gift.checkoutSessionId, gift.paymentIntentId, gift.subscriptionId].filter((x): x is string => !!x));
  for (const e of entries) {
    ids.add(e.stripeId);
    if (e.paymentIntentId) ids.add(e.paymentIntentId);
    if (e.chargeId) ids.add(e.chargeId);
  }
  // Events carry the ids only inside their payload: a scan of the events table, bounded by
  // the handful of ids a gift has; fine for one gift at a time, not for lists. instr()
  // rather than LIKE: D1 refuses LIKE patterns over 50 bytes, and a Checkout Session id
  // alone is 66 (https://developers.cloudflare.com/d1/platform/limits/).
  const contains = (column: typeof stripeEvents.payload | typeof outbox.key, text: string) => sql`instr(${column}, ${text}) > 0`;
  const named = [...ids].filter((id) => /^[A-Za-z0-9_]+$/.test(id));
  const events = named.length
    ? await db.orm
        .select({
          id: stripeEvents.id,
          type: stripeEvents.type,
          stripeCreated: stripeEvents.stripeCreated,
          livemode: stripeEvents.livemode,
          receivedAt: stripeEvents.receivedAt,
          processedAt: stripeEvents.processedAt,
          lastError: stripeEvents.lastError,
        })
        .from(stripeEvents)
        .where(or(...named.map((id) => contains(stripeEvents.payload, `"${id}"`))))
        .orderBy(asc(stripeEvents.stripeCreated), asc(stripeEvents.id))
        .limit(200)
    : [];
  const keys = [gift.id, ...named];
  const emails = await db.orm
    .select({
      id: outbox.id,
      key: outbox.key,
      template: outbox.template,
      to: outbox.to,
      status: outbox.status,
      createdAt: outbox.createdAt,
      sentAt: outbox.sentAt,
    })
    .from(outbox)
    .where(or(...keys.map((k) => contains(outbox.key, k))))
    .orderBy(asc(outbox.createdAt), asc(outbox.id))
    .limit(100);
  return { gift, entries, recurring: recurring ?? null, events, emails };
}

// Supporters.

export type SupporterRow = { id: string; email: string; name: string | null; createdAt: number };
export type SupporterCursor = { createdAt: number; id: string };

/** Newest first, by keyset on (created_at, id); `email` narrows to one address. */
export async function listSupporters(db: Db, opts: { email?: string; after: SupporterCursor | null; limit: number }): Promise<SupporterRow[]> {
  const where: SQL[] = [];
  if (opts.email) where.push(eq(supporters.email, opts.email.toLowerCase()));
  if (opts.after) where.push(sql`(${supporters.createdAt}, ${supporters.id}) < (${opts.after.createdAt}, ${opts.after.id})`);
  return db.orm
    .select({ id: supporters.id, email: supporters.email, name: supporters.name, createdAt: supporters.createdAt })
    .from(supporters)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(supporters.createdAt), desc(supporters.id))
    .limit(opts.limit);
}

export type LifetimeGiving = { supporterId: string; currency: string; grossMinor: number; refundsMinor: number; disputesMinor: number; payments: number };

/** Lifetime giving per supporter and currency, for the supporters of one page (through gifts_supporter). */
export async function lifetimeGiving(db: Db, supporterIds: readonly string[]): Promise<LifetimeGiving[]> {
  if (!supporterIds.length) return [];
  return db.orm
    .select({
      supporterId: sql<string>`${gifts.supporterId}`,
      currency: ledgerEntries.currency,
      grossMinor: sql<number>`coalesce(sum(case when ${ledgerEntries.kind} in ${kindIn(PAYMENT)} then ${ledgerEntries.amountMinor} end), 0)`,
      refundsMinor: sql<number>`coalesce(sum(case when ${ledgerEntries.kind} in ${kindIn(REFUND)} then ${ledgerEntries.amountMinor} end), 0)`,
      disputesMinor: sql<number>`coalesce(sum(case when ${ledgerEntries.kind} in ${kindIn(DISPUTE)} then ${ledgerEntries.amountMinor} end), 0)`,
      payments: sql<number>`count(case when ${ledgerEntries.kind} in ${kindIn(PAYMENT)} then 1 end)`,
    })
    .from(gifts)
    .innerJoin(ledgerEntries, eq(ledgerEntries.giftId, gifts.id))
    .where(inArray(gifts.supporterId, [...supporterIds]))
    .groupBy(gifts.supporterId, ledgerEntries.currency)
    .orderBy(gifts.supporterId, ledgerEntries.currency);
}

export async function supporterDetail(db: Db, id: string) {
  const [supporter] = await db.orm.select().from(supporters).where(eq(supporters.id, id)).limit(1);
  if (!supporter) return null;
  const [lifetime, giftRows, recurring, emails] = await Promise.all([
    lifetimeGiving(db, [id]),
    db.orm.select().from(gifts).where(eq(gifts.supporterId, id)).orderBy(desc(gifts.createdAt), desc(gifts.id)).limit(200),
    db.orm.select().from(recurringGifts).where(eq(recurringGifts.supporterId, id)).orderBy(desc(recurringGifts.createdAt)),
    db.orm
      .select({ id: outbox.id, template: outbox.template, status: outbox.status, createdAt: outbox.createdAt, sentAt: outbox.sentAt })
      .from(outbox)
      .where(eq(outbox.to, supporter.email))
      .orderBy(desc(outbox.createdAt), desc(outbox.id))
      .limit(100),
  ]);
  return { supporter, lifetime, gifts: giftRows, recurring, emails };
}

/** One-off gifts whose payment failed (the renewals are failedRenewals). */
export async function failedGifts(db: Db, limit: number) {
  return db.orm
    .select({
      id: gifts.id,
      frequency: gifts.frequency,
      amountMinor: gifts.amountMinor,
      currency: gifts.currency,
      email: gifts.email,
      updatedAt: gifts.updatedAt,
    })
    .from(gifts)
    .where(eq(gifts.status, 'failed'))
    .orderBy(desc(gifts.updatedAt), desc(gifts.id))
    .limit(limit);
}

// Attribution.

export const DIMENSIONS = ['article', 'section', 'campaign', 'variant'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export type AttributionRow = {
  value: string | null;
  currency: string;
  revenueMinor: number;
  gifts: number;
  recurringGifts: number;
  /** recurring gifts started in the range, at a year's worth: a monthly gift twelve times over */
  annualisedMinor: number;
};

const attributionRollup = sqlTemplate`
  select case when has_value then value end as value, currency,
    sum(amount_minor) as revenueMinor, sum(payments) as gifts,
    sum(case when frequency <> 'one_off' then payments else 0 end) as recurringGifts,
    sum(case when kind = 'gift' and frequency = 'monthly' then 12 * amount_minor when kind = 'gift' and frequency = 'annual' then amount_minor else 0 end) as annualisedMinor
  from (
    select has_value, value, currency, kind, frequency, payments, amount_minor from ledger_month_attribution
      where dimension = ${'dimension'} and month >= ${'fromMonth'} and month < ${'toMonth'}
    union all
    select has_value, value, currency, kind, frequency, payments, amount_minor from ledger_day_attribution
      where dimension = ${'dimension'} and ((day >= ${'fromDay'} and day < ${'headEnd'}) or (day >= ${'tailStart'} and day < ${'toDay'})))
  group by has_value, value, currency having sum(payments) > 0`;

/** Payments in the range by one attribution dimension and currency: from the rollups for whole days. */
export async function attribution(db: Db, r: Range, by: Dimension): Promise<AttributionRow[]> {
  if (!wholeDays(r)) return attributionFromEntries(db, r, by);
  return db.sql.all<AttributionRow>(attributionRollup.bind({ dimension: by, ...monthsAndDays(r) }));
}

const monthKey = (ms: number) => {
  const d = new Date(ms);
  return d.getUTCFullYear() * 100 + d.getUTCMonth() + 1;
};

/**
 * A whole-day range as the calendar months wholly inside it plus the days before and after
 * them: [fromDay, headEnd) and [tailStart, toDay) are days, [fromMonth, toMonth) months
 * (202611 style). Without a whole month inside, it is all days.
 */
export function monthsAndDays(r: Range) {
  const from = new Date(r.fromMs);
  const firstMonth =
    r.fromMs === Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1) ? r.fromMs : Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1);
  const to = new Date(r.toMs);
  const endMonth = Date.UTC(to.getUTCFullYear(), to.getUTCMonth(), 1);
  const fromDay = r.fromMs / DAY_MS;
  const toDay = r.toMs / DAY_MS;
  if (firstMonth >= endMonth) return { fromMonth: 0, toMonth: 0, fromDay, headEnd: toDay, tailStart: toDay, toDay };
  return { fromMonth: monthKey(firstMonth), toMonth: monthKey(endMonth), fromDay, headEnd: firstMonth / DAY_MS, tailStart: endMonth / DAY_MS, toDay };
}

/** The same from the entries, which carry their gift's attribution (no join). */
export async function attributionFromEntries(db: Db, r: Range, by: Dimension): Promise<AttributionRow[]> {
  const e = ledgerEntries;
  const dim = e[by];
  return db.orm
    .select({
      value: dim,
      currency: e.currency,
      revenueMinor: sql<number>`coalesce(sum(${e.amountMinor}), 0)`,
      gifts: sql<number>`count(*)`,
      recurringGifts: sql<number>`count(case when ${e.frequency} <> 'one_off' then 1 end)`,
      annualisedMinor: sql<number>`coalesce(sum(case when ${e.kind} = 'gift' and ${e.frequency} = 'monthly' then 12 * ${e.amountMinor} when ${e.kind} = 'gift' and ${e.frequency} = 'annual' then ${e.amountMinor} end), 0)`,
    })
    .from(e)
    .where(and(inRange(r), inArray(e.kind, PAYMENT)))
    .groupBy(dim, e.currency);
}
