// Gifts: how a gift's status may move, and the id of a gift that did not start at our
// checkout. Pure rules.
import type { GiftStatus } from '../../db/schema.js';

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
