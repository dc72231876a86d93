// What a supporter's account asks of Stripe after the first payment: change a subscription
// (a new inline price, pause or resume collection, a new default card), cancel it, and open
// a Billing Portal session. Each change stores the object as Stripe would return it and the
// event Stripe would send, queued for delivery after the request (sandbox.routes.tsx).
import { Hono, type Context } from 'hono';
import Stripe from 'stripe';
import { z } from 'zod';
import type { Db } from '../../db/db.js';
import { invalid, notFound } from './sandbox.errors.js';
import { customerSubscriptionDeletedEvent, customerSubscriptionUpdatedEvent, type EventRequest } from './sandbox.events.js';
import { decodeStripeForm, stripeParam } from './sandbox.form.js';
import type { NewStripeId } from './sandbox.ids.js';
import { eventRequest, idempotent, queuedEvents, type CallResult } from './sandbox.calls.js';
import { getObject, insertObject, putObject } from './sandbox.repo.js';
import { addInterval } from './sandbox.subscriptions.js';

const id = z.string().min(1).max(255);

// https://docs.stripe.com/api/subscriptions/update: only the parameters Storyfund sends
const updateSchema = z
  .object({
    items: z
      .array(
        z
          .object({
            id,
            price_data: z
              .object({
                currency: z.string().regex(/^[a-z]{3}$/),
                product: id,
                unit_amount: z.coerce.number().int().nonnegative(),
                recurring: z
                  .object({ interval: z.enum(['day', 'week', 'month', 'year']), interval_count: z.coerce.number().int().positive().optional() })
                  .strict(),
              })
              .strict(),
          })
          .strict(),
      )
      .max(1)
      .optional(),
    proration_behavior: z.enum(['create_prorations', 'none', 'always_invoice']).optional(),
    // an empty string unsets it: collection resumes (https://docs.stripe.com/billing/subscriptions/pause-payment)
    pause_collection: z.union([z.literal(''), z.object({ behavior: z.enum(['keep_as_draft', 'mark_uncollectible', 'void']) }).strict()]).optional(),
    default_payment_method: id.optional(),
    metadata: z.record(z.string(), z.string()).optional(),
  })
  .strict();

// https://docs.stripe.com/api/subscriptions/cancel
const cancelSchema = z
  .object({
    cancellation_details: z
      .object({
        comment: z.string().max(5000).optional(),
        feedback: z
          .enum(['customer_service', 'low_quality', 'missing_features', 'other', 'switched_service', 'too_complex', 'too_expensive', 'unused'])
          .optional(),
      })
      .strict()
      .optional(),
    invoice_now: z.string().optional(),
    prorate: z.string().optional(),
  })
  .strict();

const portalSchema = z.object({ customer: id, return_url: z.url().optional() }).strict();

function parse<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const param = stripeParam(issue.path);
    throw invalid(
      issue.code === 'unrecognized_keys' ? `Received unknown parameter: ${issue.keys[0]}` : `Invalid ${param}: ${issue.message}`,
      param || undefined,
    );
  }
  return parsed.data;
}

/** A test card as the Billing Portal or Checkout saves it. */
export function cardPaymentMethod(p: {
  id: string;
  customerId: string | null;
  brand: string;
  last4: string;
  email: string | null;
  name: string | null;
  nowSec: number;
}): Stripe.PaymentMethod {
  return {
    id: p.id,
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: { address: null, email: p.email, name: p.name, phone: null, tax_id: null },
    card: {
      brand: p.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
      country: 'GB',
      display_brand: p.brand,
      exp_month: 12,
      exp_year: 2034,
      funding: 'credit',
      generated_from: null,
      last4: p.last4,
      networks: { available: [p.brand], preferred: null },
      regulated_status: 'unregulated',
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: p.nowSec,
    customer: p.customerId,
    customer_account: null,
    livemode: false,
    metadata: {},
    type: 'card',
  } as Stripe.PaymentMethod;
}

export function billingApi(opts: { db: Db; now: () => number; publicUrl: string; newId: NewStripeId }): Hono {
  const { db, now, publicUrl, newId } = opts;
  const api = new Hono();

  const once = (c: Context, body: string, run: () => Promise<CallResult>) => idempotent(db, now, c, body, run);
  const requestOf = (c: Context): EventRequest => eventRequest(c, newId);
  /** The event, stored and queued for delivery. */
  const queued = (event: Stripe.Event) => queuedEvents(db, now(), event);

  api.post('/v1/subscriptions/:id', async (c) => {
    const body = await c.req.text();
    const params = parse(updateSchema, decodeStripeForm(body));
    return once(c, body, async () => {
      const subId = c.req.param('id');
      const sub = await getObject<Stripe.Subscription>(db, subId, 'subscription');
      if (!sub) throw notFound('subscription', subId, 'id');
      if (sub.status === 'canceled') throw invalid('A canceled subscription can only update its cancellation_details and metadata.');
      const nowMs = now();
      const nowSec = Math.floor(nowMs / 1000);
      const next: Stripe.Subscription = { ...sub, items: { ...sub.items, data: [...sub.items.data] } };
      const previous: Partial<Stripe.Subscription> = {};
      const writes = [];

      const change = params.items?.[0];
      if (change) {
        const index = next.items.data.findIndex((i) => i.id === change.id);
        if (index < 0) throw invalid(`No such subscription item: '${change.id}'`, 'items[0][id]');
        const item = next.items.data[index]!;
        const pd = change.price_data;
        if (pd.currency !== sub.currency) throw invalid('The price currency must match the subscription currency.', 'items[0][price_data][currency]');
        const price: Stripe.Price = {
          ...item.price,
          id: newId('price'),
          created: nowSec,
          product: pd.product,
          unit_amount: pd.unit_amount,
          unit_amount_decimal: Stripe.Decimal.from(String(pd.unit_amount)),
          recurring: { ...item.price.recurring!, interval: pd.recurring.interval, interval_count: pd.recurring.interval_count ?? 1 },
        };
        writes.push(insertObject(db, 'price', price, nowMs));
        previous.items = sub.items;
        const intervalChanged =
          price.recurring!.interval !== item.price.recurring?.interval || price.recurring!.interval_count !== item.price.recurring?.interval_count;
        // A new interval starts a new billing period now (https://docs.stripe.com/billing/subscriptions/billing-cycle#changing);
        // the same interval keeps the period, and proration_behavior=none bills the new amount from the next period.
        const periodStart = intervalChanged ? nowSec : item.current_period_start;
        const periodEnd = intervalChanged ? addInterval(nowSec, price.recurring!.interval, price.recurring!.interval_count) : item.current_period_end;
        next.items.data[index] = {
          ...item,
          price,
          plan: {
            ...item.plan,
            id: price.id,
            amount: price.unit_amount,
            amount_decimal: price.unit_amount_decimal,
            interval: price.recurring!.interval,
            interval_count: price.recurring!.interval_count,
          },
          current_period_start: periodStart,
          current_period_end: periodEnd,
        };
        if (intervalChanged) {
          previous.billing_cycle_anchor = sub.billing_cycle_anchor;
          next.billing_cycle_anchor = nowSec;
        }
      }
      if (params.pause_collection !== undefined) {
        previous.pause_collection = sub.pause_collection;
        next.pause_collection = params.pause_collection === '' ? null : { behavior: params.pause_collection.behavior, resumes_at: null };
      }
      if (params.default_payment_method) {
        if (!(await getObject(db, params.default_payment_method, 'payment_method'))) {
          throw invalid(`No such PaymentMethod: '${params.default_payment_method}'`, 'default_payment_method');
        }
        previous.default_payment_method = sub.default_payment_method;
        next.default_payment_method = params.default_payment_method;
      }
      if (params.metadata) {
        previous.metadata = sub.metadata;
        next.metadata = { ...sub.metadata, ...params.metadata };
      }
      writes.push(putObject(db, 'subscription', next, nowMs));
      // Stripe sends no event for an update that changes nothing
      if (Object.keys(previous).length > 0) writes.push(...queued(customerSubscriptionUpdatedEvent(next, previous, nowSec, requestOf(c), newId)));
      return { object: next, writes };
    });
  });

  api.delete('/v1/subscriptions/:id', async (c) => {
    const body = await c.req.text();
    const params = parse(cancelSchema, decodeStripeForm(body || new URL(c.req.url).search.slice(1)));
    return once(c, body, async () => {
      const subId = c.req.param('id');
      const sub = await getObject<Stripe.Subscription>(db, subId, 'subscription');
      if (!sub) throw notFound('subscription', subId, 'id');
      if (sub.status === 'canceled') throw invalid(`This subscription has already been canceled: ${subId}`);
      const nowMs = now();
      const nowSec = Math.floor(nowMs / 1000);
      const next: Stripe.Subscription = {
        ...sub,
        status: 'canceled',
        canceled_at: nowSec,
        ended_at: nowSec,
        cancellation_details: {
          comment: params.cancellation_details?.comment ?? null,
          feedback: params.cancellation_details?.feedback ?? null,
          feedback_option: null,
          reason: 'cancellation_requested',
        },
      };
      return {
        object: next,
        writes: [putObject(db, 'subscription', next, nowMs), ...queued(customerSubscriptionDeletedEvent(next, nowSec, requestOf(c), newId))],
      };
    });
  });

  api.post('/v1/billing_portal/sessions', async (c) => {
    const body = await c.req.text();
    const params = parse(portalSchema, decodeStripeForm(body));
    return once(c, body, async () => {
      if (!(await getObject(db, params.customer, 'customer'))) throw invalid(`No such customer: '${params.customer}'`, 'customer');
      const nowMs = now();
      const sessionId = newId('bps');
      const session = {
        id: sessionId,
        object: 'billing_portal.session',
        configuration: newId('bpc'),
        created: Math.floor(nowMs / 1000),
        customer: params.customer,
        customer_account: null,
        flow: null,
        livemode: false,
        locale: null,
        on_behalf_of: null,
        return_url: params.return_url ?? null,
        url: `${publicUrl}/sandbox/portal/${sessionId}`,
      } satisfies Stripe.BillingPortal.Session;
      return { object: session, writes: [insertObject(db, 'billing_portal.session', session, nowMs)] };
    });
  });

  return api;
}
