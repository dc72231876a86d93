// What every state-changing API call of the sandbox shares: an Idempotency-Key answers
// its first answer again, and the events a change causes are stored and queued, to be
// sent once the request that asked has its answer (app.ts, sandbox.routes.tsx).
import type { Context } from 'hono';
import type Stripe from 'stripe';
import type { Db, Statement } from '../../db/db.js';
import type { EventRequest } from './sandbox.events.js';
import type { NewStripeId } from './sandbox.ids.js';
import {
  apiDeliveryId,
  DELIVERY_TYPE,
  getObject,
  IDEMPOTENCY_TYPE,
  idempotencyId,
  insertObject,
  writeAll,
  type DeliveryRecord,
  type IdempotencyRecord,
} from './sandbox.repo.js';

export type CallResult = { object: { id: string }; writes: Statement[] };

/** Replays the first answer to a key, as Stripe does (https://docs.stripe.com/api/idempotent_requests). */
export async function idempotent(db: Db, now: () => number, c: Context, body: string, run: () => Promise<CallResult>): Promise<Response> {
  const key = c.req.header('idempotency-key');
  if (key) {
    const prior = await getObject<IdempotencyRecord>(db, idempotencyId(key), IDEMPOTENCY_TYPE);
    if (prior) {
      if (prior.request_body !== body || prior.path !== c.req.path || prior.method !== c.req.method) {
        return c.json(
          {
            error: {
              type: 'idempotency_error',
              message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.',
            },
          },
          400,
        );
      }
      return c.body(prior.response_body, 200, { 'content-type': 'application/json', 'idempotent-replayed': 'true' });
    }
  }
  const { object, writes } = await run();
  const responseBody = JSON.stringify(object);
  const record: IdempotencyRecord | null = key
    ? { id: idempotencyId(key), method: c.req.method, path: c.req.path, request_body: body, status: 200, response_body: responseBody }
    : null;
  await writeAll(db, [...(record ? [insertObject(db, IDEMPOTENCY_TYPE, record, now())] : []), ...writes]);
  return c.body(responseBody, 200, { 'content-type': 'application/json' });
}

/** The request an API call's events name, as Stripe's events do. */
export const eventRequest = (c: Context, newId: NewStripeId): EventRequest => ({
  id: newId('req', 14),
  idempotency_key: c.req.header('idempotency-key') ?? null,
});

/** The events, stored and queued for delivery, in order. */
export function queuedEvents(db: Db, nowMs: number, ...events: Stripe.Event[]): Statement[] {
  return events.flatMap((event) => {
    const record: DeliveryRecord = {
      id: apiDeliveryId(event.id),
      session: '',
      events: [{ id: event.id, type: event.type, delivered: false, attempts: 0, last_status: null, last_error: null }],
    };
    return [insertObject(db, 'event', event, nowMs), insertObject(db, DELIVERY_TYPE, record, nowMs)];
  });
}
