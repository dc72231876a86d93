// Handlers for the events that move money after a gift is made: charges and their fees,
// refunds, disputes, fraud warnings and payouts. Each reads the payload, asks Stripe (through
// the SDK) only for what the payload cannot settle, and returns the ledger's writes.
import type { Deps } from '../deps.js';
import { isLost, onDispute } from '../ledger/ledger.disputes.js';
import { onChargeSeen, onEarlyFraudWarning } from '../ledger/ledger.fees.js';
import type { Write } from '../ledger/ledger.js';
import { onPayout, payoutItemsListable, type PayoutFacts } from '../ledger/ledger.payouts.js';
import { onRefund } from '../ledger/ledger.refunds.js';
import { findPaymentSubscription } from '../ledger/ledger.repo.js';
import { balanceTransactionFacts, fetchBalanceTransaction, payoutItemFacts, subscriptionOfPaymentIntent } from './webhooks.stripe.js';
import {
  balanceTransactionSchema,
  chargeSchema,
  parseStripe,
  refundSchema,
  subscriptionSchema,
  type EventMeta,
  type StripeCharge,
  type StripeDispute,
  type StripeEarlyFraudWarning,
  type StripePayout,
  type StripeRefund,
  type StripeSubscription,
} from './webhooks.schemas.js';
import { subscriptionStateWrite } from './webhooks.subscriptions.js';

async function paymentIntentOfCharge(deps: Deps, chargeId: string | null): Promise<string | null> {
  if (!chargeId) return null;
  return parseStripe(chargeSchema, await deps.stripe.charges.retrieve(chargeId), `charge ${chargeId}`).payment_intent;
}

async function chargeWrites(deps: Deps, charge: StripeCharge): Promise<Write[]> {
  return onChargeSeen({
    chargeId: charge.id,
    paymentIntentId: charge.payment_intent,
    amountMinor: charge.amount,
    currency: charge.currency,
    status: charge.status,
    created: charge.created,
    // null until charge.updated brings it (API 2024-04-10 and later)
    balanceTransaction: await fetchBalanceTransaction(deps, charge.balance_transaction),
  });
}

/** charge.succeeded, charge.updated, charge.captured */
export async function chargeChanged(charge: StripeCharge, _event: EventMeta, deps: Deps): Promise<Write[]> {
  return chargeWrites(deps, charge);
}

async function refundWrites(deps: Deps, refund: StripeRefund, paymentIntentId?: string | null): Promise<Write[]> {
  const chargeId = refund.charge;
  const failed = refund.status === 'failed';
  const pi = refund.payment_intent ?? paymentIntentId ?? (await paymentIntentOfCharge(deps, chargeId));
  const writes = onRefund({
    refundId: refund.id,
    chargeId,
    paymentIntentId: pi,
    amountMinor: refund.amount,
    currency: refund.currency,
    status: refund.status ?? 'pending',
    created: refund.created,
    balanceTransaction: await fetchBalanceTransaction(deps, refund.balance_transaction),
    failureBalanceTransaction: failed ? await fetchBalanceTransaction(deps, refund.failure_balance_transaction) : null,
  });
  // the supporter's email, once the payment (and so the payer) is known; else payment.link sends it
  if (writes.length && pi) writes.push({ type: 'notice.refunds', paymentIntentId: pi });
  return writes;
}

/** refund.created, refund.updated, refund.failed, charge.refund.updated */
export async function refundChanged(refund: StripeRefund, _event: EventMeta, deps: Deps): Promise<Write[]> {
  return refundWrites(deps, refund);
}

/**
 * charge.refunded: the charge no longer lists its refunds in current API versions, so
 * they are listed through the SDK. This is how a refund made in Stripe's dashboard is
 * recorded even by an endpoint that does not receive refund.* events.
 */
export async function chargeRefunded(charge: StripeCharge, _event: EventMeta, deps: Deps): Promise<Write[]> {
  const writes = await chargeWrites(deps, charge);
  let n = 0;
  for await (const listed of deps.stripe.refunds.list({
    charge: charge.id,
    limit: 100,
    expand: ['data.balance_transaction', 'data.failure_balance_transaction'],
  })) {
    const refund = parseStripe(refundSchema, listed, `refunds of ${charge.id}.${n++}`);
    writes.push(...(await refundWrites(deps, refund, charge.payment_intent)));
  }
  return writes;
}

/** The subscription a disputed payment belongs to: ours if we recorded the payment, else Stripe's answer. */
async function subscriptionOfPayment(deps: Deps, paymentIntentId: string): Promise<string | null> {
  const recorded = await findPaymentSubscription(deps.db, paymentIntentId);
  if (recorded) return recorded.subscriptionId;
  return subscriptionOfPaymentIntent(deps, paymentIntentId);
}

/**
 * A lost dispute is a chargeback: the bank took the gift back, so further renewals on the
 * same card would likely be disputed too. Stripe does not stop the subscription itself.
 * Idempotent across retries: an already ended subscription is left alone, and the cancel
 * carries an idempotency key (https://docs.stripe.com/api/idempotent_requests).
 */
async function cancelForLostDispute(deps: Deps, subscriptionId: string, disputeId: string): Promise<StripeSubscription> {
  const label = `subscription ${subscriptionId}`;
  const sub = parseStripe(subscriptionSchema, await deps.stripe.subscriptions.retrieve(subscriptionId), label);
  if (sub.status === 'canceled' || sub.status === 'incomplete_expired') return sub;
  deps.log.info('cancelling the subscription of a lost dispute', { subscription: subscriptionId, dispute: disputeId });
  const canceled = await deps.stripe.subscriptions.cancel(
    subscriptionId,
    { cancellation_details: { comment: `Dispute ${disputeId} was lost` } },
    { idempotencyKey: `storyfund-dispute-lost-${disputeId}` },
  );
  return parseStripe(subscriptionSchema, canceled, label);
}

/** charge.dispute.created / updated / closed / funds_withdrawn / funds_reinstated */
export async function disputeChanged(d: StripeDispute, event: EventMeta, deps: Deps): Promise<Write[]> {
  const chargeId = d.charge;
  const paymentIntentId = d.payment_intent ?? (await paymentIntentOfCharge(deps, chargeId));
  const extra: Write[] = [];
  let canceledSubscriptionId: string | null = null;
  if (isLost(d.status) && paymentIntentId) {
    const subscriptionId = await subscriptionOfPayment(deps, paymentIntentId);
    if (subscriptionId) {
      const sub = await cancelForLostDispute(deps, subscriptionId, d.id);
      canceledSubscriptionId = subscriptionId;
      extra.push(subscriptionStateWrite(sub, 'customer.subscription.deleted', sub.canceled_at ?? event.created, null), {
        type: 'notice.cancelled',
        subscriptionId,
      });
    }
  }
  const writes = onDispute(
    {
      disputeId: d.id,
      chargeId,
      paymentIntentId,
      amountMinor: d.amount,
      currency: d.currency,
      reason: d.reason,
      status: d.status,
      created: d.created,
      evidenceDueBy: d.evidence_details?.due_by ?? null,
      balanceTransactions: (d.balance_transactions ?? []).map(balanceTransactionFacts),
    },
    event.created,
    canceledSubscriptionId,
  );
  if (paymentIntentId) writes.push({ type: 'payment.link', paymentIntentId });
  return [...writes, ...extra];
}

/** radar.early_fraud_warning.created / updated */
export async function earlyFraudWarning(w: StripeEarlyFraudWarning, _event: EventMeta, deps: Deps): Promise<Write[]> {
  const chargeId = w.charge;
  return onEarlyFraudWarning({
    warningId: w.id,
    chargeId,
    paymentIntentId: w.payment_intent ?? (await paymentIntentOfCharge(deps, chargeId)),
    fraudType: w.fraud_type,
  });
}

/** payout.created / updated / paid / failed / canceled / reconciliation_completed */
export async function payoutChanged(p: StripePayout, _event: EventMeta, deps: Deps): Promise<Write[]> {
  const facts: PayoutFacts = {
    payoutId: p.id,
    amountMinor: p.amount,
    currency: p.currency,
    status: p.status,
    reconciliationStatus: p.reconciliation_status,
    automatic: p.automatic,
    arrivalDate: p.arrival_date,
    created: p.created,
  };
  if (!payoutItemsListable(facts)) return onPayout(facts, null);
  const items = [];
  // the source is expanded so each charge and refund names its payment intent
  for await (const bt of deps.stripe.balanceTransactions.list({ payout: p.id, limit: 100, expand: ['data.source'] })) {
    items.push(payoutItemFacts(parseStripe(balanceTransactionSchema, bt, `balance_transactions of ${p.id}.${items.length}`)));
  }
  return onPayout(facts, items);
}
