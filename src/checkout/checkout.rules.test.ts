import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { AppError } from '../lib/errors.js';
import { isReadableText, normalizeRaw, parseCheckout, type RawCheckoutInput } from './checkout.rules.js';

const config = loadConfig({ NODE_ENV: 'test' });
const valid = { frequency: 'monthly', amount: '10', currency: 'gbp' };

/** The fields parseCheckout names, or null when it accepts the input. */
function badFields(raw: RawCheckoutInput): Record<string, string> | null {
  try {
    parseCheckout(raw, config);
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).status).toBe(400);
    return (err as AppError).fields;
  }
}

describe('parseCheckout', () => {
  it('accepts a valid gift and prices it in minor units', () => {
    expect(parseCheckout({ ...valid, email: ' Reader@Example.com ', article: 'harbour-water' }, config)).toEqual({
      frequency: 'monthly',
      amountMinor: 1000,
      currency: 'gbp',
      email: 'Reader@Example.com',
      article: 'harbour-water',
      section: null,
      campaign: null,
      variant: null,
    });
  });

  it.each([
    [{ amount: 'abc' }, 'amount'],
    [{ amount: '-5' }, 'amount'],
    [{ amount: '0.10' }, 'amount'],
    [{ amount: '99999999' }, 'amount'],
    [{ amount: '10.001' }, 'amount'],
    [{ currency: 'xyz' }, 'currency'],
    [{ currency: 'jpy' }, 'currency'], // known to Stripe but not enabled in this config
    [{ frequency: 'weekly' }, 'frequency'],
    [{ email: 'not-an-email' }, 'email'],
    [{ article: 'x'.repeat(201) }, 'article'],
    [{ campaign: 'y'.repeat(101) }, 'campaign'],
    [{ article: 'harbour\ud800water' }, 'article'],
    [{ campaign: '\udc00' }, 'campaign'],
    [{ email: 'reader\ud83d@example.com' }, 'email'],
    [{ variant: 'b\uFFFD' }, 'variant'],
    [{ section: 'news\u0000' }, 'section'],
  ])('rejects %j naming the field %s', (override, field) => {
    const fields = badFields({ ...valid, ...override });
    expect(fields && Object.keys(fields)).toEqual([field]);
    expect(fields![field]!.length).toBeGreaterThan(5);
  });

  it('names every bad field at once, the amount too whenever its currency is readable', () => {
    expect(Object.keys(badFields({ frequency: '', amount: 'abc', currency: 'xyz' })!).sort()).toEqual(['currency', 'frequency']);
    expect(Object.keys(badFields({ frequency: 'weekly', amount: '0.10', currency: 'gbp', article: '\ud800' })!).sort()).toEqual([
      'amount',
      'article',
      'frequency',
    ]);
  });

  it('prefers the typed amount over the preset radio', () => {
    expect(normalizeRaw({ amount: '10', amount_other: '12.50' }).amount).toBe('12.50');
    expect(normalizeRaw({ amount: '10', amount_other: '  ' }).amount).toBe('10');
    expect(normalizeRaw({ amount: 7 }).amount).toBe('7');
  });

  it('keeps whole emoji and other scripts, refusing only what is broken', () => {
    for (const ok of ['😀 appeal', '日本語の記事', 'ünïcødé']) expect(isReadableText(ok)).toBe(true);
    for (const bad of ['\ud83d', 'a\ude00', 'tab\there', '\uFFFD']) expect(isReadableText(bad)).toBe(false);
  });
});
