// The Checkout Session endpoints: create (idempotent, as Stripe's POSTs are), retrieve,
// and list line items.
import { Hono, type Context } from 'hono';
import type Stripe from 'stripe';
import type { Db } from '../../db/db.js';
import { invalid, notFound, SandboxApiError } from './sandbox.errors.js';
import { expandList, expandPaths } from './sandbox.expand.js';
import { decodeStripeForm, queryParams } from './sandbox.form.js';
import type { NewStripeId } from './sandbox.ids.js';
import { buildSession, lineItemsList } from './sandbox.sessions.build.js';
import { checkSessionRules, createSessionSchema, firstIssueAsError } from './sandbox.sessions.params.js';
import {
  EXTRAS_TYPE,
  extrasId,
  getObject,
  IDEMPOTENCY_TYPE,
  idempotencyId,
  insertObject,
  withLazyExpiry,
  writeAll,
  type CheckoutSessionExtras,
  type IdempotencyRecord,
} from './sandbox.repo.js';

export function sessionsApi(opts: { db: Db; now: () => number; publicUrl: string; newId: NewStripeId }): Hono {
  const { db, now, publicUrl, newId } = opts;
  const api = new Hono();

  api.post('/v1/checkout/sessions', async (c) => {
    const body = await c.req.text();
    const key = c.req.header('idempotency-key');
    // Stripe replays the first response to a key and rejects the key with other parameters
    // (https://docs.stripe.com/api/idempotent_requests)
    if (key) {
      const prior = await getObject<IdempotencyRecord>(db, idempotencyId(key), IDEMPOTENCY_TYPE);
      if (prior) return replay(c, prior, body);
    }

    const raw = decodeStripeForm(body);
    const parsed = createSessionSchema.safeParse(raw);
    if (!parsed.success) throw firstIssueAsError(parsed.error, raw);
    const ruleError = checkSessionRules(parsed.data);
    if (ruleError) throw ruleError;
    if (parsed.data.customer && !(await getObject(db, parsed.data.customer, 'customer'))) {
      throw invalid(`No such customer: '${parsed.data.customer}'`, 'customer');
    }
    const nowMs = now();
    const built = buildSession(parsed.data, { nowMs, publicUrl, newId });
    if (built instanceof SandboxApiError) throw built;

    const responseObject: Record<string, unknown> = { ...built.session };
    const expand = expandList(raw);
    // the new session's line items are not in the store yet
    if (expand.includes('line_items')) responseObject.line_items = lineItemsList(built.session.id, built.extras);
    await expandPaths(
      db,
      responseObject,
      expand.filter((e) => e !== 'line_items'),
      nowMs,
    );
    const writes = [
      ...built.products.map((p) => insertObject(db, 'product', p, nowMs)),
      ...built.prices.map((p) => insertObject(db, 'price', p, nowMs)),
      insertObject(db, 'checkout.session', built.session, nowMs),
      insertObject(db, EXTRAS_TYPE, built.extras, nowMs),
    ];
    const responseBody = JSON.stringify(responseObject);
    if (key) {
      const record: IdempotencyRecord = {
        id: idempotencyId(key),
        method: 'POST',
        path: '/v1/checkout/sessions',
        request_body: body,
        status: 200,
        response_body: responseBody,
      };
      // The key and the session are written together; a concurrent request with the same key
      // loses the insert race, leaves an unreachable session behind, and replays the winner.
      await writeAll(db, [insertObject(db, IDEMPOTENCY_TYPE, record, nowMs), ...writes]);
      const winner = await getObject<IdempotencyRecord>(db, idempotencyId(key), IDEMPOTENCY_TYPE);
      if (winner && winner.response_body !== responseBody) return replay(c, winner, body);
    } else {
      await writeAll(db, writes);
    }
    return c.body(responseBody, 200, { 'content-type': 'application/json' });
  });

  api.get('/v1/checkout/sessions/:id', async (c) => {
    const id = c.req.param('id');
    const stored = await getObject<Stripe.Checkout.Session>(db, id, 'checkout.session');
    if (!stored) throw notFound('checkout.session', id, 'session');
    const nowMs = now();
    const session: Record<string, unknown> = { ...withLazyExpiry(stored, nowMs) };
    await expandPaths(db, session, expandList(queryParams(c)), nowMs);
    return c.json(session);
  });

  api.get('/v1/checkout/sessions/:id/line_items', async (c) => {
    const id = c.req.param('id');
    const extras = await getObject<CheckoutSessionExtras>(db, extrasId(id), EXTRAS_TYPE);
    if (!extras) throw notFound('checkout.session', id, 'session');
    return c.json(lineItemsList(id, extras));
  });

  return api;
}

function replay(c: Context, prior: IdempotencyRecord, body: string): Response {
  if (prior.request_body !== body || c.req.method !== prior.method || c.req.path !== prior.path) {
    return c.json(
      {
        error: {
          type: 'idempotency_error',
          message:
            'Keys for idempotent requests can only be used with the same parameters they were first used with. ' +
            'Try using a key other than the one used in the original request.',
        },
      },
      400,
    );
  }
  return c.body(prior.response_body, prior.status as 200, { 'content-type': 'application/json', 'idempotent-replayed': 'true' });
}
