// The finance dashboard: the overview, the contributions list and a gift's timeline.
// Server-rendered, usable without script; every filter lives in the URL so a view can be
// shared by copying it.
import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { ENTRY_KINDS, FREQUENCIES, GIFT_STATUSES } from '../../db/schema.js';
import { requireStaff } from '../auth/auth.middleware.js';
import { can, emailFor } from '../auth/auth.permissions.js';
import type { Config } from '../config.js';
import type { StaffEnv } from '../deps.js';
import { AppError, prefersHtml } from '../lib/errors.js';
import { formatMoney, isKnownCurrency } from '../lib/money.js';
import { fieldErrors, INPUT_ERROR_MESSAGE, parseInput } from '../lib/validate.js';
import { bucketFor, chartRange, GivingChart } from './finance.chart.js';
import { lastReconcileRun, type ReconcileRun } from '../ledger/ledger.runs.repo.js';
import { FieldErrorList, StaffPage } from './finance.layout.js';
import { giftRefunds, RefundsSection } from './finance.refunds.routes.js';
import { currencyTotals, type FailedRenewal, failedRenewals, giftTimeline, givingSeries, listContributions, recurringTotals } from './finance.repo.js';
import {
  churnRate,
  contributionFilter,
  contributionsQuery,
  declineInWords,
  isoMinute,
  mrrMinor,
  overviewQuery,
  percent,
  periodRange,
  queryString,
  type SORTS,
} from './finance.js';

export const LIST_PAGE = 50;

/** An amount in its currency, or a dash when there is none (a fee not yet reported). */
export function Money(props: { minor: number | null; currency: string | null }) {
  if (props.minor == null || !props.currency) return <td class="num">–</td>;
  const text = isKnownCurrency(props.currency) ? formatMoney(props.minor, props.currency) : `${props.minor} ${props.currency}`;
  return <td class={props.minor < 0 ? 'num neg' : 'num'}>{text}</td>;
}

/** Stripe's dashboard page of an object; null in the sandbox, whose objects Stripe has never seen. */
export function dashboardUrl(config: Config, id: string): string | null {
  if (config.stripe.mode !== 'live') return null;
  const live = /^(sk|rk)_live_/.test(config.stripe.secretKey);
  const base = `https://dashboard.stripe.com/${live ? '' : 'test/'}`;
  const path = (
    [
      ['pi_', 'payments'],
      ['ch_', 'payments'],
      ['sub_', 'subscriptions'],
      ['in_', 'invoices'],
      ['cus_', 'customers'],
      ['re_', 'refunds'],
      ['dp_', 'disputes'],
      ['du_', 'disputes'],
      ['po_', 'payouts'],
      ['evt_', 'events'],
      ['cs_', 'checkout/sessions'],
      ['txn_', 'balance/transactions'],
    ] as const
  ).find(([prefix]) => id.startsWith(prefix));
  return path ? `${base}${path[1]}/${id}` : null;
}

function StripeLink(props: { config: Config; id: string | null }) {
  if (!props.id) return <>–</>;
  const url = dashboardUrl(props.config, props.id);
  return url ? (
    <a href={url} rel="noreferrer">
      <code>{props.id}</code>
    </a>
  ) : (
    <code>{props.id}</code>
  );
}

/** One line: how recently the ledger was checked against Stripe, and what that check found. */
export function HealthLine(props: { run: ReconcileRun | null; now: number }) {
  const r = props.run;
  if (!r)
    return (
      <p class="health health--unknown">
        Ledger check: reconcile has not run yet (<code>npm run cli -- reconcile</code>, or the daily schedule).
      </p>
    );
  const ago = Math.max(0, Math.floor((props.now - r.ranAt) / 3_600_000));
  const when = `${isoMinute(r.ranAt)} UTC (${ago < 1 ? 'within the hour' : `${ago} h ago`})`;
  if (!r.drift)
    return (
      <p class="health health--ok">
        Ledger check: reconciled with Stripe at {when}, no drift{r.feesFilled ? `; ${r.feesFilled} fees filled in` : ''}.
      </p>
    );
  const parts = [
    r.objectsDiffering ? `${r.objectsDiffering} objects differ` : '',
    r.currenciesDiffering ? `totals differ in ${r.currenciesDiffering.toUpperCase()}` : '',
    r.eventsFailed ? `${r.eventsFailed} events failed` : '',
  ].filter(Boolean);
  return (
    <p class="health health--drift" role="alert">
      Ledger check: drift found at {when}: {parts.join(', ') || 'see the reconcile report'}.
    </p>
  );
}

export const PERIOD_LINKS = [
  ['today', 'Today'],
  ['month', 'This month'],
  ['year', 'This year'],
] as const;

export function dashboardRoutes(): Hono<StaffEnv> {
  const app = new Hono<StaffEnv>();

  app.get('/', requireStaff('viewer'), async (c) => {
    const { staff, session, deps } = c.var;
    const q = parseInput(overviewQuery, c.req.query());
    const { period, range, label } = periodRange(q, deps.now());
    const bucket = bucketFor(range);
    const [health, totals, recurring, failed, series] = await Promise.all([
      lastReconcileRun(deps.db),
      currencyTotals(deps.db, range),
      recurringTotals(deps.db, range),
      failedRenewals(deps.db, { awaitingRetry: true, limit: 20 }),
      givingSeries(deps.db, range, bucket),
    ]);
    if (c.req.header('accept')?.includes('application/json')) {
      return c.json({
        range,
        totals,
        recurring: recurring.map((r) => ({ ...r, mrrMinor: mrrMinor(r), churnRate: churnRate(r) })),
        failedRenewals: failed.length,
        lastReconcile: health,
      });
    }
    const chartCurrencies = [...new Set(series.map((p) => p.currency))].sort();
    const chartSpan = chartRange(range, bucket, series);
    return c.html(
      StaffPage({
        title: 'Finance overview',
        publication: deps.config.publicationName,
        staff,
        csrf: session.csrfToken,
        children: (
          <>
            <p>
              Signed in as {staff.name}, role {staff.role}.
            </p>
            <HealthLine run={health} now={deps.now()} />
            <nav class="periods" aria-label="Period">
              {PERIOD_LINKS.map(([p, name]) => (
                <a href={`/finance?period=${p}`} aria-current={period === p ? 'page' : undefined}>
                  {name}
                </a>
              ))}
            </nav>
            <form method="get" action="/finance" class="filters">
              <label>
                From <input type="date" name="from" value={q.from ?? ''} />
              </label>
              <label>
                To <input type="date" name="to" value={q.to ?? ''} />
              </label>
              <button type="submit">Show range</button>
            </form>
            <h2>Money, {label} (UTC)</h2>
            {totals.length === 0 ? (
              <p>No money moved in this period.</p>
            ) : (
              <table class="data" id="totals">
                <thead>
                  <tr>
                    <th>Currency</th>
                    <th class="num">Gross</th>
                    <th class="num">Stripe fees</th>
                    <th class="num">Net</th>
                    <th class="num">Refunds</th>
                    <th class="num">Disputes</th>
                    <th class="num">Gifts</th>
                    <th class="num">Supporters</th>
                  </tr>
                </thead>
                <tbody>
                  {totals.map((t) => (
                    <tr data-currency={t.currency}>
                      <th scope="row">{t.currency.toUpperCase()}</th>
                      <Money minor={t.grossMinor} currency={t.currency} />
                      <Money minor={t.feesMinor} currency={t.currency} />
                      <Money minor={t.netMinor} currency={t.currency} />
                      <Money minor={t.refundsMinor} currency={t.currency} />
                      <Money minor={t.disputesMinor} currency={t.currency} />
                      <td class="num">{t.gifts}</td>
                      <td class="num">{t.supporters}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {totals.some((t) => t.feesPending > 0) ? (
              <p class="hint">
                {totals.reduce((s, t) => s + t.feesPending, 0)} entries are waiting for Stripe to report their fee; their fee and net are not in these sums yet.
              </p>
            ) : null}
            <p class="hint">Fees and net are in the currency Stripe settled to; gross, refunds and disputes in the currency given.</p>
            {chartCurrencies.map((cur) => (
              <GivingChart currency={cur} points={series} range={chartSpan} bucket={bucket} />
            ))}
            <h2>Recurring gifts</h2>
            {recurring.length === 0 ? (
              <p>No recurring gifts.</p>
            ) : (
              <table class="data" id="recurring">
                <thead>
                  <tr>
                    <th>Currency</th>
                    <th class="num">Active monthly</th>
                    <th class="num">Active annual</th>
                    <th class="num">MRR</th>
                    <th class="num">New in period</th>
                    <th class="num">Cancelled in period</th>
                    <th class="num">Churn</th>
                  </tr>
                </thead>
                <tbody>
                  {recurring.map((r) => (
                    <tr data-currency={r.currency}>
                      <th scope="row">{r.currency.toUpperCase()}</th>
                      <td class="num">{r.monthly}</td>
                      <td class="num">{r.annual}</td>
                      <Money minor={mrrMinor(r)} currency={r.currency} />
                      <td class="num">{r.newInRange}</td>
                      <td class="num">{r.cancelledInRange}</td>
                      <td class="num">{percent(churnRate(r))}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <p class="hint">MRR counts an annual gift as a twelfth of it each month. Churn: cancelled in the period over those active at its start.</p>
            <h2>Failed renewals awaiting Stripe's retry</h2>
            {failed.length === 0 ? (
              <p>None.</p>
            ) : (
              <FailedRenewalsTable id="failed" rows={failed} email={(e) => (e ? emailFor(staff.role, e) : '–')} noRetry="–" />
            )}
          </>
        ),
      }),
    );
  });

  app.get('/contributions', requireStaff('viewer'), async (c) => {
    const { staff, session, deps } = c.var;
    const raw = c.req.query();
    const parsed = contributionsQuery.safeParse(raw);
    const page = (body: Child) =>
      StaffPage({ title: 'Contributions', publication: deps.config.publicationName, staff, csrf: session.csrfToken, children: body });
    if (!parsed.success) {
      const fields = fieldErrors(parsed.error);
      if (!prefersHtml(c.req.header('content-type'), c.req.header('accept'))) throw new AppError('bad_request', INPUT_ERROR_MESSAGE, fields);
      // the form comes back as the person filled it, with each bad field named
      return c.html(page(<ContributionsForm values={raw} errors={fields} />), 400);
    }
    const q = parsed.data;
    const { filter, sort, after } = contributionFilter(q);
    const rows = await listContributions(deps.db, filter, sort, after, LIST_PAGE + 1);
    const more = rows.length > LIST_PAGE;
    const shown = more ? rows.slice(0, LIST_PAGE) : rows;
    const last = shown[shown.length - 1];
    const nextAfter = more && last ? `${sort.by === 'date' ? last.occurredAt : last.amountMinor}.${last.id}` : null;
    const kept: Record<string, string | undefined> = { ...raw, after: undefined };
    if (c.req.header('accept')?.includes('application/json')) {
      return c.json({
        contributions: shown.map((r) => ({ ...r, email: r.email ? emailFor(staff.role, r.email) : null })),
        next: nextAfter ? `/finance/contributions${queryString(kept, { after: nextAfter })}` : null,
      });
    }
    const sortLink = (by: (typeof SORTS)[number]) => {
      const dir = sort.by === by && sort.dir === 'desc' ? 'asc' : 'desc';
      return `/finance/contributions${queryString(kept, { sort: by, dir })}`;
    };
    return c.html(
      page(
        <>
          <ContributionsForm values={raw} errors={{}} />
          {can(staff.role, 'exportData') ? (
            <p class="export">
              <a href={`/finance/contributions.csv${queryString(kept, { sort: undefined, dir: undefined })}`} download>
                Download CSV
              </a>{' '}
              <span class="hint">every contribution these filters select, on all pages, oldest first</span>
            </p>
          ) : null}
          <table class="data" id="contributions">
            <thead>
              <tr>
                <th>
                  <a href={sortLink('date')}>When (UTC)</a>
                </th>
                <th>Kind</th>
                <th>Frequency</th>
                <th class="num">
                  <a href={sortLink('amount')}>Amount</a>
                </th>
                <th class="num">Fee</th>
                <th class="num">Net</th>
                <th>Status</th>
                <th>Supporter</th>
                <th>Campaign</th>
                <th>Article</th>
                <th>Variant</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((r) => (
                <tr>
                  <td>{r.giftId ? <a href={`/finance/gifts/${encodeURIComponent(r.giftId)}`}>{isoMinute(r.occurredAt)}</a> : isoMinute(r.occurredAt)}</td>
                  <td>{r.kind.replace(/_/g, ' ')}</td>
                  <td>{r.frequency.replace('_', '-')}</td>
                  <Money minor={r.amountMinor} currency={r.currency} />
                  <Money minor={r.feeMinor} currency={r.settlementCurrency ?? r.currency} />
                  <Money minor={r.netMinor} currency={r.settlementCurrency ?? r.currency} />
                  <td>{r.status ?? '–'}</td>
                  <td>{r.email ? emailFor(staff.role, r.email) : '–'}</td>
                  <td>{r.campaign ?? '–'}</td>
                  <td>{r.article ?? '–'}</td>
                  <td>{r.variant ?? '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {shown.length === 0 ? <p>No contributions match.</p> : null}
          {nextAfter ? (
            <p>
              <a href={`/finance/contributions${queryString(kept, { after: nextAfter })}`} rel="next">
                Next {LIST_PAGE}
              </a>
            </p>
          ) : null}
        </>,
      ),
    );
  });

  app.get('/gifts/:id', requireStaff('viewer'), async (c) => {
    const { staff, session, deps } = c.var;
    const id = c.req.param('id');
    const t = /^[A-Za-z0-9_]{1,64}$/.test(id) ? await giftTimeline(deps.db, id) : null;
    if (!t) throw new AppError('not_found', 'There is no gift with this id.');
    const { gift } = t;
    const refunds = await giftRefunds(deps.db, gift.id);
    const email = (e: string | null) => (e ? emailFor(staff.role, e) : '–');
    if (c.req.header('accept')?.includes('application/json')) {
      return c.json({
        gift: { ...gift, email: gift.email ? emailFor(staff.role, gift.email) : null },
        entries: t.entries.map((e) => ({ ...e, email: e.email ? emailFor(staff.role, e.email) : null })),
        events: t.events,
        emails: t.emails.map((m) => ({ ...m, to: emailFor(staff.role, m.to) })),
        refund_requests: refunds.requests,
      });
    }
    return c.html(
      StaffPage({
        title: `Gift ${gift.id}`,
        publication: deps.config.publicationName,
        staff,
        csrf: session.csrfToken,
        children: (
          <>
            <dl class="facts">
              <dt>Status</dt>
              <dd>{gift.status}</dd>
              <dt>Amount</dt>
              <dd>
                {formatMoney(gift.amountMinor, gift.currency)} {gift.frequency.replace('_', '-')}
              </dd>
              <dt>Supporter</dt>
              <dd>{gift.supporterId ? <a href={`/finance/supporters/${encodeURIComponent(gift.supporterId)}`}>{email(gift.email)}</a> : email(gift.email)}</dd>
              <dt>Attribution</dt>
              <dd>{[gift.article, gift.section, gift.campaign, gift.variant && `variant ${gift.variant}`, gift.country].filter(Boolean).join(' · ') || '–'}</dd>
              <dt>Created (UTC)</dt>
              <dd>{isoMinute(gift.createdAt)}</dd>
              <dt>Checkout session</dt>
              <dd>
                <StripeLink config={deps.config} id={gift.checkoutSessionId} />
              </dd>
              <dt>Payment</dt>
              <dd>
                <StripeLink config={deps.config} id={gift.paymentIntentId} />
              </dd>
              <dt>Subscription</dt>
              <dd>
                <StripeLink config={deps.config} id={gift.subscriptionId} />
                {t.recurring ? ` (${t.recurring.status}${t.recurring.paymentIssue ? `; ${declineInWords(t.recurring.declineCode)}` : ''})` : ''}
              </dd>
              {t.recurring?.stripeCustomerId ? (
                <>
                  <dt>Customer</dt>
                  <dd>
                    <StripeLink config={deps.config} id={t.recurring.stripeCustomerId} />
                  </dd>
                </>
              ) : null}
            </dl>
            <h2>Ledger entries</h2>
            <table class="data" id="entries">
              <thead>
                <tr>
                  <th>When (UTC)</th>
                  <th>Kind</th>
                  <th class="num">Amount</th>
                  <th class="num">Fee</th>
                  <th class="num">Net</th>
                  <th>Stripe object</th>
                  <th>Balance transaction</th>
                </tr>
              </thead>
              <tbody>
                {t.entries.map((e) => (
                  <tr>
                    <td>{isoMinute(e.occurredAt)}</td>
                    <td>{e.kind.replace(/_/g, ' ')}</td>
                    <Money minor={e.amountMinor} currency={e.currency} />
                    <Money minor={e.feeMinor} currency={e.settlementCurrency ?? e.currency} />
                    <Money minor={e.netMinor} currency={e.settlementCurrency ?? e.currency} />
                    <td>
                      <StripeLink config={deps.config} id={e.stripeId} />
                    </td>
                    <td>
                      <StripeLink config={deps.config} id={e.balanceTransactionId} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {t.entries.length === 0 ? <p>No money recorded for this gift.</p> : null}
            <RefundsSection giftId={gift.id} refunds={refunds} staff={staff} />
            <h2>Stripe events received</h2>
            <table class="data" id="events">
              <thead>
                <tr>
                  <th>Sent by Stripe (UTC)</th>
                  <th>Type</th>
                  <th>Event</th>
                  <th>Processed</th>
                </tr>
              </thead>
              <tbody>
                {t.events.map((e) => (
                  <tr>
                    <td>{isoMinute(e.stripeCreated * 1000)}</td>
                    <td>{e.type}</td>
                    <td>
                      <StripeLink config={deps.config} id={e.id} />
                    </td>
                    <td>{e.processedAt ? isoMinute(e.processedAt) : e.lastError ? `failed: ${e.lastError}` : 'not yet'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {t.events.length === 0 ? <p>No events received for this gift.</p> : null}
            <h2>Emails</h2>
            <table class="data" id="emails">
              <thead>
                <tr>
                  <th>Queued (UTC)</th>
                  <th>Email</th>
                  <th>To</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody>
                {t.emails.map((m) => (
                  <tr>
                    <td>{isoMinute(m.createdAt)}</td>
                    <td>{m.template}</td>
                    <td>{email(m.to)}</td>
                    <td>{m.status === 'sent' && m.sentAt ? `sent ${isoMinute(m.sentAt)}` : m.status}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {t.emails.length === 0 ? <p>No emails for this gift.</p> : null}
          </>
        ),
      }),
    );
  });

  return app;
}

function Select(props: { name: string; label: string; options: readonly string[]; value: string | undefined }) {
  return (
    <label>
      {props.label}
      <select name={props.name}>
        <option value="">any</option>
        {props.options.map((o) => (
          <option value={o} selected={o === props.value}>
            {o.replace(/_/g, ' ')}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The list's filters; `values` are the query as sent, so a refused filter comes back as typed. */
function ContributionsForm(props: { values: Record<string, string>; errors: Record<string, string> }) {
  const v = props.values;
  const input = (name: string, label: string, type = 'text') => (
    <label class={props.errors[name] ? 'invalid' : undefined}>
      {label}
      <input type={type} name={name} value={v[name] ?? ''} aria-invalid={props.errors[name] ? 'true' : undefined} />
      {props.errors[name] ? <span class="error">{props.errors[name]}</span> : null}
    </label>
  );
  return (
    <form method="get" action="/finance/contributions" class="filters" id="filters">
      <FieldErrorList errors={props.errors} />
      {input('from', 'From', 'date')}
      {input('to', 'To', 'date')}
      <Select name="status" label="Status" options={GIFT_STATUSES} value={v.status} />
      <Select name="kind" label="Kind" options={ENTRY_KINDS} value={v.kind} />
      <Select name="frequency" label="Frequency" options={FREQUENCIES} value={v.frequency} />
      {input('currency', 'Currency')}
      {input('campaign', 'Campaign')}
      {input('article', 'Article')}
      {input('variant', 'Variant')}
      {input('min', 'Amount from')}
      {input('max', 'Amount to')}
      {input('email', 'Supporter email', 'email')}
      <input type="hidden" name="sort" value={v.sort ?? ''} />
      <input type="hidden" name="dir" value={v.dir ?? ''} />
      <button type="submit">Filter</button> <a href="/finance/contributions">Clear</a>
    </form>
  );
}

/** Renewals whose payment failed: the overview's awaiting retry, and the failed payments page's all. */
export function FailedRenewalsTable(props: { id: string; rows: FailedRenewal[]; email: (e: string | null) => string; withStatus?: boolean; noRetry: string }) {
  return (
    <table class="data" id={props.id}>
      <thead>
        <tr>
          <th>Subscription</th>
          <th>Supporter</th>
          <th class="num">Amount</th>
          {props.withStatus ? <th>Status</th> : null}
          <th>Why</th>
          <th>Next retry (UTC)</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((r) => (
          <tr>
            <td>{r.giftId ? <a href={`/finance/gifts/${encodeURIComponent(r.giftId)}`}>{r.stripeSubscriptionId}</a> : r.stripeSubscriptionId}</td>
            <td>{props.email(r.supporterEmail)}</td>
            <Money minor={r.amountMinor} currency={r.currency} />
            {props.withStatus ? <td>{r.status}</td> : null}
            <td>{declineInWords(r.declineCode)}</td>
            <td>{r.nextPaymentAttemptAt ? isoMinute(r.nextPaymentAttemptAt) : props.noRetry}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
