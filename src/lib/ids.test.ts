import { describe, expect, it } from 'vitest';
import { newId } from './ids.js';

describe('newId', () => {
  it('is the prefix, 10 time characters and 16 random ones, in Crockford base32', () => {
    expect(newId('led', Date.parse('2026-11-30T00:00:00Z'))).toMatch(/^led_[0-9a-hjkmnp-tv-z]{26}$/);
  });

  it('sorts by time', () => {
    const ids = [3, 1, 2].map((n) => newId('x', 1_700_000_000_000 + n * 1000));
    expect([...ids].sort()).toEqual([ids[1], ids[2], ids[0]]);
  });

  it('never repeats, across many refills of its random pool', () => {
    const ids = new Set(Array.from({ length: 5000 }, () => newId('x', 1)));
    expect(ids.size).toBe(5000);
    // every random character position takes many values: no byte is reused or left zero
    for (let pos = 12; pos < 28; pos++) expect(new Set([...ids].map((id) => id[pos])).size).toBeGreaterThan(20);
  });
});
