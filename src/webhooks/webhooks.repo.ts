// stripe_events: the record that makes webhook processing exactly-once.
import { eq, sql } from 'drizzle-orm';
import type Stripe from 'stripe';
import type { Db, Statement } from '../../db/db.js';
import { stripeEvents } from '../../db/schema.js';
import { bool, queryFirst, sqlTemplate } from '../../db/sql.js';

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

const processed = sqlTemplate`select processed_at as processedAt from stripe_events where id = ${'id'}`;

/** Whether the event's effects are already applied: a redelivery is then a no-op. */
export async function isProcessed(db: Db, eventId: string): Promise<boolean> {
  const row = await queryFirst<{ processedAt: number | null }>(db, processed.bind({ id: eventId }));
  return row?.processedAt != null;
}

const eventRow = (event: Stripe.Event, payload: string, now: number) => ({
  id: event.id,
  type: event.type,
  stripeCreated: event.created,
  livemode: event.livemode,
  payload,
  receivedAt: now,
});

// One statement records the event and marks it applied: it runs in the same atomic write
// as the event's effects, so "processed" can never be true without them. A row left by an
// earlier failed attempt is marked applied instead.
const recordApplied = sqlTemplate`
  insert into stripe_events (id, type, stripe_created, livemode, payload, received_at, processed_at, attempts)
  values (${'id'}, ${'type'}, ${'created'}, ${'livemode'}, ${'payload'}, ${'now'}, ${'now'}, 1)
  on conflict (id) do update set processed_at = excluded.processed_at, attempts = stripe_events.attempts + 1, last_error = null`;

/** Records the event, once, as applied: a statement of the atomic write that applies it. */
export function recordEventApplied(event: Stripe.Event, payload: string, now: number): Statement {
  return recordApplied.bind({ id: event.id, type: event.type, created: event.created, livemode: bool(event.livemode), payload, now });
}

/** A failed attempt: the event stays recorded and unprocessed, with the error, for Stripe's retry. */
export async function recordFailure(db: Db, event: Stripe.Event, payload: string, error: string, now: number): Promise<void> {
  const lastError = error.slice(0, 2000);
  await db
    .insert(stripeEvents)
    .values({ ...eventRow(event, payload, now), attempts: 1, lastError })
    .onConflictDoUpdate({ target: stripeEvents.id, set: { attempts: sql`${stripeEvents.attempts} + 1`, lastError } });
}

export async function markFailed(db: Db, eventId: string, error: string): Promise<void> {
  await db
    .update(stripeEvents)
    .set({ attempts: sql`${stripeEvents.attempts} + 1`, lastError: error.slice(0, 2000) })
    .where(eq(stripeEvents.id, eventId));
}
