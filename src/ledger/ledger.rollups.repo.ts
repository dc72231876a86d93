// The ledger's rollups (docs/decisions/0010-ledger-rollups.md): per-day sums of the
// entries, the attribution of payments, and who gave in each month and year, kept in the
// same atomic write as the entries they sum, so they can never disagree with them.
//
// How a write keeps them exact without reading first (D1 allows no reads between writes):
// the statements that touch entries are bracketed. Before them, the entries in the
// write's scope (the entry keys and payment intents it names, and the payment intents
// those keys and invoices lead to) are taken out of the sums as they stand; after them,
// the same scope is added back as it now stands. An entry the write changed (a fee
// learned, a refund linked to its gift) moves from its old sums to its new ones; a new
// entry is only added. The scope only grows during a write (keys are fixed, payment
// intents are filled and never replaced, and every payment intent a write can teach is in
// it before the write), so nothing is added that was not taken out first.
//
// The attribution and who-gave rollups sum payments only, by columns (day, currency, kind,
// frequency, amount, attribution, email) that only the upsert of the payment's own key
// writes: a settlement changes fees, a link changes the reversals of a payment, never the
// payment. So their bracket is scoped by the keys of the write's payment entries alone, one
// index search, and a write that records no payment (a fee, a refund, an invoice's payment
// intent) leaves them out.
//
// Distinct supporters cannot be summed from days: each month and year keeps the set of
// (currency, email) that gave in it, and a counter raised when one is first seen. That is
// add-only: payments are never deleted and their email is only ever filled in.
//
// Distinct supporters of any other run of days come from each supporter's giving days and
// the day they gave before (ledger_supporter_days, decision 0012), counted per day and per
// month. A write recounts the supporters it names: their days are taken out of the counts,
// its new days inserted, every prev_day of theirs set again, and their days added back.
import type { Statement } from '../../db/db.js';
import { ATTRIBUTION_DIMENSIONS } from '../../db/schema.js';
import { sqlList, type SqlValue } from '../../db/sql.js';
import { PAYMENT_KINDS, type Write } from './ledger.js';

export const DAY_MS = 86_400_000;
const PAYMENTS = sqlList(PAYMENT_KINDS).fragment;
const PAYMENT_KIND_SET: ReadonlySet<string> = new Set(PAYMENT_KINDS);
// a VALUES list, not a UNION of one-row SELECTs: SQLite runs it as one constant table (about 1 µs less per bracket statement)
const DIMENSION_ROWS = `select column1 as dim from (values ${ATTRIBUTION_DIMENSIONS.map((d) => `('${d}')`).join(', ')})`;
const DIMENSION_VALUE = `(case d.dim ${ATTRIBUTION_DIMENSIONS.map((d) => `when '${d}' then e.${d}`).join(' ')} end)`;
/** The calendar periods whose distinct supporters are counted: month, year. */
const PERIOD_FORMATS = `select column1 as f from (values ('%Y-%m'), ('%Y'))`;

/**
 * The entries a write touches (see the note at the top): its keys, its payment intents,
 * the payment intents of its keys' entries and of its invoices. Written with one
 * placeholder per value, so SQLite reads the key and payment-intent indexes directly (a
 * JSON array read through json_each cost about twice as much per statement).
 */
type ScopeValues = { keys: string[]; pis: string[]; invoices: string[]; paymentKeys: string[] };
const list = (n: number) => Array.from({ length: n }, () => '?').join(', ');
/** D1 binds at most 100 values per statement: a larger scope (a payout's many charges) goes as JSON arrays. */
const MAX_LISTED = 90;
const JSON_SCOPE = `(e."key" in (select value from json_each(?))
  or e.payment_intent_id in (select value from json_each(?)
    union select k.payment_intent_id from ledger_entries k where k."key" in (select value from json_each(?))
    union select ip.payment_intent_id from invoice_payments ip where ip.invoice_id in (select value from json_each(?))))`;

function scopeSql(v: ScopeValues): { where: string; params: string[] } {
  if (2 * v.keys.length + v.pis.length + v.invoices.length > MAX_LISTED)
    return { where: JSON_SCOPE, params: [JSON.stringify(v.keys), JSON.stringify(v.pis), JSON.stringify(v.keys), JSON.stringify(v.invoices)] };
  const parts: string[] = [];
  const params: string[] = [];
  if (v.keys.length) {
    parts.push(`e."key" in (${list(v.keys.length)})`);
    params.push(...v.keys);
  }
  if (v.pis.length) {
    parts.push(`e.payment_intent_id in (${list(v.pis.length)})`);
    params.push(...v.pis);
  }
  if (v.keys.length) {
    parts.push(`e.payment_intent_id in (select k.payment_intent_id from ledger_entries k where k."key" in (${list(v.keys.length)}))`);
    params.push(...v.keys);
  }
  if (v.invoices.length) {
    parts.push(`e.payment_intent_id in (select ip.payment_intent_id from invoice_payments ip where ip.invoice_id in (${list(v.invoices.length)}))`);
    params.push(...v.invoices);
  }
  return { where: parts.length ? `(${parts.join(' or ')})` : 'false', params };
}

/** The payment entries a write upserts, by key (see the note at the top). */
function paymentScopeSql(keys: string[]): { where: string; params: string[] } {
  if (keys.length > MAX_LISTED) return { where: `e."key" in (select value from json_each(?))`, params: [JSON.stringify(keys)] };
  return { where: `e."key" in (${list(keys.length)})`, params: keys };
}

/**
 * 'grouped' sums in SQL (the rebuild and the check, over every entry); 'each' yields one row
 * per entry for the upsert to add up: a write touches a handful of entries, and a GROUP BY's
 * sorter cost more than it saved there.
 */
type Rows = 'grouped' | 'each';

const totalsSelect = (sign: string, where: string, rows: Rows = 'grouped') => `
  select e.occurred_at / ${DAY_MS}, e.currency, coalesce(e.settlement_currency, e.currency), e.kind, e.frequency,
    ${
      rows === 'grouped'
        ? `${sign}count(*), ${sign}sum(e.amount_minor), ${sign}coalesce(sum(e.fee_minor), 0), ${sign}coalesce(sum(e.net_minor), 0),
    ${sign}count(case when e.fee_minor is null then 1 end)`
        : `${sign}1, ${sign}e.amount_minor, ${sign}coalesce(e.fee_minor, 0), ${sign}coalesce(e.net_minor, 0), ${sign}(e.fee_minor is null)`
    }
  from ledger_entries e where ${where}
  ${rows === 'grouped' ? 'group by 1, 2, 3, 4, 5' : ''}`;

/** The period of an entry in each attribution table: its UTC day, or its month as 202611. */
const DAY_OF = `e.occurred_at / ${DAY_MS}`;
const MONTH_OF = `cast(strftime('%Y%m', e.occurred_at / 1000, 'unixepoch') as integer)`;

const attributionSelect = (sign: string, where: string, period = DAY_OF, rows: Rows = 'grouped') => `
  select d.dim, ${period}, ${DIMENSION_VALUE} is not null, coalesce(${DIMENSION_VALUE}, ''), e.currency, e.kind, e.frequency,
    ${rows === 'grouped' ? `${sign}count(*), ${sign}sum(e.amount_minor)` : `${sign}1, ${sign}e.amount_minor`}
  from ledger_entries e cross join (${DIMENSION_ROWS}) d
  where e.kind in (${PAYMENTS}) and ${where}
  ${rows === 'grouped' ? 'group by 1, 2, 3, 4, 5, 6, 7' : ''}`;

const supporterSelect = (where: string, distinct = 'distinct') => `
  select ${distinct} strftime(p.f, e.occurred_at / 1000, 'unixepoch') as period, e.currency as currency, lower(e.email) as email
  from ledger_entries e cross join (${PERIOD_FORMATS}) p
  where e.kind in (${PAYMENTS}) and e.email is not null and ${where}`;

const addTotals = (sign: string, where: string, rows: Rows = 'grouped') => `
  insert into ledger_day_totals (day, currency, settlement_currency, kind, frequency, entries, amount_minor, fee_minor, net_minor, fees_pending)
  ${totalsSelect(sign, where, rows)}
  on conflict (day, currency, settlement_currency, kind, frequency) do update set
    entries = ledger_day_totals.entries + excluded.entries,
    amount_minor = ledger_day_totals.amount_minor + excluded.amount_minor,
    fee_minor = ledger_day_totals.fee_minor + excluded.fee_minor,
    net_minor = ledger_day_totals.net_minor + excluded.net_minor,
    fees_pending = ledger_day_totals.fees_pending + excluded.fees_pending`;

const addAttributionTo = (table: string, period: 'day' | 'month', sign: string, where: string, rows: Rows) => `
  insert into ${table} (dimension, ${period}, has_value, value, currency, kind, frequency, payments, amount_minor)
  ${attributionSelect(sign, where, period === 'day' ? DAY_OF : MONTH_OF, rows)}
  on conflict (dimension, ${period}, has_value, value, currency, kind, frequency) do update set
    payments = ${table}.payments + excluded.payments,
    amount_minor = ${table}.amount_minor + excluded.amount_minor`;
const addAttribution = (sign: string, where: string, rows: Rows = 'grouped') => addAttributionTo('ledger_day_attribution', 'day', sign, where, rows);
const addMonthAttribution = (sign: string, where: string, rows: Rows = 'grouped') => addAttributionTo('ledger_month_attribution', 'month', sign, where, rows);

/** Counts the (period, currency, email) not yet seen, then records them: in this order, in one write. */
const addSupporters = (where: string) => [
  `insert into ledger_supporter_counts (period, currency, supporters)
   select x.period, x.currency, 1 from (${supporterSelect(where)}) x
   where not exists (select 1 from ledger_supporter_periods s where s.period = x.period and s.currency = x.currency and s.email = x.email)
   on conflict (period, currency) do update set supporters = ledger_supporter_counts.supporters + excluded.supporters`,
  `insert into ledger_supporter_periods (period, currency, email)
   ${supporterSelect(where, '')}
   on conflict do nothing`,
];

// Giving days (decision 0012). prev_day is -1 for a supporter's first day in a currency,
// so "gave before a" is prev_day < a with no null to test. Days and months are counted
// apart: a range reads its whole months' counts and its end days' counts.

const MONTH_OF_DAY = (day: string) => `cast(strftime('%Y%m', ${day} * 86400, 'unixepoch') as integer)`;
const givingDaysSelect = (where: string) => `
  select distinct e.currency as currency, lower(e.email) as email, e.occurred_at / ${DAY_MS} as day
  from ledger_entries e where e.kind in (${PAYMENTS}) and e.email is not null and ${where}`;
/** Every giving day with the day before it, from the entries: the rebuild and the check. */
const GIVING_DAYS_WITH_PREV = `
  select currency, email, day, coalesce(lag(day) over (partition by currency, email order by day), -1) as prev_day
  from (${givingDaysSelect('true')})`;

const countGivingDays = (sign: string, rows: string) => [
  `insert into ledger_supporter_day_counts (day, prev_day, currency, supporters)
   select s.day, s.prev_day, s.currency, ${sign}count(*) from ${rows} group by 1, 2, 3
   on conflict (day, prev_day, currency) do update set supporters = ledger_supporter_day_counts.supporters + excluded.supporters`,
  `insert into ledger_supporter_month_counts (month, prev_day, currency, supporters)
   select ${MONTH_OF_DAY('s.day')}, s.prev_day, s.currency, ${sign}count(*) from ${rows} group by 1, 2, 3
   on conflict (month, prev_day, currency) do update set supporters = ledger_supporter_month_counts.supporters + excluded.supporters`,
];
const giversDays = (givers: string) => `(${givers}) k join ledger_supporter_days s on s.currency = k.currency and s.email = k.email`;

/**
 * The supporters a write's payments name, each with the earliest day among those payments:
 * only their giving days from that day on can gain a row or a new prev_day.
 */
const giversFrom = (where: string) => `
  select e.currency as currency, lower(e.email) as email, min(e.occurred_at / ${DAY_MS}) as from_day
  from ledger_entries e where e.kind in (${PAYMENTS}) and e.email is not null and ${where} group by 1, 2`;
const giversTail = (where: string) =>
  `(${giversFrom(where)}) k join ledger_supporter_days s on s.currency = k.currency and s.email = k.email and s.day >= k.from_day`;

/**
 * Recounts the giving days a write can change, whatever order their payments came in: a
 * late payment between two known days changes the next day's prev_day, and one write may
 * bring several days of one supporter. A day before the write's earliest day for that
 * supporter keeps its prev_day (every day before it is unchanged), so only the days from
 * there on are taken out of the counts, inserted or given their prev_day again, and added
 * back: for a renewal, the newest payment, that is its own day alone (recounting every day
 * of a monthly supporter cost ~200 µs per renewal at 1M entries).
 */
const addGivingDays = (where: string) => [
  ...countGivingDays('-', giversTail(where)),
  `insert into ledger_supporter_days (currency, email, day, prev_day)
   select currency, email, day, -1 from (${givingDaysSelect(where)}) where true
   on conflict do nothing`,
  `update ledger_supporter_days set prev_day = coalesce((select max(p.day) from ledger_supporter_days p
     where p.currency = ledger_supporter_days.currency and p.email = ledger_supporter_days.email and p.day < ledger_supporter_days.day), -1)
   where (currency, email, day) in (select s.currency, s.email, s.day from ${giversTail(where)})`,
  ...countGivingDays('', giversTail(where)),
];

const compact = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The bracket's statements per shape of scope (how many keys, payment intents, invoices), built once each. */
type BracketText = { sql: string; payments: boolean };
const bracketTexts = new Map<string, { before: BracketText[]; after: BracketText[] }>();
function bracketFor(v: ScopeValues): { before: Statement[]; after: Statement[] } {
  const { where, params } = scopeSql(v);
  const payments = paymentScopeSql(v.paymentKeys);
  const shape = `${where === JSON_SCOPE ? 'json' : `${v.keys.length}:${v.pis.length}:${v.invoices.length}`}/${v.paymentKeys.length > MAX_LISTED ? 'json' : v.paymentKeys.length}`;
  let texts = bracketTexts.get(shape);
  if (!texts) {
    const all = (sql: string): BracketText => ({ sql: compact(sql), payments: false });
    const paid = (sql: string): BracketText => ({ sql: compact(sql), payments: true });
    const some = v.paymentKeys.length > 0;
    const p = payments.where;
    texts = {
      before: [all(addTotals('-', where, 'each')), ...(some ? [paid(addAttribution('-', p, 'each')), paid(addMonthAttribution('-', p, 'each'))] : [])],
      after: [
        all(addTotals('', where, 'each')),
        ...(some
          ? [paid(addAttribution('', p, 'each')), paid(addMonthAttribution('', p, 'each')), ...addSupporters(p).map(paid), ...addGivingDays(p).map(paid)]
          : []),
      ],
    };
    bracketTexts.set(shape, texts);
  }
  const bind = (t: BracketText): Statement => ({ sql: t.sql, params: t.payments ? payments.params : params });
  return { before: texts.before.map(bind), after: texts.after.map(bind) };
}

/** The writes that insert or change ledger entries. */
const TOUCHES_ENTRIES = new Set<Write['type']>(['entry', 'entry.settle', 'entry.paymentIntent', 'payment.link', 'charge.facts']);

/** What a write names: the entry keys, payment intents and invoices whose entries it may touch. */
export function rollupScope(writes: readonly Write[]): ScopeValues | null {
  if (!writes.some((w) => TOUCHES_ENTRIES.has(w.type))) return null;
  const keys = new Set<string>();
  const pis = new Set<string>();
  const invoices = new Set<string>();
  const paymentKeys = new Set<string>();
  const add = (set: Set<string>, v: string | null | undefined) => {
    if (v) set.add(v);
  };
  for (const w of writes) {
    switch (w.type) {
      case 'entry':
        add(keys, w.entry.key);
        if (PAYMENT_KIND_SET.has(w.entry.kind)) add(paymentKeys, w.entry.key);
        add(pis, w.entry.paymentIntentId);
        add(invoices, w.entry.invoiceId);
        break;
      case 'entry.settle':
        if ('key' in w.match) add(keys, w.match.key);
        else add(pis, w.match.paymentIntentId);
        break;
      case 'entry.paymentIntent':
        add(keys, w.key);
        add(pis, w.paymentIntentId);
        break;
      case 'payment.link':
        add(pis, w.paymentIntentId);
        add(keys, w.entryKey);
        break;
      // a payment intent these teach may be how an entry of this write finds its payment
      case 'invoice.payment':
        add(pis, w.payment.paymentIntentId);
        add(invoices, w.payment.invoiceId);
        break;
      case 'charge.facts':
        add(pis, w.charge.paymentIntentId);
        break;
      case 'gift.advance':
        add(pis, w.paymentIntentId);
        break;
      default:
        break;
    }
  }
  return { keys: [...keys], pis: [...pis], invoices: [...invoices], paymentKeys: [...paymentKeys] };
}

/** The statements around a write's own: take its scope out of the rollups before, add it back after. */
export function rollupBracket(writes: readonly Write[]): { before: Statement[]; after: Statement[] } {
  const scope = rollupScope(writes);
  if (!scope) return { before: [], after: [] };
  return bracketFor(scope);
}

// Recurring gifts: the same bracket, scoped by the subscriptions a write names.

const recurringSelect = (sign: string, where: string) => `
  select coalesce(r.currency, ''), coalesce(r."interval", ''), r.status, ${sign}count(*), ${sign}coalesce(sum(r.amount_minor), 0)
  from recurring_gifts r where ${where} group by 1, 2, 3`;
const addRecurring = (sign: string, where: string) => `
  insert into recurring_gift_totals (currency, "interval", status, gifts, amount_minor)
  ${recurringSelect(sign, where)}
  on conflict (currency, "interval", status) do update set
    gifts = recurring_gift_totals.gifts + excluded.gifts, amount_minor = recurring_gift_totals.amount_minor + excluded.amount_minor`;
const recurringDaysSelect = (sign: string, where: string) => `
  select day, currency, event, ${sign}count(*) from (
    select r.created_at / ${DAY_MS} as day, r.currency as currency, 'started' as event from recurring_gifts r where r.currency is not null and ${where}
    union all
    select r.canceled_at / ${DAY_MS}, r.currency, 'cancelled' from recurring_gifts r where r.currency is not null and r.canceled_at is not null and ${where})
  where true group by 1, 2, 3`;
const addRecurringDays = (sign: string, where: string) => `
  insert into recurring_gift_days (day, currency, event, gifts)
  ${recurringDaysSelect(sign, where)}
  on conflict (day, currency, event) do update set gifts = recurring_gift_days.gifts + excluded.gifts`;
/** The recurring bracket's statements per number of subscriptions, built once each. */
const recurringTexts = new Map<number, { before: string[]; after: string[] }>();

/** The statements around a write's recurring-gift changes, or none when it makes none. */
export function recurringBracket(writes: readonly Write[]): { before: Statement[]; after: Statement[] } {
  const subs = new Set<string>();
  for (const w of writes)
    if (w.type === 'recurring.ensure' || w.type === 'recurring.state' || w.type === 'recurring.status' || w.type === 'recurring.health')
      subs.add(w.recurring.subscriptionId);
  if (!subs.size) return { before: [], after: [] };
  // a write names a handful of subscriptions; D1's limit of 100 values per statement is far off
  let texts = recurringTexts.get(subs.size);
  if (!texts) {
    const where = `r.stripe_subscription_id in (${list(subs.size)})`;
    texts = {
      before: [addRecurring('-', where), addRecurringDays('-', where)].map(compact),
      after: [addRecurring('', where), addRecurringDays('', where)].map(compact),
    };
    recurringTexts.set(subs.size, texts);
  }
  const ids = [...subs];
  // the started/cancelled statement names the subscriptions twice (one select each)
  const bind = (sql: string, i: number): Statement => ({ sql, params: i === 1 ? [...ids, ...ids] : ids });
  return { before: texts.before.map(bind), after: texts.after.map(bind) };
}

// Erasure (supporters.repo.ts eraseStatements) removes the email from a supporter's
// entries. Who-gave sets hold emails too: they go with it, and the counts drop by them, as
// the entries' own distinct count does. Run before the entries lose their email.

const ERASED_EMAILS = `(select lower(e.email) from ledger_entries e
  where (e.gift_id in (select g.id from gifts g where g.supporter_id = ?)
    or e.recurring_gift_id in (select r.id from recurring_gifts r where r.supporter_id = ?) or e.email = ?) and e.email is not null)`;
const ERASE_FROM_COUNTS = compact(`update ledger_supporter_counts set supporters = supporters - (
  select count(*) from ledger_supporter_periods p
  where p.period = ledger_supporter_counts.period and p.currency = ledger_supporter_counts.currency and p.email in ${ERASED_EMAILS})`);
const ERASE_FROM_PERIODS = compact(`delete from ledger_supporter_periods where email in ${ERASED_EMAILS}`);

// A supporter's giving days go whole (every day of theirs in each currency), so nobody
// else's prev_day changes: the counts drop by exactly their rows.
const ERASED_GIVERS = `select distinct e.currency as currency, lower(e.email) as email from ledger_entries e
  where (e.gift_id in (select g.id from gifts g where g.supporter_id = ?)
    or e.recurring_gift_id in (select r.id from recurring_gifts r where r.supporter_id = ?) or e.email = ?) and e.email is not null`;
const ERASE_GIVING_DAYS = [
  ...countGivingDays('-', giversDays(ERASED_GIVERS)),
  `delete from ledger_supporter_days where (currency, email) in (${ERASED_GIVERS})`,
].map(compact);

export function eraseSupporterRollupStatements(supporterId: string, email: string): Statement[] {
  const params = [supporterId, supporterId, email];
  return [{ sql: ERASE_FROM_COUNTS, params }, { sql: ERASE_FROM_PERIODS, params }, ...ERASE_GIVING_DAYS.map((sql) => ({ sql, params }))];
}

// Rebuilding from every entry: the migration's backfill, the seed's last step and
// `ledger rollups check --rebuild`.

const ROLLUP_TABLES = [
  'ledger_day_totals',
  'ledger_day_attribution',
  'ledger_month_attribution',
  'ledger_supporter_counts',
  'ledger_supporter_periods',
  'recurring_gift_totals',
  'recurring_gift_days',
  'ledger_supporter_days',
  'ledger_supporter_day_counts',
  'ledger_supporter_month_counts',
] as const;

/** Every rollup emptied and summed again from the entries, as SQL text (the migration holds the same). */
export const REBUILD_SQL: readonly string[] = [
  ...ROLLUP_TABLES.map((t) => `delete from ${t}`),
  compact(addTotals('', 'true')),
  compact(addAttribution('', 'true')),
  compact(addMonthAttribution('', 'true')),
  compact(`insert into ledger_supporter_periods (period, currency, email) ${supporterSelect('true')}`),
  `insert into ledger_supporter_counts (period, currency, supporters) select period, currency, count(*) from ledger_supporter_periods group by period, currency`,
  compact(addRecurring('', 'true')),
  compact(addRecurringDays('', 'true')),
  compact(`insert into ledger_supporter_days (currency, email, day, prev_day) ${GIVING_DAYS_WITH_PREV}`),
  `insert into ledger_supporter_day_counts (day, prev_day, currency, supporters) select day, prev_day, currency, count(*) from ledger_supporter_days group by 1, 2, 3`,
  `insert into ledger_supporter_month_counts (month, prev_day, currency, supporters) select ${MONTH_OF_DAY('day')}, prev_day, currency, count(*) from ledger_supporter_days group by 1, 2, 3`,
];

export function rebuildStatements(): Statement[] {
  return REBUILD_SQL.map((sql) => ({ sql, params: [] as SqlValue[] }));
}

// The check: what the entries say now against what the rollups hold.

export type RollupDifference = { table: string; key: string; expected: string; actual: string };

const EXPECTED: Record<string, { expected: string; actual: string; keys: number }> = {
  ledger_day_totals: {
    expected: totalsSelect('', 'true'),
    actual: `select day, currency, settlement_currency, kind, frequency, entries, amount_minor, fee_minor, net_minor, fees_pending from ledger_day_totals`,
    keys: 5,
  },
  ledger_day_attribution: {
    expected: attributionSelect('', 'true'),
    actual: `select dimension, day, has_value, value, currency, kind, frequency, payments, amount_minor from ledger_day_attribution`,
    keys: 7,
  },
  ledger_month_attribution: {
    expected: attributionSelect('', 'true', MONTH_OF),
    actual: `select dimension, month, has_value, value, currency, kind, frequency, payments, amount_minor from ledger_month_attribution`,
    keys: 7,
  },
  recurring_gift_days: {
    expected: recurringDaysSelect('', 'true'),
    actual: `select day, currency, event, gifts from recurring_gift_days`,
    keys: 3,
  },
  recurring_gift_totals: {
    expected: recurringSelect('', 'true'),
    actual: `select currency, "interval", status, gifts, amount_minor from recurring_gift_totals`,
    keys: 3,
  },
  // the days themselves, counted as the day counts are (a row per supporter and day would be a million to compare)
  ledger_supporter_days: {
    expected: `select day, prev_day, currency, count(*) from (${GIVING_DAYS_WITH_PREV}) group by 1, 2, 3`,
    actual: `select day, prev_day, currency, count(*) from ledger_supporter_days group by 1, 2, 3`,
    keys: 3,
  },
  ledger_supporter_day_counts: {
    expected: `select day, prev_day, currency, count(*) from (${GIVING_DAYS_WITH_PREV}) group by 1, 2, 3`,
    actual: `select day, prev_day, currency, supporters from ledger_supporter_day_counts`,
    keys: 3,
  },
  ledger_supporter_month_counts: {
    expected: `select ${MONTH_OF_DAY('day')}, prev_day, currency, count(*) from (${GIVING_DAYS_WITH_PREV}) group by 1, 2, 3`,
    actual: `select month, prev_day, currency, supporters from ledger_supporter_month_counts`,
    keys: 3,
  },
  ledger_supporter_counts: {
    expected: `select period, currency, count(*) from (${supporterSelect('true')}) group by period, currency`,
    actual: `select period, currency, supporters from ledger_supporter_counts`,
    keys: 2,
  },
};

export const CHECK_QUERIES: { table: string; expected: string; actual: string; keys: number }[] = Object.entries(EXPECTED).map(([table, q]) => ({
  table,
  expected: compact(q.expected),
  actual: compact(q.actual),
  keys: q.keys,
}));

/**
 * Rows keyed by their leading `keys` columns; a rollup row whose sums are all zero is the
 * same as no row (an entry that moved out of it leaves it so).
 */
export function compareRollups(table: string, keys: number, expected: readonly unknown[][], actual: readonly unknown[][]): RollupDifference[] {
  const index = (rows: readonly unknown[][]) => {
    const m = new Map<string, string>();
    for (const r of rows) {
      const sums = r.slice(keys);
      if (sums.every((v) => Number(v) === 0)) continue;
      m.set(JSON.stringify(r.slice(0, keys)), JSON.stringify(sums));
    }
    return m;
  };
  const want = index(expected);
  const got = index(actual);
  const out: RollupDifference[] = [];
  for (const [k, v] of want) if (got.get(k) !== v) out.push({ table, key: k, expected: v, actual: got.get(k) ?? 'none' });
  for (const [k, v] of got) if (!want.has(k)) out.push({ table, key: k, expected: 'none', actual: v });
  return out;
}
