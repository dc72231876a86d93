// The entries an annual statement lists: payments and refunds with a supporter's email.
import { and, asc, eq, gte, inArray, isNotNull, lt } from 'drizzle-orm';
import type { Db } from '../../db/db.js';
import { ledgerEntries } from '../../db/schema.js';
import { type StatementEntry, yearRange } from './ledger.statements.js';

const KINDS = ['gift', 'renewal', 'refund'] as const;

/** A year's entries, for every supporter or for one email. */
export async function statementEntries(db: Db, year: number, email?: string): Promise<StatementEntry[]> {
  const { fromMs, toMs } = yearRange(year);
  const rows = await db.orm
    .select({
      email: ledgerEntries.email,
      currency: ledgerEntries.currency,
      kind: ledgerEntries.kind,
      amountMinor: ledgerEntries.amountMinor,
      occurredAt: ledgerEntries.occurredAt,
      stripeId: ledgerEntries.stripeId,
    })
    .from(ledgerEntries)
    .where(
      and(
        gte(ledgerEntries.occurredAt, fromMs),
        lt(ledgerEntries.occurredAt, toMs),
        inArray(ledgerEntries.kind, [...KINDS]),
        email ? eq(ledgerEntries.email, email) : isNotNull(ledgerEntries.email),
      ),
    )
    .orderBy(asc(ledgerEntries.occurredAt), asc(ledgerEntries.id));
  return rows.map((r) => ({ ...r, email: r.email!, kind: r.kind as StatementEntry['kind'] }));
}
