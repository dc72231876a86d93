// A webhook storm's stream: realistic Stripe histories (one-off gifts, bank debits, monthly
// and annual gifts with renewals, declines and recoveries, cancellations, refunds, won and
// lost disputes, abandoned checkouts), built from Stripe's published fixtures by the test
// factories, with the ledger they must produce computed alongside ("generated truth").
// Everything comes from one seed: the same seed gives the same stream and delivery order.
import type Stripe from 'stripe';
import type { Frequency } from '../../db/schema.js';
import type { NewGift } from '../../src/ledger/ledger.repo.js';
import {
  buildBalanceTransaction,
  buildCharge,
  buildChargeBalanceTransaction,
  buildCheckoutSession,
  buildDispute,
  buildEvent,
  buildInvoice,
  buildInvoicePayment,
  buildPaymentIntent,
  buildRefund,
  buildSubscription,
} from '../factories/stripe.js';
import { rng, shuffle } from './random.js';

/** One ledger entry as the storm's histories imply it. */
export type ExpectedEntry = {
  key: string;
  kind: string;
  frequency: Frequency;
  amount_minor: number;
  currency: string;
  /** in the settlement currency, which the storm keeps equal to the payment's; null until Stripe settles */
  fee_minor: number | null;
  net_minor: number | null;
  gift_id: string | null;
};

export type StormStream = {
  seed: number;
  /** the pending gifts POST /checkout wrote before each reader paid */
  gifts: NewGift[];
  /** what Stripe holds at the end, for the SDK calls the handlers make */
  objects: { id: string; object: string }[];
  /** every event once, each history oldest first */
  events: Stripe.Event[];
  /** the generated truth, one row per key */
  expected: ExpectedEntry[];
  /** indexes into events in delivery order: every event once plus the duplicates, shuffled */
  deliveries: number[];
  /** how many histories of each kind */
  stories: Record<string, number>;
};

const DAY = 86_400;
const MONTH = 30 * DAY;
/** 1 June 2025: histories start within the following 150 days, all in the past */
const START = 1_748_736_000;

const CURRENCIES = [
  ['gbp', 0.45],
  ['eur', 0.25],
  ['usd', 0.2],
  ['jpy', 0.1],
] as const;
type Currency = (typeof CURRENCIES)[number][0];

/** Preset-like amounts in minor units (yen has no minor unit). */
const AMOUNTS: Record<Currency, Record<Frequency, number[]>> = {
  gbp: { one_off: [500, 1000, 1500, 2500, 5000, 12_000], monthly: [300, 500, 1000, 2000], annual: [3600, 6000, 12_000] },
  eur: { one_off: [500, 1000, 2500, 5000, 7500], monthly: [300, 500, 1000, 2000], annual: [3600, 6000, 12_000] },
  usd: { one_off: [500, 1000, 2500, 5000, 10_000], monthly: [300, 500, 1000, 2000], annual: [3600, 6000, 24_000] },
  jpy: { one_off: [500, 1000, 3000, 5000], monthly: [300, 500, 1000, 2000], annual: [3600, 6000, 12_000] },
};

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The stream's length is exact: histories are added while they fit, then one-off gifts cut short fill the rest. */
export function generateStorm(opts: { events: number; seed: number; duplicateShare?: number }): StormStream {
  const random = rng(opts.seed);
  const chance = (p: number) => random() < p;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  // Stripe's ids: a prefix, then 24 letters and digits (Checkout Sessions: cs_test_ and 58)
  const id = (prefix: string, length = 24) => {
    let s = `${prefix}_`;
    for (let i = 0; i < length; i++) s += BASE62[Math.floor(random() * 62)];
    return s;
  };
  const currency = (): Currency => {
    let r = random();
    for (const [c, share] of CURRENCIES) {
      r -= share;
      if (r < 0) return c;
    }
    return 'gbp';
  };
  // about 1.5% + 20p as a card fee; yen has no minor unit, so a rate alone
  const feeOf = (amount: number, c: Currency) => (c === 'jpy' ? Math.round(amount * 0.036) : Math.round(amount * 0.015) + 20);
  const disputeFeeOf = (c: Currency) => (c === 'jpy' ? 2000 : 1500);

  const out: StormStream = { seed: opts.seed, gifts: [], objects: [], events: [], expected: [], deliveries: [], stories: {} };
  let n = 0;
  const email = () => `reader${++n}@example.com`;

  /** One history: its events, objects, pending gift and expected entries, added only if it fits. */
  type Story = { name: string; gift: NewGift; objects: { id: string; object: string }[]; events: Stripe.Event[]; expected: ExpectedEntry[] };
  const ev = <T extends { id: string }>(type: string, object: T, created: number): Stripe.Event => {
    // the event's data.object is exactly the object (the fixture event's own object is a plan)
    const e = buildEvent(type, object, { id: id('evt'), created });
    return { ...e, data: { object: structuredClone(object) } } as unknown as Stripe.Event;
  };
  const pending = (frequency: Frequency, amountMinor: number, c: Currency, mail: string): NewGift => ({
    id: id('gift', 26).toLowerCase(),
    frequency,
    amountMinor,
    currency: c,
    email: mail,
    article: pick(['harbour-water', 'ferry-cuts', 'council-budget', 'school-meals']),
    section: pick(['news', 'environment', 'politics']),
    campaign: pick(['winter-appeal', 'spring', 'evergreen']),
    variant: pick(['a', 'b']),
    referrer: null,
    country: pick(['GB', 'IE', 'US', 'JP', 'DE']),
  });

  /** A paid card charge and its settlement (balance transaction, fee in the same currency). */
  const cardPayment = (amount: number, c: Currency, at: number, customer: string | null) => {
    const pi = buildPaymentIntent({ id: id('pi'), amount, amount_received: amount, currency: c, created: at, customer });
    const chargeId = id('ch');
    const fee = feeOf(amount, c);
    const bt = buildChargeBalanceTransaction(chargeId, amount, fee, {
      id: id('txn'),
      currency: c,
      created: at,
      fee_details: [{ amount: fee, application: null, currency: c, description: 'Stripe processing fees', type: 'stripe_fee' }],
    });
    const charge = buildCharge({
      id: chargeId,
      payment_intent: pi.id,
      amount,
      amount_captured: amount,
      currency: c,
      created: at,
      balance_transaction: bt.id,
      customer,
    });
    (pi as { latest_charge: string }).latest_charge = chargeId;
    return { pi, charge, bt, fee };
  };

  /** A refund of part or all of a payment, through the refund's own events and charge.refunded. */
  const refundOf = (s: Story, p: ReturnType<typeof cardPayment>, amount: number, c: Currency, frequency: Frequency, at: number) => {
    const refunded = chance(0.5) ? amount : Math.max(1, Math.floor(amount / 2));
    const rbt = buildBalanceTransaction({
      id: id('txn'),
      type: 'refund',
      reporting_category: 'refund',
      currency: c,
      amount: -refunded,
      fee: 0,
      net: -refunded,
      created: at,
    });
    const re = buildRefund({
      id: id('re'),
      amount: refunded,
      currency: c,
      charge: p.charge.id,
      payment_intent: p.pi.id,
      created: at,
      balance_transaction: rbt.id,
      status: 'succeeded',
    });
    (rbt as { source: string }).source = re.id;
    const charge = { ...p.charge, amount_refunded: refunded, refunded: refunded === amount };
    s.objects.push(re, rbt);
    s.objects[s.objects.findIndex((o) => o.id === p.charge.id)] = charge;
    s.events.push(ev('refund.created', { ...re, status: 'pending' }, at), ev('charge.refunded', charge, at), ev('refund.updated', re, at + 60));
    s.expected.push({
      key: `refund:${re.id}`,
      kind: 'refund',
      frequency,
      amount_minor: -refunded,
      currency: c,
      fee_minor: 0,
      net_minor: -refunded,
      gift_id: s.gift.id,
    });
  };

  const oneOff = (afterwards = true): Story => {
    const c = currency();
    const amount = pick(AMOUNTS[c].one_off);
    const at = START + between(0, 150 * DAY);
    const mail = email();
    const gift = pending('one_off', amount, c, mail);
    const p = cardPayment(amount, c, at, null);
    const session = buildCheckoutSession({
      id: id('cs_test', 58),
      // Stripe clears the url once a session is complete or expired
      url: null,
      mode: 'payment',
      client_reference_id: gift.id,
      metadata: { gift_id: gift.id },
      payment_intent: p.pi.id,
      customer: null,
      amount_total: amount,
      amount_subtotal: amount,
      currency: c,
      created: at - 40,
      customer_details: { email: mail, name: 'A Reader' },
    });
    const s: Story = {
      name: 'one-off gift',
      gift,
      objects: [p.pi, p.charge, p.bt],
      // the fee arrives with charge.updated (API 2024-04-10 and later)
      events: [
        ev('charge.succeeded', { ...p.charge, balance_transaction: null }, at),
        ev('checkout.session.completed', session, at + 1),
        ev('charge.updated', p.charge, at + 40),
      ],
      expected: [
        {
          key: `payment:${p.pi.id}`,
          kind: 'gift',
          frequency: 'one_off',
          amount_minor: amount,
          currency: c,
          fee_minor: p.fee,
          net_minor: amount - p.fee,
          gift_id: gift.id,
        },
      ],
    };
    const r = afterwards ? random() : 1;
    if (r < 0.15) {
      s.name = 'one-off gift, refunded';
      refundOf(s, p, amount, c, 'one_off', at + between(1, 20) * DAY);
    } else if (r < 0.23) {
      const won = chance(0.5);
      s.name = `one-off gift, dispute ${won ? 'won' : 'lost'}`;
      const dat = at + between(5, 40) * DAY;
      const dfee = disputeFeeOf(c);
      const dp = buildDispute({
        id: id('dp'),
        charge: p.charge.id,
        payment_intent: p.pi.id,
        amount,
        currency: c,
        created: dat,
        reason: pick(['fraudulent', 'product_not_received', 'general']),
        evidence_details: { due_by: dat + 21 * DAY },
      });
      const withdrawn = buildBalanceTransaction({
        id: id('txn'),
        type: 'adjustment',
        reporting_category: 'dispute',
        source: dp.id,
        currency: c,
        amount: -amount,
        fee: dfee,
        net: -amount - dfee,
        created: dat,
      });
      const reinstated = buildBalanceTransaction({
        id: id('txn'),
        type: 'adjustment',
        reporting_category: 'dispute_reversal',
        source: dp.id,
        currency: c,
        amount,
        fee: -dfee,
        net: amount + dfee,
        created: dat + 25 * DAY,
      });
      const open = { ...dp, balance_transactions: [withdrawn] };
      const closed = won ? { ...dp, status: 'won' as const, balance_transactions: [withdrawn, reinstated] } : { ...open, status: 'lost' as const };
      s.objects.push(closed, withdrawn, ...(won ? [reinstated] : []));
      s.events.push(
        ev('charge.dispute.created', open, dat),
        ev('charge.dispute.funds_withdrawn', open, dat),
        ev('charge.dispute.updated', { ...open, status: 'under_review' }, dat + 2 * DAY),
        ev('charge.dispute.closed', closed, dat + 25 * DAY),
        ...(won ? [ev('charge.dispute.funds_reinstated', closed, dat + 25 * DAY)] : []),
      );
      const base = { frequency: 'one_off' as const, gift_id: gift.id };
      s.expected.push(
        { ...base, key: `dispute:${dp.id}:withdrawn`, kind: 'dispute', amount_minor: -amount, currency: c, fee_minor: 0, net_minor: -amount },
        { ...base, key: `dispute:${dp.id}:fee`, kind: 'dispute_fee', amount_minor: 0, currency: c, fee_minor: dfee, net_minor: -dfee },
      );
      if (won) {
        s.expected.push(
          { ...base, key: `dispute:${dp.id}:reinstated`, kind: 'dispute_reversal', amount_minor: amount, currency: c, fee_minor: 0, net_minor: amount },
          { ...base, key: `dispute:${dp.id}:fee_returned`, kind: 'dispute_fee', amount_minor: 0, currency: c, fee_minor: -dfee, net_minor: dfee },
        );
      }
    }
    return s;
  };

  /** A one-off gift of 1 to 3 events: what Stripe has sent so far (the fee may not be known yet). */
  const shortOneOff = (events: number): Story => {
    const s = oneOff(false);
    const [succeeded, completed] = s.events as [Stripe.Event, Stripe.Event];
    const p = s.expected[0]!;
    if (events >= 3) return s;
    s.name = 'one-off gift, in progress';
    s.events = events === 2 ? [succeeded, completed] : [completed];
    s.expected = [{ ...p, fee_minor: null, net_minor: null }];
    return s;
  };

  /** A bank debit: the session completes unpaid and the money comes days later, or never. */
  const bankDebit = (): Story => {
    const c: Currency = 'eur';
    const amount = pick(AMOUNTS[c].one_off);
    const at = START + between(0, 150 * DAY);
    const mail = email();
    const gift = pending('one_off', amount, c, mail);
    const p = cardPayment(amount, c, at + 3 * DAY, null);
    const session = buildCheckoutSession({
      id: id('cs_test', 58),
      // Stripe clears the url once a session is complete or expired
      url: null,
      mode: 'payment',
      client_reference_id: gift.id,
      metadata: { gift_id: gift.id },
      payment_intent: p.pi.id,
      customer: null,
      amount_total: amount,
      amount_subtotal: amount,
      currency: c,
      created: at - 30,
      payment_status: 'unpaid',
      customer_details: { email: mail, name: 'A Reader' },
    });
    if (chance(0.25)) {
      return {
        name: 'bank debit, failed',
        gift,
        objects: [],
        events: [ev('checkout.session.completed', session, at), ev('checkout.session.async_payment_failed', session, at + 3 * DAY)],
        expected: [],
      };
    }
    return {
      name: 'bank debit, paid',
      gift,
      objects: [p.pi, p.charge, p.bt],
      events: [
        ev('checkout.session.completed', session, at),
        ev('checkout.session.async_payment_succeeded', { ...session, payment_status: 'paid' }, at + 3 * DAY),
        ev('charge.succeeded', p.charge, at + 3 * DAY),
      ],
      expected: [
        {
          key: `payment:${p.pi.id}`,
          kind: 'gift',
          frequency: 'one_off',
          amount_minor: amount,
          currency: c,
          fee_minor: p.fee,
          net_minor: amount - p.fee,
          gift_id: gift.id,
        },
      ],
    };
  };

  const abandoned = (): Story => {
    const c = currency();
    const amount = pick(AMOUNTS[c].one_off);
    const at = START + between(0, 150 * DAY);
    const gift = pending('one_off', amount, c, email());
    const session = buildCheckoutSession({
      id: id('cs_test', 58),
      // Stripe clears the url once a session is complete or expired
      url: null,
      mode: 'payment',
      status: 'expired',
      payment_status: 'unpaid',
      client_reference_id: gift.id,
      metadata: { gift_id: gift.id },
      payment_intent: null,
      customer: null,
      amount_total: amount,
      amount_subtotal: amount,
      currency: c,
      created: at - DAY,
      customer_details: null,
    });
    return { name: 'checkout abandoned', gift, objects: [], events: [ev('checkout.session.expired', session, at)], expected: [] };
  };

  const recurring = (): Story => {
    const c = currency();
    const frequency: Frequency = chance(0.8) ? 'monthly' : 'annual';
    const amount = pick(AMOUNTS[c][frequency]);
    const period = frequency === 'monthly' ? MONTH : 365 * DAY;
    const at = START + between(0, 150 * DAY);
    const mail = email();
    const gift = pending(frequency, amount, c, mail);
    const customer = id('cus', 14);
    const sub = buildSubscription({
      id: id('sub'),
      customer,
      currency: c,
      metadata: { gift_id: gift.id },
      created: at,
      start_date: at,
      items: {
        data: [
          {
            price: { currency: c, unit_amount: amount, recurring: { interval: frequency === 'monthly' ? 'month' : 'year', interval_count: 1 } },
            current_period_start: at,
            current_period_end: at + period,
          },
        ],
      },
    });
    const s: Story = { name: `${frequency} gift`, gift, objects: [], events: [], expected: [] };
    const invoiceOf = (reason: 'subscription_create' | 'subscription_cycle', created: number, paidAt: number | null) =>
      buildInvoice({
        id: id('in'),
        billing_reason: reason,
        status: paidAt ? 'paid' : 'open',
        amount_due: amount,
        amount_paid: paidAt ? amount : 0,
        amount_remaining: paidAt ? 0 : amount,
        currency: c,
        customer,
        customer_email: mail,
        customer_name: 'A Reader',
        created,
        status_transitions: { paid_at: paidAt },
        parent: { type: 'subscription_details', quote_details: null, subscription_details: { subscription: sub.id, metadata: { gift_id: gift.id } } },
      });
    /** invoice.paid, invoice_payment.paid and the charge: one entry, its fee from the charge's balance transaction */
    const paid = (invoice: Stripe.Invoice, paidAt: number, feeLater: boolean) => {
      const p = cardPayment(amount, c, paidAt, customer);
      const payment = buildInvoicePayment({
        id: id('inpay'),
        invoice: invoice.id,
        amount_paid: amount,
        amount_requested: amount,
        currency: c,
        payment: { type: 'payment_intent', payment_intent: p.pi.id },
        created: paidAt,
        status_transitions: { paid_at: paidAt, canceled_at: null },
      });
      const done = {
        ...invoice,
        status: 'paid',
        amount_paid: amount,
        amount_remaining: 0,
        status_transitions: { ...invoice.status_transitions, paid_at: paidAt },
      } as Stripe.Invoice;
      s.objects.push(done, p.pi, p.charge, p.bt, payment);
      s.events.push(ev('invoice.paid', done, paidAt), ev('invoice_payment.paid', payment, paidAt));
      s.events.push(
        ...(feeLater
          ? [ev('charge.succeeded', { ...p.charge, balance_transaction: null }, paidAt), ev('charge.updated', p.charge, paidAt + 45)]
          : [ev('charge.succeeded', p.charge, paidAt)]),
      );
      const kind = invoice.billing_reason === 'subscription_create' ? 'gift' : 'renewal';
      s.expected.push({
        key: `invoice:${invoice.id}`,
        kind,
        frequency,
        amount_minor: amount,
        currency: c,
        fee_minor: p.fee,
        net_minor: amount - p.fee,
        gift_id: gift.id,
      });
      return p;
    };

    const first = invoiceOf('subscription_create', at, at + 1);
    const session = buildCheckoutSession({
      id: id('cs_test', 58),
      // Stripe clears the url once a session is complete or expired
      url: null,
      mode: 'subscription',
      client_reference_id: gift.id,
      metadata: { gift_id: gift.id },
      payment_intent: null,
      subscription: sub.id,
      customer,
      amount_total: amount,
      amount_subtotal: amount,
      currency: c,
      created: at - 60,
      customer_details: { email: mail, name: 'A Reader' },
    });
    s.events.push(ev('customer.subscription.created', { ...sub, status: 'incomplete' }, at));
    const firstPayment = paid(first, at + 1, false);
    s.events.push(ev('customer.subscription.updated', sub, at + 1), ev('checkout.session.completed', session, at + 2));

    let last = at;
    let state: Stripe.Subscription = sub;
    const renewals = frequency === 'monthly' ? between(0, 4) : between(0, 1);
    for (let i = 1; i <= renewals; i++) {
      last = at + i * period;
      paid(invoiceOf('subscription_cycle', last, last), last, true);
    }
    if (chance(0.25)) {
      // the next renewal is declined; Smart Retries try again three days later
      const failedAt = last + period;
      const invoice = invoiceOf('subscription_cycle', failedAt, null);
      const declined = buildPaymentIntent({
        id: id('pi'),
        amount,
        amount_received: 0,
        currency: c,
        created: failedAt,
        customer,
        status: 'requires_payment_method',
        last_payment_error: {
          type: 'card_error',
          code: 'card_declined',
          decline_code: pick(['insufficient_funds', 'do_not_honor', 'expired_card']),
          message: 'Your card was declined.',
        },
      });
      const attempt = buildInvoicePayment({
        id: id('inpay'),
        invoice: invoice.id,
        status: 'open',
        amount_paid: null,
        amount_requested: amount,
        currency: c,
        payment: { type: 'payment_intent', payment_intent: declined },
        created: failedAt,
        status_transitions: { paid_at: null, canceled_at: null },
      });
      // as when Stripe includes the invoice's payments: the decline code needs no API call
      const failing = {
        ...invoice,
        attempt_count: 1,
        next_payment_attempt: failedAt + 3 * DAY,
        payments: { object: 'list', data: [attempt], has_more: false, url: '/v1/invoice_payments' },
      };
      s.objects.push(declined);
      s.events.push(ev('invoice.payment_failed', failing, failedAt), ev('customer.subscription.updated', { ...sub, status: 'past_due' }, failedAt));
      if (chance(0.5)) {
        s.name = `${frequency} gift, renewal declined then recovered`;
        paid(invoice, failedAt + 3 * DAY, false);
        s.events.push(ev('customer.subscription.updated', sub, failedAt + 3 * DAY));
        last = failedAt + 3 * DAY;
      } else {
        s.name = `${frequency} gift, renewal declined`;
        state = { ...sub, status: 'past_due' };
        last = failedAt;
      }
    }
    if (chance(0.2)) {
      s.name += ', cancelled';
      const cancelling = { ...state, cancel_at_period_end: true, cancel_at: last + period };
      const ended = { ...cancelling, status: 'canceled' as const, canceled_at: last + DAY, ended_at: last + period };
      s.events.push(ev('customer.subscription.updated', cancelling, last + DAY), ev('customer.subscription.deleted', ended, last + period));
      state = ended;
    }
    if (chance(0.05)) {
      s.name += ', first payment refunded';
      refundOf(s, firstPayment, amount, c, frequency, at + between(1, 10) * DAY);
    }
    s.objects.unshift(state);
    return s;
  };

  const kinds: [number, () => Story][] = [
    [0.45, oneOff],
    [0.4, recurring],
    [0.1, bankDebit],
    [0.05, abandoned],
  ];
  const next = (): Story => {
    let r = random();
    for (const [share, make] of kinds) {
      r -= share;
      if (r < 0) return make();
    }
    return oneOff();
  };

  const add = (s: Story) => {
    out.gifts.push(s.gift);
    out.objects.push(...s.objects);
    out.events.push(...s.events);
    out.expected.push(...s.expected);
    out.stories[s.name] = (out.stories[s.name] ?? 0) + 1;
  };
  while (out.events.length < opts.events) {
    const left = opts.events - out.events.length;
    const s = next();
    if (s.events.length <= left) add(s);
    else if (left <= 3) add(shortOneOff(left));
  }

  const share = opts.duplicateShare ?? 0.3;
  const indexes = out.events.map((_, i) => i);
  const again = shuffle([...indexes], random).slice(0, Math.round(out.events.length * share));
  out.deliveries = shuffle([...indexes, ...again], random);
  return out;
}

/** Sums per currency of the expected or actual entries: amounts, fees and nets. */
export function totalsByCurrency(entries: readonly Pick<ExpectedEntry, 'currency' | 'amount_minor' | 'fee_minor' | 'net_minor'>[]) {
  const totals: Record<string, { entries: number; amount: number; fee: number; net: number }> = {};
  for (const e of entries) {
    totals[e.currency] ??= { entries: 0, amount: 0, fee: 0, net: 0 };
    const t = totals[e.currency]!;
    t.entries += 1;
    t.amount += e.amount_minor;
    t.fee += e.fee_minor ?? 0;
    t.net += e.net_minor ?? 0;
  }
  return Object.fromEntries(Object.entries(totals).sort(([a], [b]) => (a < b ? -1 : 1)));
}
