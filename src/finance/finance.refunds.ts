// Pure rules of a refund from the finance pages: what each payment of a gift can still
// give back, how a typed amount becomes minor units, how Stripe's refusals read in words,
// and where each request stands. No I/O here.
import { z } from 'zod';
import { REFUND_REASONS, type RefundReason } from '../../db/schema.js';
import { formatMoney, parseMajor } from '../lib/money.js';
import type { LedgerPayment, RefundInLedger, RefundRequestRow } from './finance.refunds.repo.js';

export const REASON_LABELS: Record<RefundReason, string> = {
  requested_by_customer: 'Requested by the supporter',
  duplicate: 'Duplicate payment',
  fraudulent: 'Fraudulent payment',
};

const paymentIntent = z.string({ error: 'choose the payment to refund' }).regex(/^pi_[A-Za-z0-9_]{1,120}$/, { error: 'is not a payment of this gift' });
const reason = z.enum(REFUND_REASONS, { error: `must be one of ${REFUND_REASONS.join(', ')}` });

/** The refund form, sent by GET to the confirmation page. */
export const refundChoice = z
  .object({
    payment: paymentIntent,
    kind: z.enum(['full', 'partial'], { error: 'choose full or partial' }),
    amount: z.string().max(20, { error: 'must be at most 20 characters' }).optional(),
    reason,
  })
  .refine((v) => v.kind === 'full' || (v.amount ?? '').trim() !== '', { path: ['amount'], error: 'enter the amount to refund' });

export type RefundChoice = z.output<typeof refundChoice>;

/** The confirmation page's form: the amount already in minor units, and the request's id. */
export const refundConfirmation = z.object({
  request: z
    .string({ error: 'is missing: confirm from the confirmation page' })
    .regex(/^rfq_[A-Za-z0-9]{1,40}$/, { error: 'is not a refund request from this page' }),
  payment: paymentIntent,
  amount_minor: z.coerce.number({ error: 'must be a whole number' }).int({ error: 'must be a whole number' }).positive({ error: 'must be more than zero' }),
  reason,
});

export type RefundConfirmation = z.output<typeof refundConfirmation>;

export type PaymentRefundState = LedgerPayment & {
  /** refunds the ledger holds against this payment */
  refundedMinor: number;
  /** requested or sent to Stripe, not yet in the ledger */
  pendingMinor: number;
  remainingMinor: number;
};

/**
 * Where a request stands: the ledger has its refund, Stripe said no, its webhook is awaited,
 * or Stripe took it and then could not pay it out (refund.failed: the money came back to the
 * balance and the payment can be refunded again).
 */
export type RequestState = 'applied' | 'refused' | 'waiting' | 'failed';

export function requestState(r: Pick<RefundRequestRow, 'status' | 'stripeRefundId'>, inLedger: ReadonlyMap<string, RefundInLedger>): RequestState {
  if (r.status === 'refused') return 'refused';
  const held = r.stripeRefundId ? inLedger.get(r.stripeRefundId) : undefined;
  if (held) return held.failedAt === null ? 'applied' : 'failed';
  return 'waiting';
}

/**
 * What each payment can still refund: its amount, less the ledger's refunds, less requests
 * still on their way (a request whose outcome is unknown counts, so two people cannot
 * refund the same money twice). `except` leaves out the request being sent again.
 */
export function paymentStates(
  payments: readonly LedgerPayment[],
  refunded: ReadonlyMap<string, number>,
  requests: readonly RefundRequestRow[],
  inLedger: ReadonlyMap<string, RefundInLedger>,
  except?: string,
): PaymentRefundState[] {
  return payments.map((p) => {
    const refundedMinor = refunded.get(p.paymentIntentId) ?? 0;
    const pendingMinor = requests
      .filter((r) => r.paymentIntentId === p.paymentIntentId && r.id !== except && requestState(r, inLedger) === 'waiting')
      .reduce((sum, r) => sum + r.amountMinor, 0);
    return { ...p, refundedMinor, pendingMinor, remainingMinor: Math.max(0, p.amountMinor - refundedMinor - pendingMinor) };
  });
}

/** The amount a choice names, in minor units, or the field and what is wrong with it. */
export function choiceAmount(
  choice: Pick<RefundChoice, 'kind' | 'amount'>,
  payment: Pick<PaymentRefundState, 'remainingMinor' | 'currency'>,
): { ok: true; minor: number } | { ok: false; field: 'amount' | 'payment'; problem: string } {
  if (payment.remainingMinor <= 0) return { ok: false, field: 'payment', problem: 'nothing remains to refund on this payment' };
  if (choice.kind === 'full') return { ok: true, minor: payment.remainingMinor };
  const parsed = parseMajor(choice.amount ?? '', payment.currency);
  if (!parsed.ok) return { ok: false, field: 'amount', problem: parsed.reason.toLowerCase() };
  if (parsed.minor <= 0) return { ok: false, field: 'amount', problem: 'must be more than zero' };
  return checkAmount(parsed.minor, payment);
}

/** An amount against what remains. */
export function checkAmount(
  minor: number,
  payment: Pick<PaymentRefundState, 'remainingMinor' | 'currency'>,
): { ok: true; minor: number } | { ok: false; field: 'amount'; problem: string } {
  if (minor > payment.remainingMinor) {
    return { ok: false, field: 'amount', problem: `must be at most ${formatMoney(payment.remainingMinor, payment.currency)}, what remains to refund` };
  }
  return { ok: true, minor };
}

/** Stripe's error codes for a refund it will not make, as finance staff would say them (https://docs.stripe.com/error-codes). */
const REFUSALS: Record<string, string> = {
  charge_already_refunded: 'Stripe says this payment has already been refunded in full.',
  charge_disputed: 'Stripe will not refund this payment: the supporter has disputed it. The dispute decides where the money goes.',
  refund_disputed_payment: 'Stripe will not refund this payment: the supporter has disputed it. The dispute decides where the money goes.',
  amount_too_large: 'Stripe says the amount is more than what remains to refund on this payment.',
  amount_too_small: 'Stripe says the amount is below the smallest refund it can make.',
  balance_insufficient: 'The Stripe balance is too low to cover this refund; add funds in Stripe and try again.',
  charge_expired_for_capture: 'This payment was never captured, so there is nothing to refund.',
  resource_missing: 'Stripe does not know this payment (a gift made in another Stripe account or mode?).',
};

export function refusalInWords(code: string | undefined, message: string | undefined): string {
  if (code && REFUSALS[code]) return REFUSALS[code];
  return `Stripe refused the refund: ${message ?? 'no reason given'}`;
}

/** Stripe's idempotency key for a stored request: the same request, sent any number of times, makes one refund. */
export const refundIdempotencyKey = (requestId: string) => `storyfund-refund-${requestId}`;
