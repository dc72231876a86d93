// Payouts: what reached the bank, and the balance transactions each payout settled, so a
// statement per payout adds up. Pure rules.
import { settlementOf, type BalanceTransactionFacts } from './ledger.fees.js';
import type { PayoutState, Write } from './ledger.js';

/** A payout as Stripe describes it. */
export type PayoutFacts = Omit<PayoutState, 'stripeCreated' | 'arrivalDate'> & {
  /** seconds */
  arrivalDate: number | null;
  /** seconds */
  created: number;
};

/** A payout's balance transaction with the payment intent behind its source, when Stripe expanded it. */
export type PayoutItemFacts = BalanceTransactionFacts & { paymentIntentId: string | null };

/**
 * Balance transactions of an automatic payout can be listed (`payout=`, "for automatic
 * Stripe payouts only": https://docs.stripe.com/api/balance_transactions/list) once its
 * reconciliation is complete (payout.reconciliation_completed). Manual payouts cannot be
 * itemised by Stripe.
 */
export function payoutItemsListable(p: PayoutFacts): boolean {
  return p.automatic && p.reconciliationStatus === 'completed';
}

/**
 * payout.created / updated / paid / failed / canceled / reconciliation_completed. Items
 * also fill fees the ledger is still missing: a payout proves the settlement of every
 * charge and refund in it.
 */
export function onPayout(p: PayoutFacts, items: readonly PayoutItemFacts[] | null): Write[] {
  const { created, arrivalDate, ...state } = p;
  const writes: Write[] = [
    {
      type: 'payout.state',
      payout: { ...state, arrivalDate: arrivalDate != null ? arrivalDate * 1000 : null, stripeCreated: created },
    },
  ];
  for (const bt of items ?? []) {
    writes.push({
      type: 'payout.item',
      item: {
        payoutId: p.payoutId,
        balanceTransactionId: bt.id,
        type: bt.type,
        reportingCategory: bt.reportingCategory,
        sourceId: bt.sourceId,
        paymentIntentId: bt.paymentIntentId,
        amountMinor: bt.amountMinor,
        feeMinor: bt.feeMinor,
        netMinor: bt.netMinor,
        currency: bt.currency,
        stripeCreated: bt.created,
      },
    });
    if (bt.reportingCategory === 'charge' && bt.sourceId) {
      writes.push({
        type: 'charge.facts',
        charge: {
          chargeId: bt.sourceId,
          paymentIntentId: bt.paymentIntentId,
          amountMinor: null,
          currency: null,
          stripeCreated: null,
          settlement: settlementOf(bt),
        },
      });
    } else if (bt.reportingCategory === 'refund' && bt.sourceId) {
      writes.push({ type: 'entry.settle', match: { key: `refund:${bt.sourceId}` }, settlement: settlementOf(bt) });
    }
  }
  // after the items: the stored totals are summed from them, whole, so replays and redeliveries keep them exact
  writes.push({ type: 'payout.totals', payoutId: p.payoutId });
  return writes;
}

export type PayoutStatement = {
  payoutId: string;
  currency: string;
  /** charges, in the payout's currency */
  grossMinor: number;
  /** Stripe's fees on everything in the payout (refunded fees reduce it) */
  feesMinor: number;
  /** negative */
  refundsMinor: number;
  /** negative when disputes were lost, positive when reinstated */
  disputesMinor: number;
  otherMinor: number;
  /** gross - fees + refunds + disputes + other: what the items say reached the bank */
  computedMinor: number;
  paidOutMinor: number;
  balanced: boolean;
};

const CATEGORY: Record<string, 'gross' | 'refunds' | 'disputes'> = {
  charge: 'gross',
  refund: 'refunds',
  refund_failure: 'refunds',
  dispute: 'disputes',
  dispute_reversal: 'disputes',
};

/** gross - fees + refunds + disputes + other = the amount paid out, from the payout's own items (refunds and lost disputes are negative). */
export function payoutStatement(
  payout: { payoutId: string; amountMinor: number; currency: string },
  items: readonly { type: string; reportingCategory: string; amountMinor: number; feeMinor: number }[],
): PayoutStatement {
  const s = { grossMinor: 0, feesMinor: 0, refundsMinor: 0, disputesMinor: 0, otherMinor: 0 };
  for (const it of items) {
    if (it.type === 'payout') continue; // the payout's own withdrawal from the balance
    s.feesMinor += it.feeMinor;
    const bucket = CATEGORY[it.reportingCategory];
    if (bucket === 'gross') s.grossMinor += it.amountMinor;
    else if (bucket === 'refunds') s.refundsMinor += it.amountMinor;
    else if (bucket === 'disputes') s.disputesMinor += it.amountMinor;
    else s.otherMinor += it.amountMinor;
  }
  return statementFromSums(payout, s);
}

/** The statement of a payout whose items were summed elsewhere (the stored totals). */
export function statementFromSums(
  payout: { payoutId: string; amountMinor: number; currency: string },
  s: { grossMinor: number; feesMinor: number; refundsMinor: number; disputesMinor: number; otherMinor: number },
): PayoutStatement {
  const computedMinor = s.grossMinor - s.feesMinor + s.refundsMinor + s.disputesMinor + s.otherMinor;
  return {
    payoutId: payout.payoutId,
    currency: payout.currency,
    grossMinor: s.grossMinor,
    feesMinor: s.feesMinor,
    refundsMinor: s.refundsMinor,
    disputesMinor: s.disputesMinor,
    otherMinor: s.otherMinor,
    computedMinor,
    paidOutMinor: payout.amountMinor,
    balanced: computedMinor === payout.amountMinor,
  };
}
