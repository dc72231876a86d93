// Development data: a plausible ledger of contributions, for trying the export (and the
// finance pages once they land) and for benchmarks (1M contributions in under a minute).
// Node-only, refused in production. The inserts are the ledger's (ledger/ledger.seed.repo.ts);
// everything runs in one SQLite transaction with each statement compiled once, because a
// commit per row would make a million rows take hours.
import type { NodeDb } from '../../db/node.js';
import type { Frequency } from '../../db/schema.js';
import type { SqlTemplate, SqlValue } from '../../db/sql.js';
import type { Config } from '../config.js';
import { SEED_ENTRY, SEED_GIFT, SEED_RECURRING, SEED_SUPPORTER } from '../ledger/ledger.seed.repo.js';

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

type Sub = { recId: string; giftId: string; subscriptionId: string; supporterIndex: number; frequency: Frequency; amountMinor: number; currency: string };

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
      insertSupporter({ id, email: emailOf(i), name: `Reader ${i}`, customer: customerOf(i), at });
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
        insertEntry({
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
      insertGift({
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
        insertRecurring({
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
      insertEntry({
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
