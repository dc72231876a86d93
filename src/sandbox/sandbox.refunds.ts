// Refunds (https://docs.stripe.com/api/refunds/create): of a payment intent's charge, or
// of a charge, in full or in part. The refund succeeds at once, as card refunds do in test
// mode; its balance transaction takes the amount back out of the balance; the charge's
// amount_refunded follows; and refund.created then charge.refunded are queued for delivery,
// as Stripe sends them. Refused as Stripe refuses: a disputed charge, one already refunded,
// more than is left.
import { Hono, type Context } from 'hono';
import type Stripe from 'stripe';
import { z } from 'zod';
import type { Db } from '../../db/db.js';
import { eventRequest, idempotent, queuedEvents } from './sandbox.calls.js';
import { invalid, notFound, SandboxApiError } from './sandbox.errors.js';
import { chargeRefundedEvent, refundCreatedEvent } from './sandbox.events.js';
import { decodeStripeForm, stripeParam } from './sandbox.form.js';
import type { NewStripeId } from './sandbox.ids.js';
import { getObject, insertObject, putObject } from './sandbox.repo.js';

const id = z.string().min(1).max(255);

// only the parameters Storyfund sends, plus `charge`, which a dashboard refund names instead
const createSchema = z
  .object({
    payment_intent: id.optional(),
    charge: id.optional(),
    amount: z.coerce.number().int().positive().optional(),
    reason: z.enum(['duplicate', 'fraudulent', 'requested_by_customer']).optional(),
    metadata: z.record(z.string(), z.string()).optional(),
  })
  .strict();

const refused = (code: string, message: string) => new SandboxApiError(400, { message, code });

function parse(raw: unknown): z.output<typeof createSchema> {
  const parsed = createSchema.safeParse(raw);
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

/** What a refund's balance transaction looks like: the amount leaves the balance, no fee returned. */
function refundBalanceTransaction(refundId: string, amount: number, currency: string, nowSec: number, newId: NewStripeId): Stripe.BalanceTransaction {
  return {
    id: newId('txn'),
    object: 'balance_transaction',
    amount: -amount,
    available_on: nowSec,
    balance_type: 'payments',
    created: nowSec,
    currency,
    description: 'REFUND FOR CHARGE',
    exchange_rate: null,
    fee: 0,
    fee_details: [],
    net: -amount,
    reporting_category: 'refund',
    source: refundId,
    status: 'available',
    type: 'refund',
  };
}

export function refundsApi(opts: { db: Db; now: () => number; newId: NewStripeId }): Hono {
  const { db, now, newId } = opts;
  const api = new Hono();

  api.post('/v1/refunds', async (c: Context) => {
    const body = await c.req.text();
    const params = parse(decodeStripeForm(body));
    return idempotent(db, now, c, body, async () => {
      if (!params.payment_intent === !params.charge) throw invalid('Specify exactly one of payment_intent or charge.');
      let chargeId = params.charge ?? null;
      if (params.payment_intent) {
        const pi = await getObject<Stripe.PaymentIntent>(db, params.payment_intent, 'payment_intent');
        if (!pi)
          throw new SandboxApiError(400, { message: `No such payment_intent: '${params.payment_intent}'`, param: 'payment_intent', code: 'resource_missing' });
        chargeId = typeof pi.latest_charge === 'string' ? pi.latest_charge : (pi.latest_charge?.id ?? null);
        if (!chargeId) throw refused('charge_expired_for_capture', `This PaymentIntent (${pi.id}) does not have a successful charge to refund.`);
      }
      const charge = await getObject<Stripe.Charge>(db, chargeId!, 'charge');
      if (!charge) throw notFound('charge', chargeId!, 'charge');
      if (charge.disputed) throw refused('charge_disputed', `Charge ${charge.id} has been charged back; cannot issue a refund.`);
      const left = charge.amount - charge.amount_refunded;
      if (left <= 0) throw refused('charge_already_refunded', `Charge ${charge.id} has already been refunded.`);
      const amount = params.amount ?? left;
      if (amount > left) throw refused('amount_too_large', `Refund amount (${amount}) is greater than unrefunded amount on charge (${left})`);

      const nowMs = now();
      const nowSec = Math.floor(nowMs / 1000);
      const refundId = newId('re');
      const bt = refundBalanceTransaction(refundId, amount, charge.currency, nowSec, newId);
      const refund: Stripe.Refund = {
        id: refundId,
        object: 'refund',
        amount,
        balance_transaction: bt.id,
        charge: charge.id,
        created: nowSec,
        currency: charge.currency,
        customer: typeof charge.customer === 'string' ? charge.customer : (charge.customer?.id ?? null),
        customer_account: null,
        payment_method: typeof charge.payment_method === 'string' ? charge.payment_method : null,
        destination_details: { card: { type: 'refund' }, type: 'card' } as Stripe.Refund.DestinationDetails,
        metadata: params.metadata ?? {},
        payment_intent: typeof charge.payment_intent === 'string' ? charge.payment_intent : (charge.payment_intent?.id ?? null),
        reason: params.reason ?? null,
        receipt_number: null,
        source_transfer_reversal: null,
        status: 'succeeded',
        transfer_reversal: null,
      };
      const refundedCharge: Stripe.Charge = { ...charge, amount_refunded: charge.amount_refunded + amount, refunded: amount === left };
      const request = eventRequest(c, newId);
      return {
        object: refund,
        writes: [
          insertObject(db, 'refund', refund, nowMs),
          insertObject(db, 'balance_transaction', bt, nowMs),
          putObject(db, 'charge', refundedCharge, nowMs),
          ...queuedEvents(
            db,
            nowMs,
            refundCreatedEvent(refund, nowSec, request, newId),
            chargeRefundedEvent(refundedCharge, { amount_refunded: charge.amount_refunded, refunded: charge.refunded }, nowSec, request, newId),
          ),
        ],
      };
    });
  });

  return api;
}
