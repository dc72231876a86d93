// The sandbox's test checkout pages: the stand-in for Stripe's hosted Checkout form and the
// pages around it (already paid or expired, webhook delivery failed, plain messages). Views
// only; sandbox.routes.tsx decides which one a request gets.
import type { Child } from 'hono/jsx';
import type Stripe from 'stripe';
import { formatMoney, isKnownCurrency } from '../lib/money.js';
import { Layout } from '../ui/layout.js';
import type { DeliveryFailure } from './sandbox.delivery.js';
import type { CheckoutSessionExtras } from './sandbox.repo.js';

/** The test card Stripe documents for a successful payment (https://docs.stripe.com/testing#cards). */
export const TEST_CARD = '4242 4242 4242 4242';
export const DECLINED_MESSAGE = 'Your card was declined (test card). No money was taken.';

export type LoadedCheckout = { session: Stripe.Checkout.Session; extras: CheckoutSessionExtras };

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
export function successUrl(session: Stripe.Checkout.Session): string | null {
  return session.success_url ? session.success_url.replaceAll('{CHECKOUT_SESSION_ID}', session.id) : null;
}

export const SANDBOX_PAGE_STYLES = `
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

function Page(props: { title: string; publication: string; children: Child; portal?: boolean }) {
  return (
    <Layout
      title={`${props.title} · ${props.portal ? 'test billing portal' : 'test checkout'}`}
      publication={props.publication}
      head={<link rel="stylesheet" href="/assets/sandbox.css" />}
    >
      <p class="sandbox-banner" role="note">
        Test mode: no real money moves. This page stands in for {props.portal ? 'Stripe’s Billing Portal' : 'Stripe Checkout'}.
      </p>
      {props.children}
    </Layout>
  );
}

export function CheckoutForm(props: { publication: string; base: string; loaded: LoadedCheckout; email: string; name: string; error?: string | undefined }) {
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
          Pay marks this checkout paid and sends {session.mode === 'subscription' ? 'the subscription, invoice and checkout' : 'the checkout'} webhook events to
          this site. Decline simulates a declined card; Cancel goes back without paying.
        </small>
      </p>
    </Page>
  );
}

export function ClosedPage(props: { publication: string; session: Stripe.Checkout.Session; publicUrl: string }) {
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

export function MessagePage(props: { publication: string; title: string; message: string; link: string }) {
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

export function DeliveryFailedPage(props: { publication: string; base: string; failures: DeliveryFailure[] }) {
  return (
    <Page title="Webhook delivery failed" publication={props.publication}>
      <h1>The payment went through, but our site did not accept Stripe's events</h1>
      <p>
        The test payment is recorded in the sandbox, but the webhook endpoint refused these events, so the site does not know about the payment yet. Real Stripe
        would retry them for up to three days; here you can retry them yourself.
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

/** The events API calls caused, and whether they are held back: Stripe's webhook latency on demand. */
export function ApiEventsPage(props: {
  publication: string;
  held: boolean;
  events: { id: string; type: string; delivered: boolean; attempts: number; last_status: number | null }[];
}) {
  const waiting = props.events.filter((e) => !e.delivered).length;
  return (
    <Page title="Test webhook events" publication={props.publication}>
      <h1>Events from API calls</h1>
      <p>
        Stripe sends the events of a refund or a subscription change moments after the call. The sandbox sends them straight away, unless they are held here, as
        if Stripe were slow: the site then shows what it shows while it waits.
      </p>
      <p id="hold-state">{props.held ? `Events are held: ${waiting} waiting.` : 'Events are sent straight away.'}</p>
      <form method="post" action="/sandbox/events">
        {props.held ? (
          <>
            <button type="submit" name="action" value="send">
              Send waiting events
            </button>{' '}
            <button type="submit" name="action" value="release">
              Stop holding events
            </button>
          </>
        ) : (
          <button type="submit" name="action" value="hold">
            Hold events
          </button>
        )}
      </form>
      <ul class="sandbox-failures">
        {props.events.map((e) => (
          <li>
            <strong>{e.type}</strong> (<code>{e.id}</code>):{' '}
            {e.delivered ? 'sent' : e.attempts ? `not accepted (${e.last_status === null ? 'no response' : `HTTP ${e.last_status}`})` : 'waiting'}
          </li>
        ))}
      </ul>
    </Page>
  );
}

/** The stand-in for Stripe's Billing Portal: the card on each live subscription, and a new test card to save. */
export function PortalPage(props: { publication: string; action: string; returnUrl: string; cards: { subscription: string; card: string }[] }) {
  return (
    <Page title="Manage billing" publication={props.publication} portal>
      <h1>Manage billing for {props.publication}</h1>
      <h2>Payment method</h2>
      {props.cards.length ? (
        <ul>
          {props.cards.map((c) => (
            <li>
              Regular gift <code>{c.subscription}</code>: {c.card}
            </li>
          ))}
        </ul>
      ) : (
        <p>No regular gifts are active.</p>
      )}
      <form method="post" action={props.action}>
        <p>Replace the card with the test card Mastercard 5555 5555 5555 4444 (expires 12 / 34).</p>
        <button type="submit">Update card</button>
      </form>
      <p>
        <a href={props.returnUrl}>Return to {props.publication}</a>
      </p>
    </Page>
  );
}
