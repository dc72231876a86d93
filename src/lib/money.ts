// Money is integer minor units plus an ISO 4217 currency code, everywhere.
// This module is the one place that knows how many decimals a currency has and
// the smallest amount Stripe will charge in it.

export type CurrencyInfo = {
  /** digits after the decimal point in the major unit */
  decimals: number;
  /** Stripe's minimum charge, in minor units.
   * Source: https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts */
  stripeMinimumMinor: number;
  symbol: string;
};

// Zero-decimal currencies per https://docs.stripe.com/currencies#zero-decimal
const CURRENCIES: Record<string, CurrencyInfo> = {
  gbp: { decimals: 2, stripeMinimumMinor: 30, symbol: '£' },
  usd: { decimals: 2, stripeMinimumMinor: 50, symbol: '$' },
  eur: { decimals: 2, stripeMinimumMinor: 50, symbol: '€' },
  cad: { decimals: 2, stripeMinimumMinor: 50, symbol: 'CA$' },
  aud: { decimals: 2, stripeMinimumMinor: 50, symbol: 'A$' },
  nzd: { decimals: 2, stripeMinimumMinor: 50, symbol: 'NZ$' },
  chf: { decimals: 2, stripeMinimumMinor: 50, symbol: 'CHF ' },
  sek: { decimals: 2, stripeMinimumMinor: 300, symbol: 'SEK ' },
  nok: { decimals: 2, stripeMinimumMinor: 300, symbol: 'NOK ' },
  dkk: { decimals: 2, stripeMinimumMinor: 250, symbol: 'DKK ' },
  jpy: { decimals: 0, stripeMinimumMinor: 50, symbol: '¥' },
  krw: { decimals: 0, stripeMinimumMinor: 100, symbol: '₩' },
};

export const KNOWN_CURRENCIES = Object.keys(CURRENCIES);

export function currencyInfo(currency: string): CurrencyInfo {
  const info = CURRENCIES[currency.toLowerCase()];
  if (!info) throw new Error(`unknown currency ${currency}`);
  return info;
}

export function isKnownCurrency(currency: string): boolean {
  return Object.hasOwn(CURRENCIES, currency.toLowerCase());
}

export type ParseResult = { ok: true; minor: number } | { ok: false; reason: string };

/**
 * Parses an amount as a reader types it in major units ("10", "10.50", "1,000")
 * into minor units, without ever going through a float.
 */
export function parseMajor(input: string, currency: string): ParseResult {
  const { decimals } = currencyInfo(currency);
  const text = input
    .trim()
    .replace(/^[£$€¥₩]/, '')
    .replace(/,(?=\d{3}(\D|$))/g, '');
  if (text === '') return { ok: false, reason: 'Enter an amount' };
  if (text.startsWith('-')) return { ok: false, reason: 'Enter an amount greater than zero' };
  const match = /^(\d+)(?:\.(\d*))?$/.exec(text);
  if (!match) return { ok: false, reason: 'Enter the amount as a number, like 10 or 10.50' };
  const whole = match[1]!;
  // "1.00" yen is one yen: zeros past the currency's decimals change nothing
  const frac = (match[2] ?? '').replace(/0+$/, '').padEnd(Math.min((match[2] ?? '').length, decimals), '0');
  if (frac.length > decimals) {
    return {
      ok: false,
      reason: decimals === 0 ? `${currency.toUpperCase()} amounts have no decimals` : `Use at most ${decimals} decimal places`,
    };
  }
  if (whole.replace(/^0+/, '').length > 12) return { ok: false, reason: 'That amount is too large' };
  const minor = Number(whole) * 10 ** decimals + Number(frac.padEnd(decimals, '0') || '0');
  return { ok: true, minor };
}

/** Major-unit amount (as configured, e.g. "1.00") to minor units; throws on bad config. */
export function majorToMinor(major: string, currency: string): number {
  const parsed = parseMajor(major, currency);
  if (!parsed.ok) throw new Error(`bad amount ${major} for ${currency}: ${parsed.reason}`);
  return parsed.minor;
}

/** "10.50" style, no symbol; whole amounts drop the decimals ("10"). */
export function minorToMajorString(minor: number, currency: string, opts: { trim?: boolean } = {}): string {
  const { decimals } = currencyInfo(currency);
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  if (decimals === 0) return sign + String(abs);
  const unit = 10 ** decimals;
  const whole = Math.floor(abs / unit);
  const frac = abs % unit;
  if (opts.trim && frac === 0) return sign + String(whole);
  return `${sign}${whole}.${String(frac).padStart(decimals, '0')}`;
}

/** "£10", "£10.50", "-€3.20", "¥500" */
export function formatMoney(minor: number, currency: string): string {
  const { symbol } = currencyInfo(currency);
  const text = minorToMajorString(Math.abs(minor), currency, { trim: true });
  const grouped = text.replace(/^\d+/, (w) => w.replace(/\B(?=(\d{3})+(?!\d))/g, ','));
  return `${minor < 0 ? '-' : ''}${symbol}${grouped}`;
}

export type Bounds = { minMinor: number; maxMinor: number };

/** The floor is never below Stripe's own minimum for the currency. */
export function amountBounds(currency: string, configuredMin: string, configuredMax: string): Bounds {
  const info = currencyInfo(currency);
  const minMinor = Math.max(majorToMinor(configuredMin, currency), info.stripeMinimumMinor);
  const maxMinor = majorToMinor(configuredMax, currency);
  return { minMinor, maxMinor };
}

export type AmountCheck = { ok: true; minor: number } | { ok: false; reason: string };

export function checkAmount(input: string, currency: string, bounds: Bounds): AmountCheck {
  const parsed = parseMajor(input, currency);
  if (!parsed.ok) return parsed;
  if (parsed.minor < bounds.minMinor) {
    return { ok: false, reason: `The smallest gift we can take is ${formatMoney(bounds.minMinor, currency)}` };
  }
  if (parsed.minor > bounds.maxMinor) {
    return { ok: false, reason: `The largest gift we can take online is ${formatMoney(bounds.maxMinor, currency)}` };
  }
  return parsed;
}
