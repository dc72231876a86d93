import { describe, expect, it } from 'vitest';
import { amountBounds, checkAmount, formatMoney, minorToMajorString, parseMajor } from './money.js';

describe('parseMajor', () => {
  it.each([
    ['10', 'gbp', 1000],
    ['10.5', 'gbp', 1050],
    ['10.50', 'gbp', 1050],
    ['0.01', 'usd', 1],
    [' £1,000.00 ', 'gbp', 100000],
    ['500', 'jpy', 500],
    ['1,000', 'jpy', 1000],
    ['1.00', 'jpy', 1],
    ['10.500', 'gbp', 1050],
  ])('%s %s -> %d minor units', (input, currency, minor) => {
    expect(parseMajor(input, currency)).toEqual({ ok: true, minor });
  });

  it('never goes through a float: 0.29 is 29, not 28.999…', () => {
    expect(parseMajor('0.29', 'eur')).toEqual({ ok: true, minor: 29 });
    expect(parseMajor('1.15', 'eur')).toEqual({ ok: true, minor: 115 });
  });

  it.each([
    ['abc', 'gbp', /number/],
    ['-5', 'gbp', /greater than zero/],
    ['', 'gbp', /Enter an amount/],
    ['10.505', 'gbp', /2 decimal places/],
    ['10.5', 'jpy', /no decimals/],
    ['1e5', 'gbp', /number/],
    ['9999999999999', 'gbp', /too large/],
  ])('rejects %j in %s', (input, currency, reason) => {
    const r = parseMajor(input, currency);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});

describe('bounds', () => {
  it('never lets the floor drop below Stripe minimum charge', () => {
    expect(amountBounds('gbp', '0.01', '100')).toEqual({ minMinor: 30, maxMinor: 10000 });
    expect(amountBounds('jpy', '1', '100000')).toEqual({ minMinor: 50, maxMinor: 100000 });
    expect(amountBounds('usd', '2.00', '10000')).toEqual({ minMinor: 200, maxMinor: 1000000 });
  });

  it('checks an amount against floor and ceiling with a reason naming the limit', () => {
    const b = amountBounds('gbp', '1.00', '10000');
    expect(checkAmount('0.10', 'gbp', b)).toEqual({ ok: false, reason: 'The smallest gift we can take is £1' });
    expect(checkAmount('99999999', 'gbp', b)).toEqual({ ok: false, reason: 'The largest gift we can take online is £10,000' });
    expect(checkAmount('1', 'gbp', b)).toEqual({ ok: true, minor: 100 });
    expect(checkAmount('10000', 'gbp', b)).toEqual({ ok: true, minor: 1000000 });
  });
});

describe('formatting', () => {
  it('formats minor units for people', () => {
    expect(formatMoney(1000, 'gbp')).toBe('£10');
    expect(formatMoney(1050, 'gbp')).toBe('£10.50');
    expect(formatMoney(-320, 'eur')).toBe('-€3.20');
    expect(formatMoney(123456789, 'usd')).toBe('$1,234,567.89');
    expect(formatMoney(5000, 'jpy')).toBe('¥5,000');
  });
  it('round-trips through the major string', () => {
    for (const minor of [1, 99, 100, 1050, 123456]) expect(parseMajor(minorToMajorString(minor, 'gbp'), 'gbp')).toEqual({ ok: true, minor });
  });
});
