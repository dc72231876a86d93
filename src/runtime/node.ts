// Node entry: one process, a SQLite file, the HTTP server.
import { serve } from '@hono/node-server';
import Stripe from 'stripe';
import { migrateNodeDb, openNodeDb } from '../../db/node.js';
import { createApp } from '../app.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { createLogger, type Deps } from '../deps.js';
import { createStripe } from './stripe.js';

export function startNode(env: Record<string, string | undefined>) {
  const config = loadConfig(env);
  const log = createLogger(config.logLevel);
  const handle = openNodeDb(config.databasePath);
  migrateNodeDb(handle);
  const now = () => Date.now();
  const deps: Deps = {
    db: handle.db,
    stripe: createStripe(config, handle.db, now),
    config,
    now,
    log,
    // node:crypto HMAC: several times cheaper per call than SubtleCrypto on Node (STACK.md)
    webhookCrypto: Stripe.createNodeCryptoProvider(),
  };
  const app = createApp(deps);
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
    announce(config, info.port);
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => {
        handle.close();
        resolve();
      });
    });
  return { app, deps, server, stop };
}

function announce(config: Config, port: number) {
  const lines = [`Storyfund is listening on ${config.publicUrl} (port ${port})`, `Database: ${config.databasePath}`];
  if (config.stripe.mode === 'sandbox') {
    lines.push(
      'Stripe: OFFLINE SANDBOX is active (no STRIPE_SECRET_KEY set). Payments are simulated on a local test page;',
      '        no real money moves and nothing is sent to Stripe.',
    );
  } else {
    lines.push(`Stripe: ${config.stripe.secretKey.includes('_live_') ? 'LIVE' : 'test'} mode; webhooks at ${config.publicUrl}/webhooks/stripe`);
  }
  console.log(lines.join('\n'));
}

const isMain = import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('runtime/node.ts');
if (isMain) {
  try {
    const running = startNode(process.env);
    const shutdown = () => void running.stop().then(() => process.exit(0));
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}
