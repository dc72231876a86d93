// Our gift frequencies against Stripe's billing intervals. Only monthly and annual giving
// exist here, so any other interval maps to nothing rather than to a guess.
import type { Frequency } from '../../db/schema.js';

export function frequencyOfInterval(interval: string | null | undefined): Frequency | null {
  if (interval === 'month') return 'monthly';
  if (interval === 'year') return 'annual';
  return null;
}

export function asInterval(value: string | null | undefined): 'month' | 'year' | null {
  return value === 'month' || value === 'year' ? value : null;
}

export function intervalOfFrequency(frequency: Frequency): 'month' | 'year' | null {
  return frequency === 'monthly' ? 'month' : frequency === 'annual' ? 'year' : null;
}
