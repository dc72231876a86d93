// Reconciliation against Stripe: the Stripe side of it. Runtime-neutral: Stripe through
// deps.stripe, our ledger through its repos. Three steps:
//  1. Recover events: list Stripe's events since a time and apply every one we never
//     processed, exactly as POST /webhooks/stripe would have (webhooks.apply.ts). Stripe
//     retries a failed delivery for up to 3 days and keeps events for 30 days
//     (https://docs.stripe.com/webhooks#retries, https://docs.stripe.com/api/events), so a
//     daily run over a few days closes gaps long before they expire, and a 30-day run is
//     the widest possible.
//  2. Fill missing fees: entries still without a balance transaction ask Stripe for it.
//  3. Drift: Stripe's balance transactions against our entries (ledger/ledger.drift.ts).
// The CLI, the Node timer and the Workers cron trigger all call runReconcile.
import type Stripe from 'stripe';
import type { Deps } from '../deps.js';
import {
  isUnreadable,
  MONEY_CATEGORIES,
  measureDrift,
  readEntries,
  readEntry,
  type CurrencyDrift,
  type DriftEntry,
  type ObjectDrift,
} from '../ledger/ledger.drift.js';
import type { BalanceTransactionFacts } from '../ledger/ledger.fees.js';
import { settlementOf } from '../ledger/ledger.fees.js';
import { PAYMENT_KINDS, type Write } from '../ledger/ledger.js';
import { entriesOfBalanceTransactions, entriesSince, entriesWithoutFees, isSettled } from '../ledger/ledger.reconcile.repo.js';
import { writeStatements } from '../ledger/ledger.repo.js';
import { reconcileRunStatement } from '../ledger/ledger.runs.repo.js';
import { applyUnlessProcessed, handlesEvent } from './webhooks.apply.js';
import { processedEventIds } from './webhooks.repo.js';
import { parseStripe, paymentIntentSchema, refundSchema } from './webhooks.schemas.js';
import { balanceTransactionFacts, fetchedBalanceTransactionFacts, invoicePayments, paidPaymentIntent } from './webhooks.stripe.js';

export type ReconcileProgress = { phase: 'events' | 'fees' | 'balance'; done: number /** 0..1 when it can be known */; fraction: number | null };

export type ReconcileOptions = {
  /** seconds: events and balance transactions created at or after this */
  sinceSec: number;
  onProgress?: (p: ReconcileProgress) => void;
};

export type ReconcileReport = {
  sinceSec: number;
  events: { scanned: number; unprocessed: number; recovered: number; failed: { id: string; type: string; error: string }[] };
  feesFilled: number;
  currencies: CurrencyDrift[];
  objects: ObjectDrift[];
  drift: boolean;
};

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Step 1. Events are listed newest first; the ones we lack are applied oldest first. */
async function recoverEvents(deps: Deps, opts: ReconcileOptions): Promise<ReconcileReport['events']> {
  const nowSec = Math.floor(deps.now() / 1000);
  const span = Math.max(1, nowSec - opts.sinceSec);
  const result: ReconcileReport['events'] = { scanned: 0, unprocessed: 0, recovered: 0, failed: [] };
  const missing: Stripe.Event[] = [];
  let page: Stripe.Event[] = [];
  const flush = async () => {
    const wanted = page.filter((e) => handlesEvent(e.type));
    page = [];
    if (!wanted.length) return;
    const processed = await processedEventIds(
      deps.db,
      wanted.map((e) => e.id),
    );
    missing.push(...wanted.filter((e) => !processed.has(e.id)));
  };
  for await (const event of deps.stripe.events.list({ created: { gte: opts.sinceSec }, limit: 100 })) {
    page.push(event);
    result.scanned += 1;
    if (page.length === 100) {
      await flush();
      opts.onProgress?.({ phase: 'events', done: result.scanned, fraction: Math.min(1, (nowSec - event.created) / span) });
    }
  }
  await flush();
  opts.onProgress?.({ phase: 'events', done: result.scanned, fraction: 1 });
  result.unprocessed = missing.length;
  // The list is newest first; Stripe created them oldest first (ties keep Stripe's order).
  missing.reverse().sort((a, b) => a.created - b.created);
  for (const event of missing) {
    try {
      await applyUnlessProcessed(deps, event);
      result.recovered += 1;
    } catch (err) {
      result.failed.push({ id: event.id, type: event.type, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return result;
}

/** What Stripe knows of an entry's settlement, as ledger writes. */
async function settlementWrites(deps: Deps, e: DriftEntry): Promise<Write[]> {
  const writes: Write[] = [];
  if ((PAYMENT_KINDS as readonly string[]).includes(e.kind)) {
    let pi = e.paymentIntentId;
    if (!pi && e.key.startsWith('invoice:')) {
      pi = paidPaymentIntent(await invoicePayments(deps, { id: e.stripeId, payments: undefined }));
      // reversals recorded before the link are linked with it
      if (pi) writes.push({ type: 'entry.paymentIntent', key: e.key, paymentIntentId: pi }, { type: 'payment.link', paymentIntentId: pi, entryKey: e.key });
    }
    if (pi) {
      const intent = parseStripe(
        paymentIntentSchema,
        await deps.stripe.paymentIntents.retrieve(pi, { expand: ['latest_charge.balance_transaction'] }),
        `payment_intent ${pi}`,
      );
      const charge = intent.latest_charge && typeof intent.latest_charge !== 'string' ? intent.latest_charge : null;
      const bt = charge?.balance_transaction && typeof charge.balance_transaction !== 'string' ? charge.balance_transaction : null;
      if (charge) {
        writes.push({
          type: 'charge.facts',
          charge: {
            chargeId: charge.id,
            paymentIntentId: pi,
            amountMinor: charge.amount,
            currency: charge.currency,
            stripeCreated: charge.created,
            settlement: bt ? settlementOf(balanceTransactionFacts(bt)) : null,
          },
        });
      }
    }
  } else {
    const refund = parseStripe(
      refundSchema,
      await deps.stripe.refunds.retrieve(e.stripeId, { expand: ['balance_transaction', 'failure_balance_transaction'] }),
      `refund ${e.stripeId}`,
    );
    const ref = e.kind === 'refund' ? refund.balance_transaction : refund.failure_balance_transaction;
    if (ref && typeof ref !== 'string') writes.push({ type: 'entry.settle', match: { key: e.key }, settlement: settlementOf(balanceTransactionFacts(ref)) });
  }
  return writes;
}

/** Step 2. Each fill is its own atomic write of idempotent, guarded statements. */
async function fillMissingFees(deps: Deps, opts: ReconcileOptions): Promise<number> {
  const rows = await entriesWithoutFees(deps.db, opts.sinceSec * 1000);
  let filled = 0;
  for (const [i, raw] of rows.entries()) {
    opts.onProgress?.({ phase: 'fees', done: i + 1, fraction: (i + 1) / rows.length });
    // an unreadable entry is reported by the drift step, which reads the same window
    const e = readEntry(raw);
    if (isUnreadable(e)) continue;
    const writes = await settlementWrites(deps, e);
    if (writes.length) {
      await deps.db.atomic(writeStatements(writes, { now: deps.now(), eventId: null }));
      if (await isSettled(deps.db, e.key)) filled += 1;
    }
  }
  return filled;
}

/** Step 3: what drift is measured on, from Stripe and from the ledger. */
async function driftOf(deps: Deps, opts: ReconcileOptions): Promise<Pick<ReconcileReport, 'currencies' | 'objects'>> {
  const stripe: BalanceTransactionFacts[] = [];
  const listedIds = new Set<string>();
  let listed = 0;
  for await (const bt of deps.stripe.balanceTransactions.list({ created: { gte: opts.sinceSec }, limit: 100 })) {
    listed += 1;
    if (MONEY_CATEGORIES.has(bt.reporting_category) && !listedIds.has(bt.id)) {
      listedIds.add(bt.id);
      stripe.push(fetchedBalanceTransactionFacts(bt, `balance_transactions.${listed - 1}`));
    }
    if (listed % 100 === 0) opts.onProgress?.({ phase: 'balance', done: listed, fraction: null });
  }
  opts.onProgress?.({ phase: 'balance', done: listed, fraction: 1 });

  // ours: every entry of a listed balance transaction, wherever its date falls, plus every entry dated in the window
  const entries: DriftEntry[] = [];
  const unreadable: ObjectDrift[] = [];
  for (const ids of chunks([...listedIds], 100)) entries.push(...readEntries(await entriesOfBalanceTransactions(deps.db, ids), unreadable));
  const inWindow = readEntries(await entriesSince(deps.db, opts.sinceSec * 1000), unreadable);
  entries.push(...inWindow);

  // dated in our window but not listed by Stripe: settled just before the window, or unknown to Stripe
  const missingAtStripe = new Set<string>();
  const beforeWindow = new Set<string>();
  const retrieved = new Set<string>();
  for (const e of inWindow) {
    const id = e.balanceTransactionId;
    if (!id || listedIds.has(id) || retrieved.has(id) || missingAtStripe.has(id) || beforeWindow.has(id)) continue;
    let bt: Stripe.BalanceTransaction | null = null;
    try {
      bt = await deps.stripe.balanceTransactions.retrieve(id);
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
    if (!bt) missingAtStripe.add(id);
    else if (bt.created < opts.sinceSec) beforeWindow.add(id);
    else {
      retrieved.add(id);
      stripe.push(fetchedBalanceTransactionFacts(bt, `balance_transaction ${id}`));
    }
  }
  return measureDrift({ stripe, entries, missingAtStripe, beforeWindow, unreadable });
}

export async function runReconcile(deps: Deps, opts: ReconcileOptions): Promise<ReconcileReport> {
  const events = await recoverEvents(deps, opts);
  const feesFilled = await fillMissingFees(deps, opts);
  const { currencies, objects } = await driftOf(deps, opts);
  const drift = objects.length > 0 || currencies.some((c) => c.differs) || events.failed.length > 0;
  const report = { sinceSec: opts.sinceSec, events, feesFilled, currencies, objects, drift };
  // the finance overview's health line reads the latest of these
  await deps.db.atomic([reconcileRunStatement(deps.db, report, deps.now())]);
  return report;
}
