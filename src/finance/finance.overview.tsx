// The finance overview: totals per currency for a period, recurring metrics, the chart of
// giving, failed renewals awaiting retry and the ledger's health. Server-rendered, usable
// without script; the period lives in the URL.
import { Hono } from 'hono';
import { requireStaff } from '../auth/auth.middleware.js';
import { emailFor } from '../auth/auth.permissions.js';
import type { StaffEnv } from '../deps.js';
import { parseInput } from '../lib/validate.js';
import { bucketFor, chartRange, GivingChart } from './finance.chart.js';
import { lastReconcileRun, type ReconcileRun } from '../ledger/ledger.runs.repo.js';
import { StaffPage } from './finance.layout.js';
import { failedRenewals } from './finance.lists.repo.js';
import { currencyTotals, givingSeries, recurringTotals } from './finance.totals.repo.js';
import { churnRate, isoMinute, mrrMinor, overviewQuery, percent, periodRange } from './finance.js';
import { FailedRenewalsTable, Money, PERIOD_LINKS } from './finance.layout.js';

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

export function overviewRoutes(): Hono<StaffEnv> {
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

  return app;
}
