import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { normalizeRaw, validateCheckout } from './checkout.rules.js';

const config = loadConfig({ NODE_ENV: 'test' });
const valid = { frequency: 'monthly', amount: '10', currency: 'gbp' };

describe('validateCheckout', () => {
  it('accepts a valid gift and prices it in minor units', () => {
    const r = validateCheckout({ ...valid, email: ' Reader@Example.com ', article: 'harbour-water' }, config);
    expect(r).toEqual({
      ok: true,
      value: { frequency: 'monthly', amountMinor: 1000, currency: 'gbp', email: 'Reader@Example.com', article: 'harbour-water', section: null, campaign: null, variant: null },
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
  ])('rejects %j naming the field %s', (override, field) => {
    const r = validateCheckout({ ...valid, ...override }, config);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(Object.keys(r.fields)).toEqual([field]);
      expect(r.fields[field]!.length).toBeGreaterThan(5);
    }
  });

  it('names every bad field at once', () => {
    const r = validateCheckout({ frequency: '', amount: 'abc', currency: 'xyz' }, config);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(Object.keys(r.fields).sort()).toEqual(['currency', 'frequency']);
  });

  it('prefers the typed amount over the preset radio', () => {
    expect(normalizeRaw({ amount: '10', amount_other: '12.50' }).amount).toBe('12.50');
    expect(normalizeRaw({ amount: '10', amount_other: '  ' }).amount).toBe('10');
    expect(normalizeRaw({ amount: 7 }).amount).toBe('7');
  });
});
