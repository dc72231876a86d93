// The two writes POST /checkout makes, as statements prepared once per database handle.
// Built through drizzle's query builder on every request they cost ~100-200 µs of SQL
// building per checkout (BENCHMARKS.md); prepared with placeholders they run at the
// driver's speed on better-sqlite3 and reuse one D1PreparedStatement on Workers.
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/db.js';
import { gifts } from '../../db/schema.js';
import type { NewGift } from '../ledger/ledger.repo.js';
import { normalizeEmail } from '../lib/email.js';

const p = (name: string) => sql.placeholder(name);

function prepareStatements(db: Db) {
  return {
    insertPending: db
      .insert(gifts)
      .values({
        id: p('id'),
        status: 'pending',
        frequency: p('frequency'),
        amountMinor: p('amountMinor'),
        currency: p('currency'),
        email: p('email'),
        article: p('article'),
        section: p('section'),
        campaign: p('campaign'),
        variant: p('variant'),
        referrer: p('referrer'),
        country: p('country'),
        fromCheckout: true,
        createdAt: p('now'),
        updatedAt: p('now'),
      })
      .prepare(),
    // Only a gift without a session: a replayed create (same idempotency key) never moves it.
    attachSession: db
      .update(gifts)
      .set({ checkoutSessionId: sql`${p('sessionId')}`, updatedAt: sql`${p('now')}` })
      .where(and(eq(gifts.id, p('id')), isNull(gifts.checkoutSessionId)))
      .prepare(),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

// Keyed by the Db a runtime built, not a module-level connection: a new handle (another
// test's database, another Worker env) gets its own statements, and a dropped one is collected.
const prepared = new WeakMap<Db, Statements>();

function statementsFor(db: Db): Statements {
  let s = prepared.get(db);
  if (!s) {
    s = prepareStatements(db);
    prepared.set(db, s);
  }
  return s;
}

/** The gift's attribution row, written before Stripe is called so a webhook can always join to it. */
export async function insertCheckoutGift(db: Db, g: NewGift, now: number): Promise<void> {
  await statementsFor(db).insertPending.run({
    id: g.id,
    frequency: g.frequency,
    amountMinor: g.amountMinor,
    currency: g.currency,
    email: g.email ? normalizeEmail(g.email) : null,
    article: g.article,
    section: g.section,
    campaign: g.campaign,
    variant: g.variant,
    referrer: g.referrer,
    country: g.country,
    now,
  });
}

export async function attachSessionToGift(db: Db, giftId: string, sessionId: string, now: number): Promise<void> {
  await statementsFor(db).attachSession.run({ id: giftId, sessionId, now });
}
