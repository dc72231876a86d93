// The Customer Checkout creates for the reader who pays. A pure builder, typed against the
// `stripe` SDK's own types.
import type Stripe from 'stripe';
import { randomTail, type NewStripeId } from './sandbox.ids.js';

/** The reader who pays, as Checkout collects them. */
export type Payer = { email: string; name: string | null };

export function newCustomer(payer: Payer, nowSec: number, newId: NewStripeId): Stripe.Customer {
  return {
    id: newId('cus', 14),
    object: 'customer',
    address: null,
    balance: 0,
    created: nowSec,
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    discount: null,
    email: payer.email,
    // Stripe gives each customer a prefix for invoice numbers like "7FE1103-0001"
    invoice_prefix: randomTail(newId, 8).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: {},
    name: payer.name,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
}
