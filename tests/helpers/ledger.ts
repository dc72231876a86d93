// Reads of the ledger state, for assertions.
import type { NodeDb } from '../../db/node.js';
import { ITEM_GIFT_SQL, PAYOUTS_CHECK_QUERIES } from '../../src/ledger/ledger.payouts.repo.js';
import { CHECK_QUERIES, compareRollups, type RollupDifference } from '../../src/ledger/ledger.rollups.repo.js';

export function snapshot(handle: NodeDb) {
  const q = (sql: string) => handle.sqlite.prepare(sql).all() as Record<string, unknown>[];
  return {
    entries: q(
      'select key, kind, gift_id, frequency, amount_minor, currency, email, stripe_id, occurred_at, recurring_gift_id is not null as has_recurring from ledger_entries order by key',
    ),
    gifts: q(
      'select id, status, frequency, amount_minor, currency, email, supporter_id is not null as has_supporter, from_checkout, checkout_session_id, payment_intent_id, subscription_id, article, campaign from gifts order by id',
    ),
    recurring: q(
      'select stripe_subscription_id, gift_id, status, interval, amount_minor, currency, cancel_at_period_end, supporter_id is not null as has_supporter from recurring_gifts order by stripe_subscription_id',
    ),
    supporters: q('select email, name, stripe_customer_id from supporters order by email'),
    outbox: q('select key, template, to_address from outbox order by key'),
  };
}

export function count(handle: NodeDb, table: string): number {
  return (handle.sqlite.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
}

/**
 * Everything the ledger decides, without what differs between equivalent runs (our own
 * row ids, write times, which delivery happened to write a row first).
 */
export function moneySnapshot(handle: NodeDb) {
  const q = (sql: string) => handle.sqlite.prepare(sql).all() as Record<string, unknown>[];
  return {
    entries: q(`select e.key, e.kind, e.gift_id, e.frequency, e.amount_minor, e.currency, e.fee_minor, e.net_minor, e.settlement_currency,
                 e.exchange_rate, e.balance_transaction_id, e.payment_intent_id, e.charge_id, e.email, e.stripe_id, e.occurred_at,
                 e.article, e.section, e.campaign, e.variant,
                 r.stripe_subscription_id as subscription
               from ledger_entries e left join recurring_gifts r on r.id = e.recurring_gift_id order by e.key`),
    gifts: q(`select id, status, frequency, amount_minor, currency, email, supporter_id is not null as has_supporter, from_checkout,
                 checkout_session_id, payment_intent_id, subscription_id, fraud_warning_id from gifts order by id`),
    recurring: q(`select stripe_subscription_id, gift_id, status, interval, amount_minor, currency, cancel_at_period_end, current_period_end,
                 cancel_at, canceled_at, payment_issue, decline_code, next_payment_attempt_at, issue_invoice_id, stripe_customer_id,
                 supporter_id is not null as has_supporter from recurring_gifts order by stripe_subscription_id`),
    charges: q(`select id, payment_intent_id, amount_minor, currency, balance_transaction_id, fee_minor, net_minor, settlement_currency,
                 exchange_rate, early_fraud_warning_id, fraud_type, stripe_created from stripe_charges order by id`),
    disputes: q(`select id, charge_id, payment_intent_id, amount_minor, currency, reason, status, evidence_due_by, canceled_subscription_id,
                 stripe_created from disputes order by id`),
    payouts: q(`select id, amount_minor, currency, status, reconciliation_status, automatic, arrival_date, stripe_created from payouts order by id`),
    // the gift as the pages show it: stored when the item was written, or found since
    payoutItems: q(`select balance_transaction_id, payout_id, type, reporting_category, source_id, payment_intent_id, amount_minor, fee_minor, net_minor,
                 currency, stripe_created, ${ITEM_GIFT_SQL} as gift_id from payout_items i order by balance_transaction_id`),
    payoutTotals: q('select * from payout_totals order by payout_id'),
    supporters: q('select email, name, stripe_customer_id from supporters order by email'),
    outbox: q('select key, template, to_address from outbox order by key'),
  };
}

/** Where the rollups (and payouts' stored totals and gifts) kept by the writes differ from the same sums taken from the entries and items now (none, or a bug). */
export function rollupDifferences(handle: NodeDb): RollupDifference[] {
  const rows = (sql: string) => handle.sqlite.prepare(sql).raw().all() as unknown[][];
  return [...CHECK_QUERIES, ...PAYOUTS_CHECK_QUERIES].flatMap((q) => compareRollups(q.table, q.keys, rows(q.expected), rows(q.actual)));
}

/** Entries whose attribution is not their gift's (it is copied when the entry learns its gift). */
export function attributionMismatches(handle: NodeDb): string[] {
  const rows = handle.sqlite
    .prepare(
      `select e."key" as key from ledger_entries e left join gifts g on g.id = e.gift_id
       where e.article is not g.article or e.section is not g.section or e.campaign is not g.campaign or e.variant is not g.variant`,
    )
    .all() as { key: string }[];
  return rows.map((r) => r.key);
}

const APP_TABLES = [
  'ledger_day_totals',
  'ledger_day_attribution',
  'ledger_supporter_counts',
  'ledger_supporter_periods',
  'ledger_supporter_days',
  'ledger_supporter_day_counts',
  'ledger_supporter_month_counts',
  'recurring_gift_totals',
  'recurring_gift_days',
  'ledger_month_attribution',
  'outbox',
  'payout_totals',
  'payout_items',
  'payouts',
  'disputes',
  'stripe_charges',
  'ledger_entries',
  'recurring_gifts',
  'gifts',
  'supporters',
  'stripe_events',
];

/** Empties the app's tables (children first), far cheaper than a new migrated database per run. */
export function clearLedger(handle: NodeDb): void {
  handle.sqlite.transaction(() => {
    for (const t of APP_TABLES) handle.sqlite.prepare(`delete from ${t}`).run();
  })();
}
