// stripe_events: the record that makes webhook processing exactly-once. One statement
// records an event, whether it was applied, failed or quarantined; it and the duplicate
// check run on every delivery, so their SQL is written once (db/sql.ts).
import { and, desc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/db.js';
import { stripeEvents } from '../../db/schema.js';
import { bool, sqlTemplate, type SqlStatement } from '../../db/sql.js';
import type { FieldErrors } from '../lib/validate.js';

/** What a stripe_events row holds of an event besides its payload. */
export type StoredEvent = { id: string; type: string; created: number; livemode: boolean };

const processed = sqlTemplate`select processed_at as processedAt from stripe_events where id = ${'id'}`;

/** Whether the event's effects are already applied: a redelivery is then a no-op. */
export async function isProcessed(db: Db, eventId: string): Promise<boolean> {
  const row = await db.sql.first<{ processedAt: number | null }>(processed.bind({ id: eventId }));
  return row?.processedAt != null;
}

// A row left by an earlier attempt counts one more attempt: applied, it is marked processed
// and its error cleared; failed, it keeps whatever processed_at it had and the new error.
// A quarantined event is marked processed too: it has nothing left to apply, so Stripe's
// redeliveries are duplicates (one indexed read) and reconcile does not try it again. The
// quarantine's columns are cleared only when the event is applied, which for a quarantined
// event happens only when staff retry it (`events retry`).
const upsertEvent = sqlTemplate`
  insert into stripe_events (id, type, stripe_created, livemode, payload, received_at, processed_at, attempts, last_error, quarantined_at, quarantine_errors)
  values (${'id'}, ${'type'}, ${'created'}, ${'livemode'}, ${'payload'}, ${'now'}, ${'processedAt'}, 1, ${'lastError'}, ${'quarantinedAt'}, ${'quarantineErrors'})
  on conflict (id) do update set
    processed_at = coalesce(excluded.processed_at, stripe_events.processed_at),
    attempts = stripe_events.attempts + 1,
    last_error = excluded.last_error,
    quarantined_at = case when ${'released'} = 1 then null else coalesce(excluded.quarantined_at, stripe_events.quarantined_at) end,
    quarantine_errors = case when ${'released'} = 1 then null else coalesce(excluded.quarantine_errors, stripe_events.quarantine_errors) end`;

/**
 * How an attempt ended: applied; failed (Stripe retries it); or quarantined, a signed event
 * that failed parsing, stored with its field errors and nothing applied.
 */
export type EventOutcome = { status: 'applied' } | { status: 'failed'; error: string } | { status: 'quarantined'; errors: FieldErrors };

/**
 * The event as recorded after an attempt. Applied, it is a statement of the atomic write
 * that applies the event, so "processed" can never be true without its effects.
 */
export function recordEvent(event: StoredEvent, payload: string, now: number, outcome: EventOutcome): SqlStatement {
  return upsertEvent.bind({
    id: event.id,
    type: event.type,
    created: event.created,
    livemode: bool(event.livemode),
    payload,
    now,
    processedAt: outcome.status === 'failed' ? null : now,
    lastError: outcome.status === 'failed' ? outcome.error.slice(0, 2000) : null,
    quarantinedAt: outcome.status === 'quarantined' ? now : null,
    quarantineErrors: outcome.status === 'quarantined' ? JSON.stringify(outcome.errors) : null,
    released: bool(outcome.status === 'applied'),
  });
}

/** A failed attempt: the event stays recorded and unprocessed, with the error, for Stripe's retry. */
export async function recordFailure(db: Db, event: StoredEvent, payload: string, error: string, now: number): Promise<void> {
  await db.sql.run(recordEvent(event, payload, now, { status: 'failed', error }));
}

/** Which of these events are already applied (reconcile's recovery, a page of ids at a time). */
export async function processedEventIds(db: Db, ids: readonly string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const rows = await db.orm
    .select({ id: stripeEvents.id })
    .from(stripeEvents)
    .where(and(inArray(stripeEvents.id, [...ids]), isNotNull(stripeEvents.processedAt)));
  return new Set(rows.map((r) => r.id));
}

/** The payload of a quarantined event as it arrived, for staff to apply again (`events retry`). */
export async function quarantinedPayload(db: Db, id: string): Promise<string | null> {
  const [row] = await db.orm
    .select({ payload: stripeEvents.payload })
    .from(stripeEvents)
    .where(and(eq(stripeEvents.id, id), isNotNull(stripeEvents.quarantinedAt)))
    .limit(1);
  return row?.payload ?? null;
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
  const rows = await db.orm
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
