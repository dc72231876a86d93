// Builds the Stripe client for a runtime: the real API with a key, else the offline sandbox.
import Stripe from 'stripe';
import type { Db } from '../../db/db.js';
import type { Config } from '../config.js';
import { createSandboxStripe } from '../sandbox/sandbox.client.js';

/** httpClient: a runtime's better choice than fetch (Node passes its own http client). */
export function createStripe(config: Config, db: Db, now: () => number, opts: { httpClient?: Stripe.HttpClient } = {}): Stripe {
  if (config.stripe.mode === 'sandbox') {
    if (config.env === 'production') throw new Error('The offline Stripe sandbox is refused in production');
    return createSandboxStripe({ db, now, publicUrl: config.publicUrl });
  }
  return new Stripe(config.stripe.secretKey, {
    // fetch is looked up per call, not captured at construction (docs/platform-notes.md, The HTTP client and fetch)
    httpClient: opts.httpClient ?? Stripe.createFetchHttpClient((input, init) => fetch(input, init)),
    maxNetworkRetries: 2,
    timeout: 20_000,
    appInfo: { name: 'Storyfund' },
    // Telemetry sends the previous request's timing to Stripe in a header built on every
    // call; we neither need it nor want to send it.
    telemetry: false,
    // STRIPE_API_BASE: a stand-in Stripe on loopback (tests, benchmarks); config refuses it in production
    ...config.stripe.apiBase,
  });
}
