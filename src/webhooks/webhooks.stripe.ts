// Stripe objects -> the plain facts the ledger rules take, and the few reads from Stripe's
// API (through the SDK) the webhook handlers and reconcile need where a payload cannot settle
// a fact. What the SDK returns is parsed by the same schemas as a webhook's payload.
import type { Deps } from '../deps.js';
import {
  balanceTransactionSchema,
  invoicePaymentSchema,
  invoiceSubscriptionSchema,
  parseStripe,
  type StripeBalanceTransaction,
  type StripeInvoicePayment,
} from './webhooks.schemas.js';
import type { BalanceTransactionFacts } from '../ledger/ledger.fees.js';
import type { PayoutItemFacts } from '../ledger/ledger.payouts.js';

type Ref<T> = string | T | null | undefined;

export const idOf = (v: Ref<{ id: string }>): string | null => (v == null ? null : typeof v === 'string' ? v : v.id);

export function balanceTransactionFacts(bt: StripeBalanceTransaction): BalanceTransactionFacts {
  return {
    id: bt.id,
    amountMinor: bt.amount,
    feeMinor: bt.fee,
    netMinor: bt.net,
    currency: bt.currency,
    exchangeRate: bt.exchange_rate,
    type: bt.type,
    reportingCategory: bt.reporting_category,
    sourceId: idOf(bt.source),
    created: bt.created,
  };
}

/** A balance transaction the SDK returned, parsed, as facts; `label` names it in any field error. */
export function fetchedBalanceTransactionFacts(bt: unknown, label: string): BalanceTransactionFacts {
  return balanceTransactionFacts(parseStripe(balanceTransactionSchema, bt, label));
}

/** The payment intent behind a balance transaction's source, when the source was expanded. */
export function sourcePaymentIntent(bt: StripeBalanceTransaction): string | null {
  return bt.source !== null && typeof bt.source === 'object' ? bt.source.payment_intent : null;
}

export function payoutItemFacts(bt: StripeBalanceTransaction): PayoutItemFacts {
  return { ...balanceTransactionFacts(bt), paymentIntentId: sourcePaymentIntent(bt) };
}

/** A balance transaction as the payload gives it: expanded, an id to fetch, or not there yet. */
export async function fetchBalanceTransaction(deps: Deps, ref: Ref<StripeBalanceTransaction>): Promise<BalanceTransactionFacts | null> {
  if (ref == null) return null;
  if (typeof ref !== 'string') return balanceTransactionFacts(ref);
  return fetchedBalanceTransactionFacts(await deps.stripe.balanceTransactions.retrieve(ref), `balance_transaction ${ref}`);
}

/**
 * The payments of an invoice. Since API 2025-03-31 invoices carry no charge or
 * payment_intent; the InvoicePayment objects link them
 * (https://docs.stripe.com/changelog/basil/2025-03-31/add-support-for-multiple-partial-payments-on-invoices).
 */
export async function invoicePayments(
  deps: Deps,
  invoice: { id: string; payments?: { data: StripeInvoicePayment[]; has_more: boolean } | null },
): Promise<StripeInvoicePayment[]> {
  if (invoice.payments?.data && !invoice.payments.has_more) return invoice.payments.data;
  const list = await deps.stripe.invoicePayments.list({ invoice: invoice.id, limit: 100, expand: ['data.payment.payment_intent'] });
  return list.data.map((p, i) => parseStripe(invoicePaymentSchema, p, `invoice_payments of ${invoice.id}.${i}`));
}

/** The payment intent that paid an invoice: its paid InvoicePayment, else the default one. */
export function paidPaymentIntent(payments: readonly StripeInvoicePayment[]): string | null {
  const paid = payments.filter((p) => p.status === 'paid' && p.payment.payment_intent);
  const pick =
    paid.sort((a, b) => (b.status_transitions?.paid_at ?? 0) - (a.status_transitions?.paid_at ?? 0))[0] ??
    payments.find((p) => p.is_default && p.payment.payment_intent);
  return idOf(pick?.payment.payment_intent);
}

/** The subscription a payment intent paid an invoice of, from Stripe (null for a one-off payment). */
export async function subscriptionOfPaymentIntent(deps: Deps, paymentIntentId: string): Promise<string | null> {
  const list = await deps.stripe.invoicePayments.list({
    payment: { type: 'payment_intent', payment_intent: paymentIntentId },
    limit: 1,
    expand: ['data.invoice'],
  });
  const invoice = list.data[0]?.invoice;
  if (!invoice) return null;
  const fetched = typeof invoice === 'string' ? await deps.stripe.invoices.retrieve(invoice) : invoice;
  const inv = parseStripe(invoiceSubscriptionSchema, fetched, `invoice paid by ${paymentIntentId}`);
  if (inv.deleted) return null;
  return inv.parent?.subscription_details?.subscription ?? null;
}
