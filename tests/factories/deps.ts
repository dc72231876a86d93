// Deps for in-process tests: a real SQLite file, the real Stripe SDK (msw answers it),
// a clock the test controls.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { migrateNodeDb, openNodeDb, type NodeDb } from '../../db/node.js';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger, type Deps } from '../../src/deps.js';
import { TEST_WEBHOOK_SECRET, webhookRequest } from './stripe.js';
import { createMailPort } from '../../src/mail/mail.port.js';

/** Seals staff TOTP secrets in every in-process test, as production must (any 32 random bytes). */
export const TEST_STAFF_SECRETS_KEY = '3b9f6c2ad1e84a07b5c6d9e2f1a0437c8e5d2b1f6a9c0e7d4b3a2918f7e6d5c4';

export type TestContext = {
  deps: Deps;
  handle: NodeDb;
  app: ReturnType<typeof createApp>;
  clock: { ms: number };
  /** a webhook delivery signed at this context's clock, which the app checks the signature's time against */
  webhook(event: Parameters<typeof webhookRequest>[0], opts?: Parameters<typeof webhookRequest>[1]): Request;
  cleanup(): void;
};

export function buildTestContext(env: Record<string, string> = {}): TestContext {
  const dir = mkdtempSync(join(tmpdir(), 'storyfund-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_PATH: join(dir, 'test.sqlite'),
    STRIPE_SECRET_KEY: 'sk_test_storyfund',
    STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    PUBLIC_URL: 'http://localhost:8787',
    LOG_LEVEL: 'silent',
    STAFF_SECRETS_KEY: TEST_STAFF_SECRETS_KEY,
    ...env,
  });
  const handle = openNodeDb(config.databasePath);
  migrateNodeDb(handle);
  const clock = { ms: Date.parse('2026-11-20T10:00:00Z') };
  const deps: Deps = {
    db: handle.db,
    stripe: new Stripe('sk_test_storyfund', { httpClient: Stripe.createFetchHttpClient((i, init) => fetch(i, init)), maxNetworkRetries: 0 }),
    config,
    now: () => clock.ms,
    log: createLogger('silent', () => {}),
    mail: createMailPort(() => clock.ms),
    // tests name the caller's address in a header of their own, to try per-address throttles
    clientAddress: (c) => c.req.header('x-test-client-address') ?? null,
    webhookCrypto: Stripe.createSubtleCryptoProvider(),
  };
  return {
    deps,
    handle,
    app: createApp(deps),
    clock,
    webhook: (event, opts) => webhookRequest(event, { timestamp: Math.floor(clock.ms / 1000), ...opts }),
    cleanup: async () => {
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
