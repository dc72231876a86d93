// Development data: a plausible ledger of contributions, for trying the finance pages and
// the export, and for benchmarks: payments one-off and regular in several currencies, with
// attribution (articles, sections, campaigns, variants), refunds, disputes won and lost,
// regular gifts live, cancelled and failing, and the last weeks' payouts.
// Node-only, refused in production. The inserts are the ledger's (ledger/ledger.seed.repo.ts);
// everything runs in one SQLite transaction with each statement compiled once, because a
// commit per row would make a million rows take hours.
import type { NodeDb } from '../../db/node.js';
import type { Frequency } from '../../db/schema.js';
import type { SqlTemplate, SqlValue } from '../../db/sql.js';
import type { Config } from '../config.js';
import { PAYOUTS_REBUILD_SQL } from '../ledger/ledger.payouts.repo.js';
import { REBUILD_SQL } from '../ledger/ledger.rollups.repo.js';
import { SEED_DISPUTE, SEED_ENTRY, SEED_GIFT, SEED_PAYOUT, SEED_PAYOUT_ITEM, SEED_RECURRING, SEED_SUPPORTER } from '../ledger/ledger.seed.repo.js';

export type SeedOptions = {
  contributions: number;
  /** the newest contribution's time (ms); the rest spread over the two years before it */
  now: number;
  /** makes the amounts, mix and attribution repeatable */
  seed?: number;
};

/** contributions: payments (gifts and renewals); refunds and disputes are entries of their own on top. */
export type SeedResult = {
  contributions: number;
  gifts: number;
  recurringGifts: number;
  supporters: number;
  refunds: number;
  disputes: number;
  payouts: number;
  ms: number;
};

const ARTICLES = [
  ['wrenmouth-council-north-strand-water-quality', 'Environment'],
  ['harbour-ferry-timetable-cuts', 'Transport'],
  ['quarry-lane-housing-vote', 'Politics'],
  ['school-meals-price-rise', 'Education'],
  ['lifeboat-crew-recruitment', 'Community'],
  ['hospital-waiting-lists-autumn', 'Health'],
] as const;
const CAMPAIGNS = [null, 'winter-appeal', 'newsletter', 'year-end'] as const;
const VARIANTS = ['a', 'b'] as const;
const COUNTRIES = ['GB', 'GB', 'GB', 'IE', 'US', 'FR', null] as const;
const TWO_YEARS_MS = 730 * 86_400_000;

/** Small, fast, seedable PRNG (mulberry32): the seed needs repeatable data, not security. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * Ids in the app's format (lib/ids: prefix, 10 characters of time, 16 of randomness) drawn
 * from the seeded PRNG: crypto's random source costs a system call per id, which was a
 * fifth of the seed's time.
 */
function idMaker(random: () => number) {
  return (prefix: string, ms: number): string => {
    let time = '';
    for (let i = 0, t = ms; i < 10; i++, t = Math.floor(t / 32)) time = ALPHABET[t % 32]! + time;
    let rand = '';
    for (let i = 0; i < 16; i++) rand += ALPHABET[Math.floor(random() * 32)]!;
    return `${prefix}_${time}${rand}`;
  };
}

type Attribution = { article: string; section: string; campaign: string | null; variant: string };
type Sub = {
  recId: string;
  giftId: string;
  subscriptionId: string;
  supporterIndex: number;
  frequency: Frequency;
  amountMinor: number;
  currency: string;
  attribution: Attribution;
};
/** A balance transaction of the last weeks, to be paid out. */
type Settled = {
  txn: string;
  type: string;
  category: string;
  source: string;
  paymentIntent: string;
  amount: number;
  fee: number;
  net: number;
  currency: string;
  at: number;
};

const DISPUTE_FEE_MINOR = 1500;
/** Payouts cover the last eight weeks, weekly per currency, each with every balance transaction it settles. */
const PAYOUT_WEEKS = 8;
const WEEK_MS = 7 * 86_400_000;

export function seedContributions(handle: NodeDb, config: Config, opts: SeedOptions): SeedResult {
  if (config.env === 'production') throw new Error('Refusing to seed development data into a production database (NODE_ENV=production)');
  if (!Number.isInteger(opts.contributions) || opts.contributions < 1) throw new Error('--contributions must be a positive whole number');
  const started = Date.now();
  const random = prng(opts.seed ?? 1);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const newId = idMaker(random);
  const currencies = config.currencies;
  // bound straight on the connection: the seed runs outside the app, a million times a statement
  const compile = <N extends string>(template: SqlTemplate<N>) => {
    const stmt = handle.sqlite.prepare(template.text);
    return (values: { readonly [K in N]: SqlValue }) => void stmt.run(...template.bind(values).params);
  };
  const insertSupporter = compile(SEED_SUPPORTER);
  const insertGift = compile(SEED_GIFT);
  const insertRecurring = compile(SEED_RECURRING);
  const insertEntry = compile(SEED_ENTRY);
  const insertDispute = compile(SEED_DISPUTE);
  const insertPayout = compile(SEED_PAYOUT);
  const insertPayoutItem = compile(SEED_PAYOUT_ITEM);

  const n = opts.contributions;
  const supporterCount = Math.max(1, Math.ceil(n / 4));
  const supporterIds: (string | null)[] = new Array(supporterCount).fill(null);
  // A token per run keeps emails and Stripe ids unique when a database is seeded twice.
  const batch = Math.floor(Math.random() * 36 ** 6).toString(36);
  const emailOf = (i: number) => `reader${i}.${batch}@example.test`;
  const customerOf = (i: number) => `cus_seed${batch}${i.toString(36)}`;
  const subs: Sub[] = [];
  const result: SeedResult = { contributions: n, gifts: 0, recurringGifts: 0, supporters: 0, refunds: 0, disputes: 0, payouts: 0, ms: 0 };
  const start = opts.now - TWO_YEARS_MS;
  const step = TWO_YEARS_MS / n;
  const payoutFrom = opts.now - PAYOUT_WEEKS * WEEK_MS;
  const settled: Settled[] = [];

  const supporterFor = (i: number, at: number): string => {
    let id = supporterIds[i];
    if (!id) {
      id = newId('sup', at);
      supporterIds[i] = id;
      insertSupporter({ id, email: emailOf(i), name: `Reader ${i}`, customer: customerOf(i), at });
      result.supporters += 1;
    }
    return id;
  };

  type Money = { kind: string; amount: number; fee: number; net: number; at: number; stripeId: string; key: string };
  type Payment = {
    gift: string;
    recurring: string | null;
    frequency: Frequency;
    currency: string;
    email: string;
    paymentIntent: string;
    attribution: Attribution;
  };
  const entry = (p: Payment, m: Money) => {
    const id = newId('led', m.at);
    const txn = `txn_seed${id.slice(4)}`;
    insertEntry({
      id,
      key: m.key,
      kind: m.kind,
      gift: p.gift,
      recurring: p.recurring,
      frequency: p.frequency,
      amount: m.amount,
      currency: p.currency,
      fee: m.fee,
      net: m.net,
      txn,
      paymentIntent: p.paymentIntent,
      email: p.email,
      stripeId: m.stripeId,
      at: m.at,
      ...p.attribution,
    });
    if (m.at >= payoutFrom) {
      const category = m.kind === 'gift' || m.kind === 'renewal' ? 'charge' : m.kind === 'refund' ? 'refund' : 'dispute';
      settled.push({
        txn,
        type: category === 'dispute' ? 'adjustment' : category,
        category,
        source: m.stripeId,
        paymentIntent: p.paymentIntent,
        amount: m.amount,
        fee: m.fee,
        net: m.net,
        currency: p.currency,
        at: m.at,
      });
    }
  };

  /** About one payment in fifty is refunded (a third of them in part) and one in three hundred disputed, days later. */
  const reversals = (p: Payment, amount: number, at: number) => {
    const roll = random();
    const later = Math.min(opts.now, at + Math.floor((1 + random() * 9) * 86_400_000));
    if (roll < 0.02) {
      const refunded = random() < 0.33 ? Math.max(1, Math.floor(amount / 2)) : amount;
      const re = `re_seed${newId('x', later).slice(2)}`;
      entry(p, { kind: 'refund', amount: -refunded, fee: 0, net: -refunded, at: later, stripeId: re, key: `refund:${re}` });
      result.refunds += 1;
    } else if (roll < 0.0233) {
      const dp = `dp_seed${newId('x', later).slice(2)}`;
      const won = random() < 0.25;
      entry(p, { kind: 'dispute', amount: -amount, fee: 0, net: -amount, at: later, stripeId: dp, key: `dispute:${dp}` });
      entry(p, { kind: 'dispute_fee', amount: 0, fee: DISPUTE_FEE_MINOR, net: -DISPUTE_FEE_MINOR, at: later, stripeId: dp, key: `dispute_fee:${dp}` });
      if (won) {
        const back = Math.min(opts.now, later + 20 * 86_400_000);
        entry(p, { kind: 'dispute_reversal', amount, fee: 0, net: amount, at: back, stripeId: dp, key: `dispute_reversal:${dp}` });
      }
      insertDispute({
        id: dp,
        charge: `ch_seed${p.paymentIntent.slice(7)}`,
        paymentIntent: p.paymentIntent,
        amount,
        currency: p.currency,
        status: won ? 'won' : 'lost',
        created: Math.floor(later / 1000),
        at: later,
      });
      result.disputes += 1;
    }
  };

  handle.sqlite.transaction(() => {
    for (let i = 0; i < n; i++) {
      // Oldest first, as the ledger grows; a little jitter so times are not a grid.
      const at = Math.floor(start + i * step + random() * step * 0.9);
      const currency = random() < 0.85 ? currencies[0]! : pick(currencies);
      const roll = random();
      // About a third of payments renew a regular gift once there are some to renew.
      if (subs.length > 0 && roll < 0.35) {
        const s = pick(subs);
        const entryId = newId('led', at);
        const invoice = `in_seed${entryId.slice(4)}`;
        const fee = Math.round(s.amountMinor * 0.014) + 20;
        const p: Payment = {
          gift: s.giftId,
          recurring: s.recId,
          frequency: s.frequency,
          currency: s.currency,
          email: emailOf(s.supporterIndex),
          paymentIntent: `pi_seed${entryId.slice(4)}`,
          attribution: s.attribution,
        };
        entry(p, { kind: 'renewal', amount: s.amountMinor, fee, net: s.amountMinor - fee, at, stripeId: invoice, key: `invoice:${invoice}` });
        reversals(p, s.amountMinor, at);
        continue;
      }
      const frequency: Frequency = roll < 0.8 ? 'one_off' : roll < 0.95 ? 'monthly' : 'annual';
      const presets = config.appeal.presets[currency]?.[frequency] ?? [1000];
      const amount = random() < 0.9 ? pick(presets) : presets[0]! * (2 + Math.floor(random() * 20));
      const supporterIndex = Math.floor(random() * supporterCount);
      const supporterId = supporterFor(supporterIndex, at);
      const [article, section] = pick(ARTICLES);
      const attribution: Attribution = { article, section, campaign: pick(CAMPAIGNS), variant: pick(VARIANTS) };
      const giftId = newId('gift', at);
      const tail = giftId.slice(5);
      const subscription = frequency === 'one_off' ? null : `sub_seed${tail}`;
      const paymentIntent = `pi_seed${tail}`;
      insertGift({
        id: giftId,
        frequency,
        amount,
        currency,
        email: emailOf(supporterIndex),
        supporter: supporterId,
        ...attribution,
        country: pick(COUNTRIES),
        session: `cs_test_seed${tail}`,
        paymentIntent: subscription ? null : paymentIntent,
        subscription,
        at,
      });
      result.gifts += 1;
      let recurringId: string | null = null;
      if (subscription) {
        recurringId = newId('rec', at);
        // most regular gifts are live; some were cancelled, a few have a renewal failing
        const state = random();
        const cancelled = state < 0.12;
        const failing = !cancelled && state < 0.15;
        insertRecurring({
          id: recurringId,
          subscription,
          gift: giftId,
          supporter: supporterId,
          customer: customerOf(supporterIndex),
          status: cancelled ? 'canceled' : failing ? 'past_due' : 'active',
          interval: frequency === 'monthly' ? 'month' : 'year',
          amount,
          currency,
          canceledAt: cancelled ? Math.min(opts.now, at + Math.floor(random() * 300) * 86_400_000) : null,
          issue: failing ? 'payment_failed' : null,
          decline: failing ? pick(['insufficient_funds', 'expired_card', 'card_declined']) : null,
          nextAttempt: failing ? opts.now + Math.floor(1 + random() * 6) * 86_400_000 : null,
          at,
        });
        result.recurringGifts += 1;
        if (!cancelled)
          subs.push({ recId: recurringId, giftId, subscriptionId: subscription, supporterIndex, frequency, amountMinor: amount, currency, attribution });
      }
      const stripeId = subscription ? `in_seed${tail}` : paymentIntent;
      const fee = Math.round(amount * 0.014) + 20;
      const p: Payment = { gift: giftId, recurring: recurringId, frequency, currency, email: emailOf(supporterIndex), paymentIntent, attribution };
      entry(p, { kind: 'gift', amount, fee, net: amount - fee, at, stripeId, key: subscription ? `invoice:${stripeId}` : `payment:${paymentIntent}` });
      reversals(p, amount, at);
    }

    // Weekly payouts per currency of the last weeks' balance transactions: each one balances.
    const payouts = new Map<string, { id: string; currency: string; created: number; items: Settled[] }>();
    for (const it of settled) {
      const week = Math.floor((it.at - payoutFrom) / WEEK_MS);
      const created = payoutFrom + (week + 1) * WEEK_MS;
      if (created > opts.now) continue; // this week's money is not paid out yet
      const k = `${week}:${it.currency}`;
      let po = payouts.get(k);
      if (!po) {
        po = { id: `po_seed${batch}${week}${it.currency}`, currency: it.currency, created, items: [] };
        payouts.set(k, po);
      }
      po.items.push(it);
    }
    for (const po of payouts.values()) {
      const total = po.items.reduce((sum, it) => sum + it.net, 0);
      const createdSec = Math.floor(po.created / 1000);
      insertPayout({ id: po.id, amount: total, currency: po.currency, arrival: po.created + 2 * 86_400_000, created: createdSec, at: po.created });
      for (const it of po.items)
        insertPayoutItem({
          txn: it.txn,
          payout: po.id,
          type: it.type,
          category: it.category,
          source: it.source,
          paymentIntent: it.paymentIntent,
          amount: it.amount,
          fee: it.fee,
          net: it.net,
          currency: it.currency,
          created: Math.floor(it.at / 1000),
        });
      insertPayoutItem({
        txn: `txn_seed${po.id.slice(3)}`,
        payout: po.id,
        type: 'payout',
        category: 'payout',
        source: po.id,
        paymentIntent: null,
        amount: -total,
        fee: 0,
        net: -total,
        currency: po.currency,
        created: createdSec,
      });
      result.payouts += 1;
    }
    // The rows went in directly, so the rollups (and each payout's gifts and totals) are summed from them once, as the migrations do.
    for (const sql of [...REBUILD_SQL, ...PAYOUTS_REBUILD_SQL]) handle.sqlite.prepare(sql).run();
  })();
  result.ms = Date.now() - started;
  return result;
}
