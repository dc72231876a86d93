// The real `stripe` SDK, wired to the offline sandbox in-process: its fetch goes straight
// to the sandbox's Hono app, so no socket is opened and nothing reaches the network, on
// Node and on Workers alike. Used as deps.stripe when no STRIPE_SECRET_KEY is configured.
import Stripe from 'stripe';
import type { Db } from '../../db/db.js';
import { createSandboxApi } from './sandbox.api.js';
import type { NewStripeId } from './sandbox.ids.js';

/** A test-mode key, so the SDK and the sandbox both treat every call as test mode. */
export const SANDBOX_SECRET_KEY = 'sk_test_storyfund_sandbox';

/** `.invalid` is reserved never to resolve (RFC 2606), so a misrouted request cannot leave the machine. */
export const SANDBOX_HOST = 'stripe-sandbox.invalid';

export function createSandboxStripe(opts: { db: Db; now: () => number; publicUrl: string; newId?: NewStripeId }): Stripe {
  const api = createSandboxApi(opts);
  return new Stripe(SANDBOX_SECRET_KEY, {
    httpClient: Stripe.createFetchHttpClient((input, init) => Promise.resolve(api.fetch(new Request(input, init)))),
    host: SANDBOX_HOST,
    protocol: 'http',
    port: 80,
    // a retry could only repeat the same in-process answer
    maxNetworkRetries: 0,
    // telemetry headers describe calls to api.stripe.com; there are none
    telemetry: false,
  });
}
