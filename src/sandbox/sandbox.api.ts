// The offline stand-in for the part of Stripe's HTTP API Storyfund uses, in Stripe's wire
// format: form-encoded bodies with bracket notation in, Stripe-shaped JSON out, Stripe's
// error envelope on failure. The real `stripe` SDK talks to it (sandbox.client.ts), so the
// app's Stripe code runs unchanged. It validates what real Stripe would reject for the
// calls we make, so a bad request fails here first rather than in production.
import { Hono, type Context } from 'hono';
import Stripe from 'stripe';
import { z } from 'zod';
import type { Db } from '../../db/db.js';
import { currencyInfo, formatMoney, isKnownCurrency, KNOWN_CURRENCIES } from '../lib/money.js';
import { SANDBOX_API_VERSION } from './sandbox.events.js';
import { checkoutSessionId, stripeId, type NewStripeId } from './sandbox.ids.js';
import {
  DELIVERY_TYPE,
  EXTRAS_TYPE,
  extrasId,
  getObject,
  getTyped,
  IDEMPOTENCY_TYPE,
  idempotencyId,
  insertObject,
  withLazyExpiry,
  writeAll,
  type CheckoutSessionExtras,
  type IdempotencyRecord,
  type SandboxType,
} from './sandbox.store.js';

export type SandboxApiOptions = {
  db: Db;
  /** milliseconds since the epoch */
  now: () => number;
  /** where the app (and so /sandbox/checkout/:id) is reachable, e.g. config.publicUrl */
  publicUrl: string;
  newId?: NewStripeId;
};

type StripeErrorBody = { type?: string; message: string; param?: string; code?: string };

export class SandboxApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 404,
    readonly body: StripeErrorBody,
  ) {
    super(body.message);
    this.name = 'SandboxApiError';
  }
}

const invalid = (message: string, param?: string) => new SandboxApiError(400, { message, ...(param ? { param } : {}) });

// ---------------------------------------------------------------------------------------
// Form decoding. Stripe documents its bracket notation only by example; the reference is
// the SDK's own encoder (`stringifyRequestData` in stripe-node's utils): objects as a[b]=,
// arrays as a[0]=. `a[]=` (what curl users write) is accepted too.

const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);
type FormTree = { [key: string]: FormValue };
type FormValue = string | FormTree | FormValue[];

/** Decodes `a[b][0][c]=x&expand[]=y` into nested objects and arrays. */
export function decodeStripeForm(text: string): Record<string, unknown> {
  const root: FormTree = Object.create(null) as FormTree;
  for (const [key, value] of new URLSearchParams(text)) {
    const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
    if (!match) throw invalid(`Invalid parameter name: ${key}`, key);
    const segments = [match[1]!, ...[...match[2]!.matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1]!)];
    if (segments.some((s) => FORBIDDEN_SEGMENTS.has(s))) throw invalid(`Invalid parameter name: ${key}`, key);
    let node: FormTree = root;
    for (let i = 0; i < segments.length; i++) {
      let seg = segments[i]!;
      // `a[]` appends: number it after what the container already holds
      if (seg === '') seg = String(Object.keys(node).length);
      if (i === segments.length - 1) {
        if (typeof node[seg] === 'object') throw invalid(`Invalid value for ${key}: it is also given as a hash`, key);
        node[seg] = value;
      } else {
        const next = node[seg];
        if (typeof next === 'string') throw invalid(`Invalid hash for ${key}: it is also given as a value`, key);
        node = (next as FormTree | undefined) ?? (node[seg] = Object.create(null) as FormTree);
      }
    }
  }
  return arrayify(root, '') as Record<string, unknown>;
}

/** Objects keyed 0..n become arrays; metadata keeps whatever keys it was given. */
function arrayify(value: FormValue, key: string): unknown {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = arrayify(value[k]!, k);
  if (key !== 'metadata' && keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
    return keys.sort((a, b) => Number(a) - Number(b)).map((k) => out[k]);
  }
  return out;
}

/** `['line_items', 0, 'price_data']` -> `line_items[0][price_data]`, as Stripe names params. */
export function stripeParam(path: readonly PropertyKey[]): string {
  const [head, ...rest] = path.map(String);
  return (head ?? '') + rest.map((p) => `[${p}]`).join('');
}

// ---------------------------------------------------------------------------------------
// POST /v1/checkout/sessions parameters (the subset Storyfund uses; other parameters are
// accepted and ignored unless they would change what the reader pays).

const wholeNumber = (what: string) =>
  z.string().regex(/^\d+$/, { error: (iss) => `Invalid ${what}: ${JSON.stringify(iss.input)} (expected a whole number)` }).transform(Number);

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
        interval_count: wholeNumber('integer').refine((n) => n >= 1, { error: 'interval_count must be at least 1.' }).optional(),
      })
      .optional(),
  }),
  quantity: wholeNumber('integer').refine((n) => n >= 1, { error: 'Quantity must be at least 1.' }),
});

const createSessionSchema = z.looseObject({
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

type CreateSessionParams = z.output<typeof createSessionSchema>;

function firstIssueAsError(error: z.ZodError, raw: unknown): SandboxApiError {
  const issue = error.issues[0]!;
  const param = stripeParam(issue.path);
  let at: unknown = raw;
  for (const p of issue.path) at = at && typeof at === 'object' ? (at as Record<PropertyKey, unknown>)[p as PropertyKey] : undefined;
  if (at === undefined && issue.code === 'invalid_type') return invalid(`Missing required param: ${param}.`, param);
  if (issue.code === 'invalid_type') return invalid(`Invalid ${param}: expected ${issue.expected}.`, param);
  return invalid(issue.message, param);
}

/** The rules that span parameters, with Stripe's wording where we know it. */
function checkSessionRules(p: CreateSessionParams): SandboxApiError | null {
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

type BuiltSession = {
  session: Stripe.Checkout.Session;
  extras: CheckoutSessionExtras;
  products: Stripe.Product[];
  prices: Stripe.Price[];
};

function buildSession(p: CreateSessionParams, ctx: { nowMs: number; publicUrl: string; newId: NewStripeId }): BuiltSession | SandboxApiError {
  const { newId } = ctx;
  const created = Math.floor(ctx.nowMs / 1000);
  // 24 hours by default, between 30 minutes and 24 hours if set
  // (https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-expires_at)
  const expiresAt = p.expires_at ?? created + 24 * 3600;
  if (expiresAt < created + 30 * 60 || expiresAt > created + 24 * 3600) {
    return invalid('The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.', 'expires_at');
  }
  const id = checkoutSessionId(newId);
  const currency = p.line_items[0]!.price_data.currency;
  const products: Stripe.Product[] = [];
  const prices: Stripe.Price[] = [];
  const lineItems: Stripe.LineItem[] = p.line_items.map((li) => {
    const pd = li.price_data;
    const product: Stripe.Product = {
      id: newId('prod', 14),
      object: 'product',
      // prices and products made from price_data/product_data are inline: not for reuse
      active: false,
      created,
      default_price: null,
      description: pd.product_data.description ?? null,
      images: [],
      livemode: false,
      marketing_features: [],
      metadata: pd.product_data.metadata ?? {},
      name: pd.product_data.name,
      package_dimensions: null,
      shippable: null,
      tax_code: null,
      tax_details: null,
      type: 'service',
      unit_label: null,
      updated: created,
      url: null,
    };
    const price: Stripe.Price = {
      id: newId('price'),
      object: 'price',
      active: false,
      billing_scheme: 'per_unit',
      created,
      currency,
      custom_unit_amount: null,
      livemode: false,
      lookup_key: null,
      metadata: {},
      nickname: null,
      product: product.id,
      recurring: pd.recurring
        ? { interval: pd.recurring.interval, interval_count: pd.recurring.interval_count ?? 1, meter: null, trial_period_days: null, usage_type: 'licensed' }
        : null,
      tax_behavior: 'unspecified',
      tiers_mode: null,
      transform_quantity: null,
      type: pd.recurring ? 'recurring' : 'one_time',
      unit_amount: pd.unit_amount,
      unit_amount_decimal: Stripe.Decimal.from(String(pd.unit_amount)),
    };
    products.push(product);
    prices.push(price);
    const amount = pd.unit_amount * li.quantity;
    return {
      id: newId('li'),
      object: 'item',
      adjustable_quantity: null,
      amount_discount: 0,
      amount_subtotal: amount,
      amount_tax: 0,
      amount_total: amount,
      currency,
      description: pd.product_data.name,
      metadata: {},
      price,
      quantity: li.quantity,
    };
  });
  const total = lineItems.reduce((sum, li) => sum + li.amount_total, 0);
  const payment = p.mode === 'payment';

  const session: Stripe.Checkout.Session = {
    id,
    object: 'checkout.session',
    adaptive_pricing: { enabled: false },
    after_expiration: null,
    allow_promotion_codes: null,
    allowed_payment_method_types: null,
    amount_subtotal: total,
    amount_total: total,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: p.cancel_url ?? null,
    client_reference_id: p.client_reference_id ?? null,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created,
    currency,
    currency_conversion: null,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: p.customer ?? null,
    customer_account: null,
    customer_creation: p.customer ? null : payment ? (p.customer_creation ?? 'if_required') : 'always',
    customer_details: null,
    customer_email: p.customer_email ?? null,
    discounts: [],
    expires_at: expiresAt,
    integration_identifier: null,
    invoice: null,
    invoice_creation: payment
      ? {
          enabled: false,
          invoice_data: {
            account_tax_ids: null,
            custom_fields: null,
            description: null,
            footer: null,
            issuer: null,
            metadata: {},
            rendering_options: null,
          },
        }
      : null,
    livemode: false,
    locale: null,
    managed_payments: null,
    metadata: p.metadata ?? {},
    mode: p.mode,
    origin_context: null,
    payment_intent: null,
    payment_link: null,
    payment_method_collection: 'always',
    payment_method_configuration_details: null,
    payment_method_options: {},
    payment_method_types: ['card'],
    payment_status: 'unpaid',
    permissions: null,
    phone_number_collection: { enabled: false },
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: 'open',
    submit_type: p.submit_type ?? null,
    subscription: null,
    success_url: p.success_url ?? null,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: 'hosted',
    url: `${ctx.publicUrl}/sandbox/checkout/${id}`,
    wallet_options: null,
  };
  const extras: CheckoutSessionExtras = {
    id: extrasId(id),
    session: id,
    line_items: lineItems,
    payment_intent_data: { metadata: p.payment_intent_data?.metadata ?? {}, description: p.payment_intent_data?.description ?? null },
    subscription_data: { metadata: p.subscription_data?.metadata ?? {}, description: p.subscription_data?.description ?? null },
  };
  return { session, extras, products, prices };
}

/** A session's line items as the list Stripe returns from /line_items or `expand[]=line_items`. */
export function lineItemsList(sessionId: string, extras: CheckoutSessionExtras): Stripe.ApiList<Stripe.LineItem> {
  return { object: 'list', data: extras.line_items, has_more: false, url: `/v1/checkout/sessions/${sessionId}/line_items` };
}

// ---------------------------------------------------------------------------------------
// expand[]: resolved from the store where the sandbox holds the object; paths it cannot
// resolve leave the id in place rather than failing the request.

const INTERNAL_TYPES = new Set<string>([EXTRAS_TYPE, IDEMPOTENCY_TYPE, DELIVERY_TYPE]);
// Stripe allows expansions up to four levels deep (https://docs.stripe.com/expand)
const MAX_EXPAND_DEPTH = 4;

async function expandPaths(db: Db, object: Record<string, unknown>, paths: readonly string[], nowMs: number): Promise<void> {
  for (const path of paths) {
    const segments = path.split('.').filter(Boolean).slice(0, MAX_EXPAND_DEPTH);
    await expandInto(db, object, segments, nowMs);
  }
}

async function expandInto(db: Db, target: unknown, segments: readonly string[], nowMs: number): Promise<void> {
  if (Array.isArray(target)) {
    for (const item of target) await expandInto(db, item, segments, nowMs);
    return;
  }
  if (!target || typeof target !== 'object' || segments.length === 0) return;
  const obj = target as Record<string, unknown>;
  const [head, ...rest] = segments as [string, ...string[]];
  let value = obj[head];
  if (head === 'line_items' && obj.object === 'checkout.session' && typeof obj.id === 'string') {
    const extras = await getObject<CheckoutSessionExtras>(db, extrasId(obj.id), EXTRAS_TYPE);
    if (extras) value = obj[head] = lineItemsList(obj.id, extras);
  } else if (typeof value === 'string') {
    const stored = await getTyped(db, value);
    if (stored && !INTERNAL_TYPES.has(stored.type)) {
      value = obj[head] =
        stored.type === 'checkout.session' ? withLazyExpiry(stored.data as Stripe.Checkout.Session, nowMs) : stored.data;
    }
  }
  if (rest.length > 0) await expandInto(db, value, rest, nowMs);
}

// ---------------------------------------------------------------------------------------

const RETRIEVABLE: Record<string, SandboxType> = {
  subscriptions: 'subscription',
  customers: 'customer',
  payment_intents: 'payment_intent',
  charges: 'charge',
  invoices: 'invoice',
  prices: 'price',
  products: 'product',
  events: 'event',
};

function notFound(type: string, id: string, param: string): SandboxApiError {
  return new SandboxApiError(404, { message: `No such ${type}: '${id}'`, param, code: 'resource_missing' });
}

function queryParams(c: Context): Record<string, unknown> {
  const search = new URL(c.req.url).search;
  return search.length > 1 ? decodeStripeForm(search.slice(1)) : {};
}

function expandList(params: Record<string, unknown>): string[] {
  const e = params.expand;
  return Array.isArray(e) ? e.filter((x): x is string => typeof x === 'string') : [];
}

function errorResponse(c: Context, err: SandboxApiError): Response {
  const { body } = err;
  const type = body.type ?? 'invalid_request_error';
  const docUrl = body.code ? `https://stripe.com/docs/error-codes/${body.code.replace(/_/g, '-')}` : undefined;
  return c.json({ error: { type, message: body.message, param: body.param, code: body.code, doc_url: docUrl } }, err.status);
}

export function createSandboxApi(opts: SandboxApiOptions): Hono {
  const { db, now } = opts;
  const newId = opts.newId ?? stripeId;
  const publicUrl = opts.publicUrl.replace(/\/+$/, '');
  const api = new Hono();

  api.use(async (c, next) => {
    // every response carries a request id, as Stripe's do (https://docs.stripe.com/api/request_ids)
    c.header('request-id', newId('req', 14));
    c.header('stripe-version', c.req.header('stripe-version') ?? SANDBOX_API_VERSION);
    const key = c.req.header('idempotency-key');
    if (key) c.header('idempotency-key', key);
    // The SDK sends `Authorization: Bearer sk_…` (https://docs.stripe.com/api/authentication).
    // Only test keys: nothing here moves money, and a live key pointed at the sandbox is a misconfiguration.
    const auth = c.req.header('authorization') ?? '';
    if (!/^Bearer (sk|rk)_test_\w+$/.test(auth)) {
      return errorResponse(
        c,
        new SandboxApiError(401, {
          message: auth ? 'The offline sandbox accepts only test-mode API keys (sk_test_…).' : 'You did not provide an API key.',
        }),
      );
    }
    await next();
  });

  api.post('/v1/checkout/sessions', async (c) => {
    const body = await c.req.text();
    const key = c.req.header('idempotency-key');
    // Stripe replays the first response to a key and rejects the key with other parameters
    // (https://docs.stripe.com/api/idempotent_requests)
    if (key) {
      const prior = await getObject<IdempotencyRecord>(db, idempotencyId(key), IDEMPOTENCY_TYPE);
      if (prior) return replay(c, prior, body);
    }

    const raw = decodeStripeForm(body);
    const parsed = createSessionSchema.safeParse(raw);
    if (!parsed.success) throw firstIssueAsError(parsed.error, raw);
    const ruleError = checkSessionRules(parsed.data);
    if (ruleError) throw ruleError;
    if (parsed.data.customer && !(await getObject(db, parsed.data.customer, 'customer'))) {
      throw invalid(`No such customer: '${parsed.data.customer}'`, 'customer');
    }
    const nowMs = now();
    const built = buildSession(parsed.data, { nowMs, publicUrl, newId });
    if (built instanceof SandboxApiError) throw built;

    const responseObject: Record<string, unknown> = { ...built.session };
    const expand = expandList(raw);
    // the new session's line items are not in the store yet
    if (expand.includes('line_items')) responseObject.line_items = lineItemsList(built.session.id, built.extras);
    await expandPaths(db, responseObject, expand.filter((e) => e !== 'line_items'), nowMs);
    const writes = [
      ...built.products.map((p) => insertObject(db, 'product', p, nowMs)),
      ...built.prices.map((p) => insertObject(db, 'price', p, nowMs)),
      insertObject(db, 'checkout.session', built.session, nowMs),
      insertObject(db, EXTRAS_TYPE, built.extras, nowMs),
    ];
    const responseBody = JSON.stringify(responseObject);
    if (key) {
      const record: IdempotencyRecord = {
        id: idempotencyId(key),
        method: 'POST',
        path: '/v1/checkout/sessions',
        request_body: body,
        status: 200,
        response_body: responseBody,
      };
      // The key and the session are written together; a concurrent request with the same key
      // loses the insert race, leaves an unreachable session behind, and replays the winner.
      await writeAll(db, [insertObject(db, IDEMPOTENCY_TYPE, record, nowMs), ...writes]);
      const winner = await getObject<IdempotencyRecord>(db, idempotencyId(key), IDEMPOTENCY_TYPE);
      if (winner && winner.response_body !== responseBody) return replay(c, winner, body);
    } else {
      await writeAll(db, writes);
    }
    return c.body(responseBody, 200, { 'content-type': 'application/json' });
  });

  api.get('/v1/checkout/sessions/:id', async (c) => {
    const id = c.req.param('id');
    const stored = await getObject<Stripe.Checkout.Session>(db, id, 'checkout.session');
    if (!stored) throw notFound('checkout.session', id, 'session');
    const nowMs = now();
    const session: Record<string, unknown> = { ...withLazyExpiry(stored, nowMs) };
    await expandPaths(db, session, expandList(queryParams(c)), nowMs);
    return c.json(session);
  });

  api.get('/v1/checkout/sessions/:id/line_items', async (c) => {
    const id = c.req.param('id');
    const extras = await getObject<CheckoutSessionExtras>(db, extrasId(id), EXTRAS_TYPE);
    if (!extras) throw notFound('checkout.session', id, 'session');
    return c.json(lineItemsList(id, extras));
  });

  api.get('/v1/:resource/:id', async (c) => {
    const type = RETRIEVABLE[c.req.param('resource')];
    if (!type) return unrecognised(c);
    const id = c.req.param('id');
    const stored = await getObject<Record<string, unknown>>(db, id, type);
    if (!stored) throw notFound(type, id, 'id');
    await expandPaths(db, stored, expandList(queryParams(c)), now());
    return c.json(stored);
  });

  api.notFound(unrecognised);
  api.onError((err, c) => {
    if (err instanceof SandboxApiError) return errorResponse(c, err);
    return c.json({ error: { type: 'api_error', message: `Offline sandbox error: ${err.message}` } }, 500);
  });
  return api;
}

function replay(c: Context, prior: IdempotencyRecord, body: string): Response {
  if (prior.request_body !== body || c.req.method !== prior.method || c.req.path !== prior.path) {
    return c.json(
      {
        error: {
          type: 'idempotency_error',
          message:
            'Keys for idempotent requests can only be used with the same parameters they were first used with. ' +
            'Try using a key other than the one used in the original request.',
        },
      },
      400,
    );
  }
  return c.body(prior.response_body, prior.status as 200, { 'content-type': 'application/json', 'idempotent-replayed': 'true' });
}

function unrecognised(c: Context): Response {
  return c.json(
    {
      error: {
        type: 'invalid_request_error',
        message:
          `Unrecognized request URL (${c.req.method}: ${c.req.path}). The offline sandbox implements only ` +
          'POST /v1/checkout/sessions, GET /v1/checkout/sessions/:id(/line_items) and GET of ' +
          `/v1/{${Object.keys(RETRIEVABLE).join(',')}}/:id.`,
      },
    },
    404,
  );
}
