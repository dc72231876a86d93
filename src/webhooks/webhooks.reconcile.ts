// Reconciliation wired to the webhook handlers: events Stripe sent that we never processed
// are recorded and applied exactly as POST /webhooks/stripe would have (minus the
// signature: they come from Stripe's API over TLS with our key). The CLI, the Node timer and
// the Workers cron trigger all call runReconcile.
import type Stripe from 'stripe';
import type { Deps } from '../deps.js';
import { formatReport, reconcile, type ReconcileProgress, type ReconcileReport } from '../ledger/ledger.reconcile.js';
import { HANDLERS } from './webhooks.handlers.js';
import { isProcessed, recordFailure } from './webhooks.repo.js';
import { applyEvent, storedEvent } from './webhooks.routes.js';

/** Stripe retries a failed delivery for up to 3 days (https://docs.stripe.com/webhooks#retries): a scheduled run looks a little further back. */
export const SCHEDULED_WINDOW_DAYS = 4;

// applyEvent records the event in the same write as its effects (or quarantines it), so a
// malformed event Stripe lists is never half-recorded; only a failure is written apart.
async function recoverEvent(deps: Deps, event: Stripe.Event): Promise<void> {
  if (await isProcessed(deps.db, event.id)) return;
  const payload = JSON.stringify(event);
  try {
    await applyEvent(deps, event, payload);
  } catch (err) {
    await recordFailure(deps.db, storedEvent(event), payload, err instanceof Error ? err.message : String(err), deps.now());
    throw err;
  }
}

export function runReconcile(deps: Deps, opts: { sinceSec: number; onProgress?: (p: ReconcileProgress) => void }): Promise<ReconcileReport> {
  return reconcile(deps, { ...opts, handles: (type) => HANDLERS.has(type), recover: (event) => recoverEvent(deps, event) });
}

/**
 * The daily run (Node: RECONCILE_INTERVAL_HOURS; Workers: the cron trigger's `scheduled`).
 * Logs the report; drift is an error in the log so alerting picks it up.
 */
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
