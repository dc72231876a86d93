// A signed-in supporter's own pages: their gifts and payments, a receipt per payment, the
// changes they can make to a recurring gift (each through Stripe, pending until Stripe's
// webhook confirms it), and their data (download, erase). Every lookup is by the signed-in
// supporter's id as well as the id in the URL: someone else's gift is a 404, never a 403
// that would confirm it exists.
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { auditStatement, requestOrigin } from '../auth/auth.audit.js';
import { randomToken } from '../auth/auth.crypto.js';
import { privatePage, requireSupporter } from '../auth/auth.middleware.js';
import { clearSessionCookie } from '../auth/auth.sessions.js';
import type { AppEnv, SupporterEnv } from '../deps.js';
import { AppError } from '../lib/errors.js';
import { checkAmount } from '../lib/money.js';
import { parseInput } from '../lib/validate.js';
import { CANCEL_REASONS, cardOf, isLive, makeChange, paymentMethodOf, type CancelReason, type Change } from './supporters.manage.js';
import { eraseSupporter } from './supporters.privacy.js';
import { findPaymentOf, findRecurringOf, findSupporterById, paymentsOf, recurringOf, supporterData, type RecurringRow } from './supporters.repo.js';
import { accountPage, cancelPage, deletedPage, deletePage, receiptPage } from './supporters.views.js';

const requestId = z
  .string({ error: 'is missing: reload the page and try again' })
  .regex(/^[A-Za-z0-9_-]{16,64}$/, 'is not valid: reload the page and try again');
const amountForm = z.object({ amount: z.string({ error: 'is required' }).trim().min(1, 'is required').max(20), request_id: requestId });
const intervalForm = z.object({
  interval: z.enum(['month', 'year'], { error: 'must be month or year' }),
  amount: z.string({ error: 'is required' }).trim().min(1, 'is required').max(20),
  request_id: requestId,
});
const plainForm = z.object({ request_id: requestId });
const cancelForm = z.object({
  reason: z.enum(Object.keys(CANCEL_REASONS) as [CancelReason, ...CancelReason[]], { error: 'choose a reason' }),
  comment: z.string().trim().max(1000, 'must be at most 1000 characters').optional(),
  request_id: requestId,
});
const deleteForm = z.object({ confirm: z.literal('yes', { error: 'tick the box to confirm' }) });
const idParam = z.string().max(64);

/** Where Stripe's Billing Portal sessions live (https://docs.stripe.com/customer-management) */
const BILLING_PORTAL_ORIGIN = 'https://billing.stripe.com';

/** The form's fields (or a JSON body's), for parseInput. requireSupporter has already read a form once; Hono keeps it. */
async function fields(c: Context<SupporterEnv>): Promise<Record<string, unknown>> {
  const type = c.req.header('content-type') ?? '';
  if (type.includes('application/json')) {
    const body: unknown = await c.req.json().catch(() => null);
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new AppError('bad_request', 'The request body must be a JSON object', { body: 'must be a JSON object' });
    return body as Record<string, unknown>;
  }
  return (await c.req.parseBody()) as Record<string, unknown>;
}

async function ownedRecurring(c: Context<SupporterEnv>): Promise<RecurringRow> {
  const id = parseInput(idParam, c.req.param('id'));
  const row = await findRecurringOf(c.var.deps.db, c.var.supporter.id, id);
  if (!row) throw new AppError('not_found', 'There is no such regular gift in your account.');
  return row;
}

/** A smaller amount to offer before cancelling: half, in whole units, never below the smallest gift. */
function smallerAmount(row: RecurringRow, bounds: { minMinor: number } | undefined): number | null {
  if (row.amountMinor == null || !bounds) return null;
  const unit = row.currency === 'jpy' || row.currency === 'krw' ? 1 : 100;
  const half = Math.max(bounds.minMinor, Math.floor(row.amountMinor / 2 / unit) * unit);
  return half < row.amountMinor ? half : null;
}

export function supporterRoutes(): Hono<SupporterEnv> {
  const app = new Hono<SupporterEnv>();
  // Update card posts here and is redirected to Stripe's Billing Portal
  app.use(privatePage({ formActions: [BILLING_PORTAL_ORIGIN] }));
  app.use(requireSupporter());

  app.get('/', async (c) => {
    const { supporter, session, deps } = c.var;
    const [recurring, payments] = await Promise.all([recurringOf(deps.db, supporter.id), paymentsOf(deps.db, supporter.id)]);
    const cards = await Promise.all(recurring.map((row) => (isLive(row) ? cardOf(deps, row) : Promise.resolve(null))));
    return c.html(
      accountPage({
        config: deps.config,
        email: supporter.email,
        csrf: session.csrfToken,
        requestId: randomToken(16),
        recurring: recurring.map((row, i) => ({ row, card: cards[i] ?? null })),
        payments,
        now: deps.now(),
      }),
    );
  });

  app.get('/receipts/:id', async (c) => {
    const { supporter, deps } = c.var;
    const entry = await findPaymentOf(deps.db, supporter.id, parseInput(idParam, c.req.param('id')));
    if (!entry) throw new AppError('not_found', 'There is no such payment in your account.');
    const method = await paymentMethodOf(deps, entry.paymentIntentId ?? (entry.stripeId.startsWith('pi_') ? entry.stripeId : null));
    return c.html(receiptPage({ config: deps.config, entry, method, email: supporter.email }));
  });

  /** Looks the gift up (404 for anyone else's), parses the form, makes the change, and goes back to the account. */
  const manage = async (c: Context<SupporterEnv>, build: (row: RecurringRow, body: Record<string, unknown>) => { change: Change; requestId: string }) => {
    const { deps, supporter } = c.var;
    const row = await ownedRecurring(c);
    const { change: ch, requestId: rid } = build(row, await fields(c));
    await makeChange(deps, row, ch, rid);
    await deps.db.atomic([
      auditStatement(
        deps.db,
        { actor: `supporter:${supporter.id}`, action: 'supporter.gift_changed', target: `recurring:${row.id}`, details: { change: ch.kind } },
        requestOrigin(c as unknown as Context<AppEnv>),
        deps.now(),
      ),
    ]);
    return c.redirect('/account', 303);
  };

  /** An amount typed for this gift, within the amounts we take in its currency. */
  const amountOf = (c: Context<SupporterEnv>, row: RecurringRow, typed: string): number => {
    const currency = row.currency ?? '';
    const bounds = c.var.deps.config.bounds[currency];
    if (!bounds) throw new AppError('conflict', 'This gift is in a currency we no longer take; please contact us.');
    const check = checkAmount(typed, currency, bounds);
    if (!check.ok) throw new AppError('bad_request', 'Please check the amount', { amount: check.reason });
    return check.minor;
  };

  app.post('/recurring/:id/amount', (c) =>
    manage(c, (row, body) => {
      const form = parseInput(amountForm, body);
      return { change: { kind: 'amount', amountMinor: amountOf(c, row, form.amount) }, requestId: form.request_id };
    }),
  );

  // the amount comes with the switch: £8 a month is not £8 a year
  app.post('/recurring/:id/interval', (c) =>
    manage(c, (row, body) => {
      const form = parseInput(intervalForm, body);
      return { change: { kind: 'interval', interval: form.interval, amountMinor: amountOf(c, row, form.amount) }, requestId: form.request_id };
    }),
  );

  app.post('/recurring/:id/pause', (c) => manage(c, (_row, body) => ({ change: { kind: 'pause' }, requestId: parseInput(plainForm, body).request_id })));
  app.post('/recurring/:id/resume', (c) => manage(c, (_row, body) => ({ change: { kind: 'resume' }, requestId: parseInput(plainForm, body).request_id })));

  app.get('/recurring/:id/cancel', async (c) => {
    const { deps, session } = c.var;
    const row = await ownedRecurring(c);
    if (!isLive(row)) return c.redirect('/account', 303);
    return c.html(
      cancelPage({
        config: deps.config,
        row,
        csrf: session.csrfToken,
        requestId: randomToken(16),
        smallerMinor: smallerAmount(row, deps.config.bounds[row.currency ?? '']),
      }),
    );
  });

  app.post('/recurring/:id/cancel', (c) =>
    manage(c, (_row, body) => {
      const form = parseInput(cancelForm, body);
      return { change: { kind: 'cancel', reason: form.reason, comment: form.comment || null }, requestId: form.request_id };
    }),
  );

  // The card is changed on Stripe's own page (the Billing Portal); Stripe's webhook tells us
  // when the subscription's card changes, and the account page asks Stripe for the card.
  app.post('/recurring/:id/card', async (c) => {
    const { deps } = c.var;
    const row = await ownedRecurring(c);
    const form = parseInput(plainForm, await fields(c));
    if (!row.stripeCustomerId) throw new AppError('conflict', 'We do not yet know this gift’s payment details. Please try again in a moment.');
    let url: string;
    try {
      const portal = await deps.stripe.billingPortal.sessions.create(
        { customer: row.stripeCustomerId, return_url: `${deps.config.publicUrl}/account` },
        { idempotencyKey: `account:${row.id}:card:${form.request_id}` },
      );
      url = portal.url;
    } catch (err) {
      deps.log.error('billing portal session failed', { recurring: row.id, error: err instanceof Error ? err.message : String(err) });
      throw new AppError('upstream', 'We could not reach our payment provider. Please try again in a moment.');
    }
    return c.redirect(url, 303);
  });

  app.get('/data', async (c) => {
    const { deps, supporter } = c.var;
    const row = await findSupporterById(deps.db, supporter.id);
    if (!row) throw new AppError('not_found', 'There is no such account.');
    const data = await supporterData(deps.db, row);
    await deps.db.atomic([
      auditStatement(
        deps.db,
        { actor: `supporter:${supporter.id}`, action: 'supporter.data_exported', target: `supporter:${supporter.id}` },
        requestOrigin(c as unknown as Context<AppEnv>),
        deps.now(),
      ),
    ]);
    c.header('content-disposition', 'attachment; filename="my-data.json"');
    return c.json({ exported_at: new Date(deps.now()).toISOString(), publication: deps.config.publicationName, ...data });
  });

  app.get('/delete', async (c) => {
    const { deps, supporter, session } = c.var;
    const live = (await recurringOf(deps.db, supporter.id)).filter(isLive).length;
    return c.html(deletePage({ config: deps.config, csrf: session.csrfToken, liveCount: live }));
  });

  app.post('/delete', async (c) => {
    const { deps, supporter } = c.var;
    parseInput(deleteForm, await fields(c));
    const row = await findSupporterById(deps.db, supporter.id);
    if (!row) throw new AppError('not_found', 'There is no such account.');
    await eraseSupporter(deps, row, { actor: `supporter:${supporter.id}`, origin: requestOrigin(c as unknown as Context<AppEnv>) });
    // the erasure ended every session of theirs, this one included
    clearSessionCookie(c as unknown as Context<AppEnv>);
    return c.html(deletedPage(deps.config));
  });

  return app;
}
