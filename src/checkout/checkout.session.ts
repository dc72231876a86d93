// The Checkout Session we ask Stripe for. Attribution stays in our database; Stripe
// carries only our gift id (client_reference_id, and metadata on each object because
// metadata is never copied between Stripe objects: https://docs.stripe.com/metadata).
import type Stripe from 'stripe';
import type { Config } from '../config.js';
import { intervalOfFrequency } from '../ledger/ledger.frequency.js';
import type { CheckoutRequest } from './checkout.rules.js';

const PRODUCT_NAME = { one_off: 'One-off gift', monthly: 'Monthly support', annual: 'Annual support' } as const;

export function sessionParams(req: CheckoutRequest, giftId: string, config: Config): Stripe.Checkout.SessionCreateParams {
  const metadata: Stripe.MetadataParam = { gift_id: giftId, frequency: req.frequency };
  if (req.article) metadata.article = req.article;
  if (req.campaign) metadata.campaign = req.campaign;
  if (req.variant) metadata.variant = req.variant;
  const interval = intervalOfFrequency(req.frequency);
  const base = {
    client_reference_id: giftId,
    metadata,
    ...(req.email ? { customer_email: req.email } : {}),
    success_url: `${config.publicUrl}/thank-you?session_id={CHECKOUT_SESSION_ID}`,
    cancel_url: `${config.publicUrl}/?cancelled=1#support`,
  } satisfies Stripe.Checkout.SessionCreateParams;
  const productData = { name: `${PRODUCT_NAME[req.frequency]} for ${config.publicationName}` };

  if (!interval) {
    return {
      ...base,
      mode: 'payment',
      submit_type: 'donate',
      // a customer lets the supporter find this gift again in the billing portal
      customer_creation: 'always',
      line_items: [{ quantity: 1, price_data: { currency: req.currency, unit_amount: req.amountMinor, product_data: productData } }],
      payment_intent_data: { metadata, description: productData.name },
    };
  }
  return {
    ...base,
    mode: 'subscription',
    line_items: [{ quantity: 1, price_data: { currency: req.currency, unit_amount: req.amountMinor, product_data: productData, recurring: { interval } } }],
    subscription_data: { metadata, description: productData.name },
  };
}

/** Stripe replays the first response for the same key, so a double-clicked form makes one session. */
export function idempotencyKey(giftId: string): string {
  return `checkout-session:${giftId}`;
}
