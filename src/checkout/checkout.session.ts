// The Checkout Session we ask Stripe for. Attribution stays in our database; Stripe
// carries only our gift id (client_reference_id, and metadata on each object because
// metadata is never copied between Stripe objects: https://docs.stripe.com/metadata).
import type Stripe from 'stripe';
import type { Config } from '../config.js';
import { intervalOfFrequency } from '../ledger/ledger.frequency.js';
import { minorToMajorString } from '../lib/money.js';
import type { CheckoutRequest } from './checkout.rules.js';

const PRODUCT_NAME = { one_off: 'One-off gift', monthly: 'Monthly support', annual: 'Annual support' } as const;

/** Longest return address we hand to Stripe; a real article URL is far shorter. */
const MAX_RETURN_URL = 2000;

export type GiftOrigin = {
  /** 'fragment' when the form came from the CMS fragment */
  origin?: string | null;
  /** the page the fragment was shown on, as the CMS passed it (GET /appeal?return_to=…) */
  returnTo?: string | null;
  /** the Referer of the form post; cross-origin posts usually carry only the origin */
  referer?: string | null;
};

/**
 * The publisher's page a fragment gift started on, when it is safe to send the reader back
 * there: only an origin in PUBLISHER_ORIGINS, as anything else would make us an open
 * redirect through Stripe. The page the CMS passed wins over the Referer, which a
 * cross-origin post usually cuts down to the origin. Null for every other gift.
 */
export function publisherReturnUrl(config: Config, from: GiftOrigin): string | null {
  if (from.origin !== 'fragment') return null;
  return allowedReturnUrl(config, from.returnTo) ?? allowedReturnUrl(config, from.referer);
}

/** What the reader chose, carried to the appeal a cancelled checkout returns to. */
export type GiftChoice = { frequency: string; amountMinor: number; currency: string };

/**
 * Where Checkout's cancel button takes the reader: back to the publisher's page, else our
 * appeal with their frequency, amount and currency chosen again and a line that no gift was made.
 */
export function cancelUrl(config: Config, from: GiftOrigin, choice?: GiftChoice): string {
  const publisher = publisherReturnUrl(config, from);
  if (publisher) return choice ? withChoice(publisher, choice) : publisher;
  if (!choice) return `${config.publicUrl}/?cancelled=1#support`;
  const q = new URLSearchParams({
    cancelled: '1',
    frequency: choice.frequency,
    amount: minorToMajorString(choice.amountMinor, choice.currency, { trim: true }),
    currency: choice.currency,
  });
  return `${config.publicUrl}/?${q.toString()}#support`;
}

/**
 * The publisher's page with the reader's choice in `storyfund_*` parameters, which its CMS
 * passes on to GET /appeal (README) so the fragment shows it again with the no-gift line.
 */
function withChoice(publisher: string, choice: GiftChoice): string {
  const url = new URL(publisher);
  url.searchParams.set('storyfund_cancelled', '1');
  url.searchParams.set('storyfund_frequency', choice.frequency);
  url.searchParams.set('storyfund_amount', minorToMajorString(choice.amountMinor, choice.currency, { trim: true }));
  url.searchParams.set('storyfund_currency', choice.currency);
  return url.href;
}

function allowedReturnUrl(config: Config, candidate: string | null | undefined): string | null {
  if (!candidate || candidate.length > MAX_RETURN_URL) return null;
  let url: URL;
  try {
    url = new URL(candidate.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username || url.password) return null;
  if (!config.publisherOrigins.includes(url.origin)) return null;
  // the serialised URL, not the input: what Stripe gets is exactly what was checked
  return url.href.length > MAX_RETURN_URL ? null : url.href;
}

export function sessionParams(req: CheckoutRequest, giftId: string, config: Config, cancel: string): Stripe.Checkout.SessionCreateParams {
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
    cancel_url: cancel,
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
