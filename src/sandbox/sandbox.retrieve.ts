// GET /v1/{resource}/:id for every other object the sandbox holds.
import { Hono, type Context } from 'hono';
import type { Db } from '../../db/db.js';
import { notFound } from './sandbox.errors.js';
import { expandList, expandPaths } from './sandbox.expand.js';
import { queryParams } from './sandbox.form.js';
import { getObject, type SandboxType } from './sandbox.repo.js';

const RETRIEVABLE: Record<string, SandboxType> = {
  subscriptions: 'subscription',
  customers: 'customer',
  payment_intents: 'payment_intent',
  charges: 'charge',
  invoices: 'invoice',
  prices: 'price',
  products: 'product',
  events: 'event',
  balance_transactions: 'balance_transaction',
  invoice_payments: 'invoice_payment',
  payment_methods: 'payment_method',
  refunds: 'refund',
};

export function retrieveApi(opts: { db: Db; now: () => number }): Hono {
  const { db, now } = opts;
  const api = new Hono();

  api.get('/v1/:resource/:id', async (c) => {
    const type = RETRIEVABLE[c.req.param('resource')];
    if (!type) return unrecognised(c);
    const id = c.req.param('id');
    const stored = await getObject<Record<string, unknown>>(db, id, type);
    if (!stored) throw notFound(type, id, 'id');
    await expandPaths(db, stored, expandList(queryParams(c)), now());
    return c.json(stored);
  });

  return api;
}

// Here rather than with the other errors because its message lists RETRIEVABLE.
export function unrecognised(c: Context): Response {
  return c.json(
    {
      error: {
        type: 'invalid_request_error',
        message:
          `Unrecognized request URL (${c.req.method}: ${c.req.path}). The offline sandbox implements only ` +
          'POST /v1/checkout/sessions, GET /v1/checkout/sessions/:id(/line_items), POST and DELETE /v1/subscriptions/:id, POST /v1/billing_portal/sessions, POST /v1/refunds, GET of /v1/{events,balance_transactions,invoice_payments,refunds} and GET of ' +
          `/v1/{${Object.keys(RETRIEVABLE).join(',')}}/:id.`,
      },
    },
    404,
  );
}
