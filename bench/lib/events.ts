// Webhook deliveries for wrk: real Stripe event shapes (built by the test factories from
// Stripe's own fixtures), each one unique and correctly signed, written as one template
// plus a line of values and a signature per event (read by bench/wrk/webhooks.lua).
import { createHmac } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import type Stripe from 'stripe';
import { buildCheckoutSession, buildEvent, buildInvoice, buildInvoicePayment } from '../../tests/factories/stripe.js';

/** Literal parts with slot names between them: parts.length === slots.length + 1. */
export type EventTemplate = { parts: string[]; slots: string[] };

const SLOT = /__BENCH_([A-Z]+)__/g;
const slot = (name: string) => `__BENCH_${name}__`;

export function templateOf(event: Stripe.Event): EventTemplate {
  const json = JSON.stringify(event);
  const parts: string[] = [];
  const slots: string[] = [];
  let from = 0;
  for (const m of json.matchAll(SLOT)) {
    parts.push(json.slice(from, m.index));
    slots.push(m[1]!);
    from = m.index! + m[0].length;
  }
  parts.push(json.slice(from));
  return { parts, slots };
}

export function fill(t: EventTemplate, values: Record<string, string>): string {
  let out = t.parts[0]!;
  for (let i = 0; i < t.slots.length; i++) out += values[t.slots[i]!]! + t.parts[i + 1]!;
  return out;
}

/** Stripe's scheme: v1 = HMAC-SHA256(secret, "<t>.<payload>") (https://docs.stripe.com/webhooks#verify-manually). */
export function sign(payload: string, secret: string, timestamp: number): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(payload).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/** A monthly supporter's renewal: the gift, subscription and email are ones already held. */
export function invoicePaidTemplate(): EventTemplate {
  const invoice = buildInvoice({
    id: `in_bench${slot('N')}`,
    billing_reason: 'subscription_cycle',
    amount_due: 1000,
    amount_paid: 1000,
    currency: 'gbp',
    customer: slot('CUSTOMER'),
    customer_email: slot('EMAIL'),
    customer_name: 'A Reader',
    parent: { type: 'subscription_details', subscription_details: { subscription: slot('SUB'), metadata: { gift_id: slot('GIFT') } } },
  });
  // As Stripe sends it: the invoice does not include its payments (invoice_payment.paid links them).
  return templateOf(buildEvent('invoice.paid', invoice, { id: `evt_bench${slot('N')}` }));
}

/**
 * The other half of a renewal: which payment intent paid the invoice (the invoice itself
 * does not say under API 2026-10-28). Sent for an invoice not yet recorded, the order in
 * which it often arrives.
 */
export function invoicePaymentPaidTemplate(): EventTemplate {
  const payment = buildInvoicePayment({
    id: `inpay_bench${slot('N')}`,
    invoice: `in_benchpay${slot('N')}`,
    payment: { type: 'payment_intent', payment_intent: `pi_benchpay${slot('N')}` },
  });
  return templateOf(buildEvent('invoice_payment.paid', payment, { id: `evt_bench${slot('N')}` }));
}

/** A one-off gift paid at Checkout, for a gift that POST /checkout recorded as pending. */
export function sessionCompletedTemplate(): EventTemplate {
  const session = buildCheckoutSession({
    id: `cs_test_bench${slot('N')}`,
    mode: 'payment',
    status: 'complete',
    payment_status: 'paid',
    client_reference_id: slot('GIFT'),
    metadata: { gift_id: slot('GIFT'), frequency: 'one_off' },
    amount_total: 1000,
    amount_subtotal: 1000,
    currency: 'gbp',
    payment_intent: `pi_bench${slot('N')}`,
    customer: `cus_bench${slot('N')}`,
    customer_details: { email: slot('EMAIL'), name: 'A Reader' },
    subscription: null,
  });
  return templateOf(buildEvent('checkout.session.completed', session, { id: `evt_bench${slot('N')}` }));
}

/**
 * Writes the template line and one line per event: signature, then the slot values in
 * the order of `names`. Returns the first event's payload and signature for a sanity check.
 */
export async function writeDeliveries(
  file: string,
  t: EventTemplate,
  count: number,
  valuesOf: (i: number) => Record<string, string>,
  secret: string,
): Promise<{ first: { payload: string; signature: string } }> {
  const names = [...new Set(t.slots)];
  const index = new Map(names.map((n, i) => [n, i + 1]));
  const out = createWriteStream(file);
  const write = (s: string) => (out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  const header: string[] = [];
  t.parts.forEach((p, i) => {
    header.push(p);
    if (i < t.slots.length) header.push(String(index.get(t.slots[i]!)));
  });
  await write(`${header.join('\t')}\n`);
  const timestamp = Math.floor(Date.now() / 1000);
  let first: { payload: string; signature: string } | null = null;
  let chunk = '';
  for (let i = 0; i < count; i++) {
    const values = valuesOf(i);
    const payload = fill(t, values);
    const signature = sign(payload, secret, timestamp);
    first ??= { payload, signature };
    chunk += `${[signature, ...names.map((n) => values[n] ?? '')].join('\t')}\n`;
    if (chunk.length > 1 << 20) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return { first: first! };
}
