// Webhook -> outbox: each email is written by the event that causes it, in the same write
// as its ledger change, and a redelivered event never writes a second one.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestContext, type TestContext } from './factories/deps.js';
import {
  buildCheckoutSession,
  buildEvent,
  buildInvoice,
  buildInvoicePayment,
  buildPaymentIntent,
  buildRefund,
  buildSubscription,
  stripeId,
  type webhookRequest,
} from './factories/stripe.js';
import { startStripeMock } from './mocks/stripe-api.js';

const mock = startStripeMock();
afterAll(() => mock.close());

let t: TestContext;
beforeEach(() => {
  t = buildTestContext();
});
afterEach(async () => {
  await t.cleanup();
  mock.server.resetHandlers();
});

type Row = { key: string; template: string; to_address: string; props: Record<string, unknown> };
const outbox = (): Row[] =>
  (
    t.handle.sqlite.prepare('select "key", template, to_address, props from outbox order by created_at, "key"').all() as (Omit<Row, 'props'> & {
      props: string;
    })[]
  ).map((r) => ({
    ...r,
    props: JSON.parse(r.props) as Record<string, unknown>,
  }));

/** Each event delivered twice, as Stripe may: both answered 200. */
async function deliverTwice(event: Parameters<typeof webhookRequest>[0]) {
  for (let i = 0; i < 2; i++) expect((await t.app.request(t.webhook(event))).status).toBe(200);
}

const PERIOD_END = 1_766_592_000;

function paidInvoice(subscription: string, billing_reason: 'subscription_create' | 'subscription_cycle', amount = 500) {
  return buildInvoice({
    billing_reason,
    amount_paid: amount,
    amount_due: amount,
    customer_email: 'monthly@example.com',
    parent: { subscription_details: { subscription } },
    lines: { data: [{ parent: { type: 'subscription_item_details' }, period: { start: 1_764_000_000, end: PERIOD_END } }] },
  } as Parameters<typeof buildInvoice>[0]);
}

/** A monthly subscription of `amount` pence (an override's array replaces the fixture's whole). */
const monthly = (amount: number, overrides: Parameters<typeof buildSubscription>[0] = {}) =>
  buildSubscription({
    // the published fixture is a paused subscription
    pause_collection: null,
    ...overrides,
    items: {
      data: [
        { price: { unit_amount: amount, currency: 'gbp', recurring: { interval: 'month', interval_count: 1 } }, quantity: 1, current_period_end: PERIOD_END },
      ],
    },
  } as Parameters<typeof buildSubscription>[0]);

/** A monthly £5 subscription whose supporter is known (its first invoice paid). */
async function startMonthly() {
  const sub = monthly(500);
  mock.store.subscriptions.set(sub.id, sub);
  await deliverTwice(buildEvent('invoice.paid', paidInvoice(sub.id, 'subscription_create')));
  return sub;
}

describe('payment receipts', () => {
  it('a one-off gift: one receipt with its number and date', async () => {
    const session = buildCheckoutSession({ client_reference_id: null, amount_total: 2500, customer_details: { email: 'Reader@Example.com' } });
    await deliverTwice(buildEvent('checkout.session.completed', session, { created: 1_764_000_000 }));
    expect(outbox()).toEqual([
      {
        key: `receipt:payment:${session.payment_intent}`,
        template: 'receipt',
        to_address: 'reader@example.com',
        props: {
          amountMinor: 2500,
          currency: 'gbp',
          paidAt: 1_764_000_000_000,
          receiptNumber: session.payment_intent,
          paymentMethod: null,
          paymentIntentId: session.payment_intent,
        },
      },
    ]);
  });

  it('the first invoice welcomes, with the next payment date; each later one is a renewal receipt', async () => {
    const sub = await startMonthly();
    const renewal = paidInvoice(sub.id, 'subscription_cycle');
    await deliverTwice(buildEvent('invoice.paid', renewal));
    const rows = outbox();
    expect(rows.map((r) => r.template)).toEqual(['recurring_welcome', 'renewal_receipt']);
    expect(rows[0]!.props).toMatchObject({ amountMinor: 500, currency: 'gbp', interval: 'month', nextPaymentAt: PERIOD_END * 1000 });
    expect(rows[1]).toMatchObject({ key: `receipt:invoice:${renewal.id}`, to_address: 'monthly@example.com', props: { receiptNumber: renewal.id } });
  });
});

describe('a failed renewal', () => {
  function failed(sub: string, attempt: number, declineCode: string) {
    const pi = buildPaymentIntent({
      status: 'requires_payment_method',
      last_payment_error: { type: 'card_error', code: 'card_declined', decline_code: declineCode },
    });
    const id = stripeId('in');
    return buildInvoice({
      id,
      status: 'open',
      billing_reason: 'subscription_cycle',
      amount_paid: 0,
      amount_due: 500,
      attempt_count: attempt,
      next_payment_attempt: 1_764_300_000,
      customer_email: 'monthly@example.com',
      parent: { subscription_details: { subscription: sub } },
      payments: { data: [buildInvoicePayment({ invoice: id, status: 'open', payment: { type: 'payment_intent', payment_intent: pi } })], has_more: false },
    } as Parameters<typeof buildInvoice>[0]);
  }

  it('one email per failed attempt, with the decline code and the retry time', async () => {
    const sub = await startMonthly();
    const first = failed(sub.id, 1, 'insufficient_funds');
    await deliverTwice(buildEvent('invoice.payment_failed', first));
    await deliverTwice(buildEvent('invoice.payment_failed', failed(sub.id, 2, 'expired_card'), { created: 1_764_300_100 }));
    const rows = outbox().filter((r) => r.template === 'payment_failed');
    expect(rows.map((r) => r.key)).toEqual([`payment_failed:${first.id}:1`, expect.stringMatching(/^payment_failed:in_.*:2$/)]);
    expect(rows[0]!.props).toEqual({
      amountMinor: 500,
      currency: 'gbp',
      interval: 'month',
      declineCode: 'insufficient_funds',
      nextPaymentAttemptAt: 1_764_300_000_000,
    });
    expect(rows[1]!.props).toMatchObject({ declineCode: 'expired_card' });
  });
});

describe('a recurring gift changed', () => {
  const updated = (sub: ReturnType<typeof buildSubscription>, previous: Record<string, unknown>, created: number) =>
    buildEvent('customer.subscription.updated', sub, { created, data: { previous_attributes: previous } } as Parameters<typeof buildEvent>[2]);

  it('amount, pause and resume each send their email once', async () => {
    const sub = await startMonthly();
    const oldItems = sub.items;
    const eight = monthly(800, { id: sub.id, customer: sub.customer as string });
    await deliverTwice(updated(eight, { items: oldItems }, 1_764_000_500));
    const paused = { ...eight, pause_collection: { behavior: 'void', resumes_at: null } } as typeof eight;
    await deliverTwice(updated(paused, { pause_collection: null }, 1_764_000_600));
    await deliverTwice(updated(eight, { pause_collection: { behavior: 'void', resumes_at: null } }, 1_764_000_700));
    const rows = outbox().filter((r) => r.template.startsWith('recurring_') && r.template !== 'recurring_welcome');
    expect(rows.map((r) => r.template)).toEqual(['recurring_changed', 'recurring_paused', 'recurring_resumed']);
    expect(rows[0]!.props).toMatchObject({ amountMinor: 800, previous: { amountMinor: 500, currency: 'gbp', interval: 'month' } });
    expect(rows[1]!.props).toMatchObject({ amountMinor: 800, resumesAt: null });
    for (const r of rows) expect(r.to_address).toBe('monthly@example.com');
  });

  it('an update that changes neither price nor pause sends nothing', async () => {
    const sub = await startMonthly();
    await deliverTwice(updated(sub, { cancel_at_period_end: true }, 1_764_000_500));
    expect(outbox().map((r) => r.template)).toEqual(['recurring_welcome']);
  });

  it('a cancellation once, even when it arrives before the supporter is known', async () => {
    const sub = monthly(500);
    mock.store.subscriptions.set(sub.id, sub);
    const ended = { ...sub, status: 'canceled', canceled_at: 1_764_000_900, ended_at: 1_764_000_900 } as typeof sub;
    await deliverTwice(buildEvent('customer.subscription.deleted', ended, { created: 1_764_000_900 }));
    expect(outbox()).toEqual([]);
    await deliverTwice(buildEvent('invoice.paid', paidInvoice(sub.id, 'subscription_create')));
    await deliverTwice(buildEvent('customer.subscription.deleted', ended, { created: 1_764_000_900 }));
    const cancelled = outbox().filter((r) => r.template === 'recurring_cancelled');
    expect(cancelled).toEqual([
      {
        key: `recurring_cancelled:${sub.id}`,
        template: 'recurring_cancelled',
        to_address: 'monthly@example.com',
        props: { amountMinor: 500, currency: 'gbp', interval: 'month', endedAt: 1_764_000_900_000 },
      },
    ]);
  });
});

describe('a refund', () => {
  it('one email, whether the refund or the payment is recorded first', async () => {
    const pi = stripeId('pi');
    const refund = buildRefund({ payment_intent: pi, charge: stripeId('ch'), amount: 1000, status: 'succeeded', created: 1_764_100_000 });
    await deliverTwice(buildEvent('refund.created', refund));
    expect(outbox()).toEqual([]);
    await deliverTwice(
      buildEvent(
        'checkout.session.completed',
        buildCheckoutSession({ client_reference_id: null, payment_intent: pi, amount_total: 1000, customer_details: { email: 'refund@example.com' } }),
      ),
    );
    await deliverTwice(buildEvent('refund.updated', refund));
    const refunds = outbox().filter((r) => r.template === 'refund');
    expect(refunds).toEqual([
      {
        key: `refund:${refund.id}`,
        template: 'refund',
        to_address: 'refund@example.com',
        props: { amountMinor: 1000, currency: 'gbp', refundedAt: 1_764_100_000_000, refundId: refund.id, receiptNumber: pi },
      },
    ]);
  });
});
