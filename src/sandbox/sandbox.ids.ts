// Stripe-looking ids for the offline sandbox: an object prefix and a random base62 tail,
// the form every object in https://docs.stripe.com/api shows. Unlike the app's own ids
// (lib/ids) they are not time-sorted, so nothing can come to depend on that.
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export type NewStripeId = (prefix: string, length?: number) => string;

/** `prefix_` plus `length` random base62 characters, from the Web Crypto RNG (Node and Workers). */
export const stripeId: NewStripeId = (prefix, length = 24) => {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  let tail = '';
  // 256 % 62 bias is irrelevant for test ids; uniqueness is what matters.
  for (const b of bytes) tail += BASE62[b % 62];
  return `${prefix}_${tail}`;
};

/** Random characters from the same generator, for values that are not ids (invoice prefixes, secrets). */
export const randomTail = (newId: NewStripeId, length: number): string => newId('x', length).slice(2);

/** Hosted Checkout session ids in test mode look like `cs_test_` and 58 characters. */
export const checkoutSessionId = (newId: NewStripeId = stripeId): string => newId('cs_test', 58);
