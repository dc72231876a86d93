// A reader's gift as POST /checkout records it before Stripe is called (a pending gift).
import type { NewGift } from '../../src/ledger/ledger.repo.js';
import { testId } from './ids.js';

export function buildGift(overrides: Partial<NewGift> = {}): NewGift {
  return {
    id: testId('gift'),
    frequency: 'one_off',
    amountMinor: 1000,
    currency: 'gbp',
    email: null,
    article: 'harbour-water',
    section: 'news',
    campaign: 'winter',
    variant: 'a',
    referrer: null,
    country: null,
    ...overrides,
  };
}
