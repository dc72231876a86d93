// Pure ledger rules: Stripe facts plus what we already hold in, a list of writes out.
// No I/O here; ledger.repo.ts turns writes into SQL statements run atomically.
import type { EntryKind, Frequency, GiftStatus } from '../../db/schema.js';

export type GiftRef = {
  id: string;
  status: GiftStatus;
  frequency: Frequency;
  amountMinor: number;
  currency: string;
};

export type SupporterFacts = { email: string; name: string | null; stripeCustomerId: string | null };

export type Write =
  | { type: 'supporter.upsert'; supporter: SupporterFacts }
  | {
      /** a gift that did not start at our checkout (a Payment Link, say); no attribution */
      type: 'gift.createExternal';
      gift: { id: string; frequency: Frequency; amountMinor: number; currency: string; email: string | null; checkoutSessionId: string | null; subscriptionId: string | null };
    }
  | {
      type: 'gift.advance';
      giftId: string;
      to: GiftStatus;
      /** the supporter's email, linked by email inside the write */
      email: string | null;
      paymentIntentId?: string | null;
      subscriptionId?: string | null;
      checkoutSessionId?: string | null;
    }
  | {
      type: 'entry';
      entry: {
        key: string;
        kind: EntryKind;
        giftId: string | null;
        subscriptionId: string | null;
        frequency: Frequency;
        amountMinor: number;
        currency: string;
        email: string | null;
        stripeId: string;
        occurredAt: number;
      };
    }
  | {
      /** create the recurring gift if we have never seen it; never overwrites */
      type: 'recurring.ensure';
      recurring: { subscriptionId: string; giftId: string | null; email: string | null; stripeCustomerId: string | null; interval: 'month' | 'year' | null; amountMinor: number | null; currency: string | null };
    }
  | {
      /** apply subscription state only if it is newer than what we hold */
      type: 'recurring.state';
      recurring: {
        subscriptionId: string;
        giftId: string | null;
        stripeCustomerId: string | null;
        status: string;
        interval: 'month' | 'year' | null;
        amountMinor: number | null;
        currency: string | null;
        cancelAtPeriodEnd: boolean;
        currentPeriodEnd: number | null;
        /** ordering key: see subscriptionStateOrder */
        order: number;
      };
    }
  | { type: 'email'; key: string; template: 'receipt'; to: string; props: Record<string, unknown> };

/**
 * Gift status moves forward only; a status may be reached from these predecessors.
 * Deliveries arrive in any order, so a late `checkout.session.completed` with an unpaid
 * (async) payment must not pull a paid gift back to processing.
 */
export const GIFT_ADVANCES_FROM: Record<GiftStatus, readonly GiftStatus[]> = {
  pending: [],
  processing: ['pending'],
  paid: ['pending', 'processing', 'failed', 'expired'],
  failed: ['pending', 'processing'],
  expired: ['pending'],
};

export function canAdvance(from: GiftStatus, to: GiftStatus): boolean {
  return GIFT_ADVANCES_FROM[to].includes(from);
}

const EVENT_RANK: Record<string, number> = {
  'customer.subscription.created': 0,
  'customer.subscription.updated': 1,
  'customer.subscription.paused': 1,
  'customer.subscription.resumed': 1,
  'customer.subscription.deleted': 2,
};

/**
 * Stripe's event `created` has one-second resolution and a subscription's created and
 * first updated events often share a second, so ties are broken by the event type's
 * place in a subscription's life (created < updated < deleted).
 */
export function subscriptionStateOrder(eventType: string, eventCreatedSeconds: number): number {
  return eventCreatedSeconds * 10 + (EVENT_RANK[eventType] ?? 1);
}

export function frequencyOfInterval(interval: string | null | undefined): Frequency | null {
  if (interval === 'month') return 'monthly';
  if (interval === 'year') return 'annual';
  return null;
}

export function asInterval(value: string | null | undefined): 'month' | 'year' | null {
  return value === 'month' || value === 'year' ? value : null;
}

export function intervalOfFrequency(frequency: Frequency): 'month' | 'year' | null {
  return frequency === 'monthly' ? 'month' : frequency === 'annual' ? 'year' : null;
}

/** Our id for a gift we first learn of from Stripe, stable across redeliveries. */
export function externalGiftId(stripeObjectId: string): string {
  return `gift_x_${stripeObjectId}`;
}

export type PaidSessionFacts = {
  sessionId: string;
  /** 'payment' | 'subscription' (Stripe may add values) */
  mode: string;
  /** 'paid' | 'unpaid' | 'no_payment_required' */
  paymentStatus: string;
  amountTotal: number;
  currency: string;
  email: string | null;
  name: string | null;
  customerId: string | null;
  paymentIntentId: string | null;
  subscriptionId: string | null;
  /** interval of a subscription's price, when the session says */
  interval: 'month' | 'year' | null;
  /** seconds */
  stripeCreated: number;
};

/**
 * checkout.session.completed and checkout.session.async_payment_succeeded.
 * Payment mode: the gift is paid and its money recorded only when payment_status is paid.
 * Subscription mode: links supporter and recurring gift; money comes from invoice.paid.
 */
export function onSessionSettled(s: PaidSessionFacts, gift: GiftRef | null, publicationName: string): Write[] {
  const writes: Write[] = [];
  if (s.email) writes.push({ type: 'supporter.upsert', supporter: { email: s.email, name: s.name, stripeCustomerId: s.customerId } });

  const frequency: Frequency = gift?.frequency ?? (s.mode === 'payment' ? 'one_off' : (frequencyOfInterval(s.interval) ?? 'monthly'));
  let giftId = gift?.id ?? null;
  if (!gift) {
    giftId = externalGiftId(s.sessionId);
    writes.push({
      type: 'gift.createExternal',
      gift: { id: giftId, frequency, amountMinor: s.amountTotal, currency: s.currency, email: s.email, checkoutSessionId: s.sessionId, subscriptionId: s.subscriptionId },
    });
  }
  const paid = s.paymentStatus === 'paid' || s.paymentStatus === 'no_payment_required';
  writes.push({
    type: 'gift.advance',
    giftId: giftId!,
    to: paid ? 'paid' : 'processing',
    email: s.email,
    paymentIntentId: s.paymentIntentId,
    subscriptionId: s.subscriptionId,
    checkoutSessionId: s.sessionId,
  });

  if (s.mode === 'payment' && s.paymentStatus === 'paid') {
    const key = `payment:${s.paymentIntentId ?? s.sessionId}`;
    writes.push({
      type: 'entry',
      entry: {
        key,
        kind: 'gift',
        giftId,
        subscriptionId: null,
        frequency: 'one_off',
        amountMinor: s.amountTotal,
        currency: s.currency,
        email: s.email,
        stripeId: s.paymentIntentId ?? s.sessionId,
        occurredAt: s.stripeCreated * 1000,
      },
    });
    if (s.email) writes.push(receipt(key, s.email, { amountMinor: s.amountTotal, currency: s.currency, frequency: 'one_off', publicationName }));
  }
  if (s.mode === 'subscription' && s.subscriptionId) {
    writes.push({
      type: 'recurring.ensure',
      recurring: {
        subscriptionId: s.subscriptionId,
        giftId,
        email: s.email,
        stripeCustomerId: s.customerId,
        interval: s.interval ?? (gift ? intervalOfFrequency(gift.frequency) : null),
        amountMinor: gift?.amountMinor ?? s.amountTotal,
        currency: gift?.currency ?? s.currency,
      },
    });
  }
  return writes;
}

export function onSessionFailed(gift: GiftRef | null): Write[] {
  return gift ? [{ type: 'gift.advance', giftId: gift.id, to: 'failed', email: null }] : [];
}

export function onSessionExpired(gift: GiftRef | null): Write[] {
  return gift ? [{ type: 'gift.advance', giftId: gift.id, to: 'expired', email: null }] : [];
}

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
    },
  });
  if (inv.email) writes.push(receipt(key, inv.email, { amountMinor: inv.amountPaid, currency: inv.currency, frequency, publicationName }));
  return writes;
}

function receipt(entryKey: string, to: string, props: { amountMinor: number; currency: string; frequency: Frequency; publicationName: string }): Write {
  return { type: 'email', key: `receipt:${entryKey}`, template: 'receipt', to, props };
}
