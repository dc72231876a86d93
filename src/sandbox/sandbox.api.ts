// The offline stand-in for the part of Stripe's HTTP API Storyfund uses, in Stripe's wire
// format: form-encoded bodies with bracket notation in, Stripe-shaped JSON out, Stripe's
// error envelope on failure. The real `stripe` SDK talks to it (sandbox.client.ts), so the
// app's Stripe code runs unchanged. It validates what real Stripe would reject for the
// calls we make, so a bad request fails here first rather than in production.
//
// This module assembles it: the headers and key check every request gets, each resource's
// endpoints (sandbox.sessions.ts, sandbox.billing.ts, sandbox.refunds.ts, sandbox.lists.ts, sandbox.retrieve.ts), and the error
// envelope for whatever they throw.
import { Hono } from 'hono';
import type { Db } from '../../db/db.js';
import { billingApi } from './sandbox.billing.js';
import { errorResponse, SandboxApiError } from './sandbox.errors.js';
import { SANDBOX_API_VERSION } from './sandbox.events.js';
import { stripeId, type NewStripeId } from './sandbox.ids.js';
import { listsApi } from './sandbox.lists.js';
import { refundsApi } from './sandbox.refunds.js';
import { retrieveApi, unrecognised } from './sandbox.retrieve.js';
import { sessionsApi } from './sandbox.sessions.js';

export type SandboxApiOptions = {
  db: Db;
  /** milliseconds since the epoch */
  now: () => number;
  /** where the app (and so /sandbox/checkout/:id) is reachable, e.g. config.publicUrl */
  publicUrl: string;
  newId?: NewStripeId;
};

export function createSandboxApi(opts: SandboxApiOptions): Hono {
  const { db, now } = opts;
  const newId = opts.newId ?? stripeId;
  const publicUrl = opts.publicUrl.replace(/\/+$/, '');
  const api = new Hono();

  api.use(async (c, next) => {
    // every response carries a request id, as Stripe's do (https://docs.stripe.com/api/request_ids)
    c.header('request-id', newId('req', 14));
    c.header('stripe-version', c.req.header('stripe-version') ?? SANDBOX_API_VERSION);
    const key = c.req.header('idempotency-key');
    if (key) c.header('idempotency-key', key);
    // The SDK sends `Authorization: Bearer sk_…` (https://docs.stripe.com/api/authentication).
    // Only test keys: nothing here moves money, and a live key pointed at the sandbox is a misconfiguration.
    const auth = c.req.header('authorization') ?? '';
    if (!/^Bearer (sk|rk)_test_\w+$/.test(auth)) {
      return errorResponse(
        c,
        new SandboxApiError(401, {
          message: auth ? 'The offline sandbox accepts only test-mode API keys (sk_test_…).' : 'You did not provide an API key.',
        }),
      );
    }
    await next();
  });

  // after the key check: Hono runs handlers in the order they were registered
  api.route('/', sessionsApi({ db, now, publicUrl, newId }));
  api.route('/', billingApi({ db, now, publicUrl, newId }));
  api.route('/', refundsApi({ db, now, newId }));
  api.route('/', listsApi({ db, now }));
  api.route('/', retrieveApi({ db, now }));

  api.notFound(unrecognised);
  api.onError((err, c) => {
    if (err instanceof SandboxApiError) return errorResponse(c, err);
    return c.json({ error: { type: 'api_error', message: `Offline sandbox error: ${err.message}` } }, 500);
  });
  return api;
}
