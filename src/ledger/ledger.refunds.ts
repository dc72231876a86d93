// Refunds: each one a new negative entry linked to the gift it reverses, never an edit of
// the gift's money. Pure rules.
import { settlementOf, type BalanceTransactionFacts } from './ledger.fees.js';
import type { Write } from './ledger.js';

export type RefundFacts = {
  refundId: string;
  chargeId: string | null;
  paymentIntentId: string | null;
  amountMinor: number;
  currency: string;
  /** pending, requires_action, succeeded, failed, canceled (https://docs.stripe.com/api/refunds/object#refund_object-status) */
  status: string;
  /** seconds */
  created: number;
  balanceTransaction: BalanceTransactionFacts | null;
  /** the credit back to our balance when a refund fails */
  failureBalanceTransaction: BalanceTransactionFacts | null;
};

/**
 * refund.created / refund.updated / refund.failed / charge.refund.updated, and every refund
 * of a charge.refunded charge (dashboard refunds included). Stripe debits the balance
 * when a refund is created (pending or succeeded), so that is when it is recorded; a refund
 * that later fails is credited back by Stripe and gets its own positive entry
 * (https://docs.stripe.com/api/refunds/object#refund_object-failure_balance_transaction). Whatever order the events come in, a
 * failed refund ends as the pair, a successful one as the single negative entry.
 * A refund that only ever required action or was canceled moved no money.
 */
export function onRefund(r: RefundFacts): Write[] {
  if (!['pending', 'succeeded', 'failed'].includes(r.status)) return [];
  const base = {
    giftId: null,
    subscriptionId: null,
    frequency: 'one_off' as const, // replaced by the payment's frequency when it is known
    currency: r.currency,
    email: null,
    stripeId: r.refundId,
    paymentIntentId: r.paymentIntentId,
    chargeId: r.chargeId,
  };
  const writes: Write[] = [
    {
      type: 'entry',
      entry: {
        ...base,
        key: `refund:${r.refundId}`,
        kind: 'refund',
        amountMinor: -r.amountMinor,
        occurredAt: r.created * 1000,
        settlement: r.balanceTransaction ? settlementOf(r.balanceTransaction) : null,
      },
    },
  ];
  if (r.status === 'failed') {
    const back = r.failureBalanceTransaction;
    writes.push({
      type: 'entry',
      entry: {
        ...base,
        key: `refund:${r.refundId}:failed`,
        kind: 'refund_reversal',
        amountMinor: r.amountMinor,
        occurredAt: (back?.created ?? r.created) * 1000,
        settlement: back ? settlementOf(back) : null,
      },
    });
  }
  return writes;
}
