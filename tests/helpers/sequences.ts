// Realistic Stripe histories for the ledger, built from Stripe's published fixtures: what
// our checkout created, what Stripe holds now (for the SDK calls msw answers), and the
// events Stripe sent, oldest first. Replay and reconcile tests deliver them.
import type Stripe from 'stripe';
import type { NewGift } from '../../src/ledger/ledger.repo.js';
import { buildGift } from '../factories/gifts.js';
import {
  buildBalanceTransaction,
  buildCharge,
  buildChargeBalanceTransaction,
  buildCheckoutSession,
  buildDispute,
  buildEarlyFraudWarning,
  buildEvent,
  buildInvoice,
  buildInvoicePayment,
  buildPaymentIntent,
  buildPayout,
  buildRefund,
  buildSubscription,
  stripeId,
} from '../factories/stripe.js';
import { createStripeStore, holdObjects, type StripeStore } from '../mocks/stripe-api.js';

export type Sequence = {
  name: string;
  /** pending gifts POST /checkout made */
  gifts: NewGift[];
  /** every object as Stripe holds it now */
  objects: { id: string; object: string }[];
  payoutItems?: Record<string, string[]>;
  /** Stripe's clock for changes the mock makes (a cancellation), seconds */
  nowSec?: number;
  /** as Stripe sent them, oldest first */
  events: Stripe.Event[];
};

const T = 1_764_000_000;
const DAY = 86_400;
const MONTH = 30 * DAY;

const ev = <T extends { id?: string }>(type: string, object: T, created: number) => buildEvent(type, object, { created });

/** Stripe's state in the mock, fresh: a run may change it (a cancellation). */
export function loadStripeState(store: StripeStore, seq: Sequence): void {
  const fresh = createStripeStore();
  store.subscriptions = fresh.subscriptions;
  store.objects = fresh.objects;
  store.payoutItems = new Map(Object.entries(seq.payoutItems ?? {}));
  store.events = [...seq.events];
  store.cancels = [];
  store.nowSec = seq.nowSec ?? T;
  holdObjects(store, ...(structuredClone(seq.objects) as { id: string; object: string }[]));
}

type OneOff = { giftId: string; session: Stripe.Checkout.Session; pi: Stripe.PaymentIntent; charge: Stripe.Charge; bt: Stripe.BalanceTransaction };

function oneOff(opts: {
  amount: number;
  fee: number;
  email: string;
  name: string;
  at: number;
  currency?: string;
  settle?: Partial<Stripe.BalanceTransaction>;
}): OneOff {
  const giftId = `gift_${stripeId('g')}`;
  const currency = opts.currency ?? 'gbp';
  const pi = buildPaymentIntent({ amount: opts.amount, amount_received: opts.amount, currency, created: opts.at });
  const chargeId = stripeId('ch');
  const bt = buildChargeBalanceTransaction(chargeId, opts.settle?.amount ?? opts.amount, opts.fee, { created: opts.at, ...(opts.settle as object) });
  const charge = buildCharge({
    id: chargeId,
    payment_intent: pi.id,
    amount: opts.amount,
    currency,
    created: opts.at,
    balance_transaction: bt.id,
    billing_details: { email: opts.email, name: opts.name },
  });
  (pi as { latest_charge: string }).latest_charge = chargeId;
  const session = buildCheckoutSession({
    client_reference_id: giftId,
    metadata: { gift_id: giftId },
    payment_intent: pi.id,
    amount_total: opts.amount,
    amount_subtotal: opts.amount,
    currency,
    created: opts.at,
    customer_details: { email: opts.email, name: opts.name },
  });
  return { giftId, session, pi, charge, bt };
}

/** A one-off gift: the fee arrives with charge.updated, after charge.succeeded had none. */
export function oneOffGift(): Sequence {
  const g = oneOff({ amount: 2500, fee: 58, email: 'one@example.com', name: 'One Off', at: T });
  return {
    name: 'one-off gift',
    gifts: [buildGift({ id: g.giftId, amountMinor: 2500 })],
    objects: [g.pi, g.charge, g.bt],
    events: [
      ev('charge.succeeded', { ...g.charge, balance_transaction: null }, T),
      ev('checkout.session.completed', g.session, T + 1),
      ev('charge.updated', g.charge, T + 40),
    ],
  };
}

/** A bank debit in euros settled in pounds: the session completes unpaid, the money comes days later. */
export function asyncPayment(): Sequence {
  const at = T + 3 * DAY;
  const g = oneOff({
    amount: 5000,
    fee: 80,
    email: 'sepa@example.com',
    name: 'Async Payer',
    at,
    currency: 'eur',
    settle: { amount: 4306, currency: 'gbp', exchange_rate: 0.8612, net: 4226 },
  });
  const unpaid = { ...g.session, payment_status: 'unpaid' as const, created: T };
  return {
    name: 'async payment',
    gifts: [buildGift({ id: g.giftId, amountMinor: 5000, currency: 'eur' })],
    objects: [g.pi, g.charge, g.bt],
    events: [
      ev('checkout.session.completed', unpaid, T),
      ev('charge.pending', { ...g.charge, status: 'pending', balance_transaction: null }, T),
      ev('checkout.session.async_payment_succeeded', { ...g.session, created: T }, at),
      ev('charge.succeeded', g.charge, at),
    ],
  };
}

type Renewal = { invoice: Stripe.Invoice; pi: Stripe.PaymentIntent; charge: Stripe.Charge; bt: Stripe.BalanceTransaction; payment: Stripe.InvoicePayment };

function subscriptionBase(opts: { giftId: string; email: string; status?: Stripe.Subscription.Status }) {
  const customer = stripeId('cus');
  const sub = buildSubscription({ metadata: { gift_id: opts.giftId }, status: opts.status ?? 'active', customer });
  const renewal = (billingReason: string, paidAt: number, fee: number): Renewal => {
    const pi = buildPaymentIntent({ created: paidAt, customer });
    const chargeId = stripeId('ch');
    const bt = buildChargeBalanceTransaction(chargeId, 1000, fee, { created: paidAt });
    const charge = buildCharge({ id: chargeId, payment_intent: pi.id, created: paidAt, balance_transaction: bt.id, customer });
    (pi as { latest_charge: string }).latest_charge = chargeId;
    const invoice = buildInvoice({
      billing_reason: billingReason as Stripe.Invoice.BillingReason,
      customer,
      customer_email: opts.email,
      customer_name: 'Monthly Reader',
      created: paidAt,
      status_transitions: { paid_at: paidAt },
      parent: { subscription_details: { subscription: sub.id, metadata: { gift_id: opts.giftId } } },
    });
    const payment = buildInvoicePayment({
      invoice: invoice.id,
      payment: { type: 'payment_intent', payment_intent: pi.id },
      created: paidAt,
      status_transitions: { paid_at: paidAt, canceled_at: null },
    });
    return { invoice, pi, charge, bt, payment };
  };
  const session = buildCheckoutSession({
    mode: 'subscription',
    client_reference_id: opts.giftId,
    payment_intent: null,
    subscription: sub.id,
    customer,
    created: T + 2,
    customer_details: { email: opts.email, name: 'Monthly Reader' },
  });
  return { sub, customer, session, renewal };
}

const objectsOf = (r: Renewal) => [r.invoice, r.pi, r.charge, r.bt, r.payment];

/** A monthly gift: first payment, a paid renewal, then a renewal the bank declines. */
export function subscriptionWithFailedRenewal(): Sequence {
  const giftId = `gift_${stripeId('g')}`;
  const email = 'monthly@example.com';
  const { sub, session, renewal } = subscriptionBase({ giftId, email });
  const first = renewal('subscription_create', T + 1, 35);
  const second = renewal('subscription_cycle', T + MONTH, 35);
  // the third renewal's payment is declined; Smart Retries will try again in three days
  const failedAt = T + 2 * MONTH;
  const declinedPi = buildPaymentIntent({
    created: failedAt,
    status: 'requires_payment_method',
    amount_received: 0,
    last_payment_error: { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  });
  const failedInvoice = buildInvoice({
    billing_reason: 'subscription_cycle',
    status: 'open',
    amount_paid: 0,
    amount_remaining: 1000,
    attempt_count: 1,
    next_payment_attempt: failedAt + 3 * DAY,
    customer: sub.customer as string,
    customer_email: email,
    created: failedAt,
    status_transitions: { paid_at: null },
    parent: { subscription_details: { subscription: sub.id, metadata: { gift_id: giftId } } },
  });
  const openPayment = buildInvoicePayment({
    invoice: failedInvoice.id,
    status: 'open',
    amount_paid: null,
    payment: { type: 'payment_intent', payment_intent: declinedPi.id },
    created: failedAt,
    status_transitions: { paid_at: null, canceled_at: null },
  });
  const pastDue = { ...sub, status: 'past_due' as const };
  return {
    name: 'subscription with renewals and a failed renewal',
    gifts: [buildGift({ id: giftId, frequency: 'monthly', email })],
    objects: [pastDue, ...objectsOf(first), ...objectsOf(second), failedInvoice, declinedPi, openPayment],
    events: [
      ev('customer.subscription.created', { ...sub, status: 'incomplete' }, T),
      ev('invoice.paid', first.invoice, T + 1),
      ev('invoice_payment.paid', first.payment, T + 1),
      ev('charge.succeeded', first.charge, T + 1),
      ev('customer.subscription.updated', sub, T + 1),
      ev('checkout.session.completed', session, T + 2),
      ev('invoice.paid', second.invoice, T + MONTH),
      ev('invoice_payment.paid', second.payment, T + MONTH),
      ev('charge.succeeded', { ...second.charge, balance_transaction: null }, T + MONTH),
      ev('charge.updated', second.charge, T + MONTH + 50),
      ev('invoice.payment_failed', failedInvoice, failedAt),
      ev('customer.subscription.updated', pastDue, failedAt),
    ],
  };
}

/** A declined renewal recovered by a retry, then cancelled at the period's end, then ended. */
export function subscriptionRecoveredThenCancelled(): Sequence {
  const giftId = `gift_${stripeId('g')}`;
  const email = 'recovers@example.com';
  const { sub, session, renewal } = subscriptionBase({ giftId, email });
  const first = renewal('subscription_create', T + 1, 35);
  const retryAt = T + MONTH + 3 * DAY;
  const recovered = renewal('subscription_cycle', retryAt, 35);
  const failedInvoice = {
    ...recovered.invoice,
    status: 'open',
    amount_paid: 0,
    amount_remaining: 1000,
    next_payment_attempt: retryAt,
    created: T + MONTH,
    status_transitions: { ...recovered.invoice.status_transitions, paid_at: null },
  } as Stripe.Invoice;
  const declined = {
    ...recovered.pi,
    status: 'requires_payment_method',
    last_payment_error: { type: 'card_error', code: 'card_declined', decline_code: 'do_not_honor' },
  } as Stripe.PaymentIntent;
  const cancelling = { ...sub, cancel_at_period_end: true, cancel_at: T + 2 * MONTH };
  const ended = { ...cancelling, status: 'canceled' as const, canceled_at: retryAt + DAY, ended_at: T + 2 * MONTH };
  return {
    name: 'subscription recovered, then cancelled',
    gifts: [buildGift({ id: giftId, frequency: 'monthly', email })],
    // Stripe clears the last error once the retry succeeds
    objects: [ended, ...objectsOf(first), ...objectsOf(recovered)],
    events: [
      ev('customer.subscription.created', sub, T),
      ev('invoice.paid', first.invoice, T + 1),
      ev('invoice_payment.paid', first.payment, T + 1),
      ev('charge.succeeded', first.charge, T + 1),
      ev('checkout.session.completed', session, T + 2),
      ev('invoice.payment_failed', failedInvoice, T + MONTH),
      ev('customer.subscription.updated', { ...sub, status: 'past_due' }, T + MONTH),
      ev('invoice.payment_action_required', { ...failedInvoice, attempt_count: 2 }, T + MONTH + DAY),
      ev('invoice.paid', recovered.invoice, retryAt),
      ev('invoice_payment.paid', recovered.payment, retryAt),
      ev('charge.succeeded', recovered.charge, retryAt),
      ev('customer.subscription.updated', sub, retryAt),
      ev('customer.subscription.updated', cancelling, retryAt + DAY),
      ev('customer.subscription.deleted', ended, T + 2 * MONTH),
    ].map((e) => (e.type === 'invoice.payment_action_required' || e.type === 'invoice.payment_failed' ? withPayments(e, declined) : e)),
  };
}

/** Failure events carry the declined attempt in the invoice's payments (as when Stripe includes them). */
function withPayments(e: Stripe.Event, pi: Stripe.PaymentIntent): Stripe.Event {
  const inv = e.data.object as Stripe.Invoice;
  const payment = buildInvoicePayment({
    invoice: inv.id,
    status: 'open',
    amount_paid: null,
    payment: { type: 'payment_intent', payment_intent: pi },
    created: e.created,
    status_transitions: { paid_at: null, canceled_at: null },
  });
  return { ...e, data: { object: { ...inv, payments: { object: 'list', data: [payment], has_more: false, url: '/v1/invoice_payments' } } } } as Stripe.Event;
}

/** £50 given, £20 refunded, then the remaining £30 from the dashboard, which returned part of the fee. */
export function partialThenFullRefund(): Sequence {
  const g = oneOff({ amount: 5000, fee: 95, email: 'refund@example.com', name: 'Refund Me', at: T });
  const r1bt = buildBalanceTransaction({ type: 'refund', reporting_category: 'refund', amount: -2000, fee: 0, net: -2000, created: T + DAY });
  const r2bt = buildBalanceTransaction({ type: 'refund', reporting_category: 'refund', amount: -3000, fee: -45, net: -2955, created: T + 2 * DAY });
  const re1 = buildRefund({ amount: 2000, charge: g.charge.id, payment_intent: g.pi.id, created: T + DAY, balance_transaction: r1bt.id, status: 'succeeded' });
  const re2 = buildRefund({
    amount: 3000,
    charge: g.charge.id,
    payment_intent: g.pi.id,
    created: T + 2 * DAY,
    balance_transaction: r2bt.id,
    status: 'succeeded',
  });
  (r1bt as { source: string }).source = re1.id;
  (r2bt as { source: string }).source = re2.id;
  const partly = { ...g.charge, amount_refunded: 2000 };
  const fully = { ...g.charge, amount_refunded: 5000, refunded: true };
  return {
    name: 'partial then full refund',
    gifts: [buildGift({ id: g.giftId, amountMinor: 5000 })],
    objects: [g.pi, fully, g.bt, re1, re2, r1bt, r2bt],
    events: [
      ev('checkout.session.completed', g.session, T),
      ev('charge.succeeded', g.charge, T),
      ev('refund.created', { ...re1, status: 'pending' }, T + DAY),
      ev('charge.refunded', partly, T + DAY),
      ev('refund.updated', re1, T + DAY + 60),
      ev('refund.created', re2, T + 2 * DAY),
      ev('charge.refunded', fully, T + 2 * DAY),
    ],
  };
}

function disputeMoney(d: { id: string; amount: number; fee: number; at: number; reinstated?: boolean }) {
  const withdrawn = buildBalanceTransaction({
    type: 'adjustment',
    reporting_category: 'dispute',
    source: d.id,
    amount: -d.amount,
    fee: d.fee,
    net: -d.amount - d.fee,
    created: d.at,
    description: `Chargeback withdrawal for ${d.id}`,
  });
  const reinstated = buildBalanceTransaction({
    type: 'adjustment',
    reporting_category: 'dispute_reversal',
    source: d.id,
    amount: d.amount,
    fee: -d.fee,
    net: d.amount + d.fee,
    created: d.at + 25 * DAY,
    description: `Chargeback reversal for ${d.id}`,
  });
  return { withdrawn, reinstated };
}

/** A fraud warning, then a chargeback on a monthly gift that is lost: the subscription is cancelled. */
export function lostDisputeOnRecurringGift(): Sequence {
  const giftId = `gift_${stripeId('g')}`;
  const email = 'disputed@example.com';
  const { sub, session, renewal } = subscriptionBase({ giftId, email });
  const first = renewal('subscription_create', T + 1, 35);
  const efw = buildEarlyFraudWarning({ charge: first.charge.id, payment_intent: first.pi.id, created: T + 10 * DAY });
  const dp = buildDispute({ charge: first.charge.id, payment_intent: first.pi.id, created: T + 12 * DAY });
  const money = disputeMoney({ id: dp.id, amount: 1000, fee: 1500, at: T + 12 * DAY });
  const open = { ...dp, balance_transactions: [money.withdrawn] };
  const closedAt = T + 40 * DAY;
  const lost = { ...open, status: 'lost' as const };
  const ended = { ...sub, status: 'canceled' as const, canceled_at: closedAt, ended_at: closedAt };
  return {
    name: 'lost dispute on a recurring gift',
    gifts: [buildGift({ id: giftId, frequency: 'monthly', email })],
    objects: [sub, ...objectsOf(first), efw, lost, money.withdrawn],
    nowSec: closedAt,
    events: [
      ev('customer.subscription.created', sub, T),
      ev('invoice.paid', first.invoice, T + 1),
      ev('invoice_payment.paid', first.payment, T + 1),
      ev('charge.succeeded', first.charge, T + 1),
      ev('checkout.session.completed', session, T + 2),
      ev('radar.early_fraud_warning.created', efw, T + 10 * DAY),
      ev('charge.dispute.created', open, T + 12 * DAY),
      ev('charge.dispute.funds_withdrawn', open, T + 12 * DAY),
      ev('charge.dispute.updated', { ...open, status: 'under_review' }, T + 14 * DAY),
      ev('charge.dispute.closed', lost, closedAt),
      // Stripe's own event for the cancellation we make
      ev('customer.subscription.deleted', ended, closedAt),
    ],
  };
}

/** A chargeback on a one-off gift that is won: amount and fee come back. */
export function wonDispute(): Sequence {
  const g = oneOff({ amount: 2000, fee: 50, email: 'won@example.com', name: 'Won Dispute', at: T });
  const dp = buildDispute({ charge: g.charge.id, payment_intent: g.pi.id, amount: 2000, created: T + 5 * DAY, reason: 'product_not_received' });
  const money = disputeMoney({ id: dp.id, amount: 2000, fee: 1500, at: T + 5 * DAY });
  const open = { ...dp, balance_transactions: [money.withdrawn] };
  const won = { ...dp, status: 'won' as const, balance_transactions: [money.withdrawn, money.reinstated] };
  return {
    name: 'won dispute',
    gifts: [buildGift({ id: g.giftId, amountMinor: 2000 })],
    objects: [g.pi, g.charge, g.bt, won, money.withdrawn, money.reinstated],
    events: [
      ev('checkout.session.completed', g.session, T),
      ev('charge.succeeded', g.charge, T),
      ev('charge.dispute.created', open, T + 5 * DAY),
      ev('charge.dispute.funds_withdrawn', open, T + 5 * DAY),
      ev('charge.dispute.updated', { ...open, status: 'under_review' }, T + 6 * DAY),
      ev('charge.dispute.closed', won, T + 30 * DAY),
      ev('charge.dispute.funds_reinstated', won, T + 30 * DAY),
    ],
  };
}

/** Two gifts and a refund paid out together; one gift's fee is only learned from the payout. */
export function payout(): Sequence {
  const a = oneOff({ amount: 1000, fee: 35, email: 'a@example.com', name: 'Gift A', at: T });
  const b = oneOff({ amount: 3000, fee: 65, email: 'b@example.com', name: 'Gift B', at: T + 100 });
  const rbt = buildBalanceTransaction({ type: 'refund', reporting_category: 'refund', amount: -1000, fee: 0, net: -1000, created: T + DAY });
  const re = buildRefund({ amount: 1000, charge: a.charge.id, payment_intent: a.pi.id, created: T + DAY, balance_transaction: rbt.id });
  (rbt as { source: string }).source = re.id;
  const amount = 1000 - 35 + (3000 - 65) - 1000;
  const po = buildPayout({ amount, created: T + 2 * DAY, arrival_date: T + 4 * DAY });
  const pobt = buildBalanceTransaction({
    id: po.balance_transaction as string,
    type: 'payout',
    reporting_category: 'payout',
    source: po.id,
    amount: -amount,
    fee: 0,
    net: -amount,
    created: T + 2 * DAY,
  });
  return {
    name: 'payout',
    gifts: [buildGift({ id: a.giftId }), buildGift({ id: b.giftId, amountMinor: 3000 })],
    objects: [a.pi, { ...a.charge, amount_refunded: 1000, refunded: true }, a.bt, b.pi, b.charge, b.bt, re, rbt, po, pobt],
    payoutItems: { [po.id]: [a.bt.id, b.bt.id, rbt.id, pobt.id] },
    events: [
      ev('checkout.session.completed', a.session, T),
      ev('charge.succeeded', a.charge, T),
      ev('checkout.session.completed', b.session, T + 100),
      // no charge.updated ever comes for B: its fee is learned from the payout
      ev('charge.succeeded', { ...b.charge, balance_transaction: null }, T + 100),
      ev('refund.created', re, T + DAY),
      ev('payout.created', { ...po, status: 'pending', reconciliation_status: 'not_applicable' }, T + 2 * DAY),
      ev('payout.paid', { ...po, reconciliation_status: 'in_progress' }, T + 4 * DAY),
      ev('payout.reconciliation_completed', po, T + 4 * DAY + 3600),
    ],
  };
}

export const SEQUENCES = [
  oneOffGift,
  asyncPayment,
  subscriptionWithFailedRenewal,
  subscriptionRecoveredThenCancelled,
  partialThenFullRefund,
  lostDisputeOnRecurringGift,
  wonDispute,
  payout,
];

/** Several histories at once in the mock: one Stripe account that holds them all. */
export function loadStripeStates(store: StripeStore, seqs: readonly Sequence[]): void {
  loadStripeState(store, {
    name: 'all',
    gifts: [],
    objects: seqs.flatMap((s) => s.objects),
    events: seqs.flatMap((s) => s.events),
    payoutItems: Object.assign({}, ...seqs.map((s) => s.payoutItems ?? {})),
    nowSec: Math.max(...seqs.map((s) => s.nowSec ?? T)),
  });
}

/** Seconds just before every sequence's first event. */
export const SEQUENCES_START = T - 60;
