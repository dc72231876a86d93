// The sandbox's state lives only in the `sandbox_objects` table, as the JSON Stripe would
// return, so the stand-in works across processes and on Workers (per-request isolates
// keep nothing between requests). The API (sandbox.api.ts and the endpoints it mounts)
// and the test checkout pages (sandbox.routes.tsx) share these helpers and read through
// the app's own db.
import { and, eq, sql } from 'drizzle-orm';
import type Stripe from 'stripe';
import type { Db, Statement } from '../../db/db.js';
import { sandboxObjects } from '../../db/schema.js';

/** Stripe object types the sandbox keeps, plus its own bookkeeping records. */
export type SandboxType =
  | 'checkout.session'
  | 'customer'
  | 'payment_intent'
  | 'charge'
  | 'subscription'
  | 'invoice'
  | 'price'
  | 'product'
  | 'event'
  | 'balance_transaction'
  | 'invoice_payment'
  | 'payment_method'
  | 'billing_portal.session'
  | 'refund'
  | typeof EXTRAS_TYPE
  | typeof IDEMPOTENCY_TYPE
  | typeof DELIVERY_TYPE
  | typeof SETTINGS_TYPE;

export const EXTRAS_TYPE = 'sandbox.checkout_session_extras';
export const IDEMPOTENCY_TYPE = 'sandbox.idempotency_key';
export const DELIVERY_TYPE = 'sandbox.webhook_delivery';
export const SETTINGS_TYPE = 'sandbox.settings';

/**
 * How the sandbox behaves. `hold_api_events`: the events API calls cause (a refund, a
 * subscription change) wait on /sandbox/events until sent from there, as if Stripe were
 * slow to send them, so what the site shows meanwhile can be seen and tried.
 */
export type SandboxSettings = { id: typeof SETTINGS_ID; hold_api_events: boolean };
export const SETTINGS_ID = 'sandbox:settings';

/**
 * What a Checkout Session was created with that Stripe does not echo on the session
 * object itself: line items are only returned when expanded, and payment_intent_data /
 * subscription_data are applied to objects that exist only once the reader pays.
 */
export type CheckoutSessionExtras = {
  id: string;
  session: string;
  line_items: Stripe.LineItem[];
  payment_intent_data: { metadata: Record<string, string>; description: string | null };
  subscription_data: { metadata: Record<string, string>; description: string | null };
};

/** A replayable API response, stored under the client's Idempotency-Key. */
export type IdempotencyRecord = {
  id: string;
  method: string;
  path: string;
  /** the raw form body: a replay with different parameters is an error, as on Stripe */
  request_body: string;
  status: number;
  response_body: string;
};

/** Which of a paid session's webhook events our endpoint has accepted, so failures can be re-sent. */
export type DeliveryRecord = {
  id: string;
  session: string;
  events: Array<{ id: string; type: string; delivered: boolean; attempts: number; last_status: number | null; last_error: string | null }>;
};

export const extrasId = (sessionId: string): string => `${sessionId}:extras`;
export const idempotencyId = (key: string): string => `idempotency_key:${key}`;
export const deliveryId = (sessionId: string): string => `${sessionId}:delivery`;
/** Events an API call caused (a subscription changed), delivered after the request that made it. */
export const apiDeliveryId = (eventId: string): string => `api:${eventId}:delivery`;

type Identified = { id: string };

/** The stored JSON and its type, or null: lets `expand[]` resolve any id the sandbox holds. */
export async function getTyped(db: Db, id: string): Promise<{ type: string; data: unknown } | null> {
  const rows = await db.orm.select({ type: sandboxObjects.type, data: sandboxObjects.data }).from(sandboxObjects).where(eq(sandboxObjects.id, id)).limit(1);
  const row = rows[0];
  return row ? { type: row.type, data: JSON.parse(row.data) as unknown } : null;
}

/** An object by id, or null when it is missing or of another type. */
export async function getObject<T>(db: Db, id: string, type?: SandboxType): Promise<T | null> {
  const row = await getTyped(db, id);
  if (!row || (type !== undefined && row.type !== type)) return null;
  return row.data as T;
}

/** Every object of a type, as stored. The sandbox holds one reader's test payments, so a scan is fine. */
export async function listObjects<T>(db: Db, type: SandboxType): Promise<T[]> {
  const rows = await db.orm.select({ data: sandboxObjects.data }).from(sandboxObjects).where(eq(sandboxObjects.type, type));
  return rows.map((r) => JSON.parse(r.data) as T);
}

/** Inserts a new object; a second insert of the same id does nothing (the idempotency primitive). */
export function insertObject(db: Db, type: SandboxType, object: Identified, nowMs: number): Statement {
  return db.orm
    .insert(sandboxObjects)
    .values({ id: object.id, type, data: JSON.stringify(object), createdAt: nowMs })
    .onConflictDoNothing();
}

/** Inserts or replaces an object. */
export function putObject(db: Db, type: SandboxType, object: Identified, nowMs: number): Statement {
  const data = JSON.stringify(object);
  return db.orm.insert(sandboxObjects).values({ id: object.id, type, data, createdAt: nowMs }).onConflictDoUpdate({ target: sandboxObjects.id, set: { data } });
}

/**
 * Replaces an object only while a field still has the expected value: a compare-and-set
 * that needs no interactive transaction (D1 has none). Writes nothing when another
 * request got there first; the caller re-reads to learn whether it won.
 */
export function replaceObjectIf(db: Db, object: Identified, jsonPath: string, expected: string): Statement {
  return db.orm
    .update(sandboxObjects)
    .set({ data: JSON.stringify(object) })
    .where(and(eq(sandboxObjects.id, object.id), sql`json_extract(${sandboxObjects.data}, ${jsonPath}) = ${expected}`));
}

/** Runs every write or none (db.batch on D1, a transaction on SQLite). */
export async function writeAll(db: Db, statements: readonly Statement[]): Promise<void> {
  await db.atomic(statements);
}

/**
 * A session still marked open after `expires_at` reads as expired. Stripe expires it
 * itself (https://docs.stripe.com/api/checkout/sessions/object#checkout_session_object-expires_at);
 * the sandbox has no background job, so it applies the rule whenever a session is read.
 */
export function withLazyExpiry(session: Stripe.Checkout.Session, nowMs: number): Stripe.Checkout.Session {
  if (session.status === 'open' && nowMs >= session.expires_at * 1000) return { ...session, status: 'expired' };
  return session;
}
