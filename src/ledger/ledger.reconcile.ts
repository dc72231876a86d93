// Reconciliation against Stripe. Runtime-neutral: Stripe through deps.stripe, our ledger
// through deps.db. Three steps:
//  1. Recover events: list Stripe's events since a time and hand every one we never
//     processed to `recover` (the webhook handlers). Stripe retries a failed delivery for
//     up to 3 days and keeps events for 30 days (https://docs.stripe.com/webhooks#retries,
//     https://docs.stripe.com/api/events), so a daily run over a few days closes gaps
//     long before they expire, and a 30-day run is the widest possible.
//  2. Fill missing fees: entries still without a balance transaction ask Stripe for it.
//  3. Drift: Stripe's balance transactions against our entries, object by object and
//     per settlement currency. Any difference is drift.
import { and, gte, inArray, isNull, sql } from 'drizzle-orm';
import type Stripe from 'stripe';
import { ledgerEntries, stripeEvents, type EntryKind } from '../../db/schema.js';
import type { Deps } from '../deps.js';
import { isKnownCurrency, minorToMajorString } from '../lib/money.js';
import { settlementOf, type BalanceTransactionFacts } from './ledger.fees.js';
import { PAYMENT_KINDS, type Write } from './ledger.js';
import { writeStatements } from './ledger.repo.js';
import { storedCurrency, storedId, storedIsoTime, storedMinor, storedText, UNREADABLE } from './ledger.cells.js';
import { balanceTransactionFacts, fetchedBalanceTransactionFacts, invoicePayments, paidPaymentIntent } from './ledger.stripe.js';
import { parseStripe, paymentIntentSchema, refundSchema } from '../webhooks/webhooks.schemas.js';

export type ReconcileProgress = { phase: 'events' | 'fees' | 'balance'; done: number; /** 0..1 when it can be known */ fraction: number | null };

export type ReconcileOptions = {
  /** seconds: events and balance transactions created at or after this */
  sinceSec: number;
  /** the event types the webhook handlers act on; others need no recovery */
  handles: (eventType: string) => boolean;
  /** records the event if new and applies it through the same handlers as a webhook */
  recover: (event: Stripe.Event) => Promise<void>;
  onProgress?: (p: ReconcileProgress) => void;
};

/** In the settlement currency; `count` is balance transactions (ours: those our entries name, plus entries without one). */
export type Totals = { grossMinor: number; feesMinor: number; netMinor: number; refundsMinor: number; disputesMinor: number; count: number };

export type CurrencyDrift = { currency: string; ledger: Totals; stripe: Totals; differs: boolean };

export type ObjectDrift = {
  /** unreadable: a stored entry whose money cells cannot be what their columns say; left out of every total */
  problem: 'missing_in_ledger' | 'missing_at_stripe' | 'mismatch' | 'no_balance_transaction' | 'unreadable';
  /** the balance transaction, when there is one */
  balanceTransactionId: string | null;
  /** our entry keys involved */
  keys: string[];
  detail: string;
};

export type ReconcileReport = {
  sinceSec: number;
  events: { scanned: number; unprocessed: number; recovered: number; failed: { id: string; type: string; error: string }[] };
  feesFilled: number;
  currencies: CurrencyDrift[];
  objects: ObjectDrift[];
  drift: boolean;
};

/** Balance transaction categories that are ledger money (https://docs.stripe.com/reports/reporting-categories). */
const MONEY_CATEGORIES = new Set(['charge', 'refund', 'refund_failure', 'dispute', 'dispute_reversal']);
const REFUND_KINDS: EntryKind[] = ['refund', 'refund_reversal'];
const DISPUTE_KINDS: EntryKind[] = ['dispute', 'dispute_fee', 'dispute_reversal'];

type EntryRow = {
  key: string;
  kind: EntryKind;
  amountMinor: number;
  currency: string;
  feeMinor: number | null;
  netMinor: number | null;
  settlementCurrency: string | null;
  exchangeRate: string | null;
  balanceTransactionId: string | null;
  paymentIntentId: string | null;
  stripeId: string;
  occurredAt: number;
};

const entryColumns = {
  id: ledgerEntries.id,
  key: ledgerEntries.key,
  kind: ledgerEntries.kind,
  amountMinor: ledgerEntries.amountMinor,
  currency: ledgerEntries.currency,
  feeMinor: ledgerEntries.feeMinor,
  netMinor: ledgerEntries.netMinor,
  settlementCurrency: ledgerEntries.settlementCurrency,
  exchangeRate: ledgerEntries.exchangeRate,
  balanceTransactionId: ledgerEntries.balanceTransactionId,
  paymentIntentId: ledgerEntries.paymentIntentId,
  stripeId: ledgerEntries.stripeId,
  occurredAt: ledgerEntries.occurredAt,
};

/**
 * A stored entry as reconcile reads it, or what about it cannot be read (a text amount, a
 * blob for a currency): such a row is reported by its id and left out of the totals.
 */
function readEntry(raw: Record<keyof typeof entryColumns, unknown>): EntryRow | ObjectDrift {
  const bad: string[] = [];
  const need = <T>(column: string, value: T | null, reason: string): T => {
    if (value === null) bad.push(`${column} ${reason}`);
    return value as T;
  };
  const maybe = <T>(column: string, value: unknown, read: (v: unknown) => T | null, reason: string): T | null => (value == null ? null : need(column, read(value), reason));
  const row: EntryRow = {
    key: need('key', storedText(raw.key), UNREADABLE.text),
    kind: need('kind', storedText(raw.kind), UNREADABLE.text) as EntryKind,
    amountMinor: need('amount_minor', storedMinor(raw.amountMinor), UNREADABLE.minor),
    currency: need('currency', storedCurrency(raw.currency), UNREADABLE.currency),
    feeMinor: maybe('fee_minor', raw.feeMinor, storedMinor, UNREADABLE.minor),
    netMinor: maybe('net_minor', raw.netMinor, storedMinor, UNREADABLE.minor),
    settlementCurrency: maybe('settlement_currency', raw.settlementCurrency, storedCurrency, UNREADABLE.currency),
    exchangeRate: raw.exchangeRate == null ? null : String(raw.exchangeRate),
    balanceTransactionId: maybe('balance_transaction_id', raw.balanceTransactionId, storedText, UNREADABLE.text),
    paymentIntentId: maybe('payment_intent_id', raw.paymentIntentId, storedText, UNREADABLE.text),
    stripeId: need('stripe_id', storedText(raw.stripeId), UNREADABLE.text),
    occurredAt: need('occurred_at', storedIsoTime(raw.occurredAt) === null ? null : (raw.occurredAt as number), UNREADABLE.time),
  };
  if (!bad.length) return row;
  const key = storedText(raw.key);
  return { problem: 'unreadable', balanceTransactionId: null, keys: key ? [key] : [], detail: `entry ${storedId(raw.id)}: ${bad.join('; ')}` };
}

const isDrift = (r: EntryRow | ObjectDrift): r is ObjectDrift => 'problem' in r;

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
    const wanted = page.filter((e) => opts.handles(e.type));
    page = [];
    if (!wanted.length) return;
    const done = await deps.db.orm
      .select({ id: stripeEvents.id })
      .from(stripeEvents)
      .where(and(inArray(stripeEvents.id, wanted.map((e) => e.id)), sql`${stripeEvents.processedAt} is not null`));
    const processed = new Set(done.map((r) => r.id));
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
      await opts.recover(event);
      result.recovered += 1;
    } catch (err) {
      result.failed.push({ id: event.id, type: event.type, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return result;
}

/** Step 2. Each fill is its own atomic write of idempotent, guarded statements. */
async function fillMissingFees(deps: Deps, opts: ReconcileOptions): Promise<number> {
  const rows = await deps.db.orm
    .select(entryColumns)
    .from(ledgerEntries)
    .where(
      and(
        isNull(ledgerEntries.balanceTransactionId),
        gte(ledgerEntries.occurredAt, opts.sinceSec * 1000),
        inArray(ledgerEntries.kind, [...PAYMENT_KINDS, ...REFUND_KINDS]),
      ),
    );
  let filled = 0;
  for (const [i, raw] of rows.entries()) {
    opts.onProgress?.({ phase: 'fees', done: i + 1, fraction: (i + 1) / rows.length });
    // an unreadable entry is reported by the drift step, which reads the same window
    const e = readEntry(raw);
    if (isDrift(e)) continue;
    const writes: Write[] = [];
    if ((PAYMENT_KINDS as readonly string[]).includes(e.kind)) {
      let pi = e.paymentIntentId;
      if (!pi && e.key.startsWith('invoice:')) {
        pi = paidPaymentIntent(await invoicePayments(deps, { id: e.stripeId, payments: undefined }));
        // reversals recorded before the link are linked with it
        if (pi) writes.push({ type: 'entry.paymentIntent', key: e.key, paymentIntentId: pi }, { type: 'payment.link', paymentIntentId: pi, entryKey: e.key });
      }
      if (pi) {
        const intent = parseStripe(paymentIntentSchema, await deps.stripe.paymentIntents.retrieve(pi, { expand: ['latest_charge.balance_transaction'] }), `payment_intent ${pi}`);
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
      const refund = parseStripe(refundSchema, await deps.stripe.refunds.retrieve(e.stripeId, { expand: ['balance_transaction', 'failure_balance_transaction'] }), `refund ${e.stripeId}`);
      const ref = e.kind === 'refund' ? refund.balance_transaction : refund.failure_balance_transaction;
      if (ref && typeof ref !== 'string') writes.push({ type: 'entry.settle', match: { key: e.key }, settlement: settlementOf(balanceTransactionFacts(ref)) });
    }
    if (writes.length) {
      await deps.db.atomic(writeStatements(writes, { now: deps.now(), eventId: null }));
      const after = await deps.db.orm.select({ bt: ledgerEntries.balanceTransactionId }).from(ledgerEntries).where(sql`${ledgerEntries.key} = ${e.key}`);
      if (after[0]?.bt) filled += 1;
    }
  }
  return filled;
}

const zero = (): Totals => ({ grossMinor: 0, feesMinor: 0, netMinor: 0, refundsMinor: 0, disputesMinor: 0, count: 0 });

function addStripe(t: Totals, bt: BalanceTransactionFacts): void {
  t.count += 1;
  t.feesMinor += bt.feeMinor;
  t.netMinor += bt.netMinor;
  if (bt.reportingCategory === 'charge') t.grossMinor += bt.amountMinor;
  else if (bt.reportingCategory.startsWith('refund')) t.refundsMinor += bt.amountMinor;
  else t.disputesMinor += bt.amountMinor;
}

/**
 * Ours, in the settlement currency: the recorded amount where no conversion applied, else
 * the settled gross (net plus fee), since the amount is in another currency.
 */
function addLedger(t: Totals, e: EntryRow, firstOfItsTransaction: boolean): void {
  if (firstOfItsTransaction) t.count += 1;
  const fee = e.feeMinor ?? 0;
  const converted = e.settlementCurrency != null && e.settlementCurrency !== e.currency && e.amountMinor !== 0;
  const gross = converted && e.netMinor != null ? e.netMinor + fee : e.amountMinor;
  t.feesMinor += fee;
  t.netMinor += e.netMinor ?? e.amountMinor;
  if ((PAYMENT_KINDS as readonly string[]).includes(e.kind)) t.grossMinor += gross;
  else if (REFUND_KINDS.includes(e.kind)) t.refundsMinor += gross;
  else if (DISPUTE_KINDS.includes(e.kind)) t.disputesMinor += gross;
}

/**
 * The entries of one balance transaction must add up to it: fee, net and (in the same
 * currency) the amount; across currencies, the amount at Stripe's rate, to within the
 * rounding of one minor unit.
 */
function compare(bt: BalanceTransactionFacts, ours: EntryRow[]): string | null {
  const sum = (f: (e: EntryRow) => number) => ours.reduce((s, e) => s + f(e), 0);
  const fee = sum((e) => e.feeMinor ?? 0);
  const net = sum((e) => e.netMinor ?? 0);
  const problems: string[] = [];
  if (fee !== bt.feeMinor) problems.push(`fee ${fee} vs Stripe ${bt.feeMinor}`);
  if (net !== bt.netMinor) problems.push(`net ${net} vs Stripe ${bt.netMinor}`);
  const sameCurrency = ours.every((e) => e.currency === bt.currency || e.amountMinor === 0);
  const amount = sum((e) => e.amountMinor);
  if (sameCurrency && amount !== bt.amountMinor) problems.push(`amount ${amount} vs Stripe ${bt.amountMinor}`);
  if (!sameCurrency && bt.exchangeRate != null && Math.abs(amount * bt.exchangeRate - bt.amountMinor) > 1) {
    problems.push(`amount ${amount} ${ours[0]?.currency} at ${bt.exchangeRate} is not Stripe's ${bt.amountMinor} ${bt.currency}`);
  }
  if (ours.some((e) => e.settlementCurrency !== bt.currency)) problems.push(`settlement currency is not ${bt.currency}`);
  return problems.length ? problems.join('; ') : null;
}

/** Step 3. */
async function measureDrift(deps: Deps, opts: ReconcileOptions): Promise<Pick<ReconcileReport, 'currencies' | 'objects'>> {
  const stripeBts = new Map<string, BalanceTransactionFacts>();
  let listed = 0;
  for await (const bt of deps.stripe.balanceTransactions.list({ created: { gte: opts.sinceSec }, limit: 100 })) {
    listed += 1;
    if (MONEY_CATEGORIES.has(bt.reporting_category)) stripeBts.set(bt.id, fetchedBalanceTransactionFacts(bt, `balance_transactions.${listed - 1}`));
    if (listed % 100 === 0) opts.onProgress?.({ phase: 'balance', done: listed, fraction: null });
  }
  opts.onProgress?.({ phase: 'balance', done: listed, fraction: 1 });

  // ours: every entry of a listed balance transaction, wherever its date falls, plus every entry dated in the window
  const byBt = new Map<string, EntryRow[]>();
  const add = (e: EntryRow) => {
    if (!e.balanceTransactionId) return;
    const list = byBt.get(e.balanceTransactionId) ?? [];
    if (!list.some((x) => x.key === e.key)) list.push(e);
    byBt.set(e.balanceTransactionId, list);
  };
  const objects: ObjectDrift[] = [];
  const reported = new Set<string>();
  const readable = (rows: Record<keyof typeof entryColumns, unknown>[]): EntryRow[] =>
    rows.flatMap((raw) => {
      const e = readEntry(raw);
      if (!isDrift(e)) return [e];
      if (!reported.has(e.detail)) objects.push(e);
      reported.add(e.detail);
      return [];
    });
  for (const ids of chunks([...stripeBts.keys()], 100)) {
    for (const e of readable(await deps.db.orm.select(entryColumns).from(ledgerEntries).where(inArray(ledgerEntries.balanceTransactionId, ids)))) add(e);
  }
  const inWindow = readable(await deps.db.orm.select(entryColumns).from(ledgerEntries).where(gte(ledgerEntries.occurredAt, opts.sinceSec * 1000)));
  const unsettled: EntryRow[] = [];
  for (const e of inWindow) {
    if (!e.balanceTransactionId) {
      unsettled.push(e);
      continue;
    }
    add(e);
    if (stripeBts.has(e.balanceTransactionId)) continue;
    // dated in our window but not listed by Stripe: settled just before the window, or unknown to Stripe
    let bt: Stripe.BalanceTransaction | null = null;
    try {
      bt = await deps.stripe.balanceTransactions.retrieve(e.balanceTransactionId);
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
    if (!bt) {
      objects.push({ problem: 'missing_at_stripe', balanceTransactionId: e.balanceTransactionId, keys: [e.key], detail: `Stripe has no balance transaction ${e.balanceTransactionId}` });
      byBt.delete(e.balanceTransactionId);
      unsettled.push({ ...e, feeMinor: null, netMinor: null });
    } else if (bt.created < opts.sinceSec) {
      byBt.delete(e.balanceTransactionId);
    } else {
      stripeBts.set(bt.id, fetchedBalanceTransactionFacts(bt, `balance_transaction ${e.balanceTransactionId}`));
    }
  }

  const currencies = new Map<string, CurrencyDrift>();
  const totalsFor = (currency: string) => {
    let c = currencies.get(currency);
    if (!c) {
      c = { currency, ledger: zero(), stripe: zero(), differs: false };
      currencies.set(currency, c);
    }
    return c;
  };
  for (const bt of stripeBts.values()) {
    addStripe(totalsFor(bt.currency).stripe, bt);
    const ours = byBt.get(bt.id) ?? [];
    for (const [i, e] of ours.entries()) addLedger(totalsFor(e.settlementCurrency ?? e.currency).ledger, e, i === 0);
    if (!ours.length) {
      objects.push({
        problem: 'missing_in_ledger',
        balanceTransactionId: bt.id,
        keys: [],
        detail: `${bt.reportingCategory} ${bt.sourceId ?? ''} ${money(bt.amountMinor, bt.currency)} is not in the ledger`.replace(/\s+/g, ' '),
      });
      continue;
    }
    const problem = compare(bt, ours);
    if (problem) objects.push({ problem: 'mismatch', balanceTransactionId: bt.id, keys: ours.map((e) => e.key), detail: problem });
  }
  for (const e of unsettled) {
    addLedger(totalsFor(e.settlementCurrency ?? e.currency).ledger, e, true);
    objects.push({ problem: 'no_balance_transaction', balanceTransactionId: null, keys: [e.key], detail: `${e.kind} ${money(e.amountMinor, e.currency)} has no fee or net: Stripe has not settled it, or it is not Stripe's` });
  }
  for (const c of currencies.values()) {
    const a = c.ledger;
    const b = c.stripe;
    c.differs = a.grossMinor !== b.grossMinor || a.feesMinor !== b.feesMinor || a.netMinor !== b.netMinor || a.refundsMinor !== b.refundsMinor || a.disputesMinor !== b.disputesMinor;
  }
  return { currencies: [...currencies.values()].sort((a, b) => a.currency.localeCompare(b.currency)), objects };
}

export async function reconcile(deps: Deps, opts: ReconcileOptions): Promise<ReconcileReport> {
  const events = await recoverEvents(deps, opts);
  const feesFilled = await fillMissingFees(deps, opts);
  const { currencies, objects } = await measureDrift(deps, opts);
  const drift = objects.length > 0 || currencies.some((c) => c.differs) || events.failed.length > 0;
  return { sinceSec: opts.sinceSec, events, feesFilled, currencies, objects, drift };
}

function money(minor: number, currency: string): string {
  return isKnownCurrency(currency) ? `${minorToMajorString(minor, currency)} ${currency.toUpperCase()}` : `${minor} ${currency.toUpperCase()} (minor units)`;
}

/** The report as an operator reads it: per currency, ledger against Stripe, then each object that differs. */
export function formatReport(r: ReconcileReport): string {
  const lines: string[] = [];
  lines.push(`Reconciled against Stripe since ${new Date(r.sinceSec * 1000).toISOString()}`);
  lines.push(`Events: ${r.events.scanned} listed, ${r.events.unprocessed} never processed here, ${r.events.recovered} recovered, ${r.events.failed.length} failed`);
  for (const f of r.events.failed) lines.push(`  failed ${f.id} ${f.type}: ${f.error}`);
  lines.push(`Fees filled: ${r.feesFilled}`);
  lines.push('');
  const head = ['currency', 'side', 'gross', 'fees', 'net', 'refunds', 'disputes', 'txns'];
  const rows: string[][] = [head];
  const fmt = (n: number, c: string) => (isKnownCurrency(c) ? minorToMajorString(n, c) : String(n));
  for (const c of r.currencies) {
    const row = (side: string, t: Totals) => [c.currency.toUpperCase(), side, ...[t.grossMinor, t.feesMinor, t.netMinor, t.refundsMinor, t.disputesMinor].map((n) => fmt(n, c.currency)), String(t.count)];
    rows.push(row('ledger', c.ledger), row('stripe', c.stripe));
    if (c.differs) {
      const d = (k: keyof Totals) => c.ledger[k] - c.stripe[k];
      rows.push([c.currency.toUpperCase(), 'DRIFT', ...(['grossMinor', 'feesMinor', 'netMinor', 'refundsMinor', 'disputesMinor'] as const).map((k) => fmt(d(k), c.currency)), '']);
    }
  }
  if (r.currencies.length === 0) lines.push('No money moved in this period.');
  else {
    const widths = head.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
    for (const row of rows) lines.push(row.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd());
  }
  if (r.objects.length) {
    lines.push('', `Objects that differ (${r.objects.length}):`);
    for (const o of r.objects) lines.push(`  ${o.problem.replace(/_/g, ' ')}: ${[o.balanceTransactionId, ...o.keys].filter(Boolean).join(' ')}: ${o.detail}`);
  }
  lines.push('', r.drift ? 'DRIFT: the ledger and Stripe disagree.' : 'No drift: the ledger matches Stripe.');
  return `${lines.join('\n')}\n`;
}


/** `--since`: "30d", "36h", or a UTC day "2026-11-01"; returns seconds. */
export function parseSince(value: string, nowMs: number): number {
  const rel = /^(\d+)([dh])$/.exec(value.trim());
  if (rel) return Math.floor(nowMs / 1000) - Number(rel[1]) * (rel[2] === 'd' ? 86_400 : 3_600);
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const ms = Date.parse(`${value}T00:00:00Z`);
    if (!Number.isNaN(ms)) return Math.floor(ms / 1000);
  }
  throw new Error(`--since must be like 30d, 36h or 2026-11-01 (got ${value})`);
}
