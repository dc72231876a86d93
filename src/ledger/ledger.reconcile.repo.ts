// The ledger's reads for reconcile (webhooks/webhooks.reconcile.ts): entries still without
// a fee, and the entries drift compares with Stripe (ledger.drift.ts).
import { and, eq, gte, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../../db/db.js';
import { ledgerEntries } from '../../db/schema.js';
import type { StoredEntry } from './ledger.drift.js';
import { REFUND_KINDS } from './ledger.drift.js';
import { PAYMENT_KINDS } from './ledger.js';

// read as stored (ledger.drift.ts readEntry): a row may hold anything SQLite accepts
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

/** Payments and refunds dated at or after `sinceMs` whose balance transaction (fee, net) is not yet known. */
export function entriesWithoutFees(db: Db, sinceMs: number): Promise<StoredEntry[]> {
  return db.orm
    .select(entryColumns)
    .from(ledgerEntries)
    .where(
      and(isNull(ledgerEntries.balanceTransactionId), gte(ledgerEntries.occurredAt, sinceMs), inArray(ledgerEntries.kind, [...PAYMENT_KINDS, ...REFUND_KINDS])),
    );
}

export async function isSettled(db: Db, key: string): Promise<boolean> {
  const rows = await db.orm.select({ bt: ledgerEntries.balanceTransactionId }).from(ledgerEntries).where(eq(ledgerEntries.key, key));
  return rows[0]?.bt != null;
}

/** The entries of these balance transactions, wherever their dates fall. */
export function entriesOfBalanceTransactions(db: Db, ids: readonly string[]): Promise<StoredEntry[]> {
  return db.orm
    .select(entryColumns)
    .from(ledgerEntries)
    .where(inArray(ledgerEntries.balanceTransactionId, [...ids]));
}

export function entriesSince(db: Db, sinceMs: number): Promise<StoredEntry[]> {
  return db.orm.select(entryColumns).from(ledgerEntries).where(gte(ledgerEntries.occurredAt, sinceMs));
}
