// Reads of the ledger state, for assertions.
import type { NodeDb } from '../../db/node.js';

export function snapshot(handle: NodeDb) {
  const q = (sql: string) => handle.sqlite.prepare(sql).all() as Record<string, unknown>[];
  return {
    entries: q('select key, kind, gift_id, frequency, amount_minor, currency, email, stripe_id, occurred_at, recurring_gift_id is not null as has_recurring from ledger_entries order by key'),
    gifts: q('select id, status, frequency, amount_minor, currency, email, supporter_id is not null as has_supporter, from_checkout, checkout_session_id, payment_intent_id, subscription_id, article, campaign from gifts order by id'),
    recurring: q('select stripe_subscription_id, gift_id, status, interval, amount_minor, currency, cancel_at_period_end, supporter_id is not null as has_supporter from recurring_gifts order by stripe_subscription_id'),
    supporters: q('select email, name, stripe_customer_id from supporters order by email'),
    outbox: q('select key, template, to_address from outbox order by key'),
  };
}

export function count(handle: NodeDb, table: string): number {
  return (handle.sqlite.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
}
