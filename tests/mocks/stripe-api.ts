// msw handlers that answer the Stripe SDK's HTTP calls in tests. A test registers the
// objects it expects Stripe to hold; any other request fails the test (onUnhandledRequest).
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import type Stripe from 'stripe';

export type StripeStore = {
  sessions: Map<string, Stripe.Checkout.Session>;
  subscriptions: Map<string, Stripe.Subscription>;
  /** every create-session call: its decoded form body and idempotency key */
  created: { body: URLSearchParams; idempotencyKey: string | null }[];
};

export function createStripeStore(): StripeStore {
  return { sessions: new Map(), subscriptions: new Map(), created: [] };
}

const notFound = (what: string, id: string) =>
  HttpResponse.json({ error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such ${what}: '${id}'`, param: 'id' } }, { status: 404 });

export function stripeHandlers(store: StripeStore) {
  const base = 'https://api.stripe.com/v1';
  return [
    http.post(`${base}/checkout/sessions`, async ({ request }) => {
      const body = new URLSearchParams(await request.text());
      store.created.push({ body, idempotencyKey: request.headers.get('idempotency-key') });
      const id = `cs_test_${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
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
  ];
}

export function startStripeMock(store: StripeStore = createStripeStore()) {
  const server = setupServer(...stripeHandlers(store));
  server.listen({ onUnhandledRequest: 'error' });
  return { server, store, close: () => server.close() };
}
