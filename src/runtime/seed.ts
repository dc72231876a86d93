// Development data: a plausible ledger of contributions, for trying the export (and the
// finance pages once they land) and for benchmarks (1M contributions in under a minute).
// Node-only, refused in production. Rows go in through the drizzle schema, so new columns
// with defaults need no change here; everything runs in one SQLite transaction with
// prepared statements, because a commit per row would make a million rows take hours.
import { is, Param, Placeholder, sql } from 'drizzle-orm';
import type { NodeDb } from '../../db/node.js';
import { gifts, ledgerEntries, recurringGifts, supporters, type Frequency } from '../../db/schema.js';
import type { Config } from '../config.js';

export type SeedOptions = {
  contributions: number;
  /** the newest contribution's time (ms); the rest spread over the two years before it */
  now: number;
  /** makes the amounts, mix and attribution repeatable */
  seed?: number;
};

export type SeedResult = { contributions: number; gifts: number; recurringGifts: number; supporters: number; ms: number };

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

type CompiledInsert = { stmt: { run(...params: unknown[]): unknown }; bind(values: Record<string, unknown>): unknown[] };

/**
 * drizzle's SQL for an insert, run straight on better-sqlite3 with each placeholder's
 * column encoding resolved once: drizzle's per-run placeholder filling was a tenth of
 * the seed's time.
 */
function compileInsert(handle: NodeDb, query: { sql: string; params: unknown[] }): CompiledInsert {
  const getters = query.params.map((p): ((v: Record<string, unknown>) => unknown) => {
    if (is(p, Placeholder)) return (v) => v[p.name];
    if (is(p, Param) && is(p.value, Placeholder)) {
      const { name } = p.value;
      const encoder = p.encoder as { mapToDriverValue(value: unknown): unknown } | undefined;
      return encoder ? (v) => encoder.mapToDriverValue(v[name]) : (v) => v[name];
    }
    return () => p;
  });
  return { stmt: handle.sqlite.prepare(query.sql), bind: (v) => getters.map((g) => g(v)) };
}

type Sub = { recId: string; giftId: string; subscriptionId: string; supporterIndex: number; frequency: Frequency; amountMinor: number; currency: string };

export function seedContributions(handle: NodeDb, config: Config, opts: SeedOptions): SeedResult {
  if (config.env === 'production') throw new Error('Refusing to seed development data into a production database (NODE_ENV=production)');
  if (!Number.isInteger(opts.contributions) || opts.contributions < 1) throw new Error('--contributions must be a positive whole number');
  const started = Date.now();
  const random = prng(opts.seed ?? 1);
  const pick = <T,>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const newId = idMaker(random);
  const currencies = config.currencies;
  const { db } = handle;
  const p = sql.placeholder;

  // Placeholders make each insert one compiled statement, run once per row.
  const compile = (q: { toSQL(): { sql: string; params: unknown[] } }) => compileInsert(handle, q.toSQL());
  const insertSupporter = compile(
    db.insert(supporters).values({ id: p('id'), email: p('email'), name: p('name'), stripeCustomerId: p('customer'), createdAt: p('at') }),
  );
  const insertGift = compile(
    db.insert(gifts).values({
      id: p('id'),
      status: 'paid',
      frequency: p('frequency'),
      amountMinor: p('amount'),
      currency: p('currency'),
      email: p('email'),
      supporterId: p('supporter'),
      article: p('article'),
      section: p('section'),
      campaign: p('campaign'),
      variant: p('variant'),
      country: p('country'),
      checkoutSessionId: p('session'),
      paymentIntentId: p('paymentIntent'),
      subscriptionId: p('subscription'),
      createdAt: p('at'),
      updatedAt: p('at'),
    }),
  );
  const insertRecurring = compile(
    db.insert(recurringGifts).values({
      id: p('id'),
      stripeSubscriptionId: p('subscription'),
      giftId: p('gift'),
      supporterId: p('supporter'),
      stripeCustomerId: p('customer'),
      status: 'active',
      interval: p('interval'),
      amountMinor: p('amount'),
      currency: p('currency'),
      createdAt: p('at'),
      updatedAt: p('at'),
    }),
  );
  const insertEntry = compile(
    db.insert(ledgerEntries).values({
      id: p('id'),
      key: p('key'),
      kind: p('kind'),
      giftId: p('gift'),
      recurringGiftId: p('recurring'),
      frequency: p('frequency'),
      amountMinor: p('amount'),
      currency: p('currency'),
      feeMinor: p('fee'),
      netMinor: p('net'),
      email: p('email'),
      stripeId: p('stripeId'),
      occurredAt: p('at'),
      createdAt: p('at'),
    }),
  );
  const run = (q: CompiledInsert, values: Record<string, unknown>) => void q.stmt.run(...q.bind(values));

  const n = opts.contributions;
  const supporterCount = Math.max(1, Math.ceil(n / 4));
  const supporterIds: (string | null)[] = new Array(supporterCount).fill(null);
  // A token per run keeps emails and Stripe ids unique when a database is seeded twice.
  const batch = Math.floor(Math.random() * 36 ** 6).toString(36);
  const emailOf = (i: number) => `reader${i}.${batch}@example.test`;
  const customerOf = (i: number) => `cus_seed${batch}${i.toString(36)}`;
  const subs: Sub[] = [];
  const result: SeedResult = { contributions: n, gifts: 0, recurringGifts: 0, supporters: 0, ms: 0 };
  const start = opts.now - TWO_YEARS_MS;
  const step = TWO_YEARS_MS / n;

  const supporterFor = (i: number, at: number): string => {
    let id = supporterIds[i];
    if (!id) {
      id = newId('sup', at);
      supporterIds[i] = id;
      run(insertSupporter, { id, email: emailOf(i), name: `Reader ${i}`, customer: customerOf(i), at });
      result.supporters += 1;
    }
    return id;
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
        run(insertEntry, {
          id: entryId,
          key: `invoice:${invoice}`,
          kind: 'renewal',
          gift: s.giftId,
          recurring: s.recId,
          frequency: s.frequency,
          amount: s.amountMinor,
          currency: s.currency,
          fee,
          net: s.amountMinor - fee,
          email: emailOf(s.supporterIndex),
          stripeId: invoice,
          at,
        });
        continue;
      }
      const frequency: Frequency = roll < 0.8 ? 'one_off' : roll < 0.95 ? 'monthly' : 'annual';
      const presets = config.appeal.presets[currency]?.[frequency] ?? [1000];
      const amount = random() < 0.9 ? pick(presets) : presets[0]! * (2 + Math.floor(random() * 20));
      const supporterIndex = Math.floor(random() * supporterCount);
      const supporterId = supporterFor(supporterIndex, at);
      const [article, section] = pick(ARTICLES);
      const giftId = newId('gift', at);
      const tail = giftId.slice(5);
      const subscription = frequency === 'one_off' ? null : `sub_seed${tail}`;
      const paymentIntent = frequency === 'one_off' ? `pi_seed${tail}` : null;
      run(insertGift, {
        id: giftId,
        frequency,
        amount,
        currency,
        email: emailOf(supporterIndex),
        supporter: supporterId,
        article,
        section,
        campaign: pick(CAMPAIGNS),
        variant: pick(VARIANTS),
        country: pick(COUNTRIES),
        session: `cs_test_seed${tail}`,
        paymentIntent,
        subscription,
        at,
      });
      result.gifts += 1;
      let recurringId: string | null = null;
      if (subscription) {
        recurringId = newId('rec', at);
        run(insertRecurring, {
          id: recurringId,
          subscription,
          gift: giftId,
          supporter: supporterId,
          customer: customerOf(supporterIndex),
          interval: frequency === 'monthly' ? 'month' : 'year',
          amount,
          currency,
          at,
        });
        result.recurringGifts += 1;
        subs.push({ recId: recurringId, giftId, subscriptionId: subscription, supporterIndex, frequency, amountMinor: amount, currency });
      }
      const stripeId = paymentIntent ?? `in_seed${tail}`;
      const fee = Math.round(amount * 0.014) + 20;
      run(insertEntry, {
        id: newId('led', at),
        key: paymentIntent ? `payment:${paymentIntent}` : `invoice:${stripeId}`,
        kind: 'gift',
        gift: giftId,
        recurring: recurringId,
        frequency,
        amount,
        currency,
        fee,
        net: amount - fee,
        email: emailOf(supporterIndex),
        stripeId,
        at,
      });
    }
  })();
  result.ms = Date.now() - started;
  return result;
}
