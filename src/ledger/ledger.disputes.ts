// Disputes (chargebacks): the amount withdrawn, the dispute fee, and their return when the
// dispute is won, each an entry keyed by the dispute. Pure rules.
//
// Stripe withdraws the disputed amount plus a dispute fee when the dispute opens and
// reinstates them if it is won; both movements are balance transactions on the dispute,
// reporting categories `dispute` and `dispute_reversal`
// (https://docs.stripe.com/disputes/how-disputes-work, https://docs.stripe.com/reports/reporting-categories).
import { settlementOf, type BalanceTransactionFacts } from './ledger.fees.js';
import type { EntryFacts, Write } from './ledger.js';

export type DisputeFacts = {
  disputeId: string;
  chargeId: string | null;
  paymentIntentId: string | null;
  amountMinor: number;
  currency: string;
  reason: string | null;
  status: string;
  /** seconds */
  created: number;
  /** seconds */
  evidenceDueBy: number | null;
  balanceTransactions: BalanceTransactionFacts[];
};

const CLOSED = new Set(['won', 'lost', 'warning_closed', 'prevented']);

/**
 * A dispute's events share seconds (closed and funds_reinstated, say), so within a second
 * a closed status outranks an open one and an under-review one outranks a new one.
 */
export function disputeStateOrder(status: string, eventCreatedSeconds: number): number {
  const rank = CLOSED.has(status) ? 2 : status.endsWith('under_review') ? 1 : 0;
  return eventCreatedSeconds * 10 + rank;
}

export function isLost(status: string): boolean {
  return status === 'lost';
}

/**
 * charge.dispute.created / updated / closed / funds_withdrawn / funds_reinstated. Every
 * event carries the whole dispute with the balance transactions made so far, so each
 * writes the state (if newer) and every money movement it shows; later events only add.
 */
export function onDispute(d: DisputeFacts, eventCreated: number, canceledSubscriptionId: string | null = null): Write[] {
  const writes: Write[] = [
    {
      type: 'dispute.state',
      dispute: {
        disputeId: d.disputeId,
        chargeId: d.chargeId,
        paymentIntentId: d.paymentIntentId,
        amountMinor: d.amountMinor,
        currency: d.currency,
        reason: d.reason,
        status: d.status,
        evidenceDueBy: d.evidenceDueBy != null ? d.evidenceDueBy * 1000 : null,
        stripeCreated: d.created,
        canceledSubscriptionId,
        order: disputeStateOrder(d.status, eventCreated),
      },
    },
  ];
  const base = {
    giftId: null,
    subscriptionId: null,
    frequency: 'one_off' as const, // replaced by the payment's frequency when it is known
    email: null,
    stripeId: d.disputeId,
    paymentIntentId: d.paymentIntentId,
    chargeId: d.chargeId,
  };
  const seen = new Map<string, number>();
  const sorted = [...d.balanceTransactions].sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1));
  for (const bt of sorted) {
    const withdrawal = bt.reportingCategory === 'dispute';
    if (!withdrawal && bt.reportingCategory !== 'dispute_reversal') continue;
    const what = withdrawal ? 'withdrawn' : 'reinstated';
    // one withdrawal and at most one reinstatement is the rule; more keep their own keys
    const n = seen.get(what) ?? 0;
    seen.set(what, n + 1);
    const suffix = n === 0 ? '' : `:${bt.id}`;
    const settlement = settlementOf(bt);
    const entry = (key: string, e: Pick<EntryFacts, 'kind' | 'amountMinor' | 'currency' | 'settlement'>): Write => ({
      type: 'entry',
      entry: { ...base, ...e, key, occurredAt: bt.created * 1000 },
    });
    // the amount and the fee are two facts: the fee is Stripe's, not the supporter's money
    writes.push(
      entry(`dispute:${d.disputeId}:${what}${suffix}`, {
        kind: withdrawal ? 'dispute' : 'dispute_reversal',
        amountMinor: withdrawal ? -d.amountMinor : d.amountMinor,
        currency: d.currency,
        settlement: { ...settlement, feeMinor: 0, netMinor: bt.amountMinor },
      }),
    );
    if (bt.feeMinor !== 0) {
      writes.push(
        entry(`dispute:${d.disputeId}:${withdrawal ? 'fee' : 'fee_returned'}${suffix}`, {
          kind: 'dispute_fee',
          amountMinor: 0,
          currency: bt.currency,
          settlement: { ...settlement, netMinor: -bt.feeMinor },
        }),
      );
    }
  }
  return writes;
}
