// Checkout Sessions: a completed, async-paid, failed or expired session, as writes. Pure rules.
import type { Frequency } from '../../db/schema.js';
import { frequencyOfInterval, intervalOfFrequency } from './ledger.frequency.js';
import { advanceGift, externalGiftId } from './ledger.gifts.js';
import { email, type GiftRef, receiptKey, type Write } from './ledger.js';

export type PaidSessionFacts = {
  sessionId: string;
  /** 'payment' | 'subscription' (Stripe may add values) */
  mode: string;
  /** 'paid' | 'unpaid' | 'no_payment_required' */
  paymentStatus: string;
  amountTotal: number;
  currency: string;
  email: string | null;
  name: string | null;
  customerId: string | null;
  paymentIntentId: string | null;
  subscriptionId: string | null;
  /** interval of a subscription's price, when the session says */
  interval: 'month' | 'year' | null;
  /** seconds */
  stripeCreated: number;
  /** "Visa ending 4242", when the payload says */
  paymentMethod?: string | null;
};

/**
 * checkout.session.completed and checkout.session.async_payment_succeeded.
 * Payment mode: the gift is paid and its money recorded only when payment_status is paid.
 * Subscription mode: links supporter and recurring gift; money comes from invoice.paid.
 */
export function onSessionSettled(s: PaidSessionFacts, gift: GiftRef | null): Write[] {
  const writes: Write[] = [];
  if (s.email) writes.push({ type: 'supporter.upsert', supporter: { email: s.email, name: s.name, stripeCustomerId: s.customerId } });

  const frequency: Frequency = gift?.frequency ?? (s.mode === 'payment' ? 'one_off' : (frequencyOfInterval(s.interval) ?? 'monthly'));
  let giftId = gift?.id ?? null;
  if (!gift) {
    giftId = externalGiftId(s.sessionId);
    writes.push({
      type: 'gift.createExternal',
      gift: {
        id: giftId,
        frequency,
        amountMinor: s.amountTotal,
        currency: s.currency,
        email: s.email,
        checkoutSessionId: s.sessionId,
        subscriptionId: s.subscriptionId,
      },
    });
  }
  const paid = s.paymentStatus === 'paid' || s.paymentStatus === 'no_payment_required';
  const advance = advanceGift(gift, giftId!, paid ? 'paid' : 'processing', {
    email: s.email,
    paymentIntentId: s.paymentIntentId,
    subscriptionId: s.subscriptionId,
    checkoutSessionId: s.sessionId,
  });
  if (advance) writes.push(advance);

  if (s.mode === 'payment' && s.paymentStatus === 'paid') {
    const key = `payment:${s.paymentIntentId ?? s.sessionId}`;
    writes.push({
      type: 'entry',
      entry: {
        key,
        kind: 'gift',
        giftId,
        subscriptionId: null,
        frequency: 'one_off',
        amountMinor: s.amountTotal,
        currency: s.currency,
        email: s.email,
        stripeId: s.paymentIntentId ?? s.sessionId,
        occurredAt: s.stripeCreated * 1000,
        paymentIntentId: s.paymentIntentId,
      },
    });
    if (s.email) {
      writes.push(
        email(receiptKey(key), 'receipt', s.email, {
          amountMinor: s.amountTotal,
          currency: s.currency,
          paidAt: s.stripeCreated * 1000,
          receiptNumber: s.paymentIntentId ?? s.sessionId,
          paymentMethod: s.paymentMethod ?? null,
          // the dispatcher asks Stripe for its card when the event did not say (mail.receipts.ts)
          paymentIntentId: s.paymentIntentId ?? null,
        }),
      );
    }
  }
  // an async payment's gift is linked to its payment intent before the money arrives
  if (s.paymentIntentId) writes.push({ type: 'payment.link', paymentIntentId: s.paymentIntentId });
  if (s.mode === 'subscription' && s.subscriptionId) {
    writes.push({
      type: 'recurring.ensure',
      recurring: {
        subscriptionId: s.subscriptionId,
        giftId,
        email: s.email,
        stripeCustomerId: s.customerId,
        interval: s.interval ?? (gift ? intervalOfFrequency(gift.frequency) : null),
        amountMinor: gift?.amountMinor ?? s.amountTotal,
        currency: gift?.currency ?? s.currency,
      },
    });
  }
  return writes;
}

export function onSessionFailed(gift: GiftRef | null): Write[] {
  const advance = gift && advanceGift(gift, gift.id, 'failed', { email: null });
  return advance ? [advance] : [];
}

export function onSessionExpired(gift: GiftRef | null): Write[] {
  const advance = gift && advanceGift(gift, gift.id, 'expired', { email: null });
  return advance ? [advance] : [];
}
