// stripe_events: the record that makes webhook processing exactly-once.
import { and, desc, eq, isNotNull, sql } from 'drizzle-orm';
import type Stripe from 'stripe';
import type { Db, Statement } from '../../db/db.js';
import { stripeEvents } from '../../db/schema.js';
import { bool, queryFirst, sqlTemplate } from '../../db/sql.js';
import type { FieldErrors } from '../lib/validate.js';

/** What a stripe_events row holds of an event besides its payload. */
export type StoredEvent = { id: string; type: string; created: number; livemode: boolean };

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

const eventRow = (event: StoredEvent, payload: string, now: number) => ({
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
export function recordEventApplied(event: StoredEvent, payload: string, now: number): Statement {
  return recordApplied.bind({ id: event.id, type: event.type, created: event.created, livemode: bool(event.livemode), payload, now });
}

/** A failed attempt: the event stays recorded and unprocessed, with the error, for Stripe's retry. */
export async function recordFailure(db: Db, event: StoredEvent, payload: string, error: string, now: number): Promise<void> {
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

// A quarantined event is marked processed too: it has nothing left to apply, so Stripe's
// redeliveries are duplicates (one indexed read) and reconcile does not try it again.
const recordQuarantined = sqlTemplate`
  insert into stripe_events (id, type, stripe_created, livemode, payload, received_at, processed_at, attempts, quarantined_at, quarantine_errors)
  values (${'id'}, ${'type'}, ${'created'}, ${'livemode'}, ${'payload'}, ${'now'}, ${'now'}, 1, ${'now'}, ${'errors'})
  on conflict (id) do update set processed_at = excluded.processed_at, attempts = stripe_events.attempts + 1, last_error = null,
    quarantined_at = excluded.quarantined_at, quarantine_errors = excluded.quarantine_errors`;

/** Records a signed event that failed parsing: stored with its field errors, nothing applied. */
export function recordEventQuarantined(event: StoredEvent, payload: string, errors: FieldErrors, now: number): Statement {
  return recordQuarantined.bind({ id: event.id, type: event.type, created: event.created, livemode: bool(event.livemode), payload, now, errors: JSON.stringify(errors) });
}

export type QuarantinedEvent = {
  id: string;
  type: string;
  /** ms */
  receivedAt: number;
  /** ms */
  quarantinedAt: number;
  /** Stripe's created, seconds; 0 when the event had no usable one */
  stripeCreated: number;
  livemode: boolean;
  /** each field that failed parsing -> why */
  errors: FieldErrors;
};

/** Where the next page of quarantined events starts: the last one listed. */
export type QuarantineCursor = { quarantinedAt: number; id: string };

/**
 * Quarantined events, newest first, `limit` at a time (the CLI now, the finance pages
 * later). The payload stays in the table: a page of errors does not read megabytes of it.
 */
export async function listQuarantinedEvents(db: Db, opts: { limit: number; before?: QuarantineCursor }): Promise<QuarantinedEvent[]> {
  const where = [isNotNull(stripeEvents.quarantinedAt)];
  const { before } = opts;
  // a row-value comparison keeps the page an index range scan
  if (before) where.push(sql`(${stripeEvents.quarantinedAt}, ${stripeEvents.id}) < (${before.quarantinedAt}, ${before.id})`);
  const rows = await db
    .select({
      id: stripeEvents.id,
      type: stripeEvents.type,
      receivedAt: stripeEvents.receivedAt,
      quarantinedAt: stripeEvents.quarantinedAt,
      stripeCreated: stripeEvents.stripeCreated,
      livemode: stripeEvents.livemode,
      errors: stripeEvents.quarantineErrors,
    })
    .from(stripeEvents)
    .where(and(...where))
    .orderBy(desc(stripeEvents.quarantinedAt), desc(stripeEvents.id))
    .limit(opts.limit);
  return rows.map((r) => ({ ...r, quarantinedAt: r.quarantinedAt ?? r.receivedAt, errors: parseErrors(r.errors) }));
}

function parseErrors(text: string | null): FieldErrors {
  try {
    const value: unknown = JSON.parse(text ?? '{}');
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
    }
  } catch {
    // a row written by hand: say so rather than fail the whole list
  }
  return { quarantine_errors: 'unreadable' };
}
