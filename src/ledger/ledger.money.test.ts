import { describe, expect, it } from 'vitest';
import { disputeStateOrder, onDispute, type DisputeFacts } from './ledger.disputes.js';
import type { BalanceTransactionFacts } from './ledger.fees.js';
import { onChargeSeen, settlementOf } from './ledger.fees.js';
import { payoutStatement } from './ledger.payouts.js';
import { subscriptionStateOrder } from './ledger.recurring.js';
import { onRefund, type RefundFacts } from './ledger.refunds.js';

const bt = (o: Partial<BalanceTransactionFacts>): BalanceTransactionFacts => ({
  id: 'txn_1',
  amountMinor: 1000,
  feeMinor: 0,
  netMinor: 1000,
  currency: 'gbp',
  exchangeRate: null,
  type: 'charge',
  reportingCategory: 'charge',
  sourceId: 'ch_1',
  created: 100,
  ...o,
});

const refund = (o: Partial<RefundFacts>): RefundFacts => ({
  refundId: 're_1',
  chargeId: 'ch_1',
  paymentIntentId: 'pi_1',
  amountMinor: 500,
  currency: 'gbp',
  status: 'succeeded',
  created: 200,
  balanceTransaction: null,
  failureBalanceTransaction: null,
  ...o,
});

describe('settlement', () => {
  it('keeps the exchange rate as the decimal Stripe sent, never a float computation', () => {
    expect(settlementOf(bt({ exchangeRate: 0.8612, currency: 'gbp' }))).toEqual({
      balanceTransactionId: 'txn_1',
      feeMinor: 0,
      netMinor: 1000,
      currency: 'gbp',
      exchangeRate: '0.8612',
    });
  });

  it('records a failed charge as nothing, a succeeded one with or without its balance transaction', () => {
    const base = { chargeId: 'ch_1', paymentIntentId: 'pi_1', amountMinor: 1000, currency: 'gbp', created: 1 };
    expect(onChargeSeen({ ...base, status: 'failed', balanceTransaction: null })).toEqual([]);
    expect(onChargeSeen({ ...base, status: 'succeeded', balanceTransaction: null })).toMatchObject([{ type: 'charge.facts', charge: { settlement: null } }]);
  });
});

describe('refunds', () => {
  it('a pending or succeeded refund is one negative entry keyed by the refund', () => {
    for (const status of ['pending', 'succeeded']) {
      expect(onRefund(refund({ status }))).toMatchObject([
        { type: 'entry', entry: { key: 'refund:re_1', kind: 'refund', amountMinor: -500, paymentIntentId: 'pi_1' } },
      ]);
    }
  });

  it('a failed refund is the debit and its credit back, whichever event says so first', () => {
    const writes = onRefund(
      refund({
        status: 'failed',
        failureBalanceTransaction: bt({ id: 'txn_back', amountMinor: 500, netMinor: 500, reportingCategory: 'refund_failure', created: 300 }),
      }),
    );
    expect(writes.map((w) => (w.type === 'entry' ? [w.entry.key, w.entry.amountMinor, w.entry.settlement?.balanceTransactionId] : null))).toEqual([
      ['refund:re_1', -500, undefined],
      ['refund:re_1:failed', 500, 'txn_back'],
    ]);
  });

  it('a refund that only required action or was cancelled moved no money', () => {
    expect(onRefund(refund({ status: 'requires_action' }))).toEqual([]);
    expect(onRefund(refund({ status: 'canceled' }))).toEqual([]);
  });
});

describe('disputes', () => {
  const dispute = (o: Partial<DisputeFacts>): DisputeFacts => ({
    disputeId: 'dp_1',
    chargeId: 'ch_1',
    paymentIntentId: 'pi_1',
    amountMinor: 1000,
    currency: 'gbp',
    reason: 'fraudulent',
    status: 'needs_response',
    created: 100,
    evidenceDueBy: null,
    balanceTransactions: [],
    ...o,
  });

  it('an inquiry with no money withdrawn writes only its state', () => {
    expect(onDispute(dispute({ status: 'warning_needs_response' }), 100).map((w) => w.type)).toEqual(['dispute.state']);
  });

  it("splits each movement into the amount and Stripe's fee, so each nets to its balance transaction", () => {
    const withdrawn = bt({ id: 'txn_w', amountMinor: -1000, feeMinor: 1500, netMinor: -2500, reportingCategory: 'dispute', type: 'adjustment' });
    const entries = onDispute(dispute({ balanceTransactions: [withdrawn] }), 100).flatMap((w) => (w.type === 'entry' ? [w.entry] : []));
    expect(entries.map((e) => [e.key, e.kind, e.amountMinor, e.settlement?.feeMinor, e.settlement?.netMinor])).toEqual([
      ['dispute:dp_1:withdrawn', 'dispute', -1000, 0, -1000],
      ['dispute:dp_1:fee', 'dispute_fee', 0, 1500, -1500],
    ]);
    expect(entries.reduce((n, e) => n + e.settlement!.netMinor, 0)).toBe(withdrawn.netMinor);
  });

  it('orders a closed state after an open one in the same second', () => {
    expect(disputeStateOrder('won', 100)).toBeGreaterThan(disputeStateOrder('under_review', 100));
    expect(disputeStateOrder('under_review', 100)).toBeGreaterThan(disputeStateOrder('needs_response', 100));
    expect(disputeStateOrder('needs_response', 101)).toBeGreaterThan(disputeStateOrder('lost', 100));
  });
});

describe('subscription state order', () => {
  it('within a second: created < failed payment < updated < paid < deleted', () => {
    const order = [
      'customer.subscription.created',
      'invoice.payment_failed',
      'customer.subscription.updated',
      'invoice.paid',
      'customer.subscription.deleted',
    ].map((t) => subscriptionStateOrder(t, 50));
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(subscriptionStateOrder('customer.subscription.created', 51)).toBeGreaterThan(subscriptionStateOrder('customer.subscription.deleted', 50));
  });
});

describe('payout statement', () => {
  it("gross - fees + refunds + disputes = paid out, leaving out the payout's own transaction", () => {
    const items = [
      { type: 'charge', reportingCategory: 'charge', amountMinor: 5000, feeMinor: 95 },
      { type: 'refund', reportingCategory: 'refund', amountMinor: -1000, feeMinor: -15 },
      { type: 'adjustment', reportingCategory: 'dispute', amountMinor: -1000, feeMinor: 1500 },
      { type: 'payout', reportingCategory: 'payout', amountMinor: -1420, feeMinor: 0 },
    ];
    const s = payoutStatement({ payoutId: 'po_1', amountMinor: 1420, currency: 'gbp' }, items);
    expect(s).toMatchObject({
      grossMinor: 5000,
      feesMinor: 1580,
      refundsMinor: -1000,
      disputesMinor: -1000,
      otherMinor: 0,
      computedMinor: 1420,
      balanced: true,
    });
    // a payout whose items do not add up to it is reported, not hidden
    expect(payoutStatement({ payoutId: 'po_1', amountMinor: 1500, currency: 'gbp' }, items).balanced).toBe(false);
  });
});
