// The sandbox's stand-in for Stripe's hosted Checkout page, mounted at /sandbox only when
// no Stripe key is configured. Paying marks the session paid in the sandbox store, then
// sends the signed webhook events real Stripe would send, through our own app, and only
// then follows the session's success_url, so what the reader sees next depends on the
// webhook handlers having done their work, as it does in production.
import { Hono, type Context } from 'hono';
import type { Child } from 'hono/jsx';
import type Stripe from 'stripe';
import type { AppEnv, Deps } from '../deps.js';
import { formatMoney, isKnownCurrency } from '../lib/money.js';
import { Layout, toHtml } from '../ui/layout.js';
import { completeCheckoutSession, eventPayload } from './sandbox.events.js';
import {
  DELIVERY_TYPE,
  deliveryId,
  EXTRAS_TYPE,
  extrasId,
  getObject,
  insertObject,
  putObject,
  replaceObjectIf,
  withLazyExpiry,
  writeAll,
  type CheckoutSessionExtras,
  type DeliveryRecord,
} from './sandbox.store.js';

export type Deliver = (req: Request) => Promise<Response>;

/** The test card Stripe documents for a successful payment (https://docs.stripe.com/testing#cards). */
export const TEST_CARD = '4242 4242 4242 4242';
export const DECLINED_MESSAGE = 'Your card was declined (test card). No money was taken.';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

type Loaded = { session: Stripe.Checkout.Session; extras: CheckoutSessionExtras };

async function load(deps: Deps, id: string): Promise<Loaded | null> {
  const [session, extras] = await Promise.all([
    getObject<Stripe.Checkout.Session>(deps.db, id, 'checkout.session'),
    getObject<CheckoutSessionExtras>(deps.db, extrasId(id), EXTRAS_TYPE),
  ]);
  return session && extras ? { session: withLazyExpiry(session, deps.now()), extras } : null;
}

/** "£10 a month", "£25 one-off": what the reader is about to pay. */
export function priceText(session: Stripe.Checkout.Session, extras: CheckoutSessionExtras): string {
  const currency = session.currency ?? '';
  const minor = session.amount_total ?? 0;
  const amount = isKnownCurrency(currency) ? formatMoney(minor, currency) : `${minor} ${currency.toUpperCase()}`;
  const recurring = extras.line_items.find((li) => li.price?.recurring)?.price?.recurring;
  if (!recurring) return `${amount} one-off`;
  return recurring.interval_count === 1 ? `${amount} a ${recurring.interval}` : `${amount} every ${recurring.interval_count} ${recurring.interval}s`;
}

/** Stripe fills in the placeholder (https://docs.stripe.com/payments/checkout/custom-success-page). */
function successUrl(session: Stripe.Checkout.Session): string | null {
  return session.success_url ? session.success_url.replaceAll('{CHECKOUT_SESSION_ID}', session.id) : null;
}

/** This route's own path, whatever the sub-app is mounted under. */
function basePath(c: Context, id: string): string {
  const path = c.req.path;
  return `${path.slice(0, path.indexOf('/checkout/'))}/checkout/${id}`;
}

const PAGE_STYLES = `
.sandbox-banner{background:#fff4ce;border:2px dashed #9a6700;color:#4d3800;font:700 16px/1.4 system-ui,sans-serif;padding:.6rem .9rem;margin:1rem 0;text-align:center}
.sandbox-summary{font:600 1.5rem/1.3 system-ui,sans-serif;margin:.25rem 0 1rem}
.sandbox-form label{display:block;font:600 15px/1.4 system-ui,sans-serif;margin:.9rem 0 .25rem}
.sandbox-form input{font:16px/1.4 system-ui,sans-serif;padding:.5rem;width:100%;border:1px solid #888;border-radius:4px}
.sandbox-form input[readonly]{background:#f3f3f3;color:#444}
.sandbox-card{display:grid;grid-template-columns:2fr 1fr 1fr;gap:.5rem}
.sandbox-actions{display:flex;flex-wrap:wrap;gap:.6rem;margin-top:1.25rem}
.sandbox-actions .secondary{background:#fff;color:var(--accent);border:1px solid var(--accent)}
.sandbox-failures li{margin:.5rem 0}
.sandbox-failures pre{white-space:pre-wrap;font-size:13px;background:#f6f6f6;padding:.5rem}
`;

function Page(props: { title: string; publication: string; children: Child }) {
  return (
    <Layout title={`${props.title} · test checkout`} publication={props.publication} head={<style>{PAGE_STYLES}</style>}>
      <p class="sandbox-banner" role="note">
        Test mode: no real money moves. This page stands in for Stripe Checkout.
      </p>
      {props.children}
    </Layout>
  );
}

function CheckoutForm(props: {
  publication: string;
  base: string;
  loaded: Loaded;
  email: string;
  name: string;
  error?: string | undefined;
}) {
  const { session, extras } = props.loaded;
  const price = priceText(session, extras);
  const description = extras.line_items[0]?.description ?? `A gift to ${props.publication}`;
  return (
    <Page title={`Pay ${props.publication}`} publication={props.publication}>
      <h1>Pay {props.publication}</h1>
      <p>{description}</p>
      <p class="sandbox-summary">{price}</p>
      {props.error ? (
        <p class="error" role="alert">
          {props.error}
        </p>
      ) : null}
      <form class="sandbox-form" method="post" action={`${props.base}/pay`}>
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="email" required value={props.email} />
        <label for="name">Name on card</label>
        <input id="name" name="name" type="text" autocomplete="cc-name" required value={props.name} />
        <label for="card">Card information (test card)</label>
        <div class="sandbox-card">
          <input id="card" name="card" type="text" readonly value={TEST_CARD} aria-label="Card number" />
          <input name="exp" type="text" readonly value="12 / 34" aria-label="Expiry" />
          <input name="cvc" type="text" readonly value="123" aria-label="CVC" />
        </div>
        <div class="sandbox-actions">
          <button type="submit">Pay {price}</button>
          <button type="submit" class="secondary" formaction={`${props.base}/decline`} formnovalidate>
            Decline
          </button>
          <button type="submit" class="secondary" formaction={`${props.base}/cancel`} formnovalidate>
            Cancel
          </button>
        </div>
      </form>
      <p>
        <small>
          Pay marks this checkout paid and sends {session.mode === 'subscription' ? 'the subscription, invoice and checkout' : 'the checkout'}{' '}
          webhook events to this site. Decline simulates a declined card; Cancel goes back without paying.
        </small>
      </p>
    </Page>
  );
}

function ClosedPage(props: { publication: string; session: Stripe.Checkout.Session; publicUrl: string }) {
  const { session } = props;
  const complete = session.status === 'complete';
  const next = (complete ? successUrl(session) : session.cancel_url) ?? `${props.publicUrl}/`;
  return (
    <Page title={complete ? 'Already paid' : 'Checkout expired'} publication={props.publication}>
      <h1>{complete ? 'This checkout is already complete' : 'This checkout has expired'}</h1>
      <p>
        {complete
          ? 'It was paid already, so paying again would take the money twice. Nothing more was sent.'
          : 'Test checkouts expire 24 hours after they are created, as Stripe Checkout sessions do. Start again to make a new one.'}
      </p>
      <p>
        <a class="button" href={next}>
          {complete ? 'Continue' : 'Go back'}
        </a>
      </p>
    </Page>
  );
}

function MessagePage(props: { publication: string; title: string; message: string; link: string }) {
  return (
    <Page title={props.title} publication={props.publication}>
      <h1>{props.title}</h1>
      <p>{props.message}</p>
      <p>
        <a href={props.link}>Back to {props.publication}</a>
      </p>
    </Page>
  );
}

type Failure = { id: string; type: string; status: number | null; detail: string };

function DeliveryFailedPage(props: { publication: string; base: string; failures: Failure[] }) {
  return (
    <Page title="Webhook delivery failed" publication={props.publication}>
      <h1>The payment went through, but our site did not accept Stripe's events</h1>
      <p>
        The test payment is recorded in the sandbox, but the webhook endpoint refused these events, so the site does not know
        about the payment yet. Real Stripe would retry them for up to three days; here you can retry them yourself.
      </p>
      <ul class="sandbox-failures">
        {props.failures.map((f) => (
          <li>
            <strong>{f.type}</strong> (<code>{f.id}</code>) failed with {f.status === null ? 'no response' : `HTTP ${f.status}`}
            {f.detail ? <pre>{f.detail}</pre> : null}
          </li>
        ))}
      </ul>
      <form method="post" action={`${props.base}/redeliver`}>
        <button type="submit">Retry delivery</button>
      </form>
    </Page>
  );
}

/**
 * Sends each not-yet-accepted event, in order, signed as Stripe signs
 * (https://docs.stripe.com/webhooks#verify-manually: `t=<unix seconds>,v1=<HMAC-SHA256 of "t.payload">`).
 * A failure does not hold back later events: Stripe delivers each event on its own.
 */
async function deliverPending(deps: Deps, deliver: Deliver, record: DeliveryRecord): Promise<Failure[]> {
  const failures: Failure[] = [];
  const events = [...record.events];
  for (const [i, entry] of events.entries()) {
    if (entry.delivered) continue;
    const event = await getObject<Stripe.Event>(deps.db, entry.id, 'event');
    if (!event) throw new Error(`sandbox event ${entry.id} is missing from the store`);
    const payload = eventPayload(event);
    // Signed at the wall-clock time of sending, as Stripe signs with its own clock: the
    // receiver checks the timestamp against its clock (300 s tolerance in stripe 23).
    const header = await deps.stripe.webhooks.generateTestHeaderStringAsync({
      payload,
      secret: deps.config.stripe.webhookSecret,
      cryptoProvider: deps.webhookCrypto,
    });
    let status: number | null = null;
    let detail = '';
    try {
      const res = await deliver(
        new Request(`${deps.config.publicUrl}/webhooks/stripe`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json; charset=utf-8',
            'stripe-signature': header,
            'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          },
          body: payload,
        }),
      );
      status = res.status;
      if (!res.ok) detail = (await res.text()).slice(0, 2000);
    } catch (err) {
      detail = err instanceof Error ? err.message : String(err);
    }
    const delivered = status !== null && status >= 200 && status < 300;
    events[i] = { ...entry, delivered, attempts: entry.attempts + 1, last_status: status, last_error: delivered ? null : detail };
    if (!delivered) {
      deps.log.warn('sandbox webhook delivery failed', { event: entry.id, type: entry.type, status });
      failures.push({ id: entry.id, type: entry.type, status, detail });
    }
  }
  const updated: DeliveryRecord = { ...record, events };
  await writeAll(deps.db, [putObject(deps.db, DELIVERY_TYPE, updated, deps.now())]);
  return failures;
}

function afterPayment(c: Context<AppEnv>, session: Stripe.Checkout.Session, failures: Failure[], base: string): Response | Promise<Response> {
  const { config } = c.var.deps;
  if (failures.length > 0) {
    return c.html(toHtml(<DeliveryFailedPage publication={config.publicationName} base={base} failures={failures} />), 502);
  }
  const next = successUrl(session);
  if (next) return c.redirect(next, 303);
  return c.html(
    toHtml(
      <MessagePage
        publication={config.publicationName}
        title="Payment complete"
        message="The test payment went through and the site has been told."
        link={`${config.publicUrl}/`}
      />,
    ),
  );
}

export function sandboxRoutes(deliver: Deliver): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use(async (c, next) => {
    const { config } = c.var.deps;
    // app.ts mounts this only in sandbox mode; this guard holds even if someone mounts it anyway
    if (config.stripe.mode !== 'sandbox' || config.env === 'production') {
      return c.text('The offline Stripe sandbox is not available: a Stripe key is configured.', 403);
    }
    await next();
    c.header('cache-control', 'no-store');
    c.header('x-robots-tag', 'noindex');
  });

  const notFoundPage = (c: Context<AppEnv>) => {
    const { config } = c.var.deps;
    return c.html(
      toHtml(
        <MessagePage
          publication={config.publicationName}
          title="No such test checkout"
          message="This test checkout does not exist. It may belong to another database."
          link={`${config.publicUrl}/`}
        />,
      ),
      404,
    );
  };

  const closed = (c: Context<AppEnv>, session: Stripe.Checkout.Session, status: 200 | 409) => {
    const { config } = c.var.deps;
    return c.html(toHtml(<ClosedPage publication={config.publicationName} session={session} publicUrl={config.publicUrl} />), status);
  };

  app.get('/checkout/:id', async (c) => {
    const { config } = c.var.deps;
    const id = c.req.param('id');
    const loaded = await load(c.var.deps, id);
    if (!loaded) return notFoundPage(c);
    if (loaded.session.status !== 'open') return closed(c, loaded.session, 200);
    return c.html(
      toHtml(
        <CheckoutForm
          publication={config.publicationName}
          base={basePath(c, id)}
          loaded={loaded}
          email={loaded.session.customer_email ?? ''}
          name=""
        />,
      ),
    );
  });

  app.post('/checkout/:id/pay', async (c) => {
    const deps = c.var.deps;
    const { db, config } = deps;
    const id = c.req.param('id');
    const loaded = await load(deps, id);
    if (!loaded) return notFoundPage(c);
    if (loaded.session.status !== 'open') return closed(c, loaded.session, 409);
    const form = await c.req.parseBody();
    const email = String(form.email ?? '').trim();
    const name = String(form.name ?? '').trim();
    const error = !email
      ? 'Enter your email address.'
      : !EMAIL.test(email)
        ? 'Enter a valid email address, like name@example.com.'
        : !name
          ? 'Enter the name on the card.'
          : undefined;
    const base = basePath(c, id);
    if (error) {
      return c.html(
        toHtml(<CheckoutForm publication={config.publicationName} base={base} loaded={loaded} email={email} name={name} error={error} />),
        400,
      );
    }

    const nowMs = deps.now();
    const existingCustomer = typeof loaded.session.customer === 'string' ? await getObject<Stripe.Customer>(db, loaded.session.customer, 'customer') : null;
    const done = completeCheckoutSession({ session: loaded.session, extras: loaded.extras, payer: { email, name }, existingCustomer, nowMs });
    const record: DeliveryRecord = {
      id: deliveryId(id),
      session: id,
      events: done.events.map((e) => ({ id: e.id, type: e.type, delivered: false, attempts: 0, last_status: null, last_error: null })),
    };
    // The session flips to complete only if it is still open; every new object is written
    // in the same atomic write, so a double-submitted form cannot pay twice.
    await writeAll(db, [
      replaceObjectIf(db, done.session, '$.status', 'open'),
      ...(done.customer ? [putObject(db, 'customer', done.customer, nowMs)] : []),
      ...(done.paymentIntent ? [insertObject(db, 'payment_intent', done.paymentIntent, nowMs)] : []),
      ...(done.charge ? [insertObject(db, 'charge', done.charge, nowMs)] : []),
      ...(done.subscription ? [insertObject(db, 'subscription', done.subscription, nowMs)] : []),
      ...(done.invoice ? [insertObject(db, 'invoice', done.invoice, nowMs)] : []),
      ...done.events.map((e) => insertObject(db, 'event', e, nowMs)),
      insertObject(db, DELIVERY_TYPE, record, nowMs),
    ]);
    const after = await getObject<Stripe.Checkout.Session>(db, id, 'checkout.session');
    const won =
      after?.status === 'complete' && after.payment_intent === done.session.payment_intent && after.subscription === done.session.subscription;
    if (!won) return closed(c, after ?? loaded.session, 409);

    const failures = await deliverPending(deps, deliver, record);
    return afterPayment(c, done.session, failures, base);
  });

  app.post('/checkout/:id/redeliver', async (c) => {
    const deps = c.var.deps;
    const id = c.req.param('id');
    const [session, record] = await Promise.all([
      getObject<Stripe.Checkout.Session>(deps.db, id, 'checkout.session'),
      getObject<DeliveryRecord>(deps.db, deliveryId(id), DELIVERY_TYPE),
    ]);
    if (!session || !record) return notFoundPage(c);
    const failures = await deliverPending(deps, deliver, record);
    return afterPayment(c, session, failures, basePath(c, id));
  });

  app.post('/checkout/:id/decline', async (c) => {
    const { config } = c.var.deps;
    const id = c.req.param('id');
    const loaded = await load(c.var.deps, id);
    if (!loaded) return notFoundPage(c);
    if (loaded.session.status !== 'open') return closed(c, loaded.session, 409);
    const form = await c.req.parseBody();
    // A declined card leaves the reader on the page to try again; the session stays open
    // and Stripe sends no checkout event for it.
    return c.html(
      toHtml(
        <CheckoutForm
          publication={config.publicationName}
          base={basePath(c, id)}
          loaded={loaded}
          email={String(form.email ?? loaded.session.customer_email ?? '')}
          name={String(form.name ?? '')}
          error={DECLINED_MESSAGE}
        />,
      ),
    );
  });

  app.post('/checkout/:id/cancel', async (c) => {
    const { config } = c.var.deps;
    const loaded = await load(c.var.deps, c.req.param('id'));
    if (!loaded) return notFoundPage(c);
    // Going back leaves the session open until it expires, as on Stripe Checkout.
    if (loaded.session.cancel_url) return c.redirect(loaded.session.cancel_url, 303);
    return c.html(
      toHtml(
        <MessagePage
          publication={config.publicationName}
          title="Checkout cancelled"
          message="You left the test checkout. Nothing was paid."
          link={`${config.publicUrl}/`}
        />,
      ),
    );
  });

  return app;
}
