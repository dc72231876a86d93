// The finance lists' reads: contributions (one row per ledger entry, keyset-paged), a gift's
// timeline, supporters with their lifetime giving, and failed gifts and renewals.
import { and, asc, desc, eq, gte, inArray, isNotNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/db.js';
import { gifts, ledgerEntries, outbox, recurringGifts, stripeEvents, supporters, type EntryKind } from '../../db/schema.js';
import { DISPUTE, kindIn, PAYMENT, REFUND } from './finance.ranges.js';

export type FailedRenewal = {
  id: string;
  stripeSubscriptionId: string;
  giftId: string | null;
  supporterEmail: string | null;
  amountMinor: number | null;
  currency: string | null;
  interval: 'month' | 'year' | null;
  status: string;
  paymentIssue: string;
  declineCode: string | null;
  nextPaymentAttemptAt: number | null;
};

/** Recurring gifts whose last payment failed; `awaitingRetry` keeps those Stripe will try again. */
export async function failedRenewals(db: Db, opts: { awaitingRetry: boolean; limit: number }): Promise<FailedRenewal[]> {
  // Two reads in the partial index's own order (next attempt, id), each stopping at the
  // limit: those Stripe will retry, soonest first, then those it will not, instead of
  // sorting every open problem (thousands at 1M contributions) on a computed key.
  const page = (retry: boolean, limit: number) =>
    db.orm
      .select({
        id: recurringGifts.id,
        stripeSubscriptionId: recurringGifts.stripeSubscriptionId,
        giftId: recurringGifts.giftId,
        supporterEmail: supporters.email,
        amountMinor: recurringGifts.amountMinor,
        currency: recurringGifts.currency,
        interval: recurringGifts.interval,
        status: recurringGifts.status,
        paymentIssue: sql<string>`${recurringGifts.paymentIssue}`,
        declineCode: recurringGifts.declineCode,
        nextPaymentAttemptAt: recurringGifts.nextPaymentAttemptAt,
      })
      .from(recurringGifts)
      .leftJoin(supporters, eq(supporters.id, recurringGifts.supporterId))
      .where(
        and(
          isNotNull(recurringGifts.paymentIssue),
          retry ? isNotNull(recurringGifts.nextPaymentAttemptAt) : sql`${recurringGifts.nextPaymentAttemptAt} is null`,
        ),
      )
      .orderBy(asc(recurringGifts.nextPaymentAttemptAt), asc(recurringGifts.id))
      .limit(limit);
  const retrying = await page(true, opts.limit);
  if (opts.awaitingRetry || retrying.length >= opts.limit) return retrying;
  return [...retrying, ...(await page(false, opts.limit - retrying.length))];
}

// Contributions: one row per ledger entry, as the export has them.

export type ContributionFilter = {
  range: { fromMs?: number; toMs?: number };
  status?: string;
  kind?: EntryKind;
  frequency?: string;
  currency?: string;
  campaign?: string;
  article?: string;
  variant?: string;
  minMinor?: number;
  maxMinor?: number;
  email?: string;
};
export type ContributionSort = { by: 'date' | 'amount'; dir: 'asc' | 'desc' };
/** The last row of the page before: its sort value and id. */
export type ContributionCursor = { value: number; id: string };

export type ContributionRow = {
  id: string;
  occurredAt: number;
  kind: EntryKind;
  frequency: string;
  currency: string;
  amountMinor: number;
  feeMinor: number | null;
  netMinor: number | null;
  settlementCurrency: string | null;
  email: string | null;
  giftId: string | null;
  status: string | null;
  article: string | null;
  campaign: string | null;
  variant: string | null;
};

export function contributionWhere(f: ContributionFilter): SQL[] {
  const where: SQL[] = [];
  if (f.range.fromMs != null) where.push(gte(ledgerEntries.occurredAt, f.range.fromMs));
  if (f.range.toMs != null) where.push(lt(ledgerEntries.occurredAt, f.range.toMs));
  if (f.kind) where.push(eq(ledgerEntries.kind, f.kind));
  if (f.frequency) where.push(eq(ledgerEntries.frequency, f.frequency as 'one_off'));
  if (f.currency) where.push(eq(ledgerEntries.currency, f.currency));
  if (f.minMinor != null) where.push(gte(ledgerEntries.amountMinor, f.minMinor));
  if (f.maxMinor != null) where.push(sql`${ledgerEntries.amountMinor} <= ${f.maxMinor}`);
  if (f.email) where.push(eq(sql`lower(${ledgerEntries.email})`, f.email.toLowerCase()));
  if (f.status) where.push(eq(gifts.status, f.status as 'paid'));
  if (f.campaign) where.push(eq(ledgerEntries.campaign, f.campaign));
  if (f.article) where.push(eq(ledgerEntries.article, f.article));
  if (f.variant) where.push(eq(ledgerEntries.variant, f.variant));
  return where;
}

export async function listContributions(
  db: Db,
  f: ContributionFilter,
  sort: ContributionSort,
  after: ContributionCursor | null,
  limit: number,
): Promise<ContributionRow[]> {
  const where = contributionWhere(f);
  const col = sort.by === 'date' ? ledgerEntries.occurredAt : ledgerEntries.amountMinor;
  // a row-value comparison keeps each page a range scan of the index, however deep (no OFFSET)
  if (after)
    where.push(
      sort.dir === 'desc'
        ? sql`(${col}, ${ledgerEntries.id}) < (${after.value}, ${after.id})`
        : sql`(${col}, ${ledgerEntries.id}) > (${after.value}, ${after.id})`,
    );
  const order = sort.dir === 'desc' ? [desc(col), desc(ledgerEntries.id)] : [asc(col), asc(ledgerEntries.id)];
  return db.orm
    .select({
      id: ledgerEntries.id,
      occurredAt: ledgerEntries.occurredAt,
      kind: ledgerEntries.kind,
      frequency: ledgerEntries.frequency,
      currency: ledgerEntries.currency,
      amountMinor: ledgerEntries.amountMinor,
      feeMinor: ledgerEntries.feeMinor,
      netMinor: ledgerEntries.netMinor,
      settlementCurrency: ledgerEntries.settlementCurrency,
      email: ledgerEntries.email,
      giftId: ledgerEntries.giftId,
      status: gifts.status,
      article: ledgerEntries.article,
      campaign: ledgerEntries.campaign,
      variant: ledgerEntries.variant,
    })
    .from(ledgerEntries)
    .leftJoin(gifts, eq(gifts.id, ledgerEntries.giftId))
    .where(where.length ? and(...where) : undefined)
    .orderBy(...order)
    .limit(limit);
}

// A gift's timeline.

export type GiftRow = typeof gifts.$inferSelect;

export async function giftTimeline(db: Db, giftId: string) {
  const [gift] = await db.orm.select().from(gifts).where(eq(gifts.id, giftId)).limit(1);
  if (!gift) return null;
  const entries = await db.orm
    .select()
    .from(ledgerEntries)
    .where(eq(ledgerEntries.giftId, giftId))
    .orderBy(asc(ledgerEntries.occurredAt), asc(ledgerEntries.id));
  const [recurring] = gift.subscriptionId
    ? await db.orm.select().from(recurringGifts).where(eq(recurringGifts.stripeSubscriptionId, gift.subscriptionId)).limit(1)
    : [];
  // The Stripe ids this gift is known by; an event or email naming one of them is the gift's.
  const ids = new Set<string>([gift.checkoutSessionId, gift.paymentIntentId, gift.subscriptionId].filter((x): x is string => !!x));
  for (const e of entries) {
    ids.add(e.stripeId);
    if (e.paymentIntentId) ids.add(e.paymentIntentId);
    if (e.chargeId) ids.add(e.chargeId);
  }
  // Events carry the ids only inside their payload: a scan of the events table, bounded by
  // the handful of ids a gift has; fine for one gift at a time, not for lists. instr()
  // rather than LIKE: D1 refuses LIKE patterns over 50 bytes, and a Checkout Session id
  // alone is 66 (https://developers.cloudflare.com/d1/platform/limits/).
  const contains = (column: typeof stripeEvents.payload | typeof outbox.key, text: string) => sql`instr(${column}, ${text}) > 0`;
  const named = [...ids].filter((id) => /^[A-Za-z0-9_]+$/.test(id));
  const events = named.length
    ? await db.orm
        .select({
          id: stripeEvents.id,
          type: stripeEvents.type,
          stripeCreated: stripeEvents.stripeCreated,
          livemode: stripeEvents.livemode,
          receivedAt: stripeEvents.receivedAt,
          processedAt: stripeEvents.processedAt,
          lastError: stripeEvents.lastError,
        })
        .from(stripeEvents)
        .where(or(...named.map((id) => contains(stripeEvents.payload, `"${id}"`))))
        .orderBy(asc(stripeEvents.stripeCreated), asc(stripeEvents.id))
        .limit(200)
    : [];
  const keys = [gift.id, ...named];
  const emails = await db.orm
    .select({
      id: outbox.id,
      key: outbox.key,
      template: outbox.template,
      to: outbox.to,
      status: outbox.status,
      createdAt: outbox.createdAt,
      sentAt: outbox.sentAt,
    })
    .from(outbox)
    .where(or(...keys.map((k) => contains(outbox.key, k))))
    .orderBy(asc(outbox.createdAt), asc(outbox.id))
    .limit(100);
  return { gift, entries, recurring: recurring ?? null, events, emails };
}

// Supporters.

export type SupporterRow = { id: string; email: string; name: string | null; createdAt: number };
export type SupporterCursor = { createdAt: number; id: string };

/** Newest first, by keyset on (created_at, id); `email` narrows to one address. */
export async function listSupporters(db: Db, opts: { email?: string; after: SupporterCursor | null; limit: number }): Promise<SupporterRow[]> {
  const where: SQL[] = [];
  if (opts.email) where.push(eq(supporters.email, opts.email.toLowerCase()));
  if (opts.after) where.push(sql`(${supporters.createdAt}, ${supporters.id}) < (${opts.after.createdAt}, ${opts.after.id})`);
  return db.orm
    .select({ id: supporters.id, email: supporters.email, name: supporters.name, createdAt: supporters.createdAt })
    .from(supporters)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(supporters.createdAt), desc(supporters.id))
    .limit(opts.limit);
}

export type LifetimeGiving = { supporterId: string; currency: string; grossMinor: number; refundsMinor: number; disputesMinor: number; payments: number };

/** Lifetime giving per supporter and currency, for the supporters of one page (through gifts_supporter). */
export async function lifetimeGiving(db: Db, supporterIds: readonly string[]): Promise<LifetimeGiving[]> {
  if (!supporterIds.length) return [];
  return db.orm
    .select({
      supporterId: sql<string>`${gifts.supporterId}`,
      currency: ledgerEntries.currency,
      grossMinor: sql<number>`coalesce(sum(case when ${ledgerEntries.kind} in ${kindIn(PAYMENT)} then ${ledgerEntries.amountMinor} end), 0)`,
      refundsMinor: sql<number>`coalesce(sum(case when ${ledgerEntries.kind} in ${kindIn(REFUND)} then ${ledgerEntries.amountMinor} end), 0)`,
      disputesMinor: sql<number>`coalesce(sum(case when ${ledgerEntries.kind} in ${kindIn(DISPUTE)} then ${ledgerEntries.amountMinor} end), 0)`,
      payments: sql<number>`count(case when ${ledgerEntries.kind} in ${kindIn(PAYMENT)} then 1 end)`,
    })
    .from(gifts)
    .innerJoin(ledgerEntries, eq(ledgerEntries.giftId, gifts.id))
    .where(inArray(gifts.supporterId, [...supporterIds]))
    .groupBy(gifts.supporterId, ledgerEntries.currency)
    .orderBy(gifts.supporterId, ledgerEntries.currency);
}

export async function supporterDetail(db: Db, id: string) {
  const [supporter] = await db.orm.select().from(supporters).where(eq(supporters.id, id)).limit(1);
  if (!supporter) return null;
  const [lifetime, giftRows, recurring, emails] = await Promise.all([
    lifetimeGiving(db, [id]),
    db.orm.select().from(gifts).where(eq(gifts.supporterId, id)).orderBy(desc(gifts.createdAt), desc(gifts.id)).limit(200),
    db.orm.select().from(recurringGifts).where(eq(recurringGifts.supporterId, id)).orderBy(desc(recurringGifts.createdAt)),
    db.orm
      .select({ id: outbox.id, template: outbox.template, status: outbox.status, createdAt: outbox.createdAt, sentAt: outbox.sentAt })
      .from(outbox)
      .where(eq(outbox.to, supporter.email))
      .orderBy(desc(outbox.createdAt), desc(outbox.id))
      .limit(100),
  ]);
  return { supporter, lifetime, gifts: giftRows, recurring, emails };
}

/** One-off gifts whose payment failed (the renewals are failedRenewals). */
export async function failedGifts(db: Db, limit: number) {
  return db.orm
    .select({
      id: gifts.id,
      frequency: gifts.frequency,
      amountMinor: gifts.amountMinor,
      currency: gifts.currency,
      email: gifts.email,
      updatedAt: gifts.updatedAt,
    })
    .from(gifts)
    .where(eq(gifts.status, 'failed'))
    .orderBy(desc(gifts.updatedAt), desc(gifts.id))
    .limit(limit);
}
