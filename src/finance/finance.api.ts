// The finance JSON API under /finance/api/, for BI tools and scripts: the figures of the
// finance pages, from the same repo functions and the same query parsing, in a stable shape
// documented in the README ("Finance JSON API"). Money is integer minor units beside its
// currency, times ISO 8601 in UTC, field names snake_case as in the CSV export. Each field is
// named here rather than spread from a row, so a new column never appears in the API unasked.
import { Hono } from 'hono';
import { z } from 'zod';
import { apiTokenState, requireApiStaff } from '../auth/auth.tokens.js';
import { listApiTokens } from '../auth/auth.tokens.repo.js';
import { emailFor } from '../auth/auth.permissions.js';
import type { ApiEnv, StaffPrincipal } from '../deps.js';
import { AppError } from '../lib/errors.js';
import { parseInput } from '../lib/validate.js';
import { lastReconcileRun } from '../ledger/ledger.runs.repo.js';
import { payoutItemsPage, payoutSummary, type PayoutSummary } from '../ledger/ledger.payouts.repo.js';
import { bucketFor } from './finance.chart.js';
import { LIST_PAGE } from './finance.contributions.js';
import { attribution } from './finance.attribution.repo.js';
import {
  failedGifts,
  failedRenewals,
  giftTimeline,
  lifetimeGiving,
  listContributions,
  listSupporters,
  supporterDetail,
  type FailedRenewal,
  type LifetimeGiving,
} from './finance.lists.repo.js';
import type { Range } from './finance.ranges.js';
import { currencyTotals, givingSeries, recurringTotals } from './finance.totals.repo.js';
import { attributionQuery, sortAttribution } from './finance.attribution.js';
import { monthQuery, payoutItemCursor, payoutItemPosition, payoutItemsQuery, payoutsArrivingIn } from './finance.payouts.js';
import { supporterCursor, supportersQuery } from './finance.supporters.js';

/** A BI tool reads a payout's items this many at a time (1,000 took ~34 ms to answer at load average 10; 500 keeps a page within 20 ms). */
const API_PAYOUT_ITEMS_PAGE = 500;
import { churnRate, contributionFilter, contributionsQuery, declineInWords, ID_PARAM, iso, mrrMinor, overviewQuery, periodRange } from './finance.js';

/** The most rows one list request may ask for. */
export const API_MAX_LIMIT = 500;
/** as the pages have them: the failed renewals on the overview, the rows of the failed payments page */
const OVERVIEW_FAILED = 20;
const FAILED_ROWS = 200;

const isoTime = (ms: number | null | undefined): string | null => (ms == null ? null : new Date(ms).toISOString());
const isoRange = (r: Range) => ({ from: isoTime(r.fromMs), to: isoTime(r.toMs) });

/** A misspelt parameter would otherwise be ignored and the answer silently unfiltered. */
function onlyParams(query: Record<string, string>, allowed: readonly string[]): void {
  const unknown = Object.keys(query).filter((k) => !allowed.includes(k));
  if (unknown.length)
    throw new AppError(
      'bad_request',
      'Unknown query parameters',
      Object.fromEntries(unknown.map((k) => [k, `is not a parameter here; ${allowed.length ? `use ${allowed.join(', ')}` : 'this endpoint takes none'}`])),
    );
}

const limitQuery = z.object({
  limit: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce
      .number({ error: 'must be a whole number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .max(API_MAX_LIMIT, { error: `must be at most ${API_MAX_LIMIT}` })
      .optional(),
  ),
});

const masked = (staff: StaffPrincipal, email: string | null) => (email ? emailFor(staff.role, email) : null);

function lifetimeJson(g: LifetimeGiving) {
  return {
    currency: g.currency,
    gross_minor: g.grossMinor,
    refunds_minor: g.refundsMinor,
    disputes_minor: g.disputesMinor,
    kept_minor: g.grossMinor + g.refundsMinor + g.disputesMinor,
    payments: g.payments,
  };
}

function failedRenewalJson(staff: StaffPrincipal, r: FailedRenewal) {
  return {
    id: r.id,
    stripe_subscription_id: r.stripeSubscriptionId,
    gift_id: r.giftId,
    supporter_email: masked(staff, r.supporterEmail),
    amount_minor: r.amountMinor,
    currency: r.currency,
    interval: r.interval,
    status: r.status,
    payment_issue: r.paymentIssue,
    decline_code: r.declineCode,
    reason: declineInWords(r.declineCode),
    next_payment_attempt_at: isoTime(r.nextPaymentAttemptAt),
  };
}

function payoutJson(p: PayoutSummary) {
  return {
    id: p.payoutId,
    status: p.status,
    arrival_date: isoTime(p.arrivalDate),
    currency: p.currency,
    gross_minor: p.grossMinor,
    fees_minor: p.feesMinor,
    refunds_minor: p.refundsMinor,
    disputes_minor: p.disputesMinor,
    other_minor: p.otherMinor,
    computed_minor: p.computedMinor,
    paid_out_minor: p.paidOutMinor,
    balanced: p.balanced,
    items_count: p.itemCount,
    unmatched_items: p.unmatched,
    problems: p.problems,
  };
}

export function financeApiRoutes(): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.use(async (c, next) => {
    // an unknown path or a refused request under /finance/api/ answers JSON, never a page
    c.set('jsonOnly', true);
    await next();
  });

  app.get('/overview', requireApiStaff('viewer'), async (c) => {
    const { deps } = c.var;
    const raw = c.req.query();
    onlyParams(raw, ['period', 'from', 'to']);
    const q = parseInput(overviewQuery, raw);
    const { period, range } = periodRange(q, deps.now());
    const bucket = bucketFor(range);
    const [health, totals, recurring, failed, series] = await Promise.all([
      lastReconcileRun(deps.db),
      currencyTotals(deps.db, range),
      recurringTotals(deps.db, range),
      failedRenewals(deps.db, { awaitingRetry: true, limit: OVERVIEW_FAILED }),
      givingSeries(deps.db, range, bucket),
    ]);
    return c.json({
      period,
      range: isoRange(range),
      totals: totals.map((t) => ({
        currency: t.currency,
        gross_minor: t.grossMinor,
        fees_minor: t.feesMinor,
        net_minor: t.netMinor,
        refunds_minor: t.refundsMinor,
        disputes_minor: t.disputesMinor,
        gifts: t.gifts,
        supporters: t.supporters,
        fees_pending: t.feesPending,
      })),
      recurring: recurring.map((r) => ({
        currency: r.currency,
        active_monthly: r.monthly,
        active_annual: r.annual,
        monthly_minor: r.monthlyMinor,
        annual_minor: r.annualMinor,
        mrr_minor: mrrMinor(r),
        new_in_period: r.newInRange,
        cancelled_in_period: r.cancelledInRange,
        churn_rate: churnRate(r),
      })),
      failed_renewals_awaiting_retry: failed.map((f) => failedRenewalJson(c.var.staff, f)),
      series: {
        bucket,
        points: series.map((p) => ({ bucket: p.bucket, currency: p.currency, one_off_minor: p.oneOffMinor, recurring_minor: p.recurringMinor })),
      },
      last_reconcile: health
        ? {
            ran_at: isoTime(health.ranAt),
            drift: health.drift,
            events_recovered: health.eventsRecovered,
            events_failed: health.eventsFailed,
            fees_filled: health.feesFilled,
            objects_differing: health.objectsDiffering,
            currencies_differing: health.currenciesDiffering ? health.currenciesDiffering.split(',') : [],
          }
        : null,
    });
  });

  app.get('/contributions', requireApiStaff('viewer'), async (c) => {
    const { deps, staff } = c.var;
    const raw = c.req.query();
    onlyParams(raw, [...Object.keys(contributionsQuery.shape), 'limit']);
    const { limit: asked, ...filters } = raw;
    const limit = parseInput(limitQuery, { limit: asked }).limit ?? LIST_PAGE;
    const { filter, sort, after } = contributionFilter(parseInput(contributionsQuery, filters));
    const rows = await listContributions(deps.db, filter, sort, after, limit + 1);
    const shown = rows.slice(0, limit);
    const last = rows.length > limit ? shown[shown.length - 1] : undefined;
    return c.json({
      contributions: shown.map((r) => ({
        id: r.id,
        occurred_at: isoTime(r.occurredAt),
        kind: r.kind,
        frequency: r.frequency,
        currency: r.currency,
        amount_minor: r.amountMinor,
        fee_minor: r.feeMinor,
        net_minor: r.netMinor,
        settlement_currency: r.settlementCurrency ?? r.currency,
        email: masked(staff, r.email),
        gift_id: r.giftId,
        status: r.status,
        article: r.article,
        campaign: r.campaign,
        variant: r.variant,
      })),
      // the page's own cursor: pass it back as `after`, with the same filters
      next: last ? `${sort.by === 'date' ? last.occurredAt : last.amountMinor}.${last.id}` : null,
    });
  });

  app.get('/supporters', requireApiStaff('viewer'), async (c) => {
    const { deps, staff } = c.var;
    const raw = c.req.query();
    onlyParams(raw, ['email', 'after', 'limit']);
    const { limit: asked, ...rest } = raw;
    const limit = parseInput(limitQuery, { limit: asked }).limit ?? LIST_PAGE;
    const q = parseInput(supportersQuery, rest);
    const rows = await listSupporters(deps.db, { email: q.email, after: supporterCursor(q.after), limit: limit + 1 });
    const shown = rows.slice(0, limit);
    const giving = await lifetimeGiving(
      deps.db,
      shown.map((s) => s.id),
    );
    const last = rows.length > limit ? shown[shown.length - 1] : undefined;
    return c.json({
      supporters: shown.map((s) => ({
        id: s.id,
        email: emailFor(staff.role, s.email),
        name: s.name,
        created_at: isoTime(s.createdAt),
        lifetime: giving.filter((g) => g.supporterId === s.id).map(lifetimeJson),
      })),
      next: last ? `${last.createdAt}.${last.id}` : null,
    });
  });

  app.get('/supporters/:id', requireApiStaff('viewer'), async (c) => {
    const { deps, staff } = c.var;
    onlyParams(c.req.query(), []);
    const id = c.req.param('id');
    const d = ID_PARAM.test(id) ? await supporterDetail(deps.db, id) : null;
    if (!d) throw new AppError('not_found', 'There is no supporter with this id.');
    return c.json({
      supporter: {
        id: d.supporter.id,
        email: emailFor(staff.role, d.supporter.email),
        name: d.supporter.name,
        created_at: isoTime(d.supporter.createdAt),
        erased_at: isoTime(d.supporter.erasedAt),
      },
      lifetime: d.lifetime.map(lifetimeJson),
      gifts: d.gifts.map((g) => ({
        id: g.id,
        status: g.status,
        frequency: g.frequency,
        amount_minor: g.amountMinor,
        currency: g.currency,
        article: g.article,
        section: g.section,
        campaign: g.campaign,
        variant: g.variant,
        created_at: isoTime(g.createdAt),
      })),
      recurring: d.recurring.map((r) => ({
        id: r.id,
        stripe_subscription_id: r.stripeSubscriptionId,
        gift_id: r.giftId,
        status: r.status,
        interval: r.interval,
        amount_minor: r.amountMinor,
        currency: r.currency,
        payment_issue: r.paymentIssue,
        decline_code: r.declineCode,
        reason: r.paymentIssue ? declineInWords(r.declineCode) : null,
        next_payment_attempt_at: isoTime(r.nextPaymentAttemptAt),
        created_at: isoTime(r.createdAt),
        canceled_at: isoTime(r.canceledAt),
      })),
      emails: d.emails.map((m) => ({ id: m.id, template: m.template, status: m.status, created_at: isoTime(m.createdAt), sent_at: isoTime(m.sentAt) })),
    });
  });

  app.get('/failed', requireApiStaff('viewer'), async (c) => {
    const { deps, staff } = c.var;
    onlyParams(c.req.query(), []);
    const [renewals, oneOff] = await Promise.all([failedRenewals(deps.db, { awaitingRetry: false, limit: FAILED_ROWS }), failedGifts(deps.db, FAILED_ROWS)]);
    return c.json({
      renewals: renewals.map((r) => failedRenewalJson(staff, r)),
      gifts: oneOff.map((g) => ({
        id: g.id,
        frequency: g.frequency,
        amount_minor: g.amountMinor,
        currency: g.currency,
        email: masked(staff, g.email),
        failed_at: isoTime(g.updatedAt),
      })),
    });
  });

  app.get('/attribution', requireApiStaff('viewer'), async (c) => {
    const { deps } = c.var;
    const raw = c.req.query();
    onlyParams(raw, ['period', 'from', 'to', 'by', 'sort', 'dir']);
    const q = parseInput(attributionQuery, raw);
    const { period, range } = periodRange(q, deps.now());
    const rows = sortAttribution(await attribution(deps.db, range, q.by), q.sort, q.dir);
    return c.json({
      period,
      range: isoRange(range),
      by: q.by,
      sort: q.sort,
      dir: q.dir,
      rows: rows.map((r) => ({
        value: r.value,
        currency: r.currency,
        revenue_minor: r.revenueMinor,
        payments: r.gifts,
        recurring_payments: r.recurringGifts,
        share_recurring: r.gifts ? r.recurringGifts / r.gifts : null,
        average_minor: r.gifts ? Math.round(r.revenueMinor / r.gifts) : null,
        new_recurring_annualised_minor: r.annualisedMinor,
      })),
    });
  });

  app.get('/payouts', requireApiStaff('viewer'), async (c) => {
    const { deps } = c.var;
    const raw = c.req.query();
    onlyParams(raw, ['month']);
    const q = parseInput(monthQuery, raw);
    const month = q.month ?? iso(deps.now()).slice(0, 7);
    const { reports, byCurrency } = await payoutsArrivingIn(deps.db, month);
    return c.json({
      month,
      payouts: reports.map(payoutJson),
      totals: [...byCurrency].sort(([a], [b]) => a.localeCompare(b)).map(([currency, t]) => ({ currency, paid_out_minor: t.paidOutMinor, payouts: t.count })),
    });
  });

  app.get('/payouts/:id', requireApiStaff('viewer'), async (c) => {
    const { deps } = c.var;
    const raw = c.req.query();
    onlyParams(raw, ['after']);
    const q = parseInput(payoutItemsQuery, raw);
    const id = c.req.param('id');
    const p = ID_PARAM.test(id) ? await payoutSummary(deps.db, id) : null;
    if (!p) throw new AppError('not_found', 'There is no payout with this id.');
    const page = await payoutItemsPage(deps.db, id, { after: payoutItemCursor(q.after), limit: API_PAYOUT_ITEMS_PAGE });
    return c.json({
      // the totals are for every item; the items come a page at a time, `?after=<next>` giving the following one
      next: page.next ? payoutItemPosition(page.next) : null,
      payout: {
        ...payoutJson(p),
        items: page.items.map((i) => ({
          balance_transaction_id: i.balanceTransactionId,
          type: i.type,
          reporting_category: i.reportingCategory,
          source_id: i.sourceId,
          amount_minor: i.amountMinor,
          fee_minor: i.feeMinor,
          net_minor: i.netMinor,
          gift_id: i.giftId,
        })),
      },
    });
  });

  app.get('/gifts/:id', requireApiStaff('viewer'), async (c) => {
    const { deps, staff } = c.var;
    onlyParams(c.req.query(), []);
    const id = c.req.param('id');
    const t = ID_PARAM.test(id) ? await giftTimeline(deps.db, id) : null;
    if (!t) throw new AppError('not_found', 'There is no gift with this id.');
    const { gift } = t;
    return c.json({
      gift: {
        id: gift.id,
        status: gift.status,
        frequency: gift.frequency,
        amount_minor: gift.amountMinor,
        currency: gift.currency,
        email: masked(staff, gift.email),
        article: gift.article,
        section: gift.section,
        campaign: gift.campaign,
        variant: gift.variant,
        country: gift.country,
        checkout_session_id: gift.checkoutSessionId,
        payment_intent_id: gift.paymentIntentId,
        subscription_id: gift.subscriptionId,
        created_at: isoTime(gift.createdAt),
      },
      recurring: t.recurring
        ? {
            id: t.recurring.id,
            stripe_subscription_id: t.recurring.stripeSubscriptionId,
            stripe_customer_id: t.recurring.stripeCustomerId,
            status: t.recurring.status,
            interval: t.recurring.interval,
            amount_minor: t.recurring.amountMinor,
            currency: t.recurring.currency,
            payment_issue: t.recurring.paymentIssue,
            decline_code: t.recurring.declineCode,
            next_payment_attempt_at: isoTime(t.recurring.nextPaymentAttemptAt),
          }
        : null,
      entries: t.entries.map((e) => ({
        id: e.id,
        kind: e.kind,
        occurred_at: isoTime(e.occurredAt),
        frequency: e.frequency,
        currency: e.currency,
        amount_minor: e.amountMinor,
        fee_minor: e.feeMinor,
        net_minor: e.netMinor,
        settlement_currency: e.settlementCurrency ?? e.currency,
        stripe_id: e.stripeId,
        balance_transaction_id: e.balanceTransactionId,
      })),
      events: t.events.map((e) => ({
        id: e.id,
        type: e.type,
        created: isoTime(e.stripeCreated * 1000),
        livemode: e.livemode,
        received_at: isoTime(e.receivedAt),
        processed_at: isoTime(e.processedAt),
        last_error: e.lastError,
      })),
      emails: t.emails.map((m) => ({
        id: m.id,
        template: m.template,
        to: emailFor(staff.role, m.to),
        status: m.status,
        created_at: isoTime(m.createdAt),
        sent_at: isoTime(m.sentAt),
      })),
    });
  });

  // the tokens themselves, never their secrets: for an admin's script that audits who holds one
  app.get('/tokens', requireApiStaff('admin'), async (c) => {
    const { deps } = c.var;
    onlyParams(c.req.query(), []);
    const now = deps.now();
    return c.json({
      tokens: (await listApiTokens(deps.db)).map((t) => ({
        id: t.id,
        name: t.name,
        staff_id: t.staffId,
        staff_email: t.staffEmail,
        created_by: t.createdBy,
        created_at: isoTime(t.createdAt),
        expires_at: isoTime(t.expiresAt),
        last_used_at: isoTime(t.lastUsedAt),
        revoked_at: isoTime(t.revokedAt),
        status: apiTokenState(t, now),
      })),
    });
  });

  return app;
}
