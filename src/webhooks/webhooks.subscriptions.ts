// A subscription object -> the recurring gift's state write, shared by the subscription
// events and the cancellation we make ourselves after a lost dispute.
import { asInterval } from '../ledger/ledger.frequency.js';
import type { Write } from '../ledger/ledger.js';
import { subscriptionStateOrder } from '../ledger/ledger.recurring.js';
import type { SubscriptionChangeFacts } from '../ledger/ledger.notices.js';
import type { StripeSubscription, StripeSubscriptionPrevious } from './webhooks.schemas.js';

const ms = (seconds: number | null): number | null => (seconds != null ? seconds * 1000 : null);

export function subscriptionStateWrite(sub: StripeSubscription, eventType: string, createdSeconds: number, giftId: string | null): Write {
  const item = sub.items.data[0];
  return {
    type: 'recurring.state',
    recurring: {
      subscriptionId: sub.id,
      giftId,
      stripeCustomerId: sub.customer,
      status: eventType === 'customer.subscription.deleted' ? 'canceled' : sub.status,
      interval: asInterval(item?.price.recurring?.interval),
      amountMinor: item?.price.unit_amount != null ? item.price.unit_amount * (item.quantity ?? 1) : null,
      currency: item?.price.currency ?? sub.currency ?? null,
      cancelAtPeriodEnd: sub.cancel_at_period_end ?? false,
      currentPeriodEnd: ms(item?.current_period_end ?? null),
      cancelAt: ms(sub.cancel_at),
      canceledAt: ms(sub.canceled_at),
      pauseBehavior: sub.pause_collection?.behavior ?? null,
      order: subscriptionStateOrder(eventType, createdSeconds),
    },
  };
}

type Plan = { amountMinor: number; currency: string; interval: 'month' | 'year' };
type Item = StripeSubscription['items']['data'][number];

function planOf(item: Item | undefined, currency: string | null, fallbackQuantity = 1): Plan | null {
  const interval = asInterval(item?.price.recurring?.interval);
  const cur = item?.price.currency ?? currency;
  if (!item || item.price.unit_amount == null || !interval || !cur) return null;
  return { amountMinor: item.price.unit_amount * (item.quantity ?? fallbackQuantity), currency: cur, interval };
}

/**
 * What an update changed for the supporter, from the event's previous_attributes: an array
 * that changed is there whole, so the old items list holds the old price.
 */
export function subscriptionChangeFacts(
  event: { id: string; type: string },
  sub: StripeSubscription,
  previous: StripeSubscriptionPrevious | null,
  to: string | null,
): SubscriptionChangeFacts {
  const item = sub.items.data[0];
  const previousItem = previous?.items?.data[0];
  return {
    eventId: event.id,
    eventType: event.type,
    subscriptionId: sub.id,
    to,
    plan: planOf(item, sub.currency),
    previousPlan: previousItem ? planOf(previousItem, sub.currency, item?.quantity ?? 1) : null,
    pauseBefore: previous && previous.pause_collection !== undefined ? previous.pause_collection !== null : null,
    pauseNow: sub.pause_collection ? { resumesAt: ms(sub.pause_collection.resumes_at) } : null,
    periodEnd: ms(item?.current_period_end ?? null),
  };
}
