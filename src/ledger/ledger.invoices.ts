// Paid invoices: every recurring payment, the first included, is one ledger entry, and a
// paid invoice ends any payment problem older than it. Pure rules.
import type { Frequency } from '../../db/schema.js';
import { intervalOfFrequency } from './ledger.frequency.js';
import { externalGiftId } from './ledger.gifts.js';
import { receipt, type GiftRef, type Write } from './ledger.js';
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
  /** the payment intent that paid it (invoice.payments), when known */
  paymentIntentId: string | null;
  /** the event's own created, seconds: orders the status it implies */
  eventCreated: number;
};

/** invoice.paid: every recurring payment, the first included, is one ledger entry. */
export function onInvoicePaid(inv: PaidInvoiceFacts, gift: GiftRef | null, frequency: Frequency, publicationName: string): Write[] {
  const writes: Write[] = [];
  if (inv.amountPaid <= 0) return writes; // a £0 invoice (a trial, say) moves no money
  if (inv.email) writes.push({ type: 'supporter.upsert', supporter: { email: inv.email, name: inv.name, stripeCustomerId: inv.customerId } });
  let giftId = gift?.id ?? null;
  if (!gift && inv.subscriptionId) {
    giftId = externalGiftId(inv.subscriptionId);
    writes.push({
      type: 'gift.createExternal',
      gift: { id: giftId, frequency, amountMinor: inv.amountPaid, currency: inv.currency, email: inv.email, checkoutSessionId: null, subscriptionId: inv.subscriptionId },
    });
  }
  if (giftId) writes.push({ type: 'gift.advance', giftId, to: 'paid', email: inv.email, subscriptionId: inv.subscriptionId });
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
    writes.push({ type: 'recurring.health', recurring: { subscriptionId: inv.subscriptionId, issue: null, declineCode: null, nextPaymentAttemptAt: null, invoiceId: null, order } });
  }
  const key = `invoice:${inv.invoiceId}`;
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
    },
  });
  if (inv.paymentIntentId) writes.push({ type: 'payment.link', paymentIntentId: inv.paymentIntentId });
  if (inv.email) writes.push(receipt(key, inv.email, { amountMinor: inv.amountPaid, currency: inv.currency, frequency, publicationName }));
  return writes;
}
