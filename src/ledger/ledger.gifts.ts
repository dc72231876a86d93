// Gifts: how a gift's status may move, and the id of a gift that did not start at our
// checkout. Pure rules.
import type { GiftStatus } from '../../db/schema.js';
import type { GiftRef, Write } from './ledger.js';

/**
 * Gift status moves forward only; a status may be reached from these predecessors.
 * Deliveries arrive in any order, so a late `checkout.session.completed` with an unpaid
 * (async) payment must not pull a paid gift back to processing.
 */
export const GIFT_ADVANCES_FROM: Record<GiftStatus, readonly GiftStatus[]> = {
  pending: [],
  processing: ['pending'],
  paid: ['pending', 'processing', 'failed', 'expired'],
  failed: ['pending', 'processing'],
  expired: ['pending'],
};

/** Our id for a gift we first learn of from Stripe, stable across redeliveries. */
export function externalGiftId(stripeObjectId: string): string {
  return `gift_x_${stripeObjectId}`;
}

type GiftLinks = { email: string | null; paymentIntentId?: string | null; subscriptionId?: string | null; checkoutSessionId?: string | null };

/**
 * The gift.advance an event implies, less what the gift already holds (`gift` as read
 * before the write; null for a gift created in the same write). Null when it would change
 * nothing: statuses only move forward and links are never replaced, so what was true at
 * the read is still true at the write.
 */
export function advanceGift(gift: GiftRef | null, giftId: string, to: GiftStatus, links: GiftLinks): Write | null {
  if (!gift) return { type: 'gift.advance', giftId, to, ...links };
  const write = {
    type: 'gift.advance' as const,
    giftId,
    to,
    email: gift.email && gift.supporterId ? null : links.email,
    paymentIntentId: gift.paymentIntentId ? null : (links.paymentIntentId ?? null),
    subscriptionId: gift.subscriptionId ? null : (links.subscriptionId ?? null),
    checkoutSessionId: gift.checkoutSessionId ? null : (links.checkoutSessionId ?? null),
  };
  const moves = GIFT_ADVANCES_FROM[to].includes(gift.status);
  const fills = write.email != null || write.paymentIntentId != null || write.subscriptionId != null || write.checkoutSessionId != null;
  return moves || fills ? write : null;
}
