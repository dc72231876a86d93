// Pure rules of the finance pages: which period a query names, the recurring metrics, the
// filters of the contributions list, decline codes in words. No I/O here.
import { z } from 'zod';
import { ENTRY_KINDS, FREQUENCIES, GIFT_STATUSES } from '../../db/schema.js';
import { isKnownCurrency, parseMajor } from '../lib/money.js';
import type { ContributionCursor, ContributionFilter, ContributionSort } from './finance.lists.repo.js';
import type { Range } from './finance.ranges.js';
import type { RecurringTotals } from './finance.totals.repo.js';

export const DAY_MS = 86_400_000;

const day = (field: string) =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date like 2026-11-01' })
    .refine((d) => {
      const ms = Date.parse(`${d}T00:00:00Z`);
      return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === d;
    }, `${field} is not a real date`);

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v);
const opt = <S extends z.ZodType>(s: S) => z.preprocess(blankToUndefined, s.optional());

export const PERIODS = ['today', 'month', 'year', 'range'] as const;
export type Period = (typeof PERIODS)[number];

export const overviewQuery = z
  .object({
    period: opt(z.enum(PERIODS, { error: `must be one of ${PERIODS.join(', ')}` })),
    from: opt(day('from')),
    to: opt(day('to')),
  })
  .refine((q) => !(q.from && q.to) || q.from <= q.to, { path: ['to'], error: 'must be on or after from' });

export type OverviewQuery = z.output<typeof overviewQuery>;

const startOfDay = (ms: number) => ms - (ms % DAY_MS);
const dayMs = (d: string) => Date.parse(`${d}T00:00:00Z`);

/** The half-open UTC range a query names; `from`/`to` alone mean a range, `to` inclusive of its whole day. */
export function periodRange(q: OverviewQuery, now: number): { period: Period; range: Range; label: string } {
  const today = startOfDay(now);
  const d = new Date(today);
  const period: Period = q.from || q.to ? 'range' : (q.period ?? 'month');
  if (period === 'today') return { period, range: { fromMs: today, toMs: today + DAY_MS }, label: iso(today) };
  if (period === 'year') {
    const from = Date.UTC(d.getUTCFullYear(), 0, 1);
    return { period, range: { fromMs: from, toMs: Date.UTC(d.getUTCFullYear() + 1, 0, 1) }, label: String(d.getUTCFullYear()) };
  }
  if (period === 'range') {
    const fromMs = q.from ? dayMs(q.from) : Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    const toMs = (q.to ? dayMs(q.to) : today) + DAY_MS;
    return { period, range: { fromMs, toMs }, label: `${iso(fromMs)} to ${iso(toMs - DAY_MS)}` };
  }
  const from = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  return { period, range: { fromMs: from, toMs: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) }, label: iso(from).slice(0, 7) };
}

/** An id in a finance path or form: anything else is answered 404 before a query runs. */
export const ID_PARAM = /^[A-Za-z0-9_]{1,64}$/;

/** Whether a client asked the finance pages for JSON rather than HTML. */
export const wantsJson = (accept: string | undefined) => !!accept?.includes('application/json');

export const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const isoMinute = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16);

/** Monthly recurring revenue: monthly gifts plus annual gifts spread over twelve months, rounded to the minor unit. */
export function mrrMinor(t: Pick<RecurringTotals, 'monthlyMinor' | 'annualMinor'>): number {
  return t.monthlyMinor + Math.round(t.annualMinor / 12);
}

/**
 * Cancelled in the period over those live at its start (live now, plus cancelled in it,
 * less started in it); null when nobody was live at the start.
 */
export function churnRate(t: Pick<RecurringTotals, 'monthly' | 'annual' | 'newInRange' | 'cancelledInRange'>): number | null {
  const atStart = t.monthly + t.annual + t.cancelledInRange - t.newInRange;
  return atStart > 0 ? t.cancelledInRange / atStart : null;
}

export const percent = (share: number | null) => (share == null ? '–' : `${(share * 100).toFixed(1)}%`);

/** Stripe's decline codes as a person would say them (https://docs.stripe.com/declines/codes). */
const DECLINES: Record<string, string> = {
  authentication_required: 'The bank asked for authentication the supporter has not given',
  card_declined: 'The card was declined',
  card_velocity_exceeded: 'The card has reached its spending limit',
  do_not_honor: 'The bank declined without saying why',
  expired_card: 'The card has expired',
  fraudulent: 'The bank suspects fraud',
  generic_decline: 'The card was declined',
  incorrect_cvc: 'The security code was wrong',
  insufficient_funds: 'Not enough money in the account',
  invalid_account: 'The card or account is not valid',
  lost_card: 'The card was reported lost',
  processing_error: 'An error at the card network; a retry may succeed',
  stolen_card: 'The card was reported stolen',
  transaction_not_allowed: 'The bank does not allow this kind of payment on the card',
  try_again_later: 'The bank asked to try again later',
};

export function declineInWords(code: string | null): string {
  if (!code) return 'No reason given';
  return DECLINES[code] ?? `Declined (${code.replace(/_/g, ' ')})`;
}

// The contributions list's query string: every filter optional, all of them in the URL.

export const SORTS = ['date', 'amount'] as const;
const text = (max: number) => opt(z.string().max(max, { error: `must be at most ${max} characters` }));

export const contributionsQuery = z
  .object({
    from: opt(day('from')),
    to: opt(day('to')),
    status: opt(z.enum(GIFT_STATUSES, { error: `must be one of ${GIFT_STATUSES.join(', ')}` })),
    kind: opt(z.enum(ENTRY_KINDS, { error: `must be one of ${ENTRY_KINDS.join(', ')}` })),
    frequency: opt(z.enum(FREQUENCIES, { error: `must be one of ${FREQUENCIES.join(', ')}` })),
    currency: opt(
      z
        .string()
        .transform((c) => c.toLowerCase())
        .refine(isKnownCurrency, 'is not a currency we take'),
    ),
    campaign: text(100),
    article: text(200),
    variant: text(100),
    min: text(20),
    max: text(20),
    email: opt(z.string().max(320, { error: 'must be at most 320 characters' }).email({ error: 'must be an email address' })),
    sort: opt(z.enum(SORTS, { error: 'must be date or amount' })),
    dir: opt(z.enum(['asc', 'desc'], { error: 'must be asc or desc' })),
    after: opt(z.string().regex(/^-?\d{1,16}\.[A-Za-z0-9_]{1,64}$/, { error: 'is not a page position from this list' })),
  })
  .superRefine((q, ctx) => {
    if (q.from && q.to && q.from > q.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be on or after from' });
    for (const f of ['min', 'max'] as const) {
      const v = q[f];
      if (v === undefined) continue;
      if (!q.currency || !isKnownCurrency(q.currency)) {
        // an unknown currency has its own issue; zod still runs this check after it
        if (q.currency) continue;
        ctx.addIssue({ code: 'custom', path: [f], message: 'choose a currency to filter by amount' });
        continue;
      }
      // a refund is negative: a leading minus is allowed here, unlike on the appeal
      const parsed = parseMajor(v.replace(/^-/, ''), q.currency);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', path: [f], message: parsed.reason.toLowerCase() });
    }
  });

export type ContributionsQuery = z.output<typeof contributionsQuery>;

function minorOf(v: string | undefined, currency: string | undefined): number | undefined {
  if (v === undefined || !currency || !isKnownCurrency(currency)) return undefined;
  const neg = v.startsWith('-');
  const parsed = parseMajor(v.replace(/^-/, ''), currency);
  return parsed.ok ? (neg ? -parsed.minor : parsed.minor) : undefined;
}

export function contributionFilter(q: ContributionsQuery): { filter: ContributionFilter; sort: ContributionSort; after: ContributionCursor | null } {
  const filter: ContributionFilter = {
    range: { fromMs: q.from ? dayMs(q.from) : undefined, toMs: q.to ? dayMs(q.to) + DAY_MS : undefined },
    status: q.status,
    kind: q.kind,
    frequency: q.frequency,
    currency: q.currency,
    campaign: q.campaign,
    article: q.article,
    variant: q.variant,
    minMinor: minorOf(q.min, q.currency),
    maxMinor: minorOf(q.max, q.currency),
    email: q.email,
  };
  const sort: ContributionSort = { by: q.sort ?? 'date', dir: q.dir ?? 'desc' };
  let after: ContributionCursor | null = null;
  if (q.after) {
    const dot = q.after.indexOf('.');
    after = { value: Number(q.after.slice(0, dot)), id: q.after.slice(dot + 1) };
  }
  return { filter, sort, after };
}

/** The query string of a list view, for links and the next page: only the filters set. */
export function queryString(q: Record<string, string | undefined>, changes: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...q, ...changes })) if (v !== undefined && v !== '') params.set(k, v);
  const s = params.toString();
  return s ? `?${s}` : '';
}
