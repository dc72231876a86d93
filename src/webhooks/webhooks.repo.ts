// stripe_events: the record that makes webhook processing exactly-once.
import { eq, sql } from 'drizzle-orm';
import type Stripe from 'stripe';
import type { Db, Statement } from '../../db/db.js';
import { stripeEvents } from '../../db/schema.js';

/** Records the event once. Returns 'new', 'pending' (seen, not yet applied) or 'done'. */
export async function recordEvent(db: Db, event: Stripe.Event, payload: string, now: number): Promise<'new' | 'pending' | 'done'> {
  const inserted = await db
    .insert(stripeEvents)
    .values({ id: event.id, type: event.type, stripeCreated: event.created, livemode: event.livemode, payload, receivedAt: now })
    .onConflictDoNothing()
    .returning({ id: stripeEvents.id });
  if (inserted.length) return 'new';
  const rows = await db.select({ processedAt: stripeEvents.processedAt }).from(stripeEvents).where(eq(stripeEvents.id, event.id)).limit(1);
  return rows[0]?.processedAt != null ? 'done' : 'pending';
}

export function markProcessed(db: Db, eventId: string, now: number): Statement {
  return db
    .update(stripeEvents)
    .set({ processedAt: now, attempts: sql`${stripeEvents.attempts} + 1`, lastError: null })
    .where(eq(stripeEvents.id, eventId));
}

export async function markFailed(db: Db, eventId: string, error: string): Promise<void> {
  await db
    .update(stripeEvents)
    .set({ attempts: sql`${stripeEvents.attempts} + 1`, lastError: error.slice(0, 2000) })
    .where(eq(stripeEvents.id, eventId));
}
