// Recurring gifts: renewals, a failed and a recovered renewal, cancellation, a lost dispute.
// Each is delivered in order and then in many seeded random orders with duplicates
// (tests/helpers/replay.ts): the same final ledger every time.
import type Stripe from 'stripe';
import { expect } from 'vitest';
import { entry, replaySuite, useReplay } from './helpers/replay.js';
import { subscriptionWithFailedRenewal, subscriptionRecoveredThenCancelled, lostDisputeOnRecurringGift } from './helpers/sequences.js';

useReplay();

replaySuite(subscriptionWithFailedRenewal, (s, seq) => {
  const giftId = seq.gifts[0]!.id;
  expect(s.entries.map((e) => [e.kind, e.amount_minor, e.fee_minor, e.net_minor, e.gift_id, e.frequency])).toEqual(
    expect.arrayContaining([
      ['gift', 1000, 35, 965, giftId, 'monthly'],
      ['renewal', 1000, 35, 965, giftId, 'monthly'],
    ]),
  );
  expect(s.entries).toHaveLength(2);
  const failed = seq.events.find((e) => e.type === 'invoice.payment_failed')!;
  const invoice = failed.data.object as Stripe.Invoice;
  expect(s.recurring).toMatchObject([
    {
      gift_id: giftId,
      status: 'past_due',
      payment_issue: 'payment_failed',
      decline_code: 'insufficient_funds',
      next_payment_attempt_at: invoice.next_payment_attempt! * 1000,
      issue_invoice_id: invoice.id,
      has_supporter: 1,
    },
  ]);
  expect(s.gifts).toMatchObject([{ status: 'paid' }]);
});

replaySuite(subscriptionRecoveredThenCancelled, (s) => {
  expect(s.entries.map((e) => [e.kind, e.fee_minor])).toEqual(
    expect.arrayContaining([
      ['gift', 35],
      ['renewal', 35],
    ]),
  );
  expect(s.entries).toHaveLength(2);
  // recovered by the retry (the failure and its action-required follow-up are cleared), then ended at period end
  expect(s.recurring).toMatchObject([{ status: 'canceled', cancel_at_period_end: 1, payment_issue: null, decline_code: null, next_payment_attempt_at: null }]);
  expect(s.recurring[0]!.canceled_at).toEqual(expect.any(Number));
});

replaySuite(lostDisputeOnRecurringGift, (s, seq) => {
  const giftId = seq.gifts[0]!.id;
  const dp = seq.events.find((e) => e.type === 'charge.dispute.closed')!.data.object as Stripe.Dispute;
  expect(entry(s, `dispute:${dp.id}:withdrawn`)).toMatchObject({
    kind: 'dispute',
    amount_minor: -1000,
    fee_minor: 0,
    net_minor: -1000,
    gift_id: giftId,
    frequency: 'monthly',
  });
  expect(entry(s, `dispute:${dp.id}:fee`)).toMatchObject({ kind: 'dispute_fee', amount_minor: 0, fee_minor: 1500, net_minor: -1500, gift_id: giftId });
  expect(entry(s, `dispute:${dp.id}:withdrawn`)!.subscription).toBe(s.recurring[0]!.stripe_subscription_id);
  expect(s.disputes).toMatchObject([{ id: dp.id, status: 'lost', reason: 'fraudulent', canceled_subscription_id: s.recurring[0]!.stripe_subscription_id }]);
  expect(s.recurring).toMatchObject([{ status: 'canceled' }]);
  // cancelled through the SDK exactly once, however often the closing event came
  expect(s.cancels).toBe(1);
  expect(s.gifts[0]!.fraud_warning_id).toMatch(/^issfr_/);
});
