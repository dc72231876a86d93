// createApp(deps): the whole HTTP surface, the same on Node and Workers.
import { Hono } from 'hono';
import { authRoutes } from './auth/auth.routes.js';
import { appealRoutes } from './appeal/appeal.routes.js';
import { checkoutRoutes } from './checkout/checkout.routes.js';
import type { AppEnv, Deps } from './deps.js';
import { AppError, clientHttpException, prefersHtml, publicError, type PublicError } from './lib/errors.js';
import { describeError, type Logger } from './lib/log.js';
import { newRequestId } from './lib/request-id.js';
import { mailPreviewRoutes } from './mail/mail.routes.js';
import { opsRoutes } from './ops/ops.routes.js';
import { deliverQueuedApiEvents, sandboxRoutes } from './sandbox/sandbox.routes.js';
import { financeApiRoutes } from './finance/finance.api.js';
import { financeRoutes } from './finance/finance.routes.js';
import { financeSupporterRoutes } from './supporters/supporters.finance.js';
import { supporterRoutes } from './supporters/supporters.routes.js';
import { supporterStatementRoutes } from './supporters/supporters.statements.js';
import { ACCOUNT_STYLES } from './supporters/supporters.views.js';
import { errorTitle, renderErrorPage } from './ui/error-page.js';
import { webhookRoutes } from './webhooks/webhooks.routes.js';
import { APPEAL_ASSETS, ENHANCE_SCRIPT } from './appeal/appeal.view.js';
import { SANDBOX_PAGE_STYLES } from './sandbox/sandbox.page.js';
import { assetRoutes } from './ui/assets.js';
import { securityHeaders } from './ui/security.js';
import { STYLES } from './ui/styles.js';

export function createApp(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // Requests the app sends itself (the sandbox's webhook deliveries) and the logger of the
  // request that sent each: their lines are filed under that request's id. Keyed by the
  // Request object, which no client can forge, unlike a header.
  const sentBy = new WeakMap<Request, Logger>();
  app.use(async (c, next) => {
    const requestId = deps.trustedRequestId?.(c.req.raw.headers) ?? newRequestId();
    const started = deps.now();
    const parent = sentBy.get(c.req.raw);
    // Every line written while serving this request carries its id; the path is logged
    // without its query string, which can hold tokens and addresses.
    const log = parent
      ? parent.child({ subrequestId: requestId, subrequestPath: c.req.path })
      : deps.log.child({ requestId, method: c.req.method, path: c.req.path });
    c.set('requestId', requestId);
    c.set('deps', { ...deps, log });
    await next();
    try {
      // in place: c.header() on a finished response copies it (about 2 us a request)
      c.res.headers.set('X-Request-Id', requestId);
    } catch {
      // a response with immutable headers (one passed through from fetch) is copied instead
      c.header('X-Request-Id', requestId);
    }
    // Successful requests are already counted by whatever is in front (a proxy, Cloudflare's
    // request logs), so their line is debug; a 4xx or 5xx is info, so the reference a reader
    // quotes from an error page is always found at the default level.
    const status = c.res.status;
    (status >= 400 ? log.info : log.debug)('request', { status, ms: deps.now() - started });
  });
  // GET / and GET /appeal are served from cached bytes with headers built once (appeal.routes.tsx)
  app.use(
    securityHeaders(deps.config, [
      { method: 'GET', path: '/' },
      { method: 'GET', path: '/appeal' },
    ]),
  );
  app.route(
    '/',
    assetRoutes({
      '/assets/site.css': STYLES,
      '/assets/appeal.js': ENHANCE_SCRIPT,
      '/assets/account.css': ACCOUNT_STYLES,
      ...APPEAL_ASSETS,
      ...(deps.config.stripe.mode === 'sandbox' ? { '/assets/sandbox.css': SANDBOX_PAGE_STYLES } : {}),
    }),
  );

  if (deps.config.stripe.mode === 'sandbox') {
    // Stripe sends the events of an API change (a supporter's new amount, a pause) moments
    // after answering; the sandbox sends them once the request that asked has its answer.
    app.use(async (c, next) => {
      await next();
      if (c.req.method === 'GET' || c.req.path.startsWith('/webhooks/') || c.req.path.startsWith('/sandbox/')) return;
      // under this request's deps, so the deliveries' log lines are filed under its id
      await deliverQueuedApiEvents(c.var.deps, (req, log) => {
        sentBy.set(req, log);
        return Promise.resolve(app.fetch(req));
      });
    });
  }

  app.get('/health', (c) => c.json({ ok: true, stripe: deps.config.stripe.mode }));
  app.route('/', appealRoutes());
  app.route('/', checkoutRoutes());
  app.route('/webhooks', webhookRoutes());
  app.route('/ops', opsRoutes());
  app.route('/', authRoutes());
  app.route('/finance/api', financeApiRoutes());
  app.route('/finance/supporters', financeSupporterRoutes());
  app.route('/finance', financeRoutes());
  app.route('/account/statements', supporterStatementRoutes());
  app.route('/account', supporterRoutes());
  if (deps.config.mail.transport === 'preview' && deps.config.env !== 'production') app.route('/dev/mail', mailPreviewRoutes());
  if (deps.config.stripe.mode === 'sandbox') {
    // The sandbox delivers its signed events through this same app, exactly as an
    // HTTP request from Stripe would arrive.
    app.route(
      '/sandbox',
      sandboxRoutes((req, log) => {
        sentBy.set(req, log);
        return Promise.resolve(app.fetch(req));
      }),
    );
  }

  app.notFound((c) => {
    const message = 'There is no page at this address.';
    const reference = c.var.requestId;
    if (!c.get('jsonOnly') && prefersHtml(c.req.header('content-type'), c.req.header('accept'))) {
      return c.html(renderErrorPage({ publication: deps.config.publicationName, title: errorTitle(404), message, reference }), 404);
    }
    return c.json({ error: 'Not found', reference }, 404);
  });
  app.onError((err, c) => {
    // c.var.deps is this request's (its logger bound to the request id), unless the error
    // came before the first middleware set it
    const { log } = c.var.deps ?? deps;
    // a 4xx HTTPException from Hono's own parsers is the client's error, not one to log
    if (err instanceof AppError) {
      if (err.status >= 500) log.error(err.message, { code: err.code });
    } else if (!clientHttpException(err)) log.error('unhandled error', { error: describeError(err) });
    const e: PublicError = { ...publicError(err), reference: c.var.requestId };
    // a 401 names how to authenticate (RFC 9110 §15.5.2); the ops endpoints take a bearer token
    if (e.status === 401) c.header('www-authenticate', 'Bearer realm="storyfund"');
    if (!c.get('jsonOnly') && prefersHtml(c.req.header('content-type'), c.req.header('accept')))
      return c.html(errorHtml(deps, log, e, c.get('htmlError')), e.status);
    return c.json({ error: e.message, ...(Object.keys(e.fields).length ? { fields: e.fields } : {}), reference: e.reference }, e.status);
  });
  return app;
}

function errorHtml(deps: Deps, log: Deps['log'], e: PublicError, routePage: ((e: PublicError) => string) | undefined): string {
  const shared = () =>
    renderErrorPage({ publication: deps.config.publicationName, title: errorTitle(e.status), message: e.message, fields: e.fields, reference: e.reference });
  if (!routePage) return shared();
  try {
    return routePage(e);
  } catch (err) {
    // the reader still gets a page; the failure to render the better one is ours to fix
    log.error('error page failed to render', { error: describeError(err) });
    return shared();
  }
}
