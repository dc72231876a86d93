// Pure appeal rules: which currency, frequency and preset amounts a reader sees.
// Plain values in, plain values out; the view and the routes do the rendering and I/O.
import { FREQUENCIES, type Frequency } from '../../db/schema.js';
import type { Config } from '../config.js';
import { formatMoney, minorToMajorString, parseMajor } from '../lib/money.js';

export const DEFAULT_FREQUENCY: Frequency = 'monthly';

export const FREQUENCY_LABELS: Record<Frequency, string> = {
  one_off: 'One-off',
  monthly: 'Monthly',
  annual: 'Annual',
};

/** A bad or missing currency falls back to the default: the appeal must always render. */
export function resolveCurrency(config: Config, input: string | null | undefined): string {
  const c = input?.trim().toLowerCase();
  return c && config.currencies.includes(c) ? c : config.defaultCurrency;
}

export function resolveFrequency(input: string | null | undefined): Frequency {
  return (FREQUENCIES as readonly string[]).includes(input ?? '') ? (input as Frequency) : DEFAULT_FREQUENCY;
}

export type PresetOption = {
  minor: number;
  /** what the radio submits, in major units ("10", "10.50"), as POST /checkout parses it */
  value: string;
  /** "£10" */
  label: string;
};

export function presetOptions(config: Config, currency: string, frequency: Frequency): PresetOption[] {
  const minors = config.appeal.presets[currency]?.[frequency] ?? [];
  return minors.map((minor) => ({
    minor,
    value: minorToMajorString(minor, currency, { trim: true }),
    label: formatMoney(minor, currency),
  }));
}

export type AmountChoice = {
  /** index of the preset radio to check, or -1 for none */
  checked: number;
  /** text for the "other amount" input */
  other: string;
};

/**
 * Maps a submitted amount back onto the form. With no amount at all (a fresh page) we
 * preselect the second preset, so a reader without JavaScript can give in one click.
 * An empty amount (a failed submission) selects nothing, so the error makes sense.
 */
export function chooseAmount(presets: PresetOption[], amount: string | undefined, currency: string): AmountChoice {
  if (amount === undefined) return { checked: Math.min(1, presets.length - 1), other: '' };
  const text = amount.trim();
  if (text === '') return { checked: -1, other: '' };
  const parsed = parseMajor(text, currency);
  const index = parsed.ok ? presets.findIndex((p) => p.minor === parsed.minor) : -1;
  return index >= 0 ? { checked: index, other: '' } : { checked: -1, other: text };
}
