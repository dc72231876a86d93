// createApp(deps): the whole HTTP surface, the same on Node and Workers.
import { Hono } from 'hono';
import { appealRoutes } from './appeal/appeal.routes.js';
import { checkoutRoutes } from './checkout/checkout.routes.js';
import type { AppEnv, Deps } from './deps.js';
import { AppError } from './lib/errors.js';
import { mailPreviewRoutes } from './mail/mail.routes.js';
import { opsRoutes } from './ops/ops.routes.js';
import { sandboxRoutes } from './sandbox/sandbox.routes.js';
import { webhookRoutes } from './webhooks/webhooks.routes.js';

export function createApp(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set('deps', deps);
    await next();
  });

  app.get('/health', (c) => c.json({ ok: true, stripe: deps.config.stripe.mode }));
  app.route('/', appealRoutes());
  app.route('/', checkoutRoutes());
  app.route('/webhooks', webhookRoutes());
  app.route('/ops', opsRoutes());
  if (deps.config.mail.transport === 'preview' && deps.config.env !== 'production') app.route('/dev/mail', mailPreviewRoutes());
  if (deps.config.stripe.mode === 'sandbox') {
    // The sandbox delivers its signed events through this same app, exactly as an
    // HTTP request from Stripe would arrive.
    app.route('/sandbox', sandboxRoutes((req) => Promise.resolve(app.fetch(req))));
  }

  app.notFound((c) => c.json({ error: 'Not found' }, 404));
  app.onError((err, c) => {
    if (err instanceof AppError) {
      if (err.status >= 500) deps.log.error(err.message, { code: err.code, path: c.req.path });
      return c.json({ error: err.message, ...(Object.keys(err.fields).length ? { fields: err.fields } : {}) }, err.status);
    }
    deps.log.error('unhandled error', { path: c.req.path, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    return c.json({ error: 'Something went wrong on our side. Nothing was charged twice; please try again.' }, 500);
  });
  return app;
}
