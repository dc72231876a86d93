// The record of each reconcile run, written when it finishes, read by the finance overview.
import { desc, sql } from 'drizzle-orm';
import type { Db, Statement } from '../../db/db.js';
import { reconcileRuns } from '../../db/schema.js';
import { newId } from '../lib/ids.js';

export type ReconcileRun = typeof reconcileRuns.$inferSelect;

/** The parts of a finished run's report that are stored (the report itself is built in webhooks.reconcile.ts). */
export type ReconcileOutcome = {
  sinceSec: number;
  drift: boolean;
  events: { recovered: number; failed: readonly unknown[] };
  feesFilled: number;
  objects: readonly unknown[];
  currencies: readonly { currency: string; differs: boolean }[];
};

export function reconcileRunStatement(db: Db, r: ReconcileOutcome, now: number): Statement {
  return db.orm.insert(reconcileRuns).values({
    id: newId('rcn', now),
    ranAt: now,
    sinceSec: r.sinceSec,
    drift: r.drift,
    eventsRecovered: r.events.recovered,
    eventsFailed: r.events.failed.length,
    feesFilled: r.feesFilled,
    objectsDiffering: r.objects.length,
    currenciesDiffering: r.currencies
      .filter((c) => c.differs)
      .map((c) => c.currency)
      .join(','),
  });
}

/** The latest run; two in the same millisecond (tests' frozen clock) are told apart by insertion order. */
export async function lastReconcileRun(db: Db): Promise<ReconcileRun | null> {
  const [row] = await db.orm.select().from(reconcileRuns).orderBy(desc(reconcileRuns.ranAt), desc(sql`rowid`)).limit(1);
  return row ?? null;
}
