// Who to tell about a change: the emails that subscription and refund events cause. A
// subscription or a refund names no email address, so it comes from what the ledger holds.
import { eq } from 'drizzle-orm';
import type { Db, Statement } from '../../db/db.js';
import { sqlList, sqlTemplate } from '../../db/sql.js';
import { newId } from '../lib/ids.js';
import { gifts, recurringGifts, supporters } from '../../db/schema.js';
import { PAYMENT_KINDS } from './ledger.js';

/** The supporter's address for a subscription: its supporter, else its gift's email, else the Stripe customer's supporter. */
export async function subscriptionContact(db: Db, subscriptionId: string, customerId: string | null): Promise<string | null> {
  const rows = await db.orm
    .select({ supporterEmail: supporters.email, giftEmail: gifts.email })
    .from(recurringGifts)
    .leftJoin(supporters, eq(supporters.id, recurringGifts.supporterId))
    .leftJoin(gifts, eq(gifts.id, recurringGifts.giftId))
    .where(eq(recurringGifts.stripeSubscriptionId, subscriptionId))
    .limit(1);
  const known = rows[0]?.supporterEmail ?? rows[0]?.giftEmail;
  if (known) return known;
  if (!customerId) return null;
  const byCustomer = await db.orm.select({ email: supporters.email }).from(supporters).where(eq(supporters.stripeCustomerId, customerId)).limit(1);
  return byCustomer[0]?.email ?? null;
}

// The two emails below depend on facts that may arrive in any order (a refund before the
// payment it reverses; a cancellation before the supporter is linked), so each is an
// INSERT ... SELECT over what the ledger holds once this write's other statements ran. Every
// write that can complete the facts runs it; the outbox key lets only the first one in.

const PAYMENTS = sqlList(PAYMENT_KINDS);

const queueRefundNotices = sqlTemplate`
  insert into outbox (id, "key", template, to_address, props, status, attempts, next_attempt_at, created_at)
  select ${'id'} || '_' || r.id, 'refund:' || r.stripe_id, 'refund', r.email,
    json_object('amountMinor', -r.amount_minor, 'currency', r.currency, 'refundedAt', r.occurred_at, 'refundId', r.stripe_id,
      'receiptNumber', (select p.stripe_id from ledger_entries p where p.payment_intent_id = r.payment_intent_id and p.kind in (${PAYMENTS}) limit 1)),
    'pending', 0, ${'now'}, ${'now'}
  from ledger_entries r
  where r.kind = 'refund' and r.email is not null
    and r.payment_intent_id = coalesce(${'paymentIntentId'}, (select e.payment_intent_id from ledger_entries e where e."key" = ${'entryKey'}))
  on conflict do nothing`;

/** The refund emails of a payment whose refunds and payer are both known (refund entries take the payer's email when linked). */
export function refundNoticesStatement(link: { paymentIntentId: string | null; entryKey: string | null }, now: number): Statement {
  return queueRefundNotices.bind({ id: newId('eml', now), paymentIntentId: link.paymentIntentId, entryKey: link.entryKey, now });
}

const queueCancelledNotice = sqlTemplate`
  insert into outbox (id, "key", template, to_address, props, status, attempts, next_attempt_at, created_at)
  select ${'id'}, 'recurring_cancelled:' || rg.stripe_subscription_id, 'recurring_cancelled', coalesce(s.email, g.email),
    json_object('amountMinor', rg.amount_minor, 'currency', rg.currency, 'interval', rg."interval", 'endedAt', coalesce(rg.canceled_at, ${'now'})),
    'pending', 0, ${'now'}, ${'now'}
  from recurring_gifts rg
  left join supporters s on s.id = rg.supporter_id
  left join gifts g on g.id = rg.gift_id
  where rg.stripe_subscription_id = ${'subscriptionId'} and rg.status = 'canceled'
    and coalesce(s.email, g.email) is not null and rg.amount_minor is not null and rg.currency is not null and rg."interval" is not null
  on conflict do nothing`;

/** The cancellation email of a recurring gift that has ended and whose supporter is known; once per subscription. */
export function cancelledNoticeStatement(subscriptionId: string, now: number): Statement {
  return queueCancelledNotice.bind({ id: newId('eml', now), subscriptionId, now });
}
