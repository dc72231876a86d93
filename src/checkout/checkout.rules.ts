// Validation and pricing of a reader's gift. Plain values in, plain values out.
import { z } from 'zod';
import { FREQUENCIES } from '../../db/schema.js';
import type { Config } from '../config.js';
import type { GiftIntent } from '../ledger/ledger.repo.js';
import { checkAmount } from '../lib/money.js';
import { parseInput } from '../lib/validate.js';

const unreadable = (what: string) => `${what} contains characters we cannot read`;

/**
 * Text we store and hand to Stripe must be well-formed Unicode: a lone UTF-16 surrogate
 * (possible in JSON's \ud800 escapes) makes the Stripe SDK's form encoder throw, after the
 * gift row was written. A form cannot carry one; its decoder leaves U+FFFD in its place,
 * which no slug, campaign or email address holds either. Control characters have no place
 * in these fields.
 */
export function isReadableText(s: string): boolean {
  return s.isWellFormed() && !s.includes('\uFFFD') && !/\p{Cc}/u.test(s);
}

/** `what` names the field in its messages: most of these are hidden fields the reader cannot see. */
const optionalText = (max: number, what: string) =>
  z
    .string()
    .refine(isReadableText, unreadable(what))
    .trim()
    .max(max, `${what} must be at most ${max} characters`)
    .transform((s) => (s === '' ? null : s))
    .nullish()
    .transform((s) => s ?? null);

const fields = {
  frequency: z.enum(FREQUENCIES, { error: 'Choose one-off, monthly or annual' }),
  amount: z.union([z.string(), z.number()], { error: 'Enter an amount' }).transform(String),
  currency: z.string({ error: 'Choose a currency' }).trim().toLowerCase(),
  email: z
    .string()
    .refine(isReadableText, `${unreadable('Your email address')}; please type it again`)
    .trim()
    .transform((s) => (s === '' ? null : s))
    .pipe(z.email('Enter an email address like name@example.com').max(254).nullable())
    .nullish()
    .transform((s) => s ?? null),
  article: optionalText(200, 'The article'),
  section: optionalText(100, 'The section'),
  campaign: optionalText(100, 'The campaign'),
  variant: optionalText(100, 'The appeal variant'),
};

export type CheckoutRequest = GiftIntent;

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

/** Built once per configuration: the currencies offered and each one's amount bounds. */
const schemas = new WeakMap<Config, ReturnType<typeof buildSchema>>();

function buildSchema(config: Config) {
  const offered = `Choose one of ${config.currencies.map((c) => c.toUpperCase()).join(', ')}`;
  const price = (amount: string, currency: string) => checkAmount(amount, currency, config.bounds[currency]!);
  return z
    .object({ ...fields, currency: fields.currency.refine((c) => config.currencies.includes(c), offered) })
    .superRefine(
      (v, ctx) => {
        const check = price(v.amount, v.currency);
        if (!check.ok) ctx.addIssue({ code: 'custom', path: ['amount'], message: check.reason });
      },
      // the amount is priced in its currency, so it is checked whenever both are readable,
      // whatever else is wrong: every bad field is named at once
      { when: (payload) => !payload.issues.some((i) => i.path?.[0] === 'amount' || i.path?.[0] === 'currency') },
    )
    .transform(({ amount, ...rest }): CheckoutRequest => {
      const check = price(amount, rest.currency);
      if (!check.ok) throw new Error('an amount the refinement refused reached the transform');
      return { ...rest, amountMinor: check.minor };
    });
}

/**
 * The gift as every later step needs it (the pending gift row, then Stripe), or an AppError
 * (400) naming each bad field: nothing is written before this has passed.
 */
export function parseCheckout(raw: RawCheckoutInput, config: Config): CheckoutRequest {
  let schema = schemas.get(config);
  if (!schema) {
    schema = buildSchema(config);
    schemas.set(config, schema);
  }
  return parseInput(schema, raw);
}
