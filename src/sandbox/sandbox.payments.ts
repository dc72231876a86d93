// A successful card payment as Stripe records it: the PaymentIntent, its charge, and the
// balance transaction it settles into, with the sandbox's illustrative fee. Pure builders,
// typed against the `stripe` SDK's own types.
import type Stripe from 'stripe';
import { currencyInfo, isKnownCurrency } from '../lib/money.js';
import type { Payer } from './sandbox.customers.js';
import { randomTail, type NewStripeId } from './sandbox.ids.js';

/**
 * A card payment that succeeded: the PaymentIntent, its charge, and the balance transaction
 * the charge settled into. The stored charge already names its balance transaction, as a
 * retrieve would show it by then; the webhook events do not carry charges at all.
 */
export function payByCard(p: {
  amount: number;
  currency: string;
  customerId: string | null;
  payer: Payer;
  paymentMethod: string;
  description: string | null;
  metadata: Record<string, string>;
  nowSec: number;
  newId: NewStripeId;
}): { charge: Stripe.Charge; paymentIntent: Stripe.PaymentIntent; balanceTransaction: Stripe.BalanceTransaction } {
  const { amount, currency, payer, paymentMethod, nowSec, newId } = p;
  const customer = p.customerId ? { id: p.customerId } : null;
  const extras = { payment_intent_data: { description: p.description, metadata: p.metadata } };
  const balanceTransaction = sandboxBalanceTransaction(amount, currency, nowSec, newId);
  const piId = newId('pi');
  const charge: Stripe.Charge = {
    id: newId('ch'),
    object: 'charge',
    amount,
    amount_captured: amount,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    // Stripe fills this in later (charge.updated) since API 2024-04-10: docs/platform-notes.md, Fees arrive after the payment
    balance_transaction: null,
    billing_details: { address: null, email: payer.email, name: payer.name, phone: null, tax_id: null },
    calculated_statement_descriptor: 'SANDBOX',
    captured: true,
    created: nowSec,
    currency,
    customer: customer?.id ?? null,
    description: extras.payment_intent_data.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    fraud_details: {},
    livemode: false,
    metadata: {},
    on_behalf_of: null,
    outcome: {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: 'approved_by_network',
      reason: null,
      risk_level: 'normal',
      risk_score: 20,
      seller_message: 'Payment complete.',
      type: 'authorized',
    },
    paid: true,
    payment_intent: piId,
    payment_method: paymentMethod,
    // the test card the sandbox's checkout page shows (TEST_CARD)
    payment_method_details: {
      type: 'card',
      card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2034, funding: 'credit', country: 'US' },
    } as Stripe.Charge.PaymentMethodDetails,
    receipt_email: null,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'succeeded',
    transfer_data: null,
    transfer_group: null,
  };
  const paymentIntent: Stripe.PaymentIntent = {
    id: piId,
    object: 'payment_intent',
    allowed_payment_method_types: null,
    amount,
    amount_capturable: 0,
    amount_received: amount,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic_async',
    client_secret: `${piId}_secret_${randomTail(newId, 25)}`,
    confirmation_method: 'automatic',
    created: nowSec,
    currency,
    customer: customer?.id ?? null,
    customer_account: null,
    description: extras.payment_intent_data.description,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: charge.id,
    livemode: false,
    managed_payments: null,
    metadata: extras.payment_intent_data.metadata,
    next_action: null,
    on_behalf_of: null,
    payment_method: paymentMethod,
    payment_method_configuration_details: null,
    payment_method_options: {},
    payment_method_types: ['card'],
    payment_record: null,
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'succeeded',
    transfer_group: null,
  };
  charge.balance_transaction = balanceTransaction.id;
  balanceTransaction.source = charge.id;
  return { charge, paymentIntent, balanceTransaction };
}

/**
 * Illustrative fees only: 1.5% plus 20 minor units, roughly Stripe's UK card price
 * (https://stripe.com/gb/pricing); nothing here is a real price list.
 */
export function sandboxFee(amount: number, currency: string): number {
  return Math.round(amount * 0.015) + (isKnownCurrency(currency) && currencyInfo(currency).decimals === 0 ? 0 : 20);
}

function sandboxBalanceTransaction(amount: number, currency: string, nowSec: number, newId: NewStripeId): Stripe.BalanceTransaction {
  const fee = sandboxFee(amount, currency);
  return {
    id: newId('txn'),
    object: 'balance_transaction',
    amount,
    // funds become available some days later (https://docs.stripe.com/payouts); two here
    available_on: nowSec + 2 * 86_400,
    balance_type: 'payments',
    created: nowSec,
    currency,
    description: null,
    exchange_rate: null,
    fee,
    fee_details: [{ amount: fee, application: null, currency, description: 'Stripe processing fees', type: 'stripe_fee' }],
    net: amount - fee,
    reporting_category: 'charge',
    source: null,
    status: 'pending',
    type: 'charge',
  };
}
