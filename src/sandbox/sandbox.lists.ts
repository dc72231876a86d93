// The list endpoints: newest first, paged by limit and starting_after
// (https://docs.stripe.com/api/pagination), for the ledger's reconciliation and its
// invoice-to-payment links.
import { Hono, type Context } from 'hono';
import type Stripe from 'stripe';
import type { Db } from '../../db/db.js';
import { expandList, expandPaths } from './sandbox.expand.js';
import { queryParams } from './sandbox.form.js';
import { listObjects } from './sandbox.repo.js';

export function listsApi(opts: { db: Db; now: () => number }): Hono {
  const { db, now } = opts;
  const api = new Hono();

  api.get('/v1/events', async (c) => {
    const params = queryParams(c);
    const events = await listObjects<Stripe.Event>(db, 'event');
    return c.json(await listPage(db, c, events.filter(createdWithin(params)), params, now()));
  });

  api.get('/v1/balance_transactions', async (c) => {
    const params = queryParams(c);
    // the sandbox makes no payouts, so nothing has been paid out yet
    const bts = params.payout ? [] : await listObjects<Stripe.BalanceTransaction>(db, 'balance_transaction');
    return c.json(await listPage(db, c, bts.filter(createdWithin(params)), params, now()));
  });

  // a charge's or a payment intent's refunds (https://docs.stripe.com/api/refunds/list)
  api.get('/v1/refunds', async (c) => {
    const params = queryParams(c);
    const refunds = await listObjects<Stripe.Refund>(db, 'refund');
    const wanted = refunds.filter(
      (r) => (params.charge == null || r.charge === params.charge) && (params.payment_intent == null || r.payment_intent === params.payment_intent),
    );
    return c.json(await listPage(db, c, wanted.filter(createdWithin(params)), params, now()));
  });

  api.get('/v1/invoice_payments', async (c) => {
    const params = queryParams(c);
    const payment = (params.payment ?? {}) as { payment_intent?: string };
    const all = await listObjects<Stripe.InvoicePayment>(db, 'invoice_payment');
    const wanted = all.filter(
      (p) =>
        (params.invoice == null || p.invoice === params.invoice) && (payment.payment_intent == null || p.payment.payment_intent === payment.payment_intent),
    );
    return c.json(await listPage(db, c, wanted, params, now()));
  });

  return api;
}

function createdWithin(params: Record<string, unknown>): (o: { created: number }) => boolean {
  const created = params.created;
  if (created == null) return () => true;
  if (typeof created === 'string') return (o) => o.created === Number(created);
  const r = created as Record<string, string | undefined>;
  const n = (v: string | undefined) => (v == null ? null : Number(v));
  const [gt, gte, lt, lte] = [n(r.gt), n(r.gte), n(r.lt), n(r.lte)];
  return (o) => (gt == null || o.created > gt) && (gte == null || o.created >= gte) && (lt == null || o.created < lt) && (lte == null || o.created <= lte);
}

/** One page of a list: newest first, `limit` (default 10, at most 100) after `starting_after`. */
async function listPage<T extends { id: string; created: number }>(db: Db, c: Context, items: T[], params: Record<string, unknown>, nowMs: number) {
  const sorted = [...items].sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1));
  const after = typeof params.starting_after === 'string' ? sorted.findIndex((o) => o.id === params.starting_after) + 1 : 0;
  const limit = Math.min(100, Math.max(1, Number(params.limit ?? 10) || 10));
  const data = sorted.slice(after, after + limit).map((o) => ({ ...o }) as Record<string, unknown>);
  const expand = expandList(params)
    .filter((e) => e.startsWith('data.'))
    .map((e) => e.slice(5));
  for (const o of data) await expandPaths(db, o, expand, nowMs);
  return { object: 'list', data, has_more: after + limit < sorted.length, url: new URL(c.req.url).pathname };
}
