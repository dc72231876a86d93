// Turns one verified Stripe event into ledger writes. Reads what we hold, then calls the
// pure rules in ledger.ts; the route runs the writes and the processed mark atomically.
import type Stripe from 'stripe';
import type { Frequency } from '../../db/schema.js';
import type { Deps } from '../deps.js';
import {
  asInterval,
  frequencyOfInterval,
  onInvoicePaid,
  onSessionExpired,
  onSessionFailed,
  onSessionSettled,
  subscriptionStateOrder,
  type Write,
} from '../ledger/ledger.js';
import { findRecurring, resolveGift } from '../ledger/ledger.repo.js';

type Handler = (event: Stripe.Event, deps: Deps) => Promise<Write[]>;

const idOf = (v: string | { id: string } | null | undefined): string | null => (v == null ? null : typeof v === 'string' ? v : v.id);

/** Our gift id travels as client_reference_id and in metadata (set by POST /checkout). */
function giftIdOf(session: Stripe.Checkout.Session): string | null {
  return session.client_reference_id ?? session.metadata?.gift_id ?? null;
}

async function sessionSettled(event: Stripe.Event, deps: Deps): Promise<Write[]> {
  const session = event.data.object as Stripe.Checkout.Session;
  if (session.mode === 'setup') return [];
  const subscriptionId = idOf(session.subscription);
  const gift = await resolveGift(deps.db, { giftId: giftIdOf(session), sessionId: session.id, subscriptionId });
  const interval = subscriptionId && !gift ? await subscriptionInterval(deps, subscriptionId) : null;
  return onSessionSettled(
    {
      sessionId: session.id,
      mode: session.mode,
      paymentStatus: session.payment_status,
      amountTotal: session.amount_total ?? 0,
      currency: session.currency ?? deps.config.defaultCurrency,
      email: session.customer_details?.email ?? session.customer_email ?? null,
      name: session.customer_details?.name ?? null,
      customerId: idOf(session.customer),
      paymentIntentId: idOf(session.payment_intent),
      subscriptionId,
      interval,
      stripeCreated: event.created,
    },
    gift,
    deps.config.publicationName,
  );
}

/** Where a payload cannot settle a fact, ask Stripe for the current object. */
async function subscriptionInterval(deps: Deps, subscriptionId: string): Promise<'month' | 'year' | null> {
  const known = await findRecurring(deps.db, subscriptionId);
  if (known?.interval) return known.interval;
  const sub = await deps.stripe.subscriptions.retrieve(subscriptionId);
  return asInterval(sub.items.data[0]?.price.recurring?.interval);
}

function invoiceSubscription(invoice: Stripe.Invoice): { subscriptionId: string | null; giftId: string | null } {
  const details = invoice.parent?.subscription_details;
  return { subscriptionId: idOf(details?.subscription), giftId: details?.metadata?.gift_id ?? null };
}

async function invoicePaid(event: Stripe.Event, deps: Deps): Promise<Write[]> {
  const invoice = event.data.object as Stripe.Invoice;
  const { subscriptionId, giftId } = invoiceSubscription(invoice);
  if (!subscriptionId) return []; // a one-off invoice is not a donation we took
  const gift = await resolveGift(deps.db, { giftId, subscriptionId });
  const frequency: Frequency =
    gift && gift.frequency !== 'one_off' ? gift.frequency : (frequencyOfInterval(await subscriptionInterval(deps, subscriptionId)) ?? 'monthly');
  return onInvoicePaid(
    {
      invoiceId: invoice.id,
      subscriptionId,
      billingReason: invoice.billing_reason,
      amountPaid: invoice.amount_paid,
      currency: invoice.currency,
      email: invoice.customer_email,
      name: invoice.customer_name,
      customerId: idOf(invoice.customer),
      paidAt: invoice.status_transitions?.paid_at ?? event.created,
    },
    gift,
    frequency,
    deps.config.publicationName,
  );
}

async function subscriptionChanged(event: Stripe.Event, deps: Deps): Promise<Write[]> {
  const sub = event.data.object as Stripe.Subscription;
  const item = sub.items.data[0];
  return [
    {
      type: 'recurring.state',
      recurring: {
        subscriptionId: sub.id,
        giftId: (await resolveGift(deps.db, { giftId: sub.metadata?.gift_id, subscriptionId: sub.id }))?.id ?? null,
        stripeCustomerId: idOf(sub.customer),
        status: event.type === 'customer.subscription.deleted' ? 'canceled' : sub.status,
        interval: asInterval(item?.price.recurring?.interval),
        amountMinor: item?.price.unit_amount != null ? item.price.unit_amount * (item.quantity ?? 1) : null,
        currency: item?.price.currency ?? sub.currency ?? null,
        cancelAtPeriodEnd: sub.cancel_at_period_end,
        currentPeriodEnd: item?.current_period_end != null ? item.current_period_end * 1000 : null,
        order: subscriptionStateOrder(event.type, event.created),
      },
    },
  ];
}

async function sessionFailed(event: Stripe.Event, deps: Deps): Promise<Write[]> {
  const session = event.data.object as Stripe.Checkout.Session;
  return onSessionFailed(await resolveGift(deps.db, { giftId: giftIdOf(session), sessionId: session.id }));
}

async function sessionExpired(event: Stripe.Event, deps: Deps): Promise<Write[]> {
  const session = event.data.object as Stripe.Checkout.Session;
  return onSessionExpired(await resolveGift(deps.db, { giftId: giftIdOf(session), sessionId: session.id }));
}

/** Event types we act on. Anything else is stored and acknowledged. */
export const HANDLERS: Partial<Record<Stripe.Event['type'], Handler>> = {
  'checkout.session.completed': sessionSettled,
  'checkout.session.async_payment_succeeded': sessionSettled,
  'checkout.session.async_payment_failed': sessionFailed,
  'checkout.session.expired': sessionExpired,
  'invoice.paid': invoicePaid,
  'customer.subscription.created': subscriptionChanged,
  'customer.subscription.updated': subscriptionChanged,
  'customer.subscription.deleted': subscriptionChanged,
  'customer.subscription.paused': subscriptionChanged,
  'customer.subscription.resumed': subscriptionChanged,
};
