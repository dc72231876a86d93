// A small ledger with every kind of money the finance pages sum: several currencies (JPY
// among them), a refund, a lost dispute with its fee, a payment settled in another
// currency, a fee Stripe has not reported yet, recurring gifts live, cancelled and failing.
// The expected figures in tests/finance.test.ts are worked out by hand from these rows.
import type { NodeDb } from '../../db/node.js';
import type { EntryKind, Frequency } from '../../db/schema.js';
import type { Write } from '../../src/ledger/ledger.js';
import { PAYOUTS_REBUILD_SQL } from '../../src/ledger/ledger.payouts.repo.js';
import { REBUILD_SQL } from '../../src/ledger/ledger.rollups.repo.js';

const at = (iso: string) => Date.parse(iso);
const DAY = 86_400_000;

type Gift = [
  id: string,
  status: string,
  frequency: string,
  amount: number,
  currency: string,
  email: string,
  campaign: string | null,
  article: string,
  variant: string,
  pi: string | null,
  sub: string | null,
];
const GIFTS: Gift[] = [
  ['gift_g1', 'paid', 'one_off', 1000, 'gbp', 'ann@example.org', 'winter', 'harbour-water', 'a', 'pi_g1', null],
  ['gift_g2', 'paid', 'monthly', 500, 'gbp', 'bob@example.org', 'winter', 'ferry-cuts', 'b', null, 'sub_g2'],
  ['gift_g3', 'paid', 'one_off', 3000, 'jpy', 'chie@example.org', null, 'harbour-water', 'a', 'pi_g3', null],
  ['gift_g4', 'paid', 'one_off', 2500, 'eur', 'ann@example.org', 'newsletter', 'ferry-cuts', 'b', 'pi_g4', null],
  ['gift_g5', 'paid', 'one_off', 1000, 'usd', 'eve@example.org', 'winter', 'harbour-water', 'b', 'pi_g5', null],
];

type Entry = [
  id: string,
  kind: string,
  gift: string,
  frequency: string,
  amount: number,
  currency: string,
  fee: number | null,
  net: number | null,
  settlement: string | null,
  stripeId: string,
  email: string | null,
  occurred: string,
];
const ENTRIES: Entry[] = [
  ['le_01', 'gift', 'gift_g1', 'one_off', 1000, 'gbp', 35, 965, 'gbp', 'pi_g1', 'ann@example.org', '2026-11-02T09:00:00Z'],
  ['le_02', 'gift', 'gift_g2', 'monthly', 500, 'gbp', 20, 480, 'gbp', 'in_g2_oct', 'bob@example.org', '2026-10-05T08:00:00Z'],
  ['le_03', 'renewal', 'gift_g2', 'monthly', 500, 'gbp', 20, 480, 'gbp', 'in_g2_nov', 'bob@example.org', '2026-11-05T08:00:00Z'],
  ['le_04', 'refund', 'gift_g1', 'one_off', -400, 'gbp', 0, -400, 'gbp', 're_g1', 'ann@example.org', '2026-11-10T12:00:00Z'],
  ['le_05', 'gift', 'gift_g3', 'one_off', 3000, 'jpy', 108, 2892, 'jpy', 'pi_g3', 'chie@example.org', '2026-11-15T03:00:00Z'],
  ['le_06', 'dispute', 'gift_g3', 'one_off', -3000, 'jpy', 0, -3000, 'jpy', 'dp_g3', 'chie@example.org', '2026-11-16T03:00:00Z'],
  ['le_07', 'dispute_fee', 'gift_g3', 'one_off', 0, 'jpy', 1500, -1500, 'jpy', 'dp_g3', 'chie@example.org', '2026-11-16T03:00:00Z'],
  ['le_08', 'gift', 'gift_g4', 'one_off', 2500, 'eur', null, null, null, 'pi_g4', 'ann@example.org', '2026-11-20T09:00:00Z'],
  ['le_09', 'gift', 'gift_g5', 'one_off', 1000, 'usd', 40, 760, 'gbp', 'pi_g5', 'eve@example.org', '2026-11-03T15:00:00Z'],
];

type Recurring = [
  id: string,
  sub: string,
  gift: string | null,
  status: string,
  interval: string,
  amount: number,
  currency: string,
  created: string,
  canceled: string | null,
  issue: string | null,
  decline: string | null,
  nextAttempt: string | null,
];
const RECURRING: Recurring[] = [
  ['rg_1', 'sub_g2', 'gift_g2', 'active', 'month', 500, 'gbp', '2026-10-01T00:00:00Z', null, null, null, null],
  ['rg_2', 'sub_annual', null, 'active', 'year', 12000, 'gbp', '2026-11-04T00:00:00Z', null, null, null, null],
  ['rg_3', 'sub_gone', null, 'canceled', 'month', 300, 'gbp', '2026-06-01T00:00:00Z', '2026-11-12T00:00:00Z', null, null, null],
  ['rg_4', 'sub_failing', null, 'past_due', 'month', 1000, 'jpy', '2026-09-01T00:00:00Z', null, 'payment_failed', 'insufficient_funds', '2026-11-22T06:00:00Z'],
];

/**
 * `entries: false` leaves the entries out, for a test that writes them through the
 * ledger's own statements (financeEntryWrites); rows put in directly are summed into the
 * rollups at the end, as the migration and the dev seed do.
 */
export function seedFinanceLedger(handle: NodeDb, opts: { entries: boolean } = { entries: true }): void {
  const db = handle.sqlite;
  db.transaction(() => {
    const sup = db.prepare('insert into supporters (id, email, name, created_at) values (?, ?, ?, ?)');
    for (const [i, name] of ['ann', 'bob', 'chie', 'dora', 'eve'].entries())
      sup.run(`sup_${name}`, `${name}@example.org`, name[0]!.toUpperCase() + name.slice(1), at('2026-09-01T00:00:00Z') + i * DAY);
    const g = db.prepare(
      `insert into gifts (id, status, frequency, amount_minor, currency, email, supporter_id, campaign, article, section, variant, payment_intent_id, subscription_id, created_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const [id, status, freq, amount, cur, email, campaign, article, variant, pi, sub] of GIFTS) {
      g.run(
        id,
        status,
        freq,
        amount,
        cur,
        email,
        `sup_${email.split('@')[0]}`,
        campaign,
        article,
        article === 'harbour-water' ? 'environment' : 'transport',
        variant,
        pi,
        sub,
        at('2026-10-01T00:00:00Z'),
        0,
      );
    }
    // a one-off gift whose card was declined: no money, on the failed payments page
    g.run(
      'gift_g9',
      'failed',
      'one_off',
      700,
      'gbp',
      'eve@example.org',
      'sup_eve',
      null,
      'harbour-water',
      'environment',
      'a',
      'pi_g9',
      null,
      at('2026-11-18T00:00:00Z'),
      at('2026-11-18T00:00:00Z'),
    );
    const e = db.prepare(
      `insert into ledger_entries (id, key, kind, gift_id, frequency, amount_minor, currency, fee_minor, net_minor, settlement_currency, stripe_id, payment_intent_id, email, occurred_at, created_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
    );
    if (opts.entries)
      for (const [id, kind, gift, freq, amount, cur, fee, net, settlement, stripeId, email, occurred] of ENTRIES) {
        const pi = GIFTS.find((x) => x[0] === gift)?.[9] ?? null;
        e.run(id, `${kind}:${stripeId}`, kind, gift, freq, amount, cur, fee, net, settlement, stripeId, pi, email, at(occurred));
      }
    // entries carry their gift's attribution, as the ledger's writes copy it
    db.prepare(
      'update ledger_entries set article = g.article, section = g.section, campaign = g.campaign, variant = g.variant from gifts g where g.id = ledger_entries.gift_id',
    ).run();
    const r = db.prepare(
      `insert into recurring_gifts (id, stripe_subscription_id, gift_id, supporter_id, status, interval, amount_minor, currency, canceled_at, payment_issue, decline_code, next_payment_attempt_at, created_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
    );
    for (const [id, sub, gift, status, interval, amount, cur, created, canceled, issue, decline, next] of RECURRING) {
      r.run(
        id,
        sub,
        gift,
        id === 'rg_4' ? 'sup_dora' : id === 'rg_1' ? 'sup_bob' : null,
        status,
        interval,
        amount,
        cur,
        canceled ? at(canceled) : null,
        issue,
        decline,
        next ? at(next) : null,
        at(created),
      );
    }
    // a payout that settles gift_g1 and its refund: 1000 - 35 - 400 = 565
    db.prepare(
      `insert into payouts (id, amount_minor, currency, status, reconciliation_status, automatic, arrival_date, stripe_created, created_at, updated_at) values ('po_nov', 565, 'gbp', 'paid', 'completed', 1, ?, ?, 0, 0)`,
    ).run(at('2026-11-12T00:00:00Z'), at('2026-11-11T00:00:00Z') / 1000);
    const item = db.prepare(
      `insert into payout_items (balance_transaction_id, payout_id, type, reporting_category, source_id, payment_intent_id, amount_minor, fee_minor, net_minor, currency, stripe_created) values (?, 'po_nov', ?, ?, ?, ?, ?, ?, ?, 'gbp', ?)`,
    );
    item.run('txn_g1', 'charge', 'charge', 'ch_g1', 'pi_g1', 1000, 35, 965, at('2026-11-02T09:00:00Z') / 1000);
    item.run('txn_re_g1', 'refund', 'refund', 're_g1', 'pi_g1', -400, 0, -400, at('2026-11-10T12:00:00Z') / 1000);
    item.run('txn_po', 'payout', 'payout', 'po_nov', null, -565, 0, -565, at('2026-11-11T00:00:00Z') / 1000);
    // what the timeline of gift_g1 shows: the events naming its payment, and its receipt
    const ev = db.prepare(`insert into stripe_events (id, type, stripe_created, livemode, received_at, processed_at, payload) values (?, ?, ?, 0, ?, ?, ?)`);
    ev.run(
      'evt_g1_paid',
      'payment_intent.succeeded',
      at('2026-11-02T09:00:00Z') / 1000,
      at('2026-11-02T09:00:01Z'),
      at('2026-11-02T09:00:01Z'),
      JSON.stringify({ data: { object: { id: 'pi_g1' } } }),
    );
    ev.run(
      'evt_g1_refund',
      'refund.created',
      at('2026-11-10T12:00:00Z') / 1000,
      at('2026-11-10T12:00:01Z'),
      at('2026-11-10T12:00:01Z'),
      JSON.stringify({ data: { object: { id: 're_g1', payment_intent: 'pi_g1' } } }),
    );
    ev.run(
      'evt_other',
      'payment_intent.succeeded',
      at('2026-11-03T15:00:00Z') / 1000,
      at('2026-11-03T15:00:01Z'),
      at('2026-11-03T15:00:01Z'),
      JSON.stringify({ data: { object: { id: 'pi_g5' } } }),
    );
    db.prepare(
      `insert into outbox (id, key, template, to_address, props, status, attempts, next_attempt_at, created_at, sent_at) values ('eml_g1', 'receipt:payment:pi_g1', 'receipt', 'ann@example.org', '{}', 'sent', 1, 0, ?, ?)`,
    ).run(at('2026-11-02T09:00:02Z'), at('2026-11-02T09:00:05Z'));
    for (const sql of [...REBUILD_SQL, ...PAYOUTS_REBUILD_SQL]) db.prepare(sql).run();
  })();
}

/**
 * The same entries as the ledger's writes: each recorded with its fee unknown, and the
 * fee, net and settlement currency Stripe reports, as a later write of its own.
 */
export function financeEntryWrites(): { entries: Write[]; settlements: Write[] } {
  const entries: Write[] = [];
  const settlements: Write[] = [];
  for (const [id, kind, gift, freq, amount, cur, fee, net, settlement, stripeId, email, occurred] of ENTRIES) {
    const key = `${kind}:${stripeId}`;
    const pi = GIFTS.find((x) => x[0] === gift)?.[9] ?? null;
    entries.push({
      type: 'entry',
      entry: {
        key,
        kind: kind as EntryKind,
        giftId: gift,
        subscriptionId: null,
        frequency: freq as Frequency,
        amountMinor: amount,
        currency: cur,
        email,
        stripeId,
        occurredAt: at(occurred),
        paymentIntentId: pi,
      },
    });
    if (fee != null && net != null && settlement)
      settlements.push({
        type: 'entry.settle',
        match: { key },
        settlement: { balanceTransactionId: `txn_${id}`, feeMinor: fee, netMinor: net, currency: settlement, exchangeRate: null },
      });
  }
  return { entries, settlements };
}
