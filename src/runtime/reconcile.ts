// The scheduled reconcile (Node: RECONCILE_INTERVAL_HOURS; Workers: the cron trigger's
// `scheduled`). Runtime-neutral, so both runtimes use it.
import type { Deps } from '../deps.js';
import { runReconcile, type ReconcileReport } from '../webhooks/webhooks.reconcile.js';
import { formatReport } from './reconcile.report.js';

/** Stripe retries a failed delivery for up to 3 days (https://docs.stripe.com/webhooks#retries): a scheduled run looks a little further back. */
export const SCHEDULED_WINDOW_DAYS = 4;

/** Logs the report; drift is an error in the log so alerting picks it up. */
export async function scheduledReconcile(deps: Deps): Promise<ReconcileReport> {
  const sinceSec = Math.floor(deps.now() / 1000) - SCHEDULED_WINDOW_DAYS * 86_400;
  const report = await runReconcile(deps, { sinceSec });
  const fields = {
    since: new Date(sinceSec * 1000).toISOString(),
    eventsRecovered: report.events.recovered,
    eventsFailed: report.events.failed.length,
    feesFilled: report.feesFilled,
    objectsDiffering: report.objects.length,
    currenciesDiffering: report.currencies.filter((c) => c.differs).map((c) => c.currency),
  };
  if (report.drift) deps.log.error('reconcile: the ledger and Stripe disagree', { ...fields, report: formatReport(report) });
  else deps.log.info('reconcile: no drift', fields);
  return report;
}
