import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { chooseAmount, presetOptions, resolveCurrency, resolveFrequency } from './appeal.js';
import { ENHANCE_SCRIPT, renderArticlePage } from './appeal.view.js';

const config = loadConfig({ NODE_ENV: 'test' });

describe('appeal rules', () => {
  it('resolves the currency case-insensitively and falls back to the default', () => {
    expect(resolveCurrency(config, 'USD')).toBe('usd');
    expect(resolveCurrency(config, ' eur ')).toBe('eur');
    expect(resolveCurrency(config, 'jpy')).toBe('gbp'); // known to money, not configured here
    expect(resolveCurrency(config, undefined)).toBe('gbp');
  });

  it('defaults the frequency to monthly', () => {
    expect(resolveFrequency('annual')).toBe('annual');
    expect(resolveFrequency('weekly')).toBe('monthly');
    expect(resolveFrequency('toString')).toBe('monthly');
    expect(resolveFrequency(undefined)).toBe('monthly');
  });

  it('submits presets in major units and labels them as money', () => {
    const yen = loadConfig({ NODE_ENV: 'test', CURRENCIES: 'gbp,jpy', AMOUNT_MIN: '100', AMOUNT_MAX: '1000000' });
    expect(presetOptions(config, 'gbp', 'monthly')).toEqual([
      { minor: 300, value: '3', label: '£3' },
      { minor: 500, value: '5', label: '£5' },
      { minor: 1000, value: '10', label: '£10' },
      { minor: 2000, value: '20', label: '£20' },
    ]);
    expect(presetOptions(yen, 'jpy', 'one_off')[1]).toEqual({ minor: 1000, value: '1000', label: '¥1,000' });
    const custom = loadConfig({
      NODE_ENV: 'test',
      APPEAL_PRESETS: JSON.stringify({
        gbp: { one_off: [7.5], monthly: [2.25], annual: [30] },
        usd: { one_off: [5], monthly: [5], annual: [5] },
        eur: { one_off: [5], monthly: [5], annual: [5] },
      }),
    });
    expect(presetOptions(custom, 'gbp', 'one_off')).toEqual([{ minor: 750, value: '7.50', label: '£7.50' }]);
  });

  it('maps a submitted amount back onto a preset or the other-amount box', () => {
    const presets = presetOptions(config, 'gbp', 'monthly');
    expect(chooseAmount(presets, undefined, 'gbp')).toEqual({ checked: 1, other: '' });
    expect(chooseAmount(presets, '', 'gbp')).toEqual({ checked: -1, other: '' });
    expect(chooseAmount(presets, '10', 'gbp')).toEqual({ checked: 2, other: '' });
    expect(chooseAmount(presets, '£10.00', 'gbp')).toEqual({ checked: 2, other: '' });
    expect(chooseAmount(presets, '12.50', 'gbp')).toEqual({ checked: -1, other: '12.50' });
    expect(chooseAmount(presets, 'lots', 'gbp')).toEqual({ checked: -1, other: 'lots' });
    expect(chooseAmount([], undefined, 'gbp')).toEqual({ checked: -1, other: '' });
  });
});

describe('the enhancement script', () => {
  it("is a served file the page links to, never inline (the CSP allows only this site's scripts)", () => {
    const html = renderArticlePage(config);
    expect([...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0])).toEqual(['<script src="/assets/appeal.js" defer="">']);
    expect(html).not.toMatch(/<script[^>]*>[^<]+<\/script>|<style\b/);
    expect(() => new Function(ENHANCE_SCRIPT)).not.toThrow();
  });
});
