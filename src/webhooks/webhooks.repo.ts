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

const processedQuery = (db: Db) =>
  db.select({ processedAt: stripeEvents.processedAt }).from(stripeEvents).where(eq(stripeEvents.id, sql.placeholder('id'))).limit(1).prepare();

// Built once per database handle: every delivery asks this first, and building the query
// cost as much as running it. Keyed weakly, so a Worker's per-request handle is not kept.
const processedQueries = new WeakMap<Db, ReturnType<typeof processedQuery>>();

/** Whether the event's effects are already applied: a redelivery is then a no-op. */
export async function isProcessed(db: Db, eventId: string): Promise<boolean> {
  let query = processedQueries.get(db);
  if (!query) processedQueries.set(db, (query = processedQuery(db)));
  const rows = await query.all({ id: eventId });
  return rows[0]?.processedAt != null;
}

const eventRow = (event: Stripe.Event, payload: string, now: number) => ({
  id: event.id,
  type: event.type,
  stripeCreated: event.created,
  livemode: event.livemode,
  payload,
  receivedAt: now,
});

/** Records the event, once, as a statement of the atomic write that applies it. */
export function insertEvent(db: Db, event: Stripe.Event, payload: string, now: number): Statement {
  return db.insert(stripeEvents).values(eventRow(event, payload, now)).onConflictDoNothing();
}

/** A failed attempt: the event stays recorded and unprocessed, with the error, for Stripe's retry. */
export async function recordFailure(db: Db, event: Stripe.Event, payload: string, error: string, now: number): Promise<void> {
  const lastError = error.slice(0, 2000);
  await db
    .insert(stripeEvents)
    .values({ ...eventRow(event, payload, now), attempts: 1, lastError })
    .onConflictDoUpdate({ target: stripeEvents.id, set: { attempts: sql`${stripeEvents.attempts} + 1`, lastError } });
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
