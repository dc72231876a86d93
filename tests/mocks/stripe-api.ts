// msw handlers that answer the Stripe SDK's HTTP calls in tests. A test registers the
// objects it expects Stripe to hold; any other request fails the test (onUnhandledRequest).
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import type Stripe from 'stripe';

type StripeObject = { id: string; object: string; created?: number } & Record<string, unknown>;

export type StripeStore = {
  sessions: Map<string, Stripe.Checkout.Session>;
  subscriptions: Map<string, Stripe.Subscription>;
  /** every create-session call: its decoded form body and idempotency key */
  created: { body: URLSearchParams; idempotencyKey: string | null }[];
  /** any other object Stripe holds, by id, in its current state: charges, refunds, disputes, invoices, … */
  objects: Map<string, StripeObject>;
  /** the balance transactions each automatic payout settled */
  payoutItems: Map<string, string[]>;
  /** what the events API returns */
  events: Stripe.Event[];
  /** subscriptions cancelled through the API, in order */
  cancels: { id: string; idempotencyKey: string | null }[];
  /** subscription updates, in order: the id, the decoded form body and the idempotency key */
  updates: { id: string; body: URLSearchParams; idempotencyKey: string | null }[];
  /** Billing Portal sessions created: the form body */
  portals: URLSearchParams[];
  /** refund create calls, in order: the decoded form body and the idempotency key */
  refundCreates: { body: URLSearchParams; idempotencyKey: string | null }[];
  /** the first answer to each idempotency key, replayed as Stripe replays it */
  idempotent: Map<string, { status: number; body: unknown }>;
  /** Stripe's clock for what the mock changes itself (a cancellation's canceled_at), seconds */
  nowSec: number;
};

export function createStripeStore(): StripeStore {
  return {
    sessions: new Map(),
    subscriptions: new Map(),
    created: [],
    objects: new Map(),
    payoutItems: new Map(),
    events: [],
    cancels: [],
    updates: [],
    portals: [],
    refundCreates: [],
    idempotent: new Map(),
    nowSec: 1_764_000_000,
  };
}

/** Puts Stripe objects in the store by id; subscriptions go where the retrieve handler looks. */
export function holdObjects(store: StripeStore, ...objects: { id: string; object: string }[]): void {
  for (const o of objects) {
    if (o.object === 'subscription') store.subscriptions.set(o.id, o as unknown as Stripe.Subscription);
    else store.objects.set(o.id, o as unknown as StripeObject);
  }
}

const RESOURCE: Record<string, string> = {
  charges: 'charge',
  payment_intents: 'payment_intent',
  refunds: 'refund',
  balance_transactions: 'balance_transaction',
  invoices: 'invoice',
  disputes: 'dispute',
  payouts: 'payout',
  invoice_payments: 'invoice_payment',
};

function lookup(store: StripeStore, id: string): StripeObject | undefined {
  return (
    store.objects.get(id) ??
    (store.subscriptions.get(id) as unknown as StripeObject | undefined) ??
    (store.sessions.get(id) as unknown as StripeObject | undefined)
  );
}

/** expand[]: replaces ids the store holds by their objects (https://docs.stripe.com/expand). */
function expand(store: StripeStore, value: unknown, path: string[]): unknown {
  if (path.length === 0 || value == null || typeof value !== 'object') return value;
  const [head, ...rest] = path as [string, ...string[]];
  const obj = { ...(value as Record<string, unknown>) };
  let child = obj[head];
  if (typeof child === 'string') child = lookup(store, child) ?? child;
  obj[head] = Array.isArray(child) ? child.map((c) => expand(store, c, rest)) : expand(store, child, rest);
  return obj;
}

function expansions(query: URLSearchParams): string[] {
  return [...query.entries()].filter(([k]) => /^expand\[\d*\]$/.test(k)).map(([, v]) => v);
}

/** One page of a list, newest first, as Stripe pages (limit, starting_after). */
function page(store: StripeStore, url: URL, items: StripeObject[]) {
  const q = url.searchParams;
  const sorted = [...items].sort((a, b) => (b.created ?? 0) - (a.created ?? 0) || (a.id < b.id ? 1 : -1));
  const after = q.get('starting_after');
  const start = after ? sorted.findIndex((o) => o.id === after) + 1 : 0;
  const limit = Number(q.get('limit') ?? 10);
  const slice = sorted.slice(start, start + limit);
  const exp = expansions(q)
    .filter((e) => e.startsWith('data.'))
    .map((e) => e.slice(5).split('.'));
  const data = slice.map((o) => exp.reduce<unknown>((acc, p) => expand(store, acc, p), o));
  return HttpResponse.json({ object: 'list', data, has_more: start + limit < sorted.length, url: url.pathname });
}

function createdFilter(q: URLSearchParams): (o: { created?: number }) => boolean {
  const gte = q.get('created[gte]');
  const lt = q.get('created[lt]');
  return (o) => (gte == null || (o.created ?? 0) >= Number(gte)) && (lt == null || (o.created ?? 0) < Number(lt));
}

function ofType(store: StripeStore, type: string): StripeObject[] {
  return [...store.objects.values()].filter((o) => o.object === type);
}

const refId = (v: unknown): string | null => (v == null ? null : typeof v === 'string' ? v : ((v as { id?: string }).id ?? null));

const notFound = (what: string, id: string) =>
  HttpResponse.json({ error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such ${what}: '${id}'`, param: 'id' } }, { status: 404 });

export function stripeHandlers(store: StripeStore) {
  const base = 'https://api.stripe.com/v1';
  // numbers the sessions this mock creates; the store's own list is emptied between tests
  let sessionsCreated = 0;
  return [
    http.post(`${base}/checkout/sessions`, async ({ request }) => {
      const body = new URLSearchParams(await request.text());
      store.created.push({ body, idempotencyKey: request.headers.get('idempotency-key') });
      const id = `cs_test_mock${String(++sessionsCreated).padStart(6, '0')}`;
      const session = {
        id,
        object: 'checkout.session',
        mode: body.get('mode'),
        status: 'open',
        payment_status: 'unpaid',
        client_reference_id: body.get('client_reference_id'),
        currency: body.get('line_items[0][price_data][currency]'),
        amount_total: Number(body.get('line_items[0][price_data][unit_amount]')),
        metadata: Object.fromEntries([...body.entries()].filter(([k]) => k.startsWith('metadata[')).map(([k, v]) => [k.slice(9, -1), v])),
        url: `https://checkout.stripe.com/c/pay/${id}`,
        customer_details: null,
      } as unknown as Stripe.Checkout.Session;
      store.sessions.set(id, session);
      return HttpResponse.json(session);
    }),
    http.get(`${base}/checkout/sessions/:id`, ({ params }) => {
      const s = store.sessions.get(String(params.id));
      return s ? HttpResponse.json(s) : notFound('checkout.session', String(params.id));
    }),
    http.get(`${base}/subscriptions/:id`, ({ params }) => {
      const s = store.subscriptions.get(String(params.id));
      return s ? HttpResponse.json(s) : notFound('subscription', String(params.id));
    }),
    // cancel (https://docs.stripe.com/api/subscriptions/cancel): ends it now
    http.delete(`${base}/subscriptions/:id`, ({ params, request }) => {
      const s = store.subscriptions.get(String(params.id));
      if (!s) return notFound('subscription', String(params.id));
      if (s.status === 'canceled') {
        return HttpResponse.json(
          { error: { type: 'invalid_request_error', message: 'A canceled subscription can only update its cancellation_details and metadata.' } },
          { status: 400 },
        );
      }
      const canceled = { ...s, status: 'canceled', canceled_at: store.nowSec, ended_at: store.nowSec } as Stripe.Subscription;
      store.subscriptions.set(s.id, canceled);
      store.cancels.push({ id: s.id, idempotencyKey: request.headers.get('idempotency-key') });
      return HttpResponse.json(canceled);
    }),
    // update (https://docs.stripe.com/api/subscriptions/update): recorded; pause_collection applied
    http.post(`${base}/subscriptions/:id`, async ({ params, request }) => {
      const s = store.subscriptions.get(String(params.id));
      if (!s) return notFound('subscription', String(params.id));
      const body = new URLSearchParams(await request.text());
      store.updates.push({ id: s.id, body, idempotencyKey: request.headers.get('idempotency-key') });
      const pause = body.get('pause_collection[behavior]');
      const next = {
        ...s,
        pause_collection: pause ? { behavior: pause, resumes_at: null } : body.has('pause_collection') ? null : s.pause_collection,
      } as Stripe.Subscription;
      store.subscriptions.set(s.id, next);
      return HttpResponse.json(next);
    }),
    http.post(`${base}/billing_portal/sessions`, async ({ request }) => {
      const body = new URLSearchParams(await request.text());
      store.portals.push(body);
      const id = `bps_mock${store.portals.length}`;
      return HttpResponse.json({
        id,
        object: 'billing_portal.session',
        customer: body.get('customer'),
        return_url: body.get('return_url'),
        url: `https://billing.stripe.com/p/session/${id}`,
      });
    }),
    http.get(`${base}/events`, ({ request }) => {
      const url = new URL(request.url);
      return page(store, url, (store.events as unknown as StripeObject[]).filter(createdFilter(url.searchParams)));
    }),
    http.get(`${base}/balance_transactions`, ({ request }) => {
      const url = new URL(request.url);
      const payout = url.searchParams.get('payout');
      let items = ofType(store, 'balance_transaction').filter(createdFilter(url.searchParams));
      if (payout) {
        const ids = new Set(store.payoutItems.get(payout) ?? []);
        items = items.filter((bt) => ids.has(bt.id));
      }
      return page(store, url, items);
    }),
    // create a refund (https://docs.stripe.com/api/refunds/create): refused as Stripe refuses
    // a disputed charge, one refunded in full, or more than is left; the charge's
    // amount_refunded follows. The same idempotency key answers the first answer again.
    http.post(`${base}/refunds`, async ({ request }) => {
      const body = new URLSearchParams(await request.text());
      const key = request.headers.get('idempotency-key');
      store.refundCreates.push({ body, idempotencyKey: key });
      const prior = key ? store.idempotent.get(key) : undefined;
      if (prior) return HttpResponse.json(prior.body as Record<string, unknown>, { status: prior.status });
      const answer = (status: number, json: Record<string, unknown>) => {
        if (key) store.idempotent.set(key, { status, body: json });
        return HttpResponse.json(json, { status });
      };
      const refuse = (code: string, message: string) => answer(400, { error: { type: 'invalid_request_error', code, message } });
      const piId = body.get('payment_intent') ?? '';
      const pi = store.objects.get(piId);
      if (pi?.object !== 'payment_intent')
        return answer(404, {
          error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such payment_intent: '${piId}'`, param: 'payment_intent' },
        });
      const charge = store.objects.get(refId(pi.latest_charge) ?? '');
      if (!charge) return refuse('charge_expired_for_capture', 'This PaymentIntent has no successful charge to refund.');
      if (charge.disputed) return refuse('charge_disputed', `Charge ${charge.id} has been charged back; cannot issue a refund.`);
      const left = Number(charge.amount) - Number(charge.amount_refunded ?? 0);
      if (left <= 0) return refuse('charge_already_refunded', `Charge ${charge.id} has already been refunded.`);
      const amount = body.has('amount') ? Number(body.get('amount')) : left;
      if (amount > left) return refuse('amount_too_large', `Refund amount (${amount}) is greater than unrefunded amount on charge (${left})`);
      const refund = {
        id: `re_mock${String(store.refundCreates.length).padStart(6, '0')}`,
        object: 'refund',
        amount,
        balance_transaction: null,
        charge: charge.id,
        created: store.nowSec,
        currency: charge.currency,
        metadata: Object.fromEntries([...body.entries()].filter(([k]) => k.startsWith('metadata[')).map(([k, v]) => [k.slice(9, -1), v])),
        payment_intent: pi.id,
        reason: body.get('reason'),
        status: 'succeeded',
      };
      store.objects.set(refund.id, refund);
      store.objects.set(charge.id, { ...charge, amount_refunded: Number(charge.amount_refunded ?? 0) + amount, refunded: amount === left });
      return answer(200, refund);
    }),
    http.get(`${base}/refunds`, ({ request }) => {
      const url = new URL(request.url);
      const charge = url.searchParams.get('charge');
      return page(
        store,
        url,
        ofType(store, 'refund').filter((r) => !charge || refId(r.charge) === charge),
      );
    }),
    http.get(`${base}/invoice_payments`, ({ request }) => {
      const url = new URL(request.url);
      const q = url.searchParams;
      const invoice = q.get('invoice');
      const pi = q.get('payment[payment_intent]');
      return page(
        store,
        url,
        ofType(store, 'invoice_payment').filter(
          (p) => (!invoice || refId(p.invoice) === invoice) && (!pi || refId((p.payment as { payment_intent?: unknown }).payment_intent) === pi),
        ),
      );
    }),
    http.get(`${base}/:resource/:id`, ({ params, request }) => {
      const type = RESOURCE[String(params.resource)];
      const id = String(params.id);
      const o = store.objects.get(id);
      if (!type)
        return HttpResponse.json(
          { error: { type: 'invalid_request_error', message: `Unrecognized request URL (GET: ${new URL(request.url).pathname})` } },
          { status: 404 },
        );
      if (!o || o.object !== type) return notFound(type, id);
      return HttpResponse.json(
        expansions(new URL(request.url).searchParams).reduce<unknown>((acc, p) => expand(store, acc, p.split('.')), o) as Record<string, unknown>,
      );
    }),
  ];
}

export function startStripeMock(store: StripeStore = createStripeStore()) {
  const server = setupServer(...stripeHandlers(store));
  server.listen({ onUnhandledRequest: 'error' });
  return { server, store, close: () => server.close() };
}
