// The sandbox's subscription changes, cancellation, Billing Portal sessions and payment
// methods, through the real stripe SDK: what each returns, the event each queues, and the
// idempotency and parameter rules Stripe applies.
import type Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateNodeDb, openNodeDb, type NodeDb } from '../../db/node.js';
import { createSandboxStripe } from './sandbox.client.js';
import { completeCheckoutSession } from './sandbox.completion.js';
import {
  DELIVERY_TYPE,
  EXTRAS_TYPE,
  extrasId,
  getObject,
  insertObject,
  listObjects,
  putObject,
  writeAll,
  type CheckoutSessionExtras,
  type DeliveryRecord,
} from './sandbox.repo.js';

const PUBLIC_URL = 'http://localhost:8787';
const NOW = Date.UTC(2026, 10, 3, 12, 0, 0);

let handle: NodeDb | undefined;
afterEach(() => handle?.close());

/** A paid £5 monthly subscription in the sandbox store, as Pay on the test checkout leaves it. */
async function paidSubscription() {
  handle = openNodeDb(':memory:');
  migrateNodeDb(handle);
  const db = handle.db;
  const stripe = createSandboxStripe({ db, now: () => NOW, publicUrl: PUBLIC_URL });
  const session = await stripe.checkout.sessions.create({
    mode: 'subscription',
    line_items: [
      { quantity: 1, price_data: { currency: 'gbp', unit_amount: 500, product_data: { name: 'Monthly support' }, recurring: { interval: 'month' } } },
    ],
    subscription_data: { metadata: { gift_id: 'gift_1' } },
    success_url: `${PUBLIC_URL}/thank-you?session_id={CHECKOUT_SESSION_ID}`,
    cancel_url: `${PUBLIC_URL}/`,
  });
  const extras = (await getObject<CheckoutSessionExtras>(db, extrasId(session.id), EXTRAS_TYPE))!;
  const done = completeCheckoutSession({ session, extras, payer: { email: 'reader@example.com', name: 'Reader' }, existingCustomer: null, nowMs: NOW });
  await writeAll(db, [
    putObject(db, 'checkout.session', done.session, NOW),
    insertObject(db, 'customer', done.customer!, NOW),
    insertObject(db, 'subscription', done.subscription!, NOW),
    insertObject(db, 'payment_method', done.paymentMethod, NOW),
  ]);
  return { db, stripe, sub: done.subscription!, customer: done.customer! };
}

async function queuedEvents(db: NodeDb['db']): Promise<Stripe.Event[]> {
  const records = (await listObjects<DeliveryRecord>(db, DELIVERY_TYPE)).filter((r) => r.id.startsWith('api:'));
  return Promise.all(records.map(async (r) => (await getObject<Stripe.Event>(db, r.events[0]!.id, 'event'))!));
}

describe('sandbox subscription changes', () => {
  it('puts a new inline price on the item, keeps the period without proration, and queues customer.subscription.updated with the old items', async () => {
    const { db, stripe, sub } = await paidSubscription();
    const item = sub.items.data[0]!;
    const updated = await stripe.subscriptions.update(
      sub.id,
      {
        items: [{ id: item.id, price_data: { currency: 'gbp', product: item.price.product as string, unit_amount: 800, recurring: { interval: 'month' } } }],
        proration_behavior: 'none',
      },
      { idempotencyKey: 'k-amount' },
    );
    expect(updated.items.data[0]!.price.unit_amount).toBe(800);
    expect(updated.items.data[0]!.price.id).not.toBe(item.price.id);
    expect(updated.items.data[0]!.current_period_end).toBe(item.current_period_end);
    const [event] = await queuedEvents(db);
    expect(event!.type).toBe('customer.subscription.updated');
    expect(event!.request).toEqual({ id: expect.stringMatching(/^req_/), idempotency_key: 'k-amount' });
    const data = event!.data as Stripe.CustomerSubscriptionUpdatedEvent.Data;
    expect(data.object.items.data[0]!.price.unit_amount).toBe(800);
    expect((data.previous_attributes!.items as Stripe.ApiList<Stripe.SubscriptionItem>).data[0]!.price.unit_amount).toBe(500);

    // the same key replays the first answer and queues nothing more
    const again = await stripe.subscriptions.update(
      sub.id,
      {
        items: [{ id: item.id, price_data: { currency: 'gbp', product: item.price.product as string, unit_amount: 800, recurring: { interval: 'month' } } }],
        proration_behavior: 'none',
      },
      { idempotencyKey: 'k-amount' },
    );
    expect(again.items.data[0]!.price.id).toBe(updated.items.data[0]!.price.id);
    expect(await queuedEvents(db)).toHaveLength(1);
  });

  it('starts a new period when the interval changes', async () => {
    const { stripe, sub } = await paidSubscription();
    const item = sub.items.data[0]!;
    const annual = await stripe.subscriptions.update(sub.id, {
      items: [{ id: item.id, price_data: { currency: 'gbp', product: item.price.product as string, unit_amount: 6000, recurring: { interval: 'year' } } }],
      proration_behavior: 'none',
    });
    expect(annual.items.data[0]!.price.recurring!.interval).toBe('year');
    expect(annual.items.data[0]!.current_period_end).toBe(Math.floor(Date.UTC(2027, 10, 3, 12) / 1000));
  });

  it('pauses collection and resumes it by unsetting pause_collection', async () => {
    const { db, stripe, sub } = await paidSubscription();
    expect((await stripe.subscriptions.update(sub.id, { pause_collection: { behavior: 'void' } })).pause_collection).toEqual({
      behavior: 'void',
      resumes_at: null,
    });
    expect((await stripe.subscriptions.update(sub.id, { pause_collection: '' })).pause_collection).toBeNull();
    const events = await queuedEvents(db);
    expect(events.map((e) => (e.data as Stripe.CustomerSubscriptionUpdatedEvent.Data).object.pause_collection?.behavior ?? null).sort()).toEqual(
      [null, 'void'].sort(),
    );
  });

  it('refuses what Stripe refuses: an unknown parameter, another currency, a missing item', async () => {
    const { stripe, sub } = await paidSubscription();
    const item = sub.items.data[0]!;
    await expect(stripe.subscriptions.update(sub.id, { collection_method: 'send_invoice' })).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      message: expect.stringContaining('collection_method'),
    });
    await expect(
      stripe.subscriptions.update(sub.id, {
        items: [{ id: item.id, price_data: { currency: 'usd', product: 'prod_x', unit_amount: 800, recurring: { interval: 'month' } } }],
      }),
    ).rejects.toMatchObject({ param: 'items[0][price_data][currency]' });
    await expect(
      stripe.subscriptions.update(sub.id, {
        items: [{ id: 'si_missing', price_data: { currency: 'gbp', product: 'prod_x', unit_amount: 800, recurring: { interval: 'month' } } }],
      }),
    ).rejects.toMatchObject({ param: 'items[0][id]' });
    await expect(stripe.subscriptions.update('sub_missing', { pause_collection: '' })).rejects.toMatchObject({ statusCode: 404 });
  });

  it("cancels with the supporter's feedback, queues customer.subscription.deleted, and refuses a second cancel or a later change", async () => {
    const { db, stripe, sub } = await paidSubscription();
    const cancelled = await stripe.subscriptions.cancel(sub.id, { cancellation_details: { feedback: 'too_expensive', comment: 'Moving abroad' } });
    expect(cancelled.status).toBe('canceled');
    expect(cancelled.canceled_at).toBe(NOW / 1000);
    expect(cancelled.cancellation_details).toMatchObject({ feedback: 'too_expensive', comment: 'Moving abroad', reason: 'cancellation_requested' });
    expect((await queuedEvents(db)).map((e) => e.type)).toEqual(['customer.subscription.deleted']);
    await expect(stripe.subscriptions.cancel(sub.id)).rejects.toMatchObject({ message: expect.stringContaining('already been canceled') });
    await expect(stripe.subscriptions.update(sub.id, { pause_collection: '' })).rejects.toMatchObject({
      message: expect.stringContaining('canceled subscription'),
    });
  });
});

describe('sandbox Billing Portal and payment methods', () => {
  it('creates a portal session whose page is served by the app, for a known customer only', async () => {
    const { stripe, customer } = await paidSubscription();
    const portal = await stripe.billingPortal.sessions.create({ customer: customer.id, return_url: `${PUBLIC_URL}/account` });
    expect(portal.url).toBe(`${PUBLIC_URL}/sandbox/portal/${portal.id}`);
    expect(portal.return_url).toBe(`${PUBLIC_URL}/account`);
    await expect(stripe.billingPortal.sessions.create({ customer: 'cus_missing' })).rejects.toMatchObject({ param: 'customer' });
  });

  it('retrieves the card Checkout saved, and expands it on the subscription', async () => {
    const { stripe, sub } = await paidSubscription();
    const withCard = await stripe.subscriptions.retrieve(sub.id, { expand: ['default_payment_method'] });
    const pm = withCard.default_payment_method as Stripe.PaymentMethod;
    expect(pm.card).toMatchObject({ brand: 'visa', last4: '4242' });
    expect((await stripe.paymentMethods.retrieve(pm.id)).id).toBe(pm.id);
  });
});
