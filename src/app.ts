// createApp(deps): the whole HTTP surface, the same on Node and Workers.
import { Hono } from 'hono';
import { authRoutes } from './auth/auth.routes.js';
import { appealRoutes } from './appeal/appeal.routes.js';
import { checkoutRoutes } from './checkout/checkout.routes.js';
import type { AppEnv, Deps } from './deps.js';
import { AppError, prefersHtml, publicError, type PublicError } from './lib/errors.js';
import { mailPreviewRoutes } from './mail/mail.routes.js';
import { opsRoutes } from './ops/ops.routes.js';
import { sandboxRoutes } from './sandbox/sandbox.routes.js';
import { financeRoutes } from './finance/finance.routes.js';
import { supporterRoutes } from './supporters/supporters.routes.js';
import { errorTitle, renderErrorPage } from './ui/error-page.js';
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
  app.route('/', authRoutes());
  app.route('/finance', financeRoutes());
  app.route('/account', supporterRoutes());
  if (deps.config.mail.transport === 'preview' && deps.config.env !== 'production') app.route('/dev/mail', mailPreviewRoutes());
  if (deps.config.stripe.mode === 'sandbox') {
    // The sandbox delivers its signed events through this same app, exactly as an
    // HTTP request from Stripe would arrive.
    app.route('/sandbox', sandboxRoutes((req) => Promise.resolve(app.fetch(req))));
  }

  app.notFound((c) => {
    const message = 'There is no page at this address.';
    if (prefersHtml(c.req.header('content-type'), c.req.header('accept'))) {
      return c.html(renderErrorPage({ publication: deps.config.publicationName, title: errorTitle(404), message }), 404);
    }
    return c.json({ error: 'Not found' }, 404);
  });
  app.onError((err, c) => {
    if (!(err instanceof AppError)) {
      deps.log.error('unhandled error', { path: c.req.path, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    } else if (err.status >= 500) {
      deps.log.error(err.message, { code: err.code, path: c.req.path });
    }
    const e = publicError(err);
    // a 401 names how to authenticate (RFC 9110 §15.5.2); the ops endpoints take a bearer token
    if (e.status === 401) c.header('www-authenticate', 'Bearer realm="storyfund"');
    if (prefersHtml(c.req.header('content-type'), c.req.header('accept'))) return c.html(errorHtml(deps, e, c.get('htmlError')), e.status);
    return c.json({ error: e.message, ...(Object.keys(e.fields).length ? { fields: e.fields } : {}) }, e.status);
  });
  return app;
}

function errorHtml(deps: Deps, e: PublicError, routePage: ((e: PublicError) => string) | undefined): string {
  const shared = () => renderErrorPage({ publication: deps.config.publicationName, title: errorTitle(e.status), message: e.message, fields: e.fields });
  if (!routePage) return shared();
  try {
    return routePage(e);
  } catch (err) {
    // the reader still gets a page; the failure to render the better one is ours to fix
    deps.log.error('error page failed to render', { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    return shared();
  }
}
