// Pure builders for what Stripe creates and sends when a reader pays on hosted Checkout:
// the completed session, the customer, the PaymentIntent and charge (payment mode) or the
// subscription and its first invoice (subscription mode), and the webhook events. Each
// object kind has its own builder (sandbox.customers.ts, sandbox.payments.ts,
// sandbox.subscriptions.ts, sandbox.invoices.ts, sandbox.events.ts); this module decides
// which exist and links them. Typed against the `stripe` SDK's own types, so a field
// Stripe's API (2026-10-28.endive) has and we forgot, or one it dropped, fails the
// typecheck rather than a production webhook.
// Plain values in and out: ids come from `newId` and time from `nowMs`.
import type Stripe from 'stripe';
import { cardPaymentMethod } from './sandbox.billing.js';
import { newCustomer, type Payer } from './sandbox.customers.js';
import {
  chargeUpdatedEvent,
  checkoutSessionCompletedEvent,
  customerSubscriptionCreatedEvent,
  invoicePaidEvent,
  invoicePaymentPaidEvent,
} from './sandbox.events.js';
import { stripeId, type NewStripeId } from './sandbox.ids.js';
import { firstInvoice, invoicePaymentFor } from './sandbox.invoices.js';
import { payByCard } from './sandbox.payments.js';
import type { CheckoutSessionExtras } from './sandbox.repo.js';
import { addInterval, newSubscription } from './sandbox.subscriptions.js';

export type CheckoutCompletion = {
  session: Stripe.Checkout.Session;
  /** a new customer, or the session's existing one with its invoice sequence advanced */
  customer: Stripe.Customer | null;
  paymentIntent: Stripe.PaymentIntent | null;
  charge: Stripe.Charge | null;
  subscription: Stripe.Subscription | null;
  invoice: Stripe.Invoice | null;
  /** the charge's settlement in our balance, with the sandbox's illustrative fee */
  balanceTransaction: Stripe.BalanceTransaction | null;
  /** links the subscription's first invoice to the payment intent that paid it */
  invoicePayment: Stripe.InvoicePayment | null;
  /** the card the reader paid with, saved as Checkout saves it */
  paymentMethod: Stripe.PaymentMethod;
  /** in the order Stripe creates them, `created` non-decreasing */
  events: Stripe.Event[];
};

const seconds = (ms: number): number => Math.floor(ms / 1000);

/**
 * Everything that exists once the reader pays an open session. Which objects appear
 * follows Stripe:
 * - payment mode creates a PaymentIntent (metadata from payment_intent_data) and a charge;
 *   a Customer only when the session has one or asked for `customer_creation=always`
 *   (https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-customer_creation:
 *   "if_required" creates none in payment mode), otherwise `customer` stays null and the
 *   email is in `customer_details`;
 * - subscription mode always has a Customer, and creates the subscription (metadata from
 *   subscription_data) and its first invoice, paid, whose
 *   `parent.subscription_details.metadata` snapshots the subscription's metadata.
 * Metadata is never copied between objects otherwise
 * (https://docs.stripe.com/metadata#metadata-propagation).
 */
export function completeCheckoutSession(input: {
  session: Stripe.Checkout.Session;
  extras: CheckoutSessionExtras;
  payer: Payer;
  /** the session's own customer, when it was created with one */
  existingCustomer: Stripe.Customer | null;
  nowMs: number;
  newId?: NewStripeId;
}): CheckoutCompletion {
  const { extras, payer, nowMs } = input;
  const newId = input.newId ?? stripeId;
  const nowSec = seconds(nowMs);
  const open = input.session;
  const currency = open.currency ?? 'usd';
  const amount = open.amount_total ?? 0;
  const paymentMethod = newId('pm');

  const wantsCustomer = open.mode === 'subscription' || open.customer_creation === 'always' || input.existingCustomer !== null;
  let customer: Stripe.Customer | null = null;
  if (input.existingCustomer) customer = { ...input.existingCustomer };
  else if (wantsCustomer) customer = newCustomer(payer, nowSec, newId);

  const customerDetails: Stripe.Checkout.Session.CustomerDetails = {
    address: null,
    business_name: null,
    email: payer.email,
    individual_name: null,
    name: payer.name,
    phone: null,
    tax_exempt: 'none',
    tax_ids: [],
  };

  let paymentIntent: Stripe.PaymentIntent | null = null;
  let charge: Stripe.Charge | null = null;
  let subscription: Stripe.Subscription | null = null;
  let invoice: Stripe.Invoice | null = null;
  let balanceTransaction: Stripe.BalanceTransaction | null = null;
  let invoicePayment: Stripe.InvoicePayment | null = null;

  if (open.mode === 'payment') {
    ({ charge, paymentIntent, balanceTransaction } = payByCard({
      amount,
      currency,
      customerId: customer?.id ?? null,
      payer,
      paymentMethod,
      description: extras.payment_intent_data.description,
      metadata: extras.payment_intent_data.metadata,
      nowSec,
      newId,
    }));
  } else {
    if (!customer) throw new Error('subscription mode always has a customer');
    const recurring = extras.line_items.filter((li) => li.price?.recurring);
    const first = recurring[0]?.price?.recurring;
    if (!first) throw new Error(`session ${open.id} in subscription mode has no recurring line item`);
    const periodEnd = addInterval(nowSec, first.interval, first.interval_count);
    // The subscription names its first invoice and the invoice its subscription, so both
    // ids are drawn before either object is built.
    const subId = newId('sub');
    const invId = newId('in');
    subscription = newSubscription({
      id: subId,
      invoiceId: invId,
      recurring,
      customerId: customer.id,
      currency,
      paymentMethod,
      description: extras.subscription_data.description,
      metadata: extras.subscription_data.metadata,
      periodEnd,
      nowSec,
      newId,
    });
    invoice = firstInvoice({
      id: invId,
      subscription,
      lineItems: extras.line_items,
      interval: first.interval,
      customer,
      payer,
      amount,
      currency,
      periodEnd,
      nowSec,
      newId,
    });
    customer = { ...customer, currency, next_invoice_sequence: (customer.next_invoice_sequence ?? 1) + 1 };
    // The first invoice is paid by a card payment; since API 2025-03-31 only an InvoicePayment
    // links the two (https://docs.stripe.com/changelog/basil/2025-03-31/add-support-for-multiple-partial-payments-on-invoices).
    ({ charge, paymentIntent, balanceTransaction } = payByCard({
      amount,
      currency,
      customerId: customer.id,
      payer,
      paymentMethod,
      description: 'Subscription creation',
      metadata: {},
      nowSec,
      newId,
    }));
    invoicePayment = invoicePaymentFor(invoice, paymentIntent.id, nowSec, newId);
  }

  const session: Stripe.Checkout.Session = {
    ...open,
    status: 'complete',
    payment_status: 'paid',
    customer: customer?.id ?? null,
    customer_details: customerDetails,
    // subscription mode: the first invoice's payment intent is not the session's
    payment_intent: open.mode === 'payment' ? (paymentIntent?.id ?? null) : null,
    subscription: subscription?.id ?? null,
    invoice: invoice?.id ?? null,
    // "only present when the session is active" (https://docs.stripe.com/api/checkout/sessions/object#checkout_session_object-url)
    url: null,
  };

  // One timestamp for the whole payment keeps `created` non-decreasing in sending order.
  // Subscription mode sends them in the order Stripe generates them: the subscription and
  // its paid invoice exist before the session completes. Stripe does not promise delivery
  // order (https://docs.stripe.com/webhooks#event-ordering), so handlers must cope anyway.
  const events: Stripe.Event[] = [];
  if (subscription) events.push(customerSubscriptionCreatedEvent(subscription, nowSec, newId));
  if (invoice) events.push(invoicePaidEvent(invoice, nowSec, newId));
  if (invoicePayment) events.push(invoicePaymentPaidEvent(invoicePayment, nowSec, newId));
  events.push(checkoutSessionCompletedEvent(session, nowSec, newId));
  // then the charge's settlement, as Stripe reports it after the payment: the fee and net
  if (charge?.balance_transaction) events.push(chargeUpdatedEvent(charge, { balance_transaction: null }, nowSec, newId));

  const card = cardPaymentMethod({
    id: paymentMethod,
    customerId: customer?.id ?? null,
    brand: 'visa',
    last4: '4242',
    email: payer.email,
    name: payer.name,
    nowSec,
  });
  return { session, customer, paymentIntent, charge, subscription, invoice, balanceTransaction, invoicePayment, paymentMethod: card, events };
}
