// POST /v1/checkout/sessions parameters (the subset Storyfund uses; other parameters are
// accepted and ignored unless they would change what the reader pays), checked as Stripe
// checks them and rejected with Stripe's wording where we know it.
import { z } from 'zod';
import { currencyInfo, formatMoney, isKnownCurrency, KNOWN_CURRENCIES } from '../lib/money.js';
import { invalid, type SandboxApiError } from './sandbox.errors.js';
import { stripeParam } from './sandbox.form.js';

const wholeNumber = (what: string) =>
  z
    .string()
    .regex(/^\d+$/, { error: (iss) => `Invalid ${what}: ${JSON.stringify(iss.input)} (expected a whole number)` })
    .transform(Number);

// Stripe's limits: 50 keys, key names up to 40 characters, values up to 500
// (https://docs.stripe.com/api/metadata). An empty value unsets a key.
const metadata = z
  .union([z.literal(''), z.record(z.string(), z.string())])
  .transform((m) => (m === '' ? {} : Object.fromEntries(Object.entries(m).filter(([, v]) => v !== ''))))
  .superRefine((m, ctx) => {
    const keys = Object.keys(m);
    if (keys.length > 50) ctx.addIssue({ code: 'custom', message: 'Metadata can have at most 50 keys.' });
    for (const k of keys) {
      if (k.length > 40) ctx.addIssue({ code: 'custom', path: [k], message: `Metadata key "${k}" is longer than 40 characters.` });
      if (m[k]!.length > 500) ctx.addIssue({ code: 'custom', path: [k], message: `Metadata value for "${k}" is longer than 500 characters.` });
    }
  });

const url = z.string().refine((s) => /^https?:\/\//i.test(s) && URL.canParse(s), { error: (iss) => `Not a valid URL: ${String(iss.input)}` });

const lineItemSchema = z.looseObject({
  price: z.never({ error: 'The offline sandbox supports only line_items[][price_data], not saved prices.' }).optional(),
  price_data: z.looseObject({
    currency: z
      .string()
      .transform((c) => c.toLowerCase())
      .refine(isKnownCurrency, {
        error: (iss) => `Invalid currency: ${String(iss.input)}. The offline sandbox knows ${KNOWN_CURRENCIES.join(', ')}.`,
      }),
    // Stripe caps amounts at eight digits (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts)
    unit_amount: wholeNumber('integer').refine((n) => n <= 99_999_999, { error: 'Amount must be no more than 99999999 (eight digits).' }),
    product: z.never({ error: 'The offline sandbox supports only price_data[product_data], not saved products.' }).optional(),
    product_data: z.looseObject({
      name: z.string().min(1, { error: 'Missing required param: name.' }),
      description: z.string().optional(),
      metadata: metadata.optional(),
    }),
    recurring: z
      .looseObject({
        interval: z.enum(['day', 'week', 'month', 'year'], {
          error: (iss) => `Invalid interval: must be one of day, week, month, or year (got ${JSON.stringify(iss.input)}).`,
        }),
        interval_count: wholeNumber('integer')
          .refine((n) => n >= 1, { error: 'interval_count must be at least 1.' })
          .optional(),
      })
      .optional(),
  }),
  quantity: wholeNumber('integer').refine((n) => n >= 1, { error: 'Quantity must be at least 1.' }),
});

export const createSessionSchema = z.looseObject({
  mode: z.enum(['payment', 'subscription'], {
    error: (iss) =>
      iss.input === 'setup'
        ? 'The offline sandbox does not support setup mode.'
        : `Invalid mode: must be one of payment, setup, or subscription (got ${JSON.stringify(iss.input)}).`,
  }),
  line_items: z.array(lineItemSchema).min(1, { error: 'line_items must contain at least one item.' }).max(100),
  success_url: url.optional(),
  cancel_url: url.optional(),
  // https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-client_reference_id
  client_reference_id: z.string().max(200, { error: 'client_reference_id can be at most 200 characters.' }).optional(),
  customer: z.string().optional(),
  customer_email: z
    .string()
    .refine((s) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s), { error: (iss) => `Invalid email address: ${String(iss.input)}` })
    .optional(),
  customer_creation: z.enum(['always', 'if_required']).optional(),
  submit_type: z.enum(['auto', 'book', 'donate', 'pay', 'subscribe']).optional(),
  metadata: metadata.optional(),
  payment_intent_data: z.looseObject({ metadata: metadata.optional(), description: z.string().optional() }).optional(),
  subscription_data: z.looseObject({ metadata: metadata.optional(), description: z.string().optional() }).optional(),
  expires_at: wholeNumber('integer').optional(),
  ui_mode: z.enum(['hosted'], { error: 'The offline sandbox supports only ui_mode=hosted.' }).optional(),
  discounts: z.never({ error: 'The offline sandbox does not support discounts.' }).optional(),
  expand: z.array(z.string()).optional(),
});

export type CreateSessionParams = z.output<typeof createSessionSchema>;

export function firstIssueAsError(error: z.ZodError, raw: unknown): SandboxApiError {
  const issue = error.issues[0]!;
  const param = stripeParam(issue.path);
  let at: unknown = raw;
  for (const p of issue.path) at = at && typeof at === 'object' ? (at as Record<PropertyKey, unknown>)[p as PropertyKey] : undefined;
  if (at === undefined && issue.code === 'invalid_type') return invalid(`Missing required param: ${param}.`, param);
  if (issue.code === 'invalid_type') return invalid(`Invalid ${param}: expected ${issue.expected}.`, param);
  return invalid(issue.message, param);
}

/** The rules that span parameters, with Stripe's wording where we know it. */
export function checkSessionRules(p: CreateSessionParams): SandboxApiError | null {
  const items = p.line_items;
  const currencies = new Set(items.map((li) => li.price_data.currency));
  if (currencies.size > 1) return invalid('All line items on a Checkout Session must use the same currency.', 'line_items');
  const recurringIdx = items.findIndex((li) => li.price_data.recurring);
  if (p.mode === 'payment') {
    if (recurringIdx >= 0) {
      return invalid(
        'You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.',
        `line_items[${recurringIdx}][price_data][recurring]`,
      );
    }
    if (p.subscription_data) return invalid('You can not pass `subscription_data` in `payment` mode.', 'subscription_data');
  } else {
    if (recurringIdx < 0) return invalid('You must provide at least one recurring price in `subscription` mode when using prices.', 'line_items');
    const oneTime = items.findIndex((li) => !li.price_data.recurring);
    if (oneTime >= 0) return invalid('The offline sandbox supports only recurring prices in subscription mode.', `line_items[${oneTime}][price_data]`);
    const intervals = new Set(items.map((li) => `${li.price_data.recurring!.interval}/${li.price_data.recurring!.interval_count ?? 1}`));
    if (intervals.size > 1) return invalid('All recurring prices on a Checkout Session must have the same billing interval.', 'line_items');
    if (p.payment_intent_data) return invalid('You can not pass `payment_intent_data` in `subscription` mode.', 'payment_intent_data');
    if (p.customer_creation) return invalid('`customer_creation` can only be used in `payment` mode and `setup` mode.', 'customer_creation');
  }
  if (p.customer && p.customer_email) return invalid('You may only specify one of these parameters: customer, customer_email.', 'customer_email');
  const currency = items[0]!.price_data.currency;
  const total = items.reduce((sum, li) => sum + li.price_data.unit_amount * li.quantity, 0);
  const minimum = currencyInfo(currency).stripeMinimumMinor;
  // https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts
  if (total < minimum) {
    return invalid(`The Checkout Session's total amount due must add up to at least ${formatMoney(minimum, currency)} ${currency}.`, 'line_items');
  }
  return null;
}
