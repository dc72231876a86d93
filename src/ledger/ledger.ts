// The ledger's vocabulary: the facts the pure rules take (GiftRef, Settlement, EntryFacts)
// and the writes they return. The rules live in one module per kind of Stripe fact
// (ledger.sessions.ts, ledger.invoices.ts, ledger.refunds.ts, ...), all without I/O;
// ledger.repo.ts turns writes into SQL statements run atomically.
import type { EntryKind, Frequency, GiftStatus } from '../../db/schema.js';
import type { QueuedEmail } from '../mail/mail.port.js';
import type { TemplateName, TemplateProps } from '../mail/mail.templates.js';

export type GiftRef = {
  id: string;
  status: GiftStatus;
  frequency: Frequency;
  amountMinor: number;
  currency: string;
  /** the links the gift already holds: an event only fills what is missing */
  email: string | null;
  supporterId: string | null;
  paymentIntentId: string | null;
  subscriptionId: string | null;
  checkoutSessionId: string | null;
};

export type SupporterFacts = { email: string; name: string | null; stripeCustomerId: string | null };

/** Where a money fact landed in our Stripe balance: its balance transaction. */
export type Settlement = {
  balanceTransactionId: string;
  /** Stripe's fee; negative when Stripe gives a fee back */
  feeMinor: number;
  netMinor: number;
  /** the balance's currency, which may differ from the payment's */
  currency: string;
  /** the decimal Stripe sent, as text: money never passes through a float here */
  exchangeRate: string | null;
};

/** Payment kinds carry money in; every other kind reverses part of a payment. */
export const PAYMENT_KINDS = ['gift', 'renewal'] as const satisfies readonly EntryKind[];

export type EntryFacts = {
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
  paymentIntentId?: string | null;
  /** an invoice's entry: its payment intent, when not given, is the one invoice_payments holds */
  invoiceId?: string | null;
  chargeId?: string | null;
  /** null: fee and net are filled when the balance transaction is known */
  settlement?: Settlement | null;
};

export type Write =
  | { type: 'supporter.upsert'; supporter: SupporterFacts }
  | {
      /** a gift that did not start at our checkout (a Payment Link, say); no attribution */
      type: 'gift.createExternal';
      gift: {
        id: string;
        frequency: Frequency;
        amountMinor: number;
        currency: string;
        email: string | null;
        checkoutSessionId: string | null;
        subscriptionId: string | null;
      };
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
      /**
       * One money fact, once per key. A redelivery or a second event about the same fact
       * only fills what is still unknown (links, fee and net); the amount never changes.
       * A reversal (refund, dispute) names its payment intent and takes gift, frequency and
       * supporter from the payment, now or when the payment arrives (`payment.link`).
       */
      type: 'entry';
      entry: EntryFacts;
    }
  | {
      /** fee and net for entries that lack them: by key, or every payment entry of a payment intent */
      type: 'entry.settle';
      match: { key: string } | { paymentIntentId: string };
      settlement: Settlement;
      chargeId?: string | null;
    }
  | {
      /** the invoice entry learns its payment intent after the fact (reconcile) */
      type: 'entry.paymentIntent';
      key: string;
      paymentIntentId: string;
    }
  | {
      /**
       * A payment and its gift are known: link reversals recorded before them, carry a fraud
       * flag over. The payment intent is named, or read from the entry with `entryKey` (an
       * invoice entry learns it from invoice_payment.paid, which may have come first).
       */
      type: 'payment.link';
      paymentIntentId: string | null;
      entryKey?: string;
    }
  | {
      /** an InvoicePayment: which payment intent paid which invoice */
      type: 'invoice.payment';
      payment: {
        invoicePaymentId: string;
        invoiceId: string;
        paymentIntentId: string | null;
        status: string;
        amountPaidMinor: number | null;
        currency: string | null;
        paidAt: number | null;
      };
    }
  | {
      type: 'charge.facts';
      charge: {
        chargeId: string;
        paymentIntentId: string | null;
        amountMinor: number | null;
        currency: string | null;
        /** seconds */
        stripeCreated: number | null;
        settlement: Settlement | null;
      };
    }
  | {
      type: 'charge.fraudWarning';
      warning: { chargeId: string; paymentIntentId: string | null; warningId: string; fraudType: string };
    }
  | {
      /** a dispute's state, applied only if newer than what we hold (disputeStateOrder) */
      type: 'dispute.state';
      dispute: {
        disputeId: string;
        chargeId: string | null;
        paymentIntentId: string | null;
        amountMinor: number;
        currency: string;
        reason: string | null;
        status: string;
        evidenceDueBy: number | null;
        stripeCreated: number;
        canceledSubscriptionId: string | null;
        order: number;
      };
    }
  | {
      /** only the subscription's status, from an invoice event; applied if newer than the status held */
      type: 'recurring.status';
      recurring: { subscriptionId: string; giftId: string | null; status: string; order: number };
    }
  | {
      /** the open payment problem of a recurring gift, or its end (issue null); applied if newer */
      type: 'recurring.health';
      recurring: {
        subscriptionId: string;
        issue: 'payment_failed' | 'action_required' | null;
        declineCode: string | null;
        nextPaymentAttemptAt: number | null;
        invoiceId: string | null;
        order: number;
      };
    }
  | { type: 'payout.state'; payout: PayoutState }
  | {
      type: 'payout.item';
      item: {
        payoutId: string;
        balanceTransactionId: string;
        type: string;
        reportingCategory: string;
        sourceId: string | null;
        paymentIntentId: string | null;
        amountMinor: number;
        feeMinor: number;
        netMinor: number;
        currency: string;
        stripeCreated: number;
      };
    }
  /** the payout's gifts matched and its totals summed again from its items, after them in the same write */
  | { type: 'payout.totals'; payoutId: string }
  | {
      /** create the recurring gift if we have never seen it; never overwrites */
      type: 'recurring.ensure';
      recurring: {
        subscriptionId: string;
        giftId: string | null;
        email: string | null;
        stripeCustomerId: string | null;
        interval: 'month' | 'year' | null;
        amountMinor: number | null;
        currency: string | null;
      };
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
        /** ms */
        cancelAt: number | null;
        /** ms */
        canceledAt: number | null;
        /** pause_collection.behavior while collection is paused, else null */
        pauseBehavior: string | null;
        /** ordering key: see subscriptionStateOrder */
        order: number;
      };
    }
  | { type: 'email'; email: AnyQueuedEmail }
  /** the refund emails of a payment, for refunds whose payer is known by now (ledger.notices.repo.ts) */
  | { type: 'notice.refunds'; paymentIntentId: string | null }
  /** the cancellation email of an ended recurring gift, once its supporter is known */
  | { type: 'notice.cancelled'; subscriptionId: string };

/** The writes about money (ledger.money.repo.ts); the rest are about gifts and supporters (ledger.repo.ts). */
export const MONEY_WRITES = [
  'entry',
  'entry.settle',
  'entry.paymentIntent',
  'payment.link',
  'invoice.payment',
  'charge.facts',
  'charge.fraudWarning',
  'dispute.state',
  'payout.state',
  'payout.item',
  'payout.totals',
] as const satisfies readonly Write['type'][];

export type MoneyWrite = Extract<Write, { type: (typeof MONEY_WRITES)[number] }>;
export type GiftWrite = Exclude<Write, MoneyWrite>;

export function isMoneyWrite(w: Write): w is MoneyWrite {
  return (MONEY_WRITES as readonly string[]).includes(w.type);
}

/** Any one template's email, its props fixed by its name. */
export type AnyQueuedEmail = { [K in TemplateName]: QueuedEmail<K> }[TemplateName];

/**
 * An email written with the change that causes it. Its key names that cause (an entry, an
 * invoice attempt, an event), so a redelivered event cannot send a second one.
 */
export function email<T extends TemplateName>(key: string, template: T, to: string, props: TemplateProps[T]): Write {
  return { type: 'email', email: { key, template, to, props } as AnyQueuedEmail };
}

/** A payment's receipt (one-off, welcome or renewal), keyed by its ledger entry. */
export const receiptKey = (entryKey: string): string => `receipt:${entryKey}`;

/** A payout as we hold it: arrivalDate in ms, stripeCreated in Stripe's seconds. */
export type PayoutState = {
  payoutId: string;
  amountMinor: number;
  currency: string;
  status: string;
  reconciliationStatus: string;
  automatic: boolean;
  arrivalDate: number | null;
  stripeCreated: number;
};
