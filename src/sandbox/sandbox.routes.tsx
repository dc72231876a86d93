// The sandbox's stand-in for Stripe's hosted Checkout page, mounted at /sandbox only when
// no Stripe key is configured. Paying marks the session paid in the sandbox store, then
// sends the signed webhook events real Stripe would send, through our own app, and only
// then follows the session's success_url, so what the reader sees next depends on the
// webhook handlers having done their work, as it does in production.
import { Hono, type Context } from 'hono';
import type Stripe from 'stripe';
import type { AppEnv, Deps } from '../deps.js';
import { readForm } from '../lib/validate.js';
import { toHtml } from '../ui/layout.js';
import { cspDirectives, serializeCsp } from '../ui/security.js';
import { completeCheckoutSession } from './sandbox.completion.js';
import { deliverPending, type Deliver, type DeliveryFailure } from './sandbox.delivery.js';
import { cardPaymentMethod } from './sandbox.billing.js';
import { customerSubscriptionUpdatedEvent } from './sandbox.events.js';
import { stripeId } from './sandbox.ids.js';
import {
  ApiEventsPage,
  CheckoutForm,
  ClosedPage,
  PortalPage,
  DECLINED_MESSAGE,
  DeliveryFailedPage,
  MessagePage,
  successUrl,
  type LoadedCheckout,
} from './sandbox.page.js';
import {
  apiDeliveryId,
  DELIVERY_TYPE,
  deliveryId,
  EXTRAS_TYPE,
  extrasId,
  getObject,
  insertObject,
  listObjects,
  putObject,
  replaceObjectIf,
  SETTINGS_ID,
  SETTINGS_TYPE,
  withLazyExpiry,
  writeAll,
  type CheckoutSessionExtras,
  type DeliveryRecord,
  type SandboxSettings,
} from './sandbox.repo.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

async function load(deps: Deps, id: string): Promise<LoadedCheckout | null> {
  const [session, extras] = await Promise.all([
    getObject<Stripe.Checkout.Session>(deps.db, id, 'checkout.session'),
    getObject<CheckoutSessionExtras>(deps.db, extrasId(id), EXTRAS_TYPE),
  ]);
  return session && extras ? { session: withLazyExpiry(session, deps.now()), extras } : null;
}

/** This route's own path, whatever the sub-app is mounted under. */
function basePath(c: Context, id: string): string {
  const path = c.req.path;
  return `${path.slice(0, path.indexOf('/checkout/'))}/checkout/${id}`;
}

function afterPayment(c: Context<AppEnv>, session: Stripe.Checkout.Session, failures: DeliveryFailure[], base: string): Response | Promise<Response> {
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

/** The reader the test checkout is filled in for, so Pay works with one click. */
export const TEST_PAYER = { email: 'supporter@example.com', name: 'Test Supporter' };

/**
 * Sends the events API calls queued (a subscription changed or cancelled from the account
 * pages). Stripe sends them moments after its API answers; the sandbox sends them once
 * the request that made the call has its answer (app.ts), so the next page shows them applied.
 */
export async function deliverQueuedApiEvents(deps: Deps, deliver: Deliver, opts: { evenIfHeld?: boolean } = {}): Promise<void> {
  if (!opts.evenIfHeld && (await getObject<SandboxSettings>(deps.db, SETTINGS_ID, SETTINGS_TYPE))?.hold_api_events) return;
  const records = (await listObjects<DeliveryRecord>(deps.db, DELIVERY_TYPE)).filter(
    (r) => r.id.startsWith('api:') && r.events.some((e) => !e.delivered && e.attempts < 5),
  );
  for (const record of records) await deliverPending(deps, deliver, record);
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
    // The test checkout stands in for Stripe's page, whose Cancel returns to a fragment gift's
    // publisher page; Chromium applies form-action to where a form post redirects, so the
    // publisher's origins must be allowed here or Cancel goes nowhere.
    if (!c.res.headers.has('content-security-policy')) {
      c.header('content-security-policy', serializeCsp({ ...cspDirectives(config, 'none'), formAction: ["'self'", ...config.publisherOrigins] }));
    }
  });

  const portalNotFound = (c: Context<AppEnv>) => {
    const { config } = c.var.deps;
    return c.html(
      toHtml(
        <MessagePage
          publication={config.publicationName}
          title="No such test portal"
          message="This test billing portal session does not exist."
          link={`${config.publicUrl}/`}
        />,
      ),
      404,
    );
  };

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
          // filled in, so one click on Pay completes the test payment
          email={loaded.session.customer_email ?? TEST_PAYER.email}
          name={TEST_PAYER.name}
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
    const form = await readForm(c.req);
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
      return c.html(toHtml(<CheckoutForm publication={config.publicationName} base={base} loaded={loaded} email={email} name={name} error={error} />), 400);
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
      ...(done.balanceTransaction ? [insertObject(db, 'balance_transaction', done.balanceTransaction, nowMs)] : []),
      ...(done.invoicePayment ? [insertObject(db, 'invoice_payment', done.invoicePayment, nowMs)] : []),
      insertObject(db, 'payment_method', done.paymentMethod, nowMs),
      ...done.events.map((e) => insertObject(db, 'event', e, nowMs)),
      insertObject(db, DELIVERY_TYPE, record, nowMs),
    ]);
    const after = await getObject<Stripe.Checkout.Session>(db, id, 'checkout.session');
    const won = after?.status === 'complete' && after.payment_intent === done.session.payment_intent && after.subscription === done.session.subscription;
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
    const form = await readForm(c.req);
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

  app.get('/portal/:id', async (c) => {
    const { config, db } = c.var.deps;
    const portal = await getObject<Stripe.BillingPortal.Session>(db, c.req.param('id'), 'billing_portal.session');
    if (!portal) return portalNotFound(c);
    const subscriptions = (await listObjects<Stripe.Subscription>(db, 'subscription')).filter((s) => s.customer === portal.customer && s.status !== 'canceled');
    const cards = await Promise.all(
      subscriptions.map(async (s) =>
        typeof s.default_payment_method === 'string' ? await getObject<Stripe.PaymentMethod>(db, s.default_payment_method, 'payment_method') : null,
      ),
    );
    return c.html(
      toHtml(
        <PortalPage
          publication={config.publicationName}
          action={`${c.req.path}/card`}
          returnUrl={portal.return_url ?? `${config.publicUrl}/`}
          cards={subscriptions.map((s, i) => ({
            subscription: s.id,
            // Stripe's brand values are lower case (visa, mastercard); a page shows them as names
            card: cards[i]?.card
              ? `${cards[i].card.brand.charAt(0).toUpperCase()}${cards[i].card.brand.slice(1)} ending ${cards[i].card.last4}`
              : 'no card on file',
          }))}
        />,
      ),
    );
  });

  // "Update payment method" in the portal: a new card becomes the customer's default and
  // every live subscription's, each sending customer.subscription.updated.
  app.post('/portal/:id/card', async (c) => {
    const deps = c.var.deps;
    const { db, config } = deps;
    const portal = await getObject<Stripe.BillingPortal.Session>(db, c.req.param('id'), 'billing_portal.session');
    if (!portal) return portalNotFound(c);
    const customer = await getObject<Stripe.Customer>(db, portal.customer, 'customer');
    const nowMs = deps.now();
    const nowSec = Math.floor(nowMs / 1000);
    const card = cardPaymentMethod({
      id: stripeId('pm'),
      customerId: portal.customer,
      brand: 'mastercard',
      last4: '4444',
      email: customer?.email ?? null,
      name: customer?.name ?? null,
      nowSec,
    });
    const subscriptions = (await listObjects<Stripe.Subscription>(db, 'subscription')).filter((s) => s.customer === portal.customer && s.status !== 'canceled');
    const writes = [insertObject(db, 'payment_method', card, nowMs)];
    if (customer) {
      const updated: Stripe.Customer = { ...customer, invoice_settings: { ...customer.invoice_settings, default_payment_method: card.id } };
      writes.push(putObject(db, 'customer', updated, nowMs));
    }
    for (const s of subscriptions) {
      const next = { ...s, default_payment_method: card.id };
      const event = customerSubscriptionUpdatedEvent(next, { default_payment_method: s.default_payment_method }, nowSec, { id: null, idempotency_key: null });
      const record: DeliveryRecord = {
        id: apiDeliveryId(event.id),
        session: '',
        events: [{ id: event.id, type: event.type, delivered: false, attempts: 0, last_status: null, last_error: null }],
      };
      writes.push(putObject(db, 'subscription', next, nowMs), insertObject(db, 'event', event, nowMs), insertObject(db, DELIVERY_TYPE, record, nowMs));
    }
    await writeAll(db, writes);
    await deliverQueuedApiEvents(deps, deliver);
    return c.redirect(portal.return_url ?? `${config.publicUrl}/`, 303);
  });

  app.get('/events', async (c) => {
    const { db, config } = c.var.deps;
    const [settings, records] = await Promise.all([getObject<SandboxSettings>(db, SETTINGS_ID, SETTINGS_TYPE), listObjects<DeliveryRecord>(db, DELIVERY_TYPE)]);
    const events = records.filter((r) => r.id.startsWith('api:')).flatMap((r) => r.events);
    return c.html(toHtml(<ApiEventsPage publication={config.publicationName} held={!!settings?.hold_api_events} events={events.reverse()} />));
  });

  app.post('/events', async (c) => {
    const { deps } = c.var;
    const action = (await readForm(c.req)).action;
    if (action === 'hold' || action === 'release') {
      const settings: SandboxSettings = { id: SETTINGS_ID, hold_api_events: action === 'hold' };
      await writeAll(deps.db, [putObject(deps.db, SETTINGS_TYPE, settings, deps.now())]);
    } else if (action === 'send') {
      await deliverQueuedApiEvents(deps, deliver, { evenIfHeld: true });
    } else {
      return c.text('action must be hold, release or send', 400);
    }
    return c.redirect('/sandbox/events', 303);
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
