// The attribution report's reads: payments by article, section, campaign or appeal variant,
// from the day and month attribution rollups (or the entries, which carry their gift's
// attribution, for a range that is not whole days).
import { and, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/db.js';
import { ledgerEntries } from '../../db/schema.js';
import { sqlTemplate } from '../../db/sql.js';
import { inRange, monthsAndDays, PAYMENT, wholeDays, type Range } from './finance.ranges.js';

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
