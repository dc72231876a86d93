// One-off gifts, refunds, disputes and payouts, each delivered in order and then in many
// seeded random orders with duplicates (tests/helpers/replay.ts): the same final ledger every time.
import type Stripe from 'stripe';
import { expect } from 'vitest';
import { netOf, replaySuite, useReplay } from './helpers/replay.js';
import { oneOffGift, asyncPayment, partialThenFullRefund, wonDispute, payout } from './helpers/sequences.js';

useReplay();

replaySuite(oneOffGift, (s, seq) => {
  const giftId = seq.gifts[0]!.id;
  expect(s.entries).toHaveLength(1);
  expect(s.entries[0]).toMatchObject({
    kind: 'gift',
    gift_id: giftId,
    amount_minor: 2500,
    currency: 'gbp',
    fee_minor: 58,
    net_minor: 2442,
    settlement_currency: 'gbp',
    exchange_rate: null,
  });
  expect(s.entries[0]!.balance_transaction_id).toMatch(/^txn_/);
  expect(s.entries[0]!.charge_id).toMatch(/^ch_/);
  expect(s.gifts).toMatchObject([{ id: giftId, status: 'paid', fraud_warning_id: null }]);
});

replaySuite(asyncPayment, (s, seq) => {
  expect(s.gifts).toMatchObject([{ id: seq.gifts[0]!.id, status: 'paid' }]);
  // the gift is in euros; Stripe settled it in pounds at its own rate
  expect(s.entries).toMatchObject([
    { kind: 'gift', amount_minor: 5000, currency: 'eur', fee_minor: 80, net_minor: 4226, settlement_currency: 'gbp', exchange_rate: '0.8612' },
  ]);
});

replaySuite(partialThenFullRefund, (s, seq) => {
  const giftId = seq.gifts[0]!.id;
  const refunds = s.entries.filter((e) => e.kind === 'refund');
  expect(refunds.map((e) => [e.amount_minor, e.fee_minor, e.net_minor, e.gift_id, e.frequency, e.email])).toEqual(
    expect.arrayContaining([
      [-2000, 0, -2000, giftId, 'one_off', 'refund@example.com'],
      // Stripe returned 45 of the 95 fee with the final refund
      [-3000, -45, -2955, giftId, 'one_off', 'refund@example.com'],
    ]),
  );
  expect(refunds).toHaveLength(2);
  expect(s.entries.filter((e) => e.kind === 'gift')).toMatchObject([{ amount_minor: 5000, fee_minor: 95, net_minor: 4905 }]);
  // fully refunded: the gift's money is untouched, the entries sum to zero, Stripe kept 50
  expect(s.entries.reduce((sum, e) => sum + Number(e.amount_minor), 0)).toBe(0);
  expect(netOf(s)).toBe(-50);
  expect(s.gifts).toMatchObject([{ status: 'paid', amount_minor: 5000 }]);
});

replaySuite(wonDispute, (s, seq) => {
  const dp = seq.events.find((e) => e.type === 'charge.dispute.closed')!.data.object as Stripe.Dispute;
  const money = s.entries.filter((e) => e.stripe_id === dp.id).map((e) => [String(e.key).split(':')[2], e.amount_minor, e.fee_minor, e.net_minor, e.gift_id]);
  const giftId = seq.gifts[0]!.id;
  expect(money).toEqual([
    ['fee', 0, 1500, -1500, giftId],
    ['fee_returned', 0, -1500, 1500, giftId],
    ['reinstated', 2000, 0, 2000, giftId],
    ['withdrawn', -2000, 0, -2000, giftId],
  ]);
  expect(s.disputes).toMatchObject([{ status: 'won', canceled_subscription_id: null }]);
  expect(s.cancels).toBe(0);
  expect(netOf(s)).toBe(2000 - 50);
});

replaySuite(payout, (s, seq) => {
  const po = seq.events.at(-1)!.data.object as Stripe.Payout;
  expect(s.payouts).toMatchObject([{ id: po.id, status: 'paid', reconciliation_status: 'completed', amount_minor: 2900 }]);
  expect(s.payoutItems).toHaveLength(4);
  // gift B's fee came from the payout's balance transactions: charge.updated never arrived
  expect(s.entries.filter((e) => e.kind === 'gift').map((e) => [e.amount_minor, e.fee_minor, e.net_minor])).toEqual(
    expect.arrayContaining([
      [1000, 35, 965],
      [3000, 65, 2935],
    ]),
  );
  // what the ledger says reached our balance is what was paid out
  expect(netOf(s)).toBe(po.amount);
});
