// The open Checkout Session Stripe creates from valid parameters, with the inline products
// and prices its price_data/product_data become, and the line items kept beside it.
import Stripe from 'stripe';
import { invalid, type SandboxApiError } from './sandbox.errors.js';
import { checkoutSessionId, type NewStripeId } from './sandbox.ids.js';
import type { CreateSessionParams } from './sandbox.sessions.params.js';
import { extrasId, type CheckoutSessionExtras } from './sandbox.repo.js';

type BuiltSession = {
  session: Stripe.Checkout.Session;
  extras: CheckoutSessionExtras;
  products: Stripe.Product[];
  prices: Stripe.Price[];
};

export function buildSession(p: CreateSessionParams, ctx: { nowMs: number; publicUrl: string; newId: NewStripeId }): BuiltSession | SandboxApiError {
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
