// A supporter's changes to a recurring gift, made through Stripe. Our database learns the
// result only from Stripe's webhook (customer.subscription.updated / .deleted), as it does
// for every other subscription fact; until that event arrives the change is shown as
// pending. Each call carries an idempotency key made from the form's own request id, so a
// double-submitted form changes the subscription once.
import type Stripe from 'stripe';
import type { Statement } from '../../db/db.js';
import type { Deps } from '../deps.js';
import { AppError } from '../lib/errors.js';
import { setCancelReason, setPendingChange, type RecurringRow } from './supporters.repo.js';

export type Change =
  | { kind: 'amount'; amountMinor: number }
  | { kind: 'interval'; interval: 'month' | 'year'; amountMinor: number }
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'cancel'; reason: CancelReason; comment: string | null };

export const CANCEL_REASONS = {
  cost: 'I cannot afford it at the moment',
  reading_less: 'I read less than I used to',
  other_way: 'I support you in another way',
  disagree: 'I disagree with your coverage',
  other: 'Another reason',
} as const;
export type CancelReason = keyof typeof CANCEL_REASONS;

/** Stripe's own feedback values (https://docs.stripe.com/api/subscriptions/cancel#cancel_subscription-cancellation_details-feedback) */
const FEEDBACK: Record<CancelReason, Stripe.SubscriptionCancelParams.CancellationDetails.Feedback> = {
  cost: 'too_expensive',
  reading_less: 'unused',
  other_way: 'switched_service',
  disagree: 'other',
  other: 'other',
};

export type PendingChange = Change & { at: number };

/**
 * A change waits this long for Stripe's event at most: past it the account offers changes
 * again (Stripe retries webhooks for days; the reconcile job catches what never arrives).
 */
export const PENDING_FOR_MS = 10 * 60_000;

/**
 * The change still waiting for Stripe's event, or null. The webhook's subscription state
 * write clears it (ledger.repo.ts, applyRecurringState).
 */
export function pendingChangeOf(row: Pick<RecurringRow, 'pendingChange'>, now: number): PendingChange | null {
  if (!row.pendingChange) return null;
  let change: PendingChange;
  try {
    change = JSON.parse(row.pendingChange) as PendingChange;
  } catch {
    return null;
  }
  return now - change.at < PENDING_FOR_MS ? change : null;
}

export function isLive(row: Pick<RecurringRow, 'status'>): boolean {
  return row.status !== 'canceled' && row.status !== 'incomplete_expired';
}

/**
 * Records the change as pending, then makes it in Stripe. Pending is written first: Stripe's
 * event can arrive before Stripe's API answer does, and it must find something to confirm.
 * If Stripe refuses or cannot be reached, the pending mark is taken back.
 */
export async function makeChange(deps: Deps, row: RecurringRow, change: Change, requestId: string): Promise<void> {
  if (!isLive(row)) throw new AppError('conflict', 'This regular gift has already ended.');
  if (pendingChangeOf(row, deps.now()))
    throw new AppError('conflict', 'Your last change is still being confirmed by our payment provider. Reload the page in a moment and try again.');
  const subId = row.stripeSubscriptionId;
  const key = `account:${row.id}:${change.kind}:${requestId}`;
  const now = deps.now();
  const writes: Statement[] = [setPendingChange(deps.db, row.id, JSON.stringify({ ...change, at: now } satisfies PendingChange), now)];
  if (change.kind === 'cancel') writes.push(setCancelReason(deps.db, row.id, change.reason, change.comment, now));
  await deps.db.atomic(writes);
  try {
    if (change.kind === 'amount' || change.kind === 'interval') {
      const sub = await deps.stripe.subscriptions.retrieve(subId);
      const item = sub.items.data[0];
      if (!item?.price.recurring) throw new AppError('conflict', 'This regular gift cannot be changed here; please contact us.');
      const product = typeof item.price.product === 'string' ? item.price.product : item.price.product.id;
      await deps.stripe.subscriptions.update(
        subId,
        {
          items: [
            {
              id: item.id,
              price_data: {
                currency: item.price.currency,
                product,
                unit_amount: change.amountMinor,
                recurring: { interval: change.kind === 'interval' ? change.interval : item.price.recurring.interval },
              },
            },
          ],
          // a new amount applies from the next payment: nothing is charged or credited for the current period
          proration_behavior: 'none',
        },
        { idempotencyKey: key },
      );
    } else if (change.kind === 'pause') {
      // void: the payments due while paused are never taken (https://docs.stripe.com/billing/subscriptions/pause-payment)
      await deps.stripe.subscriptions.update(subId, { pause_collection: { behavior: 'void' } }, { idempotencyKey: key });
    } else if (change.kind === 'resume') {
      await deps.stripe.subscriptions.update(subId, { pause_collection: '' }, { idempotencyKey: key });
    } else {
      await deps.stripe.subscriptions.cancel(
        subId,
        { cancellation_details: { feedback: FEEDBACK[change.reason], ...(change.comment ? { comment: change.comment } : {}) } },
        { idempotencyKey: key },
      );
    }
  } catch (err) {
    await deps.db.atomic([setPendingChange(deps.db, row.id, null, deps.now())]);
    if (err instanceof AppError) throw err;
    deps.log.error('subscription change failed', { recurring: row.id, change: change.kind, error: err instanceof Error ? err.message : String(err) });
    throw new AppError('upstream', 'We could not reach our payment provider, so nothing has changed. Please try again in a moment.');
  }
}

/** The card a recurring gift is paid with, asked of Stripe (it changes in the Billing Portal, which tells us nothing else). */
export async function cardOf(deps: Deps, row: RecurringRow): Promise<{ brand: string; last4: string } | null> {
  try {
    const sub = await deps.stripe.subscriptions.retrieve(row.stripeSubscriptionId, { expand: ['default_payment_method'] });
    const pm = sub.default_payment_method;
    if (pm && typeof pm !== 'string' && pm.card) return { brand: pm.card.brand, last4: pm.card.last4 };
  } catch (err) {
    // the account page still shows everything we hold; only the card is missing
    deps.log.warn('card lookup failed', { recurring: row.id, error: err instanceof Error ? err.message : String(err) });
  }
  return null;
}

/** How a one-off payment or renewal was paid, when Stripe says. */
export async function paymentMethodOf(deps: Deps, paymentIntentId: string | null): Promise<string | null> {
  if (!paymentIntentId) return null;
  try {
    const pi = await deps.stripe.paymentIntents.retrieve(paymentIntentId, { expand: ['payment_method'] });
    const pm = pi.payment_method;
    if (pm && typeof pm !== 'string' && pm.card) return `${brandName(pm.card.brand)} ending ${pm.card.last4}`;
    if (pm && typeof pm !== 'string') return pm.type;
  } catch (err) {
    deps.log.warn('payment method lookup failed', { error: err instanceof Error ? err.message : String(err) });
  }
  return null;
}

const BRANDS: Record<string, string> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  discover: 'Discover',
  jcb: 'JCB',
  diners: 'Diners Club',
  unionpay: 'UnionPay',
};
export const brandName = (brand: string): string => BRANDS[brand] ?? brand;
