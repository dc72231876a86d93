// Stripe objects -> the plain facts the ledger rules take, and the few reads from Stripe's
// API (through the SDK) the ledger needs where a webhook payload cannot settle a fact.
import type Stripe from 'stripe';
import type { Deps } from '../deps.js';
import type { BalanceTransactionFacts } from './ledger.fees.js';
import type { PayoutItemFacts } from './ledger.payouts.js';

type Ref<T> = string | T | null | undefined;

export const idOf = (v: Ref<{ id: string }>): string | null => (v == null ? null : typeof v === 'string' ? v : v.id);

export function balanceTransactionFacts(bt: Stripe.BalanceTransaction): BalanceTransactionFacts {
  return {
    id: bt.id,
    amountMinor: bt.amount,
    feeMinor: bt.fee,
    netMinor: bt.net,
    currency: bt.currency,
    exchangeRate: bt.exchange_rate,
    type: bt.type,
    reportingCategory: bt.reporting_category,
    sourceId: idOf(bt.source as Ref<{ id: string }>),
    created: bt.created,
  };
}

/** The payment intent behind a balance transaction's source, when the source was expanded. */
export function sourcePaymentIntent(bt: Stripe.BalanceTransaction): string | null {
  const source = bt.source as unknown;
  if (!source || typeof source !== 'object') return null;
  const pi = (source as { payment_intent?: Ref<{ id: string }> }).payment_intent;
  return idOf(pi);
}

export function payoutItemFacts(bt: Stripe.BalanceTransaction): PayoutItemFacts {
  return { ...balanceTransactionFacts(bt), paymentIntentId: sourcePaymentIntent(bt) };
}

/** A balance transaction as the payload gives it: expanded, an id to fetch, or not there yet. */
export async function fetchBalanceTransaction(deps: Deps, ref: Ref<Stripe.BalanceTransaction>): Promise<BalanceTransactionFacts | null> {
  if (ref == null) return null;
  if (typeof ref !== 'string') return balanceTransactionFacts(ref);
  return balanceTransactionFacts(await deps.stripe.balanceTransactions.retrieve(ref));
}

/**
 * The payments of an invoice. Since API 2025-03-31 invoices carry no charge or
 * payment_intent; the InvoicePayment objects link them
 * (https://docs.stripe.com/changelog/basil/2025-03-31/add-support-for-multiple-partial-payments-on-invoices).
 */
export async function invoicePayments(deps: Deps, invoice: Pick<Stripe.Invoice, 'id' | 'payments'>): Promise<Stripe.InvoicePayment[]> {
  if (invoice.payments?.data && !invoice.payments.has_more) return invoice.payments.data;
  const list = await deps.stripe.invoicePayments.list({ invoice: invoice.id, limit: 100, expand: ['data.payment.payment_intent'] });
  return list.data;
}

/** The payment intent that paid an invoice: its paid InvoicePayment, else the default one. */
export function paidPaymentIntent(payments: readonly Stripe.InvoicePayment[]): string | null {
  const paid = payments.filter((p) => p.status === 'paid' && p.payment.payment_intent);
  const pick = paid.sort((a, b) => (b.status_transitions.paid_at ?? 0) - (a.status_transitions.paid_at ?? 0))[0] ?? payments.find((p) => p.is_default && p.payment.payment_intent);
  return idOf(pick?.payment.payment_intent);
}

/** The subscription a payment intent paid an invoice of, from Stripe (null for a one-off payment). */
export async function subscriptionOfPaymentIntent(deps: Deps, paymentIntentId: string): Promise<string | null> {
  const list = await deps.stripe.invoicePayments.list({ payment: { type: 'payment_intent', payment_intent: paymentIntentId }, limit: 1, expand: ['data.invoice'] });
  const invoice = list.data[0]?.invoice;
  if (!invoice) return null;
  const inv = typeof invoice === 'string' ? await deps.stripe.invoices.retrieve(invoice) : invoice;
  if ('deleted' in inv && inv.deleted) return null;
  return idOf((inv as Stripe.Invoice).parent?.subscription_details?.subscription);
}
