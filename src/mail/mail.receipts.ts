// A receipt names the card it was paid with. The webhook that writes the receipt does not
// carry the card, and asking Stripe there would put a call on every payment's ingest (and
// its failure on the ledger write); the dispatcher asks instead, once, just before sending.
// Stripe not answering leaves the line out: the receipt is still correct and still sent.
import { and, eq, isNotNull } from 'drizzle-orm';
import { invoicePayments } from '../../db/schema.js';
import Stripe from 'stripe';
import type { Deps } from '../deps.js';
import { brandName } from '../supporters/supporters.manage.js';

const RECEIPTS = new Set(['receipt', 'recurring_welcome', 'renewal_receipt']);

export async function withPaymentMethod(deps: Pick<Deps, 'db' | 'stripe' | 'log'>, template: string, propsJson: string): Promise<string> {
  if (!RECEIPTS.has(template)) return propsJson;
  const props = JSON.parse(propsJson) as { paymentMethod?: string | null; paymentIntentId?: unknown; receiptNumber?: unknown };
  if (props.paymentMethod) return propsJson;
  // an invoice's event may not name its payment; invoice_payment.paid, stored by then, does
  const paymentIntentId = typeof props.paymentIntentId === 'string' ? props.paymentIntentId : await invoicePaymentIntent(deps, props.receiptNumber);
  if (!paymentIntentId?.startsWith('pi_')) return propsJson;
  const paymentMethod = await cardOfPayment(deps, paymentIntentId);
  return paymentMethod ? JSON.stringify({ ...props, paymentMethod }) : propsJson;
}

async function cardOfPayment(deps: Pick<Deps, 'stripe' | 'log'>, paymentIntentId: string): Promise<string | null> {
  try {
    const pi = await deps.stripe.paymentIntents.retrieve(paymentIntentId, { expand: ['payment_method'] });
    const pm = pi.payment_method;
    if (pm && typeof pm !== 'string') return pm.card ? `${brandName(pm.card.brand)} ending ${pm.card.last4}` : null;
    return null;
  } catch (err) {
    // a payment Stripe does not have (another mode's, a test's) has no card to name: no alarm
    if (err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 404) return null;
    deps.log.warn('receipt sent without its card: Stripe did not answer', { error: err instanceof Error ? err.message : String(err) });
    return null;
  }
}

async function invoicePaymentIntent(deps: Pick<Deps, 'db'>, receiptNumber: unknown): Promise<string | null> {
  if (typeof receiptNumber !== 'string' || !receiptNumber.startsWith('in_')) return null;
  const [row] = await deps.db.orm
    .select({ pi: invoicePayments.paymentIntentId })
    .from(invoicePayments)
    .where(and(eq(invoicePayments.invoiceId, receiptNumber), isNotNull(invoicePayments.paymentIntentId), eq(invoicePayments.status, 'paid')))
    .limit(1);
  return row?.pi ?? null;
}
