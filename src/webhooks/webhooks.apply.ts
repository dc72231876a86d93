// Applying a Stripe event to the ledger: the one path every event takes, whether it came
// as a webhook (webhooks.routes.ts), was recovered by reconcile (webhooks.reconcile.ts) or
// is replayed by the tests. It is also the one place an event is parsed (webhooks.schemas.ts).
import Stripe from 'stripe';
import type { Deps } from '../deps.js';
import type { Write } from '../ledger/ledger.js';
import { writeStatements } from '../ledger/ledger.repo.js';
import { fieldErrors, type FieldErrors } from '../lib/validate.js';
import { HANDLERS } from './webhooks.handlers.js';
import { isProcessed, recordEvent, recordFailure, type StoredEvent } from './webhooks.repo.js';
import { eventEnvelopeSchema, MalformedStripeObject, prefixed } from './webhooks.schemas.js';

/** Whether the webhook handlers act on this type of event; others need no recovery. */
export function handlesEvent(type: string): boolean {
  return HANDLERS.has(type);
}

export type ApplyOutcome = { quarantined: false } | { quarantined: true; errors: FieldErrors };

/**
 * The one place an event is parsed and its handler looked up: the envelope, then the
 * object with its type's schema, then the handler, which parses anything it fetches with
 * the same schemas. Records the event (if nothing has yet; `payload` is the body as
 * delivered), applies its effects and marks it processed, all in one atomic write:
 * together or not at all. An event that fails parsing is quarantined instead: stored with
 * its field errors, no money and no email, logged for staff. Used by the webhook route,
 * reconcile and the replay tests alike.
 */
export async function applyEvent(deps: Deps, raw: unknown, payload: string = JSON.stringify(raw)): Promise<ApplyOutcome> {
  const now = deps.now();
  const envelope = eventEnvelopeSchema.safeParse(raw);
  if (!envelope.success) return quarantine(deps, raw, payload, fieldErrors(envelope.error), now);
  const event = envelope.data;
  const handler = HANDLERS.get(event.type);
  let writes: Write[] = [];
  if (handler) {
    const object = handler.object.safeParse(event.data.object);
    if (!object.success) return quarantine(deps, raw, payload, prefixed('data.object', fieldErrors(object.error)), now);
    try {
      writes = await handler.apply(object.data, event, deps);
    } catch (err) {
      if (err instanceof MalformedStripeObject) return quarantine(deps, raw, payload, err.fields, now);
      // Stripe does not have an object the event names (another account's or mode's id, or a
      // forged reference): no retry will find it, so it waits for staff rather than failing for
      // Stripe to redeliver for three days. Stripe's message names the object, never a person.
      if (isMissingAtStripe(err)) return quarantine(deps, raw, payload, { stripe: err.message.slice(0, 300) }, now, 'an object it names is missing at Stripe');
      throw err;
    }
  }
  await deps.db.atomic([...writeStatements(writes, { now, eventId: event.id }), recordEvent(event, payload, now, { status: 'applied' })]);
  return { quarantined: false };
}

function isMissingAtStripe(err: unknown): err is Stripe.errors.StripeInvalidRequestError {
  return err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 404 && err.code === 'resource_missing';
}

async function quarantine(deps: Deps, raw: unknown, payload: string, errors: FieldErrors, now: number, why = 'it failed parsing'): Promise<ApplyOutcome> {
  const stored = storedEvent(raw);
  // through atomic, like an applied event: the 2xx that follows acknowledges it to Stripe, so
  // its commit is one of the durable ones (db/node.ts)
  await deps.db.atomic([recordEvent(stored, payload, now, { status: 'quarantined', errors })]);
  // field names and zod's messages only: never a value from the payload, which may hold an email
  deps.log.error(`Stripe event quarantined: ${why} and changed nothing`, { event: stored.id, type: stored.type, fields: errors });
  return { quarantined: true, errors };
}

/**
 * What a stripe_events row can hold of an event that may be malformed: the id (the caller
 * has checked it), the type, created and livemode when they are readable, else '' / 0 /
 * false (the quarantine errors say which field was not).
 */
export function storedEvent(raw: unknown): StoredEvent {
  const e = (raw ?? {}) as { id?: unknown; type?: unknown; created?: unknown; livemode?: unknown };
  return {
    id: String(e.id),
    type: typeof e.type === 'string' ? e.type.slice(0, 200) : '',
    created: Number.isSafeInteger(e.created) ? (e.created as number) : 0,
    livemode: typeof e.livemode === 'boolean' ? e.livemode : false,
  };
}

/**
 * An event from Stripe's API rather than a delivery (no signature to check: it came over
 * TLS with our key). Already applied (or quarantined): nothing to do. A failure is recorded
 * against the event, as a failed delivery would be, and rethrown.
 */
export async function applyUnlessProcessed(deps: Deps, event: unknown): Promise<ApplyOutcome | { quarantined: false; duplicate: true }> {
  const stored = storedEvent(event);
  if (await isProcessed(deps.db, stored.id)) return { quarantined: false, duplicate: true };
  const payload = JSON.stringify(event);
  try {
    return await applyEvent(deps, event, payload);
  } catch (err) {
    await recordFailure(deps.db, stored, payload, err instanceof Error ? err.message : String(err), deps.now());
    throw err;
  }
}
