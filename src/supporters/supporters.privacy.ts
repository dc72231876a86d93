// A supporter's data, downloaded or erased: by the supporter from their account, or by
// finance staff on their request. Erasure cancels their live recurring gifts in Stripe
// first (so no payment is taken from a person we no longer know), then erases what we hold
// in one atomic write with its audit row. The Stripe customer is kept: see the README,
// "Privacy".
import { auditStatement, type RequestOrigin } from '../auth/auth.audit.js';
import type { Deps } from '../deps.js';
import { AppError } from '../lib/errors.js';
import { isLive } from './supporters.manage.js';
import { eraseStatements, recurringOf, type SupporterRow } from './supporters.repo.js';

export async function eraseSupporter(deps: Deps, supporter: SupporterRow, by: { actor: string; origin: RequestOrigin }): Promise<{ cancelled: number }> {
  if (supporter.erasedAt) return { cancelled: 0 };
  const live = (await recurringOf(deps.db, supporter.id)).filter(isLive);
  for (const r of live) {
    try {
      await deps.stripe.subscriptions.cancel(
        r.stripeSubscriptionId,
        { cancellation_details: { comment: 'The supporter asked us to erase their data.' } },
        { idempotencyKey: `erase:${r.stripeSubscriptionId}` },
      );
    } catch (err) {
      // an already-cancelled subscription is what we wanted; anything else stops the erasure
      const message = err instanceof Error ? err.message : String(err);
      if (!/already been canceled|canceled subscription/i.test(message)) {
        deps.log.error('erasure: cancelling a subscription failed', { recurring: r.id, error: message });
        throw new AppError('upstream', 'We could not cancel the regular gifts with our payment provider, so nothing was erased. Please try again in a moment.');
      }
    }
  }
  const now = deps.now();
  await deps.db.atomic([
    ...eraseStatements(deps.db, supporter, now),
    auditStatement(
      deps.db,
      { actor: by.actor, action: 'supporter.erased', target: `supporter:${supporter.id}`, details: { recurring_cancelled: live.length } },
      by.origin,
      now,
    ),
  ]);
  return { cancelled: live.length };
}
