// The two writes POST /checkout makes, as SQL compiled once per connection (db/sql.ts).
// Built through drizzle's query builder on every request they cost ~100-200 µs of SQL
// building per checkout (BENCHMARKS.md); compiled once they run at the driver's speed.
import type { Db } from '../../db/db.js';
import { runWrite, sqlTemplate } from '../../db/sql.js';
import type { NewGift } from '../ledger/ledger.repo.js';
import { normalizeEmail } from '../lib/email.js';

const insertPending = sqlTemplate`
  insert into gifts (id, status, frequency, amount_minor, currency, email, article, section, campaign, variant, referrer, country, from_checkout, created_at, updated_at)
  values (${'id'}, 'pending', ${'frequency'}, ${'amountMinor'}, ${'currency'}, ${'email'}, ${'article'}, ${'section'}, ${'campaign'}, ${'variant'}, ${'referrer'}, ${'country'}, 1, ${'now'}, ${'now'})`;

// Only a gift without a session: a replayed create (same idempotency key) never moves it.
const attachSession = sqlTemplate`
  update gifts set checkout_session_id = ${'sessionId'}, updated_at = ${'now'} where id = ${'id'} and checkout_session_id is null`;

/** The gift's attribution row, written before Stripe is called so a webhook can always join to it. */
export async function insertCheckoutGift(db: Db, g: NewGift, now: number): Promise<void> {
  await runWrite(
    db,
    insertPending.bind({
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
    }),
  );
}

export async function attachSessionToGift(db: Db, giftId: string, sessionId: string, now: number): Promise<void> {
  await runWrite(db, attachSession.bind({ id: giftId, sessionId, now }));
}
