import { describe, expect, it } from 'vitest';
import { advanceGift } from './ledger.gifts.js';
import type { GiftRef } from './ledger.js';

const held: GiftRef = {
  id: 'gift_1',
  status: 'paid',
  frequency: 'monthly',
  amountMinor: 1000,
  currency: 'gbp',
  email: 'a@example.com',
  supporterId: 'sup_1',
  paymentIntentId: null,
  subscriptionId: 'sub_1',
  checkoutSessionId: 'cs_1',
};

describe('advanceGift', () => {
  it('writes nothing for a renewal of a paid gift that already holds every link', () => {
    expect(advanceGift(held, held.id, 'paid', { email: 'a@example.com', subscriptionId: 'sub_1' })).toBeNull();
  });

  it('fills only the links the gift lacks, never the ones it holds', () => {
    const pending = { ...held, status: 'pending' as const, supporterId: null, subscriptionId: null };
    expect(
      advanceGift(pending, held.id, 'paid', { email: 'a@example.com', paymentIntentId: null, subscriptionId: 'sub_2', checkoutSessionId: 'cs_other' }),
    ).toEqual({
      type: 'gift.advance',
      giftId: held.id,
      to: 'paid',
      email: 'a@example.com',
      paymentIntentId: null,
      subscriptionId: 'sub_2',
      checkoutSessionId: null,
    });
  });

  it('moves the status forward even when every link is held, and never backward', () => {
    expect(advanceGift({ ...held, status: 'processing' }, held.id, 'paid', { email: null })).toMatchObject({ to: 'paid' });
    expect(advanceGift(held, held.id, 'processing', { email: null })).toBeNull();
    expect(advanceGift(held, held.id, 'failed', { email: null })).toBeNull();
  });

  it('writes every link for a gift created in the same write', () => {
    expect(advanceGift(null, 'gift_x_cs_1', 'paid', { email: 'b@example.com', checkoutSessionId: 'cs_1' })).toEqual({
      type: 'gift.advance',
      giftId: 'gift_x_cs_1',
      to: 'paid',
      email: 'b@example.com',
      checkoutSessionId: 'cs_1',
    });
  });
});
