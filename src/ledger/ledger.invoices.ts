// Paid invoices: every recurring payment, the first included, is one ledger entry, and a
// paid invoice ends any payment problem older than it. Pure rules.
import type { Frequency } from '../../db/schema.js';
import { intervalOfFrequency } from './ledger.frequency.js';
import { advanceGift, externalGiftId } from './ledger.gifts.js';
import { email, type GiftRef, receiptKey, type Write } from './ledger.js';
import { subscriptionStateOrder } from './ledger.recurring.js';

export type PaidInvoiceFacts = {
  invoiceId: string;
  subscriptionId: string | null;
  billingReason: string | null;
  amountPaid: number;
  currency: string;
  email: string | null;
  name: string | null;
  customerId: string | null;
  /** seconds */
  paidAt: number;
  /** the payment intent that paid it, when the payload includes invoice.payments; else invoice_payment.paid links it */
  paymentIntentId: string | null;
  /** the event's own created, seconds: orders the status it implies */
  eventCreated: number;
  /** seconds; the end of the period this invoice paid for, which is when the next payment falls */
  periodEnd?: number | null;
};

/** invoice.paid: every recurring payment, the first included, is one ledger entry. */
export function onInvoicePaid(inv: PaidInvoiceFacts, gift: GiftRef | null, frequency: Frequency): Write[] {
  const writes: Write[] = [];
  if (inv.amountPaid <= 0) return writes; // a £0 invoice (a trial, say) moves no money
  if (inv.email) writes.push({ type: 'supporter.upsert', supporter: { email: inv.email, name: inv.name, stripeCustomerId: inv.customerId } });
  let giftId = gift?.id ?? null;
  if (!gift && inv.subscriptionId) {
    giftId = externalGiftId(inv.subscriptionId);
    writes.push({
      type: 'gift.createExternal',
      gift: {
        id: giftId,
        frequency,
        amountMinor: inv.amountPaid,
        currency: inv.currency,
        email: inv.email,
        checkoutSessionId: null,
        subscriptionId: inv.subscriptionId,
      },
    });
  }
  const advance = giftId ? advanceGift(gift, giftId, 'paid', { email: inv.email, subscriptionId: inv.subscriptionId }) : null;
  if (advance) writes.push(advance);
  if (inv.subscriptionId) {
    writes.push({
      type: 'recurring.ensure',
      recurring: {
        subscriptionId: inv.subscriptionId,
        giftId,
        email: inv.email,
        stripeCustomerId: inv.customerId,
        interval: intervalOfFrequency(frequency),
        amountMinor: inv.amountPaid,
        currency: inv.currency,
      },
    });
  }
  if (inv.subscriptionId) {
    // a paid invoice ends any payment problem older than it (recovery after a failed renewal)
    const order = subscriptionStateOrder('invoice.paid', inv.eventCreated);
    writes.push({ type: 'recurring.status', recurring: { subscriptionId: inv.subscriptionId, giftId, status: 'active', order } });
    writes.push({
      type: 'recurring.health',
      recurring: { subscriptionId: inv.subscriptionId, issue: null, declineCode: null, nextPaymentAttemptAt: null, invoiceId: null, order },
    });
  }
  const key = invoiceEntryKey(inv.invoiceId);
  writes.push({
    type: 'entry',
    entry: {
      key,
      kind: inv.billingReason === 'subscription_create' ? 'gift' : 'renewal',
      giftId,
      subscriptionId: inv.subscriptionId,
      frequency,
      amountMinor: inv.amountPaid,
      currency: inv.currency,
      email: inv.email,
      stripeId: inv.invoiceId,
      occurredAt: inv.paidAt * 1000,
      paymentIntentId: inv.paymentIntentId,
      invoiceId: inv.invoiceId,
    },
  });
  writes.push({ type: 'payment.link', paymentIntentId: inv.paymentIntentId, entryKey: key });
  if (inv.email) {
    const receipt = {
      amountMinor: inv.amountPaid,
      currency: inv.currency,
      interval: frequency === 'annual' ? ('year' as const) : ('month' as const),
      paidAt: inv.paidAt * 1000,
      receiptNumber: inv.invoiceId,
      nextPaymentAt: inv.periodEnd ? inv.periodEnd * 1000 : null,
      // the dispatcher asks Stripe for its card (mail.receipts.ts)
      paymentIntentId: inv.paymentIntentId,
    };
    // the first invoice of a subscription starts the gift; every later one renews it
    writes.push(
      inv.billingReason === 'subscription_create'
        ? email(receiptKey(key), 'recurring_welcome', inv.email, receipt)
        : email(receiptKey(key), 'renewal_receipt', inv.email, receipt),
    );
  }
  return writes;
}

export type InvoicePaymentFacts = {
  invoicePaymentId: string;
  invoiceId: string;
  paymentIntentId: string | null;
  /** 'paid' | 'open' | 'canceled' */
  status: string;
  amountPaidMinor: number | null;
  currency: string | null;
  /** seconds */
  paidAt: number | null;
};

/**
 * invoice_payment.paid: the invoice's entry learns its payment intent, takes fee and net from
 * the charge if that came first, and links reversals recorded before it. If invoice.paid
 * has not arrived yet, its entry takes the payment intent from the recorded fact instead.
 */
export function onInvoicePaymentPaid(p: InvoicePaymentFacts): Write[] {
  const writes: Write[] = [{ type: 'invoice.payment', payment: p }];
  if (p.status !== 'paid' || !p.paymentIntentId) return writes;
  const key = invoiceEntryKey(p.invoiceId);
  writes.push({ type: 'entry.paymentIntent', key, paymentIntentId: p.paymentIntentId });
  writes.push({ type: 'payment.link', paymentIntentId: p.paymentIntentId, entryKey: key });
  return writes;
}

export const invoiceEntryKey = (invoiceId: string): string => `invoice:${invoiceId}`;
