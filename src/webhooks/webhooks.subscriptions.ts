// A subscription object -> the recurring gift's state write, shared by the subscription
// events and the cancellation we make ourselves after a lost dispute.
import { asInterval } from '../ledger/ledger.frequency.js';
import type { Write } from '../ledger/ledger.js';
import { subscriptionStateOrder } from '../ledger/ledger.recurring.js';
import type { StripeSubscription } from './webhooks.schemas.js';

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
      order: subscriptionStateOrder(eventType, createdSeconds),
    },
  };
}
