// A subscription's first invoice, paid, and the InvoicePayment that links it to the card
// payment that paid it. Pure builders, typed against the `stripe` SDK's own types.
import Stripe from 'stripe';
import { formatMoney, isKnownCurrency } from '../lib/money.js';
import type { Payer } from './sandbox.customers.js';
import type { NewStripeId } from './sandbox.ids.js';

const decimal = (n: number) => Stripe.Decimal.from(String(n));

function money(minor: number, currency: string): string {
  return isKnownCurrency(currency) ? formatMoney(minor, currency) : `${minor} ${currency.toUpperCase()} (minor units)`;
}

/**
 * The invoice a new subscription's first payment settles: one line per subscription item,
 * numbered in the customer's invoice sequence (the caller advances it).
 */
export function firstInvoice(p: {
  id: string;
  subscription: Stripe.Subscription;
  /** the session's line items, whose descriptions name the invoice lines */
  lineItems: Stripe.LineItem[];
  interval: Stripe.Price.Recurring.Interval;
  customer: Stripe.Customer;
  payer: Payer;
  amount: number;
  currency: string;
  periodEnd: number;
  nowSec: number;
  newId: NewStripeId;
}): Stripe.Invoice {
  const { id: invId, subscription, lineItems, interval, customer, payer, amount, currency, periodEnd, nowSec, newId } = p;
  const { id: subId, metadata } = subscription;
  const items = subscription.items.data;
  const lines: Stripe.InvoiceLineItem[] = items.map((si) => {
    const lineAmount = (si.price.unit_amount ?? 0) * (si.quantity ?? 1);
    const productId = typeof si.price.product === 'string' ? si.price.product : si.price.product.id;
    const name = lineItems.find((li) => li.price?.id === si.price.id)?.description ?? 'Subscription';
    return {
      id: newId('il'),
      object: 'line_item',
      amount: lineAmount,
      currency,
      description: `${si.quantity ?? 1} × ${name} (at ${money(si.price.unit_amount ?? 0, currency)} / ${interval})`,
      discount_amounts: [],
      discountable: true,
      discounts: [],
      invoice: invId,
      livemode: false,
      // Stripe: for subscription lines, metadata reflects the subscription's metadata
      // (https://docs.stripe.com/api/invoice-line-item/object#invoice_line_item_object-metadata)
      metadata,
      parent: {
        invoice_item_details: null,
        subscription_item_details: {
          invoice_item: null,
          proration: false,
          proration_details: { credited_items: null },
          subscription: subId,
          subscription_item: si.id,
        },
        type: 'subscription_item_details',
      },
      period: { start: nowSec, end: periodEnd },
      pretax_credit_amounts: [],
      pricing: {
        price_details: { price: si.price.id, product: productId },
        type: 'price_details',
        unit_amount_decimal: decimal(si.price.unit_amount ?? 0),
      },
      quantity: si.quantity ?? 1,
      quantity_decimal: decimal(si.quantity ?? 1),
      subscription: subId,
      subtotal: lineAmount,
      taxes: [],
    };
  });

  const sequence = customer.next_invoice_sequence ?? 1;
  return {
    id: invId,
    object: 'invoice',
    account_country: null,
    account_name: null,
    account_tax_ids: null,
    amount_due: amount,
    amount_overpaid: 0,
    amount_paid: amount,
    amount_remaining: 0,
    amount_shipping: 0,
    application: null,
    attempt_count: 1,
    attempted: true,
    auto_advance: false,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: 'subscription_create',
    collection_method: 'charge_automatically',
    created: nowSec,
    currency,
    custom_fields: null,
    customer: customer.id,
    customer_account: null,
    customer_address: null,
    customer_email: payer.email,
    customer_name: payer.name,
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: nowSec,
    ending_balance: 0,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: 'list', data: lines, has_more: false, url: `/v1/invoices/${invId}/lines` },
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: `${customer.invoice_prefix ?? 'SANDBOX'}-${String(sequence).padStart(4, '0')}`,
    on_behalf_of: null,
    // API 2026-10-28: the subscription and its metadata snapshot live under parent; the
    // invoice has no top-level subscription, charge, payment_intent or paid
    // (https://docs.stripe.com/changelog/basil/2025-03-31/adds-new-parent-field-to-invoicing-objects)
    parent: { quote_details: null, subscription_details: { metadata, subscription: subId }, type: 'subscription_details' },
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    // the first invoice of a subscription covers the instant it started; its line covers the period
    period_end: nowSec,
    period_start: nowSec,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: 'paid',
    status_transitions: { finalized_at: nowSec, marked_uncollectible_at: null, paid_at: nowSec, voided_at: null },
    subtotal: amount,
    subtotal_excluding_tax: amount,
    test_clock: null,
    total: amount,
    total_discount_amounts: [],
    total_excluding_tax: amount,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: nowSec,
  };
}

/** Since API 2025-03-31 only an InvoicePayment links an invoice to the payment that paid it. */
export function invoicePaymentFor(invoice: Stripe.Invoice, paymentIntentId: string, nowSec: number, newId: NewStripeId): Stripe.InvoicePayment {
  return {
    id: newId('inpay'),
    object: 'invoice_payment',
    amount_paid: invoice.amount_paid,
    amount_requested: invoice.amount_due,
    created: nowSec,
    currency: invoice.currency,
    invoice: invoice.id,
    is_default: true,
    livemode: false,
    payment: { payment_intent: paymentIntentId, type: 'payment_intent' },
    status: 'paid',
    status_transitions: { canceled_at: null, paid_at: nowSec },
  };
}
