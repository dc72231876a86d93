// Refunding a gift from its timeline: choose full or partial, confirm on a page that shows
// exactly what will be refunded, then ask Stripe through the SDK. The request is stored
// (and audit-logged) before Stripe is asked, and its id makes the idempotency key, so a
// confirmation sent twice refunds once. The ledger moves only when Stripe's refund events
// arrive (ledger.refunds.ts); until then the timeline says the refund is awaited.
import { type Context, Hono } from 'hono';
import Stripe from 'stripe';
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/db.js';
import { gifts } from '../../db/schema.js';
import { auditStatement, requestOrigin } from '../auth/auth.audit.js';
import { requireStaff } from '../auth/auth.middleware.js';
import { can, emailFor } from '../auth/auth.permissions.js';
import { Csrf } from '../auth/auth.views.js';
import type { AppEnv, StaffEnv, StaffPrincipal } from '../deps.js';
import { AppError } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import { formatMoney } from '../lib/money.js';
import { fieldErrors, INPUT_ERROR_MESSAGE, validate } from '../lib/validate.js';
import { FieldErrorList, StaffPage } from './finance.layout.js';
import { isoMinute } from './finance.js';
import {
  checkAmount,
  choiceAmount,
  paymentStates,
  REASON_LABELS,
  refundChoice,
  refundConfirmation,
  refundIdempotencyKey,
  refusalInWords,
  requestState,
  type PaymentRefundState,
} from './finance.refunds.js';
import {
  findRefundRequest,
  giftPayments,
  insertRefundRequest,
  recordStripeAnswer,
  refundedByPayment,
  refundRequestsOfGift,
  refundsInLedger,
  type RefundInLedger,
  type RefundRequestRow,
} from './finance.refunds.repo.js';

type Gift = typeof gifts.$inferSelect;

async function loadGift(db: Db, id: string): Promise<Gift> {
  const [gift] = /^[A-Za-z0-9_]{1,64}$/.test(id) ? await db.orm.select().from(gifts).where(eq(gifts.id, id)).limit(1) : [];
  if (!gift) throw new AppError('not_found', 'There is no gift with this id.');
  return gift;
}

export type GiftRefunds = { payments: PaymentRefundState[]; requests: RefundRequestRow[]; inLedger: Map<string, RefundInLedger> };

/** A gift's payments with what each can still refund, and the refund requests made on it. */
export async function giftRefunds(db: Db, giftId: string, except?: string): Promise<GiftRefunds> {
  const [payments, requests] = await Promise.all([giftPayments(db, giftId), refundRequestsOfGift(db, giftId)]);
  const [refunded, inLedger] = await Promise.all([
    refundedByPayment(
      db,
      payments.map((p) => p.paymentIntentId),
    ),
    refundsInLedger(
      db,
      requests.flatMap((r) => (r.stripeRefundId ? [r.stripeRefundId] : [])),
    ),
  ]);
  return { payments: paymentStates(payments, refunded, requests, inLedger, except), requests, inLedger };
}

const paymentName = (p: PaymentRefundState) => `${p.kind === 'gift' ? 'payment' : 'renewal'} of ${isoMinute(p.occurredAt)} UTC`;
const paymentLabel = (p: PaymentRefundState) =>
  `${paymentName(p)}: ${formatMoney(p.amountMinor, p.currency)}, ${formatMoney(p.remainingMinor, p.currency)} left to refund`;

/** The timeline's refunds: each request and where it stands, and the way to a new one for roles that may refund. */
export function RefundsSection(props: { giftId: string; refunds: GiftRefunds; staff: StaffPrincipal }) {
  const { requests, inLedger, payments } = props.refunds;
  const refundable = payments.some((p) => p.remainingMinor > 0);
  return (
    <section id="refunds">
      <h2>Refunds</h2>
      {requests.length === 0 ? <p>No refunds requested here.</p> : null}
      <ul>
        {requests.map((r) => {
          const amount = formatMoney(r.amountMinor, r.currency);
          const state = requestState(r, inLedger);
          return (
            <li data-state={state}>
              {state === 'applied'
                ? `Refund of ${amount} applied: Stripe confirmed it at ${isoMinute(inLedger.get(r.stripeRefundId!)!.appliedAt)} UTC.`
                : state === 'failed'
                  ? `Refund of ${amount} failed: Stripe could not pay it to the supporter's card and returned it to the balance at ${isoMinute(inLedger.get(r.stripeRefundId!)!.failedAt!)} UTC. Refund again if it is still owed (another way may be needed, as the card could not take it).`
                  : state === 'refused'
                    ? `Refund of ${amount} refused by Stripe: ${r.error ?? 'no reason given'}`
                    : `Refund of ${amount} requested, waiting for Stripe.`}{' '}
              <small>
                ({REASON_LABELS[r.reason].toLowerCase()}; asked {isoMinute(r.createdAt)} UTC{r.stripeRefundId ? `; ${r.stripeRefundId}` : ''})
              </small>
            </li>
          );
        })}
      </ul>
      {can(props.staff.role, 'refund') && refundable ? (
        <p>
          <a class="button" href={`/finance/gifts/${props.giftId}/refund`}>
            Refund
          </a>
        </p>
      ) : null}
    </section>
  );
}

function RefundForm(props: { gift: Gift; payments: PaymentRefundState[]; values: Record<string, string>; errors: Record<string, string> }) {
  const v = props.values;
  const open = props.payments.filter((p) => p.remainingMinor > 0);
  const chosen = v.payment ?? open[0]?.paymentIntentId;
  return (
    <form method="get" action={`/finance/gifts/${props.gift.id}/refund/confirm`} class="stack" id="refund-form">
      <FieldErrorList errors={props.errors} />
      <label>
        Payment
        <select name="payment">
          {props.payments.map((p) => (
            <option value={p.paymentIntentId} selected={p.paymentIntentId === chosen} disabled={p.remainingMinor <= 0}>
              {paymentLabel(p)}
            </option>
          ))}
        </select>
      </label>
      <fieldset>
        <legend>How much</legend>
        <label>
          <input type="radio" name="kind" value="full" checked={v.kind !== 'partial'} /> Everything left to refund
        </label>
        <label>
          <input type="radio" name="kind" value="partial" checked={v.kind === 'partial'} /> Part of it
        </label>
        <label class={props.errors.amount ? 'invalid' : undefined}>
          Amount to refund ({props.gift.currency.toUpperCase()})
          <input type="text" name="amount" inputmode="decimal" value={v.amount ?? ''} aria-invalid={props.errors.amount ? 'true' : undefined} />
          {props.errors.amount ? <span class="error">{props.errors.amount}</span> : null}
        </label>
      </fieldset>
      <label>
        Reason
        <select name="reason">
          {Object.entries(REASON_LABELS).map(([value, label]) => (
            <option value={value} selected={value === v.reason}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <button type="submit">Review the refund</button> <a href={`/finance/gifts/${props.gift.id}`}>Back to the gift</a>
    </form>
  );
}

export function refundRoutes(): Hono<StaffEnv> {
  const app = new Hono<StaffEnv>();
  const wantsJson = (c: Context<StaffEnv>) => !!c.req.header('accept')?.includes('application/json');

  const formPage = (c: Context<StaffEnv>, gift: Gift, payments: PaymentRefundState[], values: Record<string, string>, errors: Record<string, string>) =>
    StaffPage({
      title: `Refund gift ${gift.id}`,
      publication: c.var.deps.config.publicationName,
      staff: c.var.staff,
      csrf: c.var.session.csrfToken,
      children: payments.some((p) => p.remainingMinor > 0) ? (
        <RefundForm gift={gift} payments={payments} values={values} errors={errors} />
      ) : (
        <p class="notice">Nothing remains to refund on this gift.</p>
      ),
    });

  app.get('/gifts/:id/refund', requireStaff('finance'), async (c) => {
    const gift = await loadGift(c.var.deps.db, c.req.param('id'));
    const { payments } = await giftRefunds(c.var.deps.db, gift.id);
    if (wantsJson(c)) return c.json({ gift: gift.id, payments });
    return c.html(formPage(c, gift, payments, {}, {}));
  });

  // A GET: choosing shows what would happen and changes nothing; only the confirmation posts.
  app.get('/gifts/:id/refund/confirm', requireStaff('finance'), async (c) => {
    const { deps, staff, session } = c.var;
    const gift = await loadGift(deps.db, c.req.param('id'));
    const { payments } = await giftRefunds(deps.db, gift.id);
    const values = c.req.query();
    const refuse = (errors: Record<string, string>) => {
      if (wantsJson(c)) throw new AppError('bad_request', INPUT_ERROR_MESSAGE, errors);
      return c.html(formPage(c, gift, payments, values, errors), 400);
    };
    const parsed = refundChoice.safeParse(values);
    if (!parsed.success) return refuse(fieldErrors(parsed.error));
    const choice = parsed.data;
    const payment = payments.find((p) => p.paymentIntentId === choice.payment);
    if (!payment) return refuse({ payment: 'is not a payment of this gift' });
    const amount = choiceAmount(choice, payment);
    if (!amount.ok) return refuse({ [amount.field]: amount.problem });
    const request = newId('rfq', deps.now());
    const left = payment.remainingMinor - amount.minor;
    const money = (m: number) => formatMoney(m, payment.currency);
    if (wantsJson(c)) {
      return c.json({ request, payment: payment.paymentIntentId, amount_minor: amount.minor, currency: payment.currency, remaining_after_minor: left });
    }
    return c.html(
      StaffPage({
        title: 'Confirm the refund',
        publication: deps.config.publicationName,
        staff,
        csrf: session.csrfToken,
        children: (
          <>
            <p>Check what will be refunded. Nothing happens until you confirm.</p>
            <dl class="facts" id="refund-summary">
              <dt>Refund</dt>
              <dd>
                {money(amount.minor)} ({choice.kind === 'full' ? 'everything left' : 'part'})
              </dd>
              <dt>Currency</dt>
              <dd>{payment.currency.toUpperCase()}</dd>
              <dt>Gift</dt>
              <dd>
                <a href={`/finance/gifts/${gift.id}`}>{gift.id}</a>, {gift.frequency.replace('_', '-')}, {paymentName(payment)}
              </dd>
              <dt>Payment</dt>
              <dd>
                <code>{payment.paymentIntentId}</code>: {money(payment.amountMinor)}
                {payment.refundedMinor ? `, ${money(payment.refundedMinor)} refunded before` : ''}
                {payment.pendingMinor ? `, ${money(payment.pendingMinor)} awaiting Stripe` : ''}
              </dd>
              <dt>Supporter</dt>
              <dd>{gift.email ? emailFor(staff.role, gift.email) : '–'}</dd>
              <dt>Reason</dt>
              <dd>{REASON_LABELS[choice.reason]}</dd>
              <dt>Left to refund after</dt>
              <dd>{money(left)}</dd>
            </dl>
            <p>The ledger changes when Stripe confirms the refund; until then the gift shows it as requested.</p>
            <form method="post" action={`/finance/gifts/${gift.id}/refund`} class="stack">
              <Csrf token={session.csrfToken} />
              <input type="hidden" name="request" value={request} />
              <input type="hidden" name="payment" value={payment.paymentIntentId} />
              <input type="hidden" name="amount_minor" value={String(amount.minor)} />
              <input type="hidden" name="reason" value={choice.reason} />
              <button type="submit">Refund {money(amount.minor)}</button>{' '}
              <a
                href={`/finance/gifts/${gift.id}/refund?${new URLSearchParams({ payment: choice.payment, kind: choice.kind, amount: choice.amount ?? '', reason: choice.reason })}`}
              >
                Change
              </a>
            </form>
          </>
        ),
      }),
    );
  });

  app.post('/gifts/:id/refund', requireStaff('finance'), validate('form', refundConfirmation), async (c) => {
    const { deps, staff } = c.var;
    const form = c.req.valid('form');
    const gift = await loadGift(deps.db, c.req.param('id'));
    const { payments } = await giftRefunds(deps.db, gift.id, form.request);
    const payment = payments.find((p) => p.paymentIntentId === form.payment);
    if (!payment) throw new AppError('bad_request', INPUT_ERROR_MESSAGE, { payment: 'is not a payment of this gift' });
    const done = () =>
      wantsJson(c) ? c.json({ refund_request: form.request, status: 'sent' }) : c.redirect(`/finance/gifts/${gift.id}?refund=${form.request}#refunds`, 303);

    let request = await findRefundRequest(deps.db, form.request);
    if (request) {
      // the same confirmation sent again: it must be the same refund, and it is not asked for twice
      const same =
        request.giftId === gift.id && request.paymentIntentId === form.payment && request.amountMinor === form.amount_minor && request.reason === form.reason;
      if (!same) throw new AppError('conflict', 'This refund was already confirmed with other details. Start again from the gift.');
      if (request.status === 'sent') return done();
      if (request.status === 'refused') throw new AppError('conflict', request.error ?? 'Stripe refused this refund.');
    } else {
      const checked = checkAmount(form.amount_minor, payment);
      if (!checked.ok) throw new AppError('bad_request', INPUT_ERROR_MESSAGE, { amount_minor: checked.problem });
      const now = deps.now();
      const row = {
        id: form.request,
        giftId: gift.id,
        paymentIntentId: payment.paymentIntentId,
        amountMinor: form.amount_minor,
        currency: payment.currency,
        reason: form.reason,
        staffId: staff.id,
      };
      try {
        await deps.db.atomic([
          insertRefundRequest(deps.db, row, now),
          auditStatement(
            deps.db,
            {
              actor: `staff:${staff.id}`,
              action: 'gift.refund_requested',
              target: `gift:${gift.id}`,
              details: { request: row.id, payment_intent: row.paymentIntentId, amount_minor: row.amountMinor, currency: row.currency, reason: row.reason },
            },
            requestOrigin(c as unknown as Context<AppEnv>),
            now,
          ),
        ]);
      } catch (err) {
        // two sends of one confirmation at once: the other stored it (and its audit row)
        if (!(await findRefundRequest(deps.db, form.request))) throw err;
      }
      request = (await findRefundRequest(deps.db, form.request))!;
    }

    try {
      const refund = await deps.stripe.refunds.create(
        {
          payment_intent: request.paymentIntentId,
          amount: request.amountMinor,
          reason: request.reason,
          metadata: { gift_id: gift.id, refund_request: request.id },
        },
        { idempotencyKey: refundIdempotencyKey(request.id) },
      );
      await deps.db.atomic([recordStripeAnswer(deps.db, request.id, { status: 'sent', stripeRefundId: refund.id }, deps.now())]);
      deps.log.info('refund sent to Stripe', { request: request.id, refund: refund.id, gift: gift.id });
      return done();
    } catch (err) {
      if (!(err instanceof Stripe.errors.StripeError)) throw err;
      if (err instanceof Stripe.errors.StripeInvalidRequestError || err instanceof Stripe.errors.StripeCardError) {
        const words = refusalInWords(err.code, err.message);
        await deps.db.atomic([recordStripeAnswer(deps.db, request.id, { status: 'refused', error: words }, deps.now())]);
        deps.log.info('refund refused by Stripe', { request: request.id, code: err.code ?? null, gift: gift.id });
        throw new AppError('conflict', words);
      }
      // Stripe's answer is unknown: the request stays open, and sending it again is safe (same key)
      deps.log.warn('refund not confirmed by Stripe', { request: request.id, type: err.type, gift: gift.id });
      throw new AppError(
        'conflict',
        'Stripe did not answer, so it is not known yet whether the refund was made. Send the confirmation again: it cannot refund twice.',
      );
    }
  });

  return app;
}
