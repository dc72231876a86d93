// Fees and settlement: what Stripe kept of a payment and what reached our balance, from the
// charge's balance transaction. Pure rules.
//
// Since API 2024-04-10 a charge's `balance_transaction` is often null at charge.succeeded
// and is set by a later charge.updated (docs/platform-notes.md; the field:
// https://docs.stripe.com/api/charges/object#charge_object-balance_transaction), so the
// gross is recorded when the payment succeeds and fee and net are filled when known.
import type { Settlement, Write } from './ledger.js';

/** The fields of a Stripe balance transaction the ledger uses (https://docs.stripe.com/api/balance_transactions/object). */
export type BalanceTransactionFacts = {
  id: string;
  /** in the balance's currency, signed */
  amountMinor: number;
  feeMinor: number;
  netMinor: number;
  currency: string;
  exchangeRate: number | null;
  type: string;
  reportingCategory: string;
  /** the charge, refund, dispute or payout that moved the money */
  sourceId: string | null;
  /** seconds */
  created: number;
};

export function settlementOf(bt: BalanceTransactionFacts): Settlement {
  return {
    balanceTransactionId: bt.id,
    feeMinor: bt.feeMinor,
    netMinor: bt.netMinor,
    currency: bt.currency,
    exchangeRate: bt.exchangeRate == null ? null : String(bt.exchangeRate),
  };
}

export type ChargeFacts = {
  chargeId: string;
  paymentIntentId: string | null;
  amountMinor: number;
  currency: string;
  /** 'succeeded' | 'pending' | 'failed' */
  status: string;
  /** seconds */
  created: number;
  balanceTransaction: BalanceTransactionFacts | null;
};

/**
 * charge.succeeded / charge.updated / charge.captured / charge.refunded: remember the
 * charge and, once its balance transaction is known, fill fee and net on its payment's
 * entries (now, or when the entry is written later). A failed charge moved no money.
 */
export function onChargeSeen(c: ChargeFacts): Write[] {
  if (c.status !== 'succeeded') return [];
  return [
    {
      type: 'charge.facts',
      charge: {
        chargeId: c.chargeId,
        paymentIntentId: c.paymentIntentId,
        amountMinor: c.amountMinor,
        currency: c.currency,
        stripeCreated: c.created,
        settlement: c.balanceTransaction ? settlementOf(c.balanceTransaction) : null,
      },
    },
  ];
}

/**
 * radar.early_fraud_warning.created / .updated: the card issuer reported the payment as
 * likely fraud; Stripe advises refunding before a dispute arrives
 * (https://docs.stripe.com/api/radar/early_fraud_warnings/object#early_fraud_warning_object-actionable). The gift is
 * flagged for staff, whether its payment is already recorded or arrives later.
 */
export function onEarlyFraudWarning(w: { warningId: string; chargeId: string; paymentIntentId: string | null; fraudType: string }): Write[] {
  const writes: Write[] = [{ type: 'charge.fraudWarning', warning: w }];
  if (w.paymentIntentId) writes.push({ type: 'payment.link', paymentIntentId: w.paymentIntentId });
  return writes;
}
