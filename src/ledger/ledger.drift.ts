// Drift: Stripe's balance transactions against our entries, object by object and per
// settlement currency. Pure arithmetic over plain values; the reads that gather them are
// in webhooks/webhooks.reconcile.ts (Stripe) and ledger.reconcile.repo.ts (ours).
import type { EntryKind } from '../../db/schema.js';
import { isKnownCurrency, minorToMajorString } from '../lib/money.js';
import { storedCurrency, storedId, storedIsoTime, storedMinor, storedText, UNREADABLE } from './ledger.cells.js';
import type { BalanceTransactionFacts } from './ledger.fees.js';
import { PAYMENT_KINDS } from './ledger.js';

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

export type Drift = { currencies: CurrencyDrift[]; objects: ObjectDrift[] };

/** A ledger entry as drift compares it. */
export type DriftEntry = {
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

/**
 * An entry as stored: SQLite keeps whatever was written (rows older than the webhook's
 * parsing, or written by hand), so every cell is read through ledger.cells before use.
 */
export type StoredEntry = { readonly [K in keyof DriftEntry]: unknown } & { readonly id?: unknown };

/**
 * A stored entry as drift compares it, or what about it cannot be read (a text amount, a
 * blob for a currency): such a row is reported by its id and left out of the totals.
 */
export function readEntry(raw: StoredEntry): DriftEntry | ObjectDrift {
  const bad: string[] = [];
  const need = <T>(column: string, value: T | null, reason: string): T => {
    if (value === null) bad.push(`${column} ${reason}`);
    return value as T;
  };
  const maybe = <T>(column: string, value: unknown, read: (v: unknown) => T | null, reason: string): T | null =>
    value == null ? null : need(column, read(value), reason);
  const row: DriftEntry = {
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
  return { problem: 'unreadable', balanceTransactionId: null, keys: key ? [key] : [], detail: `entry ${storedId(raw.id ?? raw.key)}: ${bad.join('; ')}` };
}

export const isUnreadable = (r: DriftEntry | ObjectDrift): r is ObjectDrift => 'problem' in r;

/**
 * The readable entries of `rows`; each unreadable one is added to `unreadable` once (the
 * same row may be read twice: by its balance transaction and by its date).
 */
export function readEntries(rows: readonly StoredEntry[], unreadable: ObjectDrift[]): DriftEntry[] {
  return rows.flatMap((raw) => {
    const e = readEntry(raw);
    if (!isUnreadable(e)) return [e];
    if (!unreadable.some((o) => o.detail === e.detail)) unreadable.push(e);
    return [];
  });
}

export type DriftInput = {
  /** Stripe's money balance transactions in the window, then those outside it that our window's entries name */
  stripe: readonly BalanceTransactionFacts[];
  /** the entries of those balance transactions, and every entry dated in the window (an entry may appear twice) */
  entries: readonly DriftEntry[];
  /** balance transactions our entries name that Stripe does not know */
  missingAtStripe: ReadonlySet<string>;
  /** balance transactions our window's entries name that Stripe created before the window: not compared */
  beforeWindow: ReadonlySet<string>;
  /** stored entries that could not be read (readEntries): reported, and in no total */
  unreadable: readonly ObjectDrift[];
};

/** Balance transaction categories that are ledger money (https://docs.stripe.com/reports/reporting-categories). */
export const MONEY_CATEGORIES: ReadonlySet<string> = new Set(['charge', 'refund', 'refund_failure', 'dispute', 'dispute_reversal']);
export const REFUND_KINDS: readonly EntryKind[] = ['refund', 'refund_reversal'];
const DISPUTE_KINDS: readonly EntryKind[] = ['dispute', 'dispute_fee', 'dispute_reversal'];

const isPayment = (kind: EntryKind) => (PAYMENT_KINDS as readonly string[]).includes(kind);

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
function addLedger(t: Totals, e: DriftEntry, firstOfItsTransaction: boolean): void {
  if (firstOfItsTransaction) t.count += 1;
  const fee = e.feeMinor ?? 0;
  const converted = e.settlementCurrency != null && e.settlementCurrency !== e.currency && e.amountMinor !== 0;
  const gross = converted && e.netMinor != null ? e.netMinor + fee : e.amountMinor;
  t.feesMinor += fee;
  t.netMinor += e.netMinor ?? e.amountMinor;
  if (isPayment(e.kind)) t.grossMinor += gross;
  else if (REFUND_KINDS.includes(e.kind)) t.refundsMinor += gross;
  else if (DISPUTE_KINDS.includes(e.kind)) t.disputesMinor += gross;
}

/**
 * The entries of one balance transaction must add up to it: fee, net and (in the same
 * currency) the amount; across currencies, the amount at Stripe's rate, to within the
 * rounding of one minor unit.
 */
export function compareTransaction(bt: BalanceTransactionFacts, ours: readonly DriftEntry[]): string | null {
  const sum = (f: (e: DriftEntry) => number) => ours.reduce((s, e) => s + f(e), 0);
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

/** Per currency and per object, where the ledger and Stripe disagree. */
export function measureDrift(input: DriftInput): Drift {
  const byBt = new Map<string, DriftEntry[]>();
  const objects: ObjectDrift[] = [...input.unreadable];
  const unsettled: DriftEntry[] = [];
  for (const e of input.entries) {
    const btId = e.balanceTransactionId;
    if (!btId) {
      unsettled.push(e);
    } else if (input.missingAtStripe.has(btId)) {
      objects.push({ problem: 'missing_at_stripe', balanceTransactionId: btId, keys: [e.key], detail: `Stripe has no balance transaction ${btId}` });
      unsettled.push({ ...e, feeMinor: null, netMinor: null });
    } else if (!input.beforeWindow.has(btId)) {
      const list = byBt.get(btId) ?? [];
      if (!list.some((x) => x.key === e.key)) list.push(e);
      byBt.set(btId, list);
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
  const seen = new Set<string>();
  for (const bt of input.stripe) {
    if (seen.has(bt.id)) continue;
    seen.add(bt.id);
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
    const problem = compareTransaction(bt, ours);
    if (problem) objects.push({ problem: 'mismatch', balanceTransactionId: bt.id, keys: ours.map((e) => e.key), detail: problem });
  }
  for (const e of unsettled) {
    addLedger(totalsFor(e.settlementCurrency ?? e.currency).ledger, e, true);
    objects.push({
      problem: 'no_balance_transaction',
      balanceTransactionId: null,
      keys: [e.key],
      detail: `${e.kind} ${money(e.amountMinor, e.currency)} has no fee or net: Stripe has not settled it, or it is not Stripe's`,
    });
  }
  for (const c of currencies.values()) {
    const a = c.ledger;
    const b = c.stripe;
    c.differs =
      a.grossMinor !== b.grossMinor ||
      a.feesMinor !== b.feesMinor ||
      a.netMinor !== b.netMinor ||
      a.refundsMinor !== b.refundsMinor ||
      a.disputesMinor !== b.disputesMinor;
  }
  return { currencies: [...currencies.values()].sort((a, b) => a.currency.localeCompare(b.currency)), objects };
}

function money(minor: number, currency: string): string {
  return isKnownCurrency(currency) ? `${minorToMajorString(minor, currency)} ${currency.toUpperCase()}` : `${minor} ${currency.toUpperCase()} (minor units)`;
}
