// Reconcile against the offline sandbox: the reader pays on the sandbox's checkout page
// while our webhook endpoint is down, so nothing reaches the ledger. Reconcile lists the
// sandbox's events through the SDK, applies them, fills the fees from the charges'
// balance transactions, and reports zero drift.
import { Hono } from 'hono';
import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateNodeDb, openNodeDb, type NodeDb } from '../db/node.js';
import { loadConfig } from '../src/config.js';
import { createLogger, type AppEnv, type Deps } from '../src/deps.js';
import { insertPendingGift } from '../src/ledger/ledger.repo.js';
import { createSandboxStripe } from '../src/sandbox/sandbox.client.js';
import { sandboxFee } from '../src/sandbox/sandbox.payments.js';
import { sandboxRoutes } from '../src/sandbox/sandbox.routes.js';
import { runReconcile } from '../src/webhooks/webhooks.reconcile.js';
import { moneySnapshot } from './helpers/ledger.js';
import { createMailPort } from '../src/mail/mail.port.js';

let handle: NodeDb;
let deps: Deps;
let app: Hono<AppEnv>;
const NOW = Math.floor(Date.now() / 1000) * 1000;

beforeEach(() => {
  handle = openNodeDb(':memory:');
  migrateNodeDb(handle);
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' });
  deps = {
    db: handle.db,
    stripe: createSandboxStripe({ db: handle.db, now: () => NOW, publicUrl: config.publicUrl }),
    config,
    now: () => NOW,
    log: createLogger('silent', () => {}),
    mail: createMailPort(() => NOW),
    clientAddress: () => null,
    webhookCrypto: Stripe.createSubtleCryptoProvider(),
  };
  app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set('deps', deps);
    await next();
  });
  // our webhook endpoint is down: every delivery fails
  app.route(
    '/sandbox',
    sandboxRoutes(async () => new Response('{"error":"down"}', { status: 503 })),
  );
});
afterEach(() => handle.close());

async function give(giftId: string, mode: 'payment' | 'subscription', amount: number) {
  await insertPendingGift(
    deps.db,
    {
      id: giftId,
      frequency: mode === 'payment' ? 'one_off' : 'monthly',
      amountMinor: amount,
      currency: 'gbp',
      email: null,
      article: 'harbour-water',
      section: null,
      campaign: null,
      variant: null,
      referrer: null,
      country: null,
    },
    NOW,
  );
  const session = await deps.stripe.checkout.sessions.create({
    mode,
    client_reference_id: giftId,
    metadata: { gift_id: giftId },
    ...(mode === 'subscription' ? { subscription_data: { metadata: { gift_id: giftId } } } : { customer_creation: 'always' as const }),
    line_items: [
      {
        quantity: 1,
        price_data: {
          currency: 'gbp',
          unit_amount: amount,
          product_data: { name: 'Gift' },
          ...(mode === 'subscription' ? { recurring: { interval: 'month' as const } } : {}),
        },
      },
    ],
    success_url: 'http://localhost:8787/thank-you',
  });
  const res = await app.request(`${new URL(session.url!).pathname}/pay`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email: `${giftId}@example.com`, name: 'Sandbox Reader' }).toString(),
  });
  // the sandbox says the site did not accept its events
  expect(res.status).toBe(502);
}

describe('reconcile against the offline sandbox', () => {
  it('recovers the events a down endpoint never accepted, fills fees, and reports zero drift', async () => {
    await give('gift_once', 'payment', 2500);
    await give('gift_monthly', 'subscription', 1000);
    expect(moneySnapshot(handle).entries).toEqual([]);

    const report = await runReconcile(deps, { sinceSec: NOW / 1000 - 3600 });
    // each payment's events, and its charge.updated with the fee
    expect(report.events).toMatchObject({ scanned: 7, unprocessed: 7, recovered: 7, failed: [] });
    expect(report.feesFilled).toBe(0);
    expect(report.objects).toEqual([]);
    expect(report.drift).toBe(false);
    expect(report.currencies).toEqual([
      {
        currency: 'gbp',
        differs: false,
        ledger: {
          grossMinor: 3500,
          feesMinor: sandboxFee(2500, 'gbp') + sandboxFee(1000, 'gbp'),
          netMinor: 3500 - sandboxFee(2500, 'gbp') - sandboxFee(1000, 'gbp'),
          refundsMinor: 0,
          disputesMinor: 0,
          count: 2,
        },
        stripe: {
          grossMinor: 3500,
          feesMinor: sandboxFee(2500, 'gbp') + sandboxFee(1000, 'gbp'),
          netMinor: 3500 - sandboxFee(2500, 'gbp') - sandboxFee(1000, 'gbp'),
          refundsMinor: 0,
          disputesMinor: 0,
          count: 2,
        },
      },
    ]);
    const s = moneySnapshot(handle);
    expect(s.entries.map((e) => [e.gift_id, e.kind, e.frequency, e.amount_minor, e.fee_minor])).toEqual(
      expect.arrayContaining([
        ['gift_once', 'gift', 'one_off', 2500, sandboxFee(2500, 'gbp')],
        ['gift_monthly', 'gift', 'monthly', 1000, sandboxFee(1000, 'gbp')],
      ]),
    );
    expect(s.gifts.map((g) => g.status)).toEqual(['paid', 'paid']);

    // a fee typed over by hand is drift
    handle.sqlite.prepare("update ledger_entries set fee_minor = 0, net_minor = amount_minor where gift_id = 'gift_once'").run();
    const altered = await runReconcile(deps, { sinceSec: NOW / 1000 - 3600 });
    expect(altered.drift).toBe(true);
    expect(altered.objects).toMatchObject([{ problem: 'mismatch', keys: [expect.stringMatching(/^payment:pi_/)] }]);
  });
});
