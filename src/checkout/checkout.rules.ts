// Validation and pricing of a reader's gift. Plain values in, plain values out.
import { z } from 'zod';
import { FREQUENCIES } from '../../db/schema.js';
import type { Config } from '../config.js';
import type { GiftIntent } from '../ledger/ledger.repo.js';
import { checkAmount } from '../lib/money.js';

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .transform((s) => (s === '' ? null : s))
    .nullish()
    .transform((s) => s ?? null);

const inputSchema = z.object({
  frequency: z.enum(FREQUENCIES, { error: 'Choose one-off, monthly or annual' }),
  amount: z.union([z.string(), z.number()], { error: 'Enter an amount' }).transform(String),
  currency: z.string({ error: 'Choose a currency' }).trim().toLowerCase(),
  email: z
    .string()
    .trim()
    .transform((s) => (s === '' ? null : s))
    .pipe(z.email('Enter an email address like name@example.com').max(254).nullable())
    .nullish()
    .transform((s) => s ?? null),
  article: optionalText(200),
  section: optionalText(100),
  campaign: optionalText(100),
  variant: optionalText(100),
});

export type CheckoutRequest = GiftIntent;

export type FieldErrors = Record<string, string>;

/** The raw fields as posted, kept so a form can be re-rendered with the reader's values. */
export type RawCheckoutInput = Record<string, string | undefined>;

/**
 * A form posts `amount` (a preset radio) and `amount_other` (typed); the typed amount wins.
 * JSON callers send `amount` alone.
 */
export function normalizeRaw(body: Record<string, unknown>): RawCheckoutInput {
  const out: RawCheckoutInput = {};
  for (const [k, v] of Object.entries(body)) {
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number' && Number.isFinite(v)) out[k] = String(v);
  }
  if (out.amount_other && out.amount_other.trim() !== '') out.amount = out.amount_other;
  delete out.amount_other;
  return out;
}

export function validateCheckout(raw: RawCheckoutInput, config: Config): { ok: true; value: CheckoutRequest } | { ok: false; fields: FieldErrors } {
  const parsed = inputSchema.safeParse(raw);
  const fields: FieldErrors = {};
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? 'form');
      fields[key] ??= issue.message;
    }
  }
  const currency = (raw.currency ?? '').trim().toLowerCase();
  if (!fields.currency && !config.currencies.includes(currency)) {
    fields.currency = `Choose one of ${config.currencies.map((c) => c.toUpperCase()).join(', ')}`;
  }
  let amountMinor = 0;
  if (!fields.amount && !fields.currency) {
    const check = checkAmount(raw.amount ?? '', currency, config.bounds[currency]!);
    if (check.ok) amountMinor = check.minor;
    else fields.amount = check.reason;
  }
  if (!parsed.success || Object.keys(fields).length) return { ok: false, fields };
  const { amount: _typed, ...rest } = parsed.data;
  return { ok: true, value: { ...rest, currency, amountMinor } };
}
