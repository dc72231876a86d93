import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { completeCheckoutSession } from './sandbox.completion.js';
import { eventPayload } from './sandbox.events.js';
import type { NewStripeId } from './sandbox.ids.js';
import type { CheckoutSessionExtras } from './sandbox.repo.js';
import { addInterval } from './sandbox.subscriptions.js';

const sec = (iso: string) => Date.parse(iso) / 1000;
const iso = (s: number) => new Date(s * 1000).toISOString();

describe('addInterval', () => {
  it('keeps the day of month, clamped to the end of shorter months', () => {
    expect(iso(addInterval(sec('2026-01-31T09:30:00Z'), 'month', 1))).toBe('2026-02-28T09:30:00.000Z');
    expect(iso(addInterval(sec('2028-01-31T09:30:00Z'), 'month', 1))).toBe('2028-02-29T09:30:00.000Z');
    expect(iso(addInterval(sec('2026-11-15T00:00:00Z'), 'month', 3))).toBe('2027-02-15T00:00:00.000Z');
    expect(iso(addInterval(sec('2028-02-29T12:00:00Z'), 'year', 1))).toBe('2029-02-28T12:00:00.000Z');
    expect(iso(addInterval(sec('2026-03-01T00:00:00Z'), 'week', 2))).toBe('2026-03-15T00:00:00.000Z');
    expect(iso(addInterval(sec('2026-03-01T00:00:00Z'), 'day', 1))).toBe('2026-03-02T00:00:00.000Z');
  });
});

function counterIds(): NewStripeId {
  let n = 0;
  return (prefix) => `${prefix}_${String(++n).padStart(4, '0')}`;
}

const openSession = (mode: 'payment' | 'subscription'): Stripe.Checkout.Session =>
  ({
    id: 'cs_test_1',
    object: 'checkout.session',
    mode,
    status: 'open',
    payment_status: 'unpaid',
    currency: 'eur',
    amount_total: 1200,
    amount_subtotal: 1200,
    customer: null,
    customer_creation: mode === 'payment' ? 'if_required' : 'always',
    customer_details: null,
    customer_email: 'x@example.com',
    payment_intent: null,
    subscription: null,
    invoice: null,
    metadata: { gift_id: 'g' },
    expires_at: 2_000_000_000,
    url: 'http://localhost/sandbox/checkout/cs_test_1',
  }) as unknown as Stripe.Checkout.Session;

const extras = (recurring: boolean): CheckoutSessionExtras => ({
  id: 'cs_test_1:extras',
  session: 'cs_test_1',
  line_items: [
    {
      id: 'li_1',
      object: 'item',
      description: 'Annual support',
      quantity: 1,
      amount_total: 1200,
      price: {
        id: 'price_1',
        object: 'price',
        product: 'prod_1',
        currency: 'eur',
        unit_amount: 1200,
        recurring: recurring ? { interval: 'year', interval_count: 1 } : null,
      },
    } as unknown as Stripe.LineItem,
  ],
  payment_intent_data: { metadata: { gift_id: 'g', on: 'pi' }, description: null },
  subscription_data: { metadata: { gift_id: 'g', on: 'sub' }, description: null },
});

describe('completeCheckoutSession', () => {
  const nowMs = Date.UTC(2026, 10, 3, 10, 0, 0);

  it('payment mode: a PaymentIntent with payment_intent_data metadata, the session event then the charge settlement, no customer by default', () => {
    const done = completeCheckoutSession({
      session: openSession('payment'),
      extras: extras(false),
      payer: { email: 'p@example.com', name: 'P' },
      existingCustomer: null,
      nowMs,
      newId: counterIds(),
    });
    expect(done.customer).toBeNull();
    expect(done.subscription).toBeNull();
    expect(done.paymentIntent).toMatchObject({ amount: 1200, currency: 'eur', status: 'succeeded', metadata: { gift_id: 'g', on: 'pi' }, customer: null });
    expect(done.charge).toMatchObject({ payment_intent: done.paymentIntent!.id, amount: 1200, paid: true, status: 'succeeded' });
    expect(done.session).toMatchObject({ status: 'complete', payment_status: 'paid', payment_intent: done.paymentIntent!.id, url: null });
    expect(done.events.map((e) => e.type)).toEqual(['checkout.session.completed', 'charge.updated']);
    // the original is not modified
    expect(openSession('payment').status).toBe('open');
  });

  it('subscription mode: subscription metadata flows to the invoice parent and lines, events in creation order', () => {
    const done = completeCheckoutSession({
      session: openSession('subscription'),
      extras: extras(true),
      payer: { email: 'p@example.com', name: null },
      existingCustomer: null,
      nowMs,
      newId: counterIds(),
    });
    const sub = done.subscription!;
    const inv = done.invoice!;
    expect(sub.metadata).toEqual({ gift_id: 'g', on: 'sub' });
    expect(sub.items.data[0]!.current_period_end).toBe(Date.UTC(2027, 10, 3, 10, 0, 0) / 1000);
    expect(inv.parent?.subscription_details).toEqual({ subscription: sub.id, metadata: { gift_id: 'g', on: 'sub' } });
    expect(inv.lines.data[0]!.metadata).toEqual({ gift_id: 'g', on: 'sub' });
    expect(inv.number).toMatch(/-0001$/);
    expect(done.customer).toMatchObject({ email: 'p@example.com', currency: 'eur', next_invoice_sequence: 2 });
    expect(done.events.map((e) => e.type)).toEqual([
      'customer.subscription.created',
      'invoice.paid',
      'invoice_payment.paid',
      'checkout.session.completed',
      'charge.updated',
    ]);
    expect(done.events.every((e) => e.created === nowMs / 1000)).toBe(true);
  });

  it('serialises as Stripe does: pretty JSON, decimals as strings', () => {
    const done = completeCheckoutSession({
      session: openSession('subscription'),
      extras: extras(true),
      payer: { email: 'p@example.com', name: null },
      existingCustomer: null,
      nowMs,
      newId: counterIds(),
    });
    const payload = eventPayload(done.events[1]!);
    expect(payload).toContain('\n  "object": "event"');
    const parsed = JSON.parse(payload) as {
      data: { object: { lines: { data: Array<{ pricing: { unit_amount_decimal: unknown }; quantity_decimal: unknown }> } } };
    };
    expect(parsed.data.object.lines.data[0]!.pricing.unit_amount_decimal).toBe('1200');
    expect(parsed.data.object.lines.data[0]!.quantity_decimal).toBe('1');
  });
});
