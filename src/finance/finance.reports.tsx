// The finance reports beyond the overview: supporters, failed payments, attribution and
// payouts. Each answers JSON to a client that asks for it, with the same masking.
import { Hono } from 'hono';
import { z } from 'zod';
import { requireStaff } from '../auth/auth.middleware.js';
import { can, emailFor } from '../auth/auth.permissions.js';
import type { StaffEnv } from '../deps.js';
import { AppError } from '../lib/errors.js';
import { formatMoney } from '../lib/money.js';
import { parseInput } from '../lib/validate.js';
import { payoutItemsPage, payoutSummariesArriving, payoutSummary, type PayoutItemCursor } from '../ledger/ledger.payouts.repo.js';
import { SupporterPrivacyActions } from '../supporters/supporters.finance.js';
import { FailedRenewalsTable, Money, PERIOD_LINKS } from './finance.dashboard.js';
import { StaffPage } from './finance.layout.js';
import {
  attribution,
  DIMENSIONS,
  failedGifts,
  failedRenewals,
  lifetimeGiving,
  listSupporters,
  supporterDetail,
  type AttributionRow,
  type SupporterCursor,
} from './finance.repo.js';
import type { Db } from '../../db/db.js';
import { declineInWords, iso, isoMinute, overviewQuery, percent, periodRange, queryString } from './finance.js';

const PAGE = 50;
const wantsJson = (accept: string | undefined) => !!accept?.includes('application/json');
const idParam = /^[A-Za-z0-9_]{1,64}$/;

export const supportersQuery = z.object({
  email: z.preprocess((v) => (v === '' ? undefined : v), z.string().max(320).email({ error: 'must be an email address' }).optional()),
  after: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(/^\d{1,16}\.[A-Za-z0-9_]{1,64}$/, { error: 'is not a page position from this list' })
      .optional(),
  ),
});

export const ATTRIBUTION_SORTS = ['revenue', 'gifts', 'share', 'average', 'annualised'] as const;
export const attributionQuery = overviewQuery.and(
  z.object({
    by: z.enum(DIMENSIONS, { error: `must be one of ${DIMENSIONS.join(', ')}` }).default('article'),
    sort: z.enum(ATTRIBUTION_SORTS, { error: `must be one of ${ATTRIBUTION_SORTS.join(', ')}` }).default('revenue'),
    dir: z.enum(['asc', 'desc'], { error: 'must be asc or desc' }).default('desc'),
  }),
);

export const monthQuery = z.object({
  month: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(/^\d{4}-(0[1-9]|1[0-2])$/, { error: 'must be a month like 2026-11' })
      .optional(),
  ),
});

/** The sort key of an attribution row; the average is whole minor units per gift. */
function sortValue(r: AttributionRow, sort: AttributionSort): number {
  if (sort === 'gifts') return r.gifts;
  if (sort === 'share') return r.gifts ? r.recurringGifts / r.gifts : 0;
  if (sort === 'average') return r.gifts ? r.revenueMinor / r.gifts : 0;
  if (sort === 'annualised') return r.annualisedMinor;
  return r.revenueMinor;
}

type AttributionSort = (typeof ATTRIBUTION_SORTS)[number];

/** The report's order: by the chosen figure, then currency, then the attributed value, so equal figures keep one order. */
export function sortAttribution(rows: AttributionRow[], sort: AttributionSort, dir: 'asc' | 'desc'): AttributionRow[] {
  return rows.sort((a, b) => {
    const d = sortValue(a, sort) - sortValue(b, sort);
    return (dir === 'asc' ? d : -d) || a.currency.localeCompare(b.currency) || (a.value ?? '').localeCompare(b.value ?? '');
  });
}

/** A supporters page position (`<created_at>.<id>`) as the list's keyset cursor. */
export function supporterCursor(after: string | undefined): SupporterCursor | null {
  if (!after) return null;
  const dot = after.indexOf('.');
  return { createdAt: Number(after.slice(0, dot)), id: after.slice(dot + 1) };
}

/**
 * The payouts arriving in the bank in one UTC month (by arrival date), with the month's total
 * paid out per currency. Each payout's sums come from its stored totals, not its items.
 */
export async function payoutsArrivingIn(db: Db, month: string) {
  const fromMs = Date.parse(`${month}-01T00:00:00Z`);
  const d = new Date(fromMs);
  const toMs = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  const reports = await payoutSummariesArriving(db, { fromMs, toMs });
  const byCurrency = new Map<string, { paidOutMinor: number; count: number }>();
  for (const p of reports) {
    const t = byCurrency.get(p.currency) ?? { paidOutMinor: 0, count: 0 };
    t.paidOutMinor += p.paidOutMinor;
    t.count += 1;
    byCurrency.set(p.currency, t);
  }
  return { fromMs, toMs, reports, byCurrency };
}

/** A payout's items are shown this many at a time: a payout settles tens of thousands of balance transactions. */
export const PAYOUT_ITEMS_PAGE = 100;

export const payoutItemsQuery = z.object({
  after: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .regex(/^\d{1,16}\.[A-Za-z0-9_]{1,255}$/, { error: 'is not a page position from this list' })
      .optional(),
  ),
});

/** A payout's items page position (`<stripe_created>.<balance transaction id>`) as its keyset cursor. */
export function payoutItemCursor(after: string | undefined): PayoutItemCursor | null {
  if (!after) return null;
  const dot = after.indexOf('.');
  return { stripeCreated: Number(after.slice(0, dot)), balanceTransactionId: after.slice(dot + 1) };
}

export const payoutItemPosition = (c: PayoutItemCursor): string => `${c.stripeCreated}.${c.balanceTransactionId}`;

export function reportRoutes(): Hono<StaffEnv> {
  const app = new Hono<StaffEnv>();

  app.get('/supporters', requireStaff('viewer'), async (c) => {
    const { staff, session, deps } = c.var;
    const q = parseInput(supportersQuery, c.req.query());
    const after = supporterCursor(q.after);
    const rows = await listSupporters(deps.db, { email: q.email, after, limit: PAGE + 1 });
    const shown = rows.slice(0, PAGE);
    const giving = await lifetimeGiving(
      deps.db,
      shown.map((s) => s.id),
    );
    const last = rows.length > PAGE ? shown[shown.length - 1] : undefined;
    const next = last ? `/finance/supporters${queryString({ email: q.email, after: `${last.createdAt}.${last.id}` })}` : null;
    if (wantsJson(c.req.header('accept')))
      return c.json({
        supporters: shown.map((s) => ({ ...s, email: emailFor(staff.role, s.email), lifetime: giving.filter((g) => g.supporterId === s.id) })),
        next,
      });
    return c.html(
      StaffPage({
        title: 'Supporters',
        publication: deps.config.publicationName,
        staff,
        csrf: session.csrfToken,
        children: (
          <>
            <form method="get" action="/finance/supporters" class="filters">
              <label>
                Email <input type="email" name="email" value={q.email ?? ''} />
              </label>
              <button type="submit">Find</button>
            </form>
            <table class="data" id="supporters">
              <thead>
                <tr>
                  <th>Supporter</th>
                  <th>Since (UTC)</th>
                  <th class="num">Lifetime giving</th>
                  <th class="num">Payments</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((s) => {
                  const mine = giving.filter((g) => g.supporterId === s.id);
                  return (
                    <tr>
                      <td>
                        <a href={`/finance/supporters/${encodeURIComponent(s.id)}`}>{emailFor(staff.role, s.email)}</a>
                      </td>
                      <td>{iso(s.createdAt)}</td>
                      <td class="num">{mine.map((g) => formatMoney(g.grossMinor + g.refundsMinor + g.disputesMinor, g.currency)).join(' · ') || '–'}</td>
                      <td class="num">{mine.reduce((n, g) => n + g.payments, 0)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            {shown.length === 0 ? <p>No supporters found.</p> : null}
            {next ? (
              <p>
                <a href={next} rel="next">
                  Next {PAGE}
                </a>
              </p>
            ) : null}
          </>
        ),
      }),
    );
  });

  app.get('/supporters/:id', requireStaff('viewer'), async (c) => {
    const { staff, session, deps } = c.var;
    const id = c.req.param('id');
    const d = idParam.test(id) ? await supporterDetail(deps.db, id) : null;
    if (!d) throw new AppError('not_found', 'There is no supporter with this id.');
    const email = emailFor(staff.role, d.supporter.email);
    if (wantsJson(c.req.header('accept')))
      return c.json({
        supporter: { ...d.supporter, email },
        lifetime: d.lifetime,
        gifts: d.gifts.map((g) => ({ ...g, email: g.email ? emailFor(staff.role, g.email) : null })),
        recurring: d.recurring,
        emails: d.emails,
      });
    return c.html(
      StaffPage({
        title: `Supporter ${email}`,
        publication: deps.config.publicationName,
        staff,
        csrf: session.csrfToken,
        children: (
          <>
            <dl class="facts">
              <dt>Email</dt>
              <dd>{email}</dd>
              <dt>Name</dt>
              <dd>{d.supporter.name ?? '–'}</dd>
              <dt>Supporter since (UTC)</dt>
              <dd>{iso(d.supporter.createdAt)}</dd>
              <dt>Recurring</dt>
              <dd>
                {d.recurring
                  .map(
                    (r) =>
                      `${r.amountMinor != null && r.currency ? formatMoney(r.amountMinor, r.currency) : '?'} per ${r.interval ?? '?'}: ${r.status}${r.paymentIssue ? ` (${declineInWords(r.declineCode)})` : ''}`,
                  )
                  .join('; ') || 'none'}
              </dd>
            </dl>
            <h2>Lifetime giving</h2>
            <table class="data" id="lifetime">
              <thead>
                <tr>
                  <th>Currency</th>
                  <th class="num">Given</th>
                  <th class="num">Refunded</th>
                  <th class="num">Disputed</th>
                  <th class="num">Kept</th>
                </tr>
              </thead>
              <tbody>
                {d.lifetime.map((g) => (
                  <tr data-currency={g.currency}>
                    <th scope="row">{g.currency.toUpperCase()}</th>
                    <Money minor={g.grossMinor} currency={g.currency} />
                    <Money minor={g.refundsMinor} currency={g.currency} />
                    <Money minor={g.disputesMinor} currency={g.currency} />
                    <Money minor={g.grossMinor + g.refundsMinor + g.disputesMinor} currency={g.currency} />
                  </tr>
                ))}
              </tbody>
            </table>
            <h2>Gifts</h2>
            <table class="data" id="gifts">
              <thead>
                <tr>
                  <th>Created (UTC)</th>
                  <th>Frequency</th>
                  <th class="num">Amount</th>
                  <th>Status</th>
                  <th>Campaign</th>
                </tr>
              </thead>
              <tbody>
                {d.gifts.map((g) => (
                  <tr>
                    <td>
                      <a href={`/finance/gifts/${encodeURIComponent(g.id)}`}>{isoMinute(g.createdAt)}</a>
                    </td>
                    <td>{g.frequency.replace('_', '-')}</td>
                    <Money minor={g.amountMinor} currency={g.currency} />
                    <td>{g.status}</td>
                    <td>{g.campaign ?? '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <h2>Emails sent</h2>
            <table class="data" id="emails">
              <thead>
                <tr>
                  <th>Queued (UTC)</th>
                  <th>Email</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody>
                {d.emails.map((m) => (
                  <tr>
                    <td>{isoMinute(m.createdAt)}</td>
                    <td>{m.template}</td>
                    <td>{m.status === 'sent' && m.sentAt ? `sent ${isoMinute(m.sentAt)}` : m.status}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {can(staff.role, 'handlePrivacyRequests') ? (
              <SupporterPrivacyActions id={d.supporter.id} erasedAt={d.supporter.erasedAt} csrf={session.csrfToken} />
            ) : null}
          </>
        ),
      }),
    );
  });

  app.get('/failed', requireStaff('viewer'), async (c) => {
    const { staff, session, deps } = c.var;
    const [renewals, oneOff] = await Promise.all([failedRenewals(deps.db, { awaitingRetry: false, limit: 200 }), failedGifts(deps.db, 200)]);
    const mask = (e: string | null) => (e ? emailFor(staff.role, e) : '–');
    if (wantsJson(c.req.header('accept'))) {
      return c.json({
        renewals: renewals.map((r) => ({ ...r, supporterEmail: r.supporterEmail ? mask(r.supporterEmail) : null, reason: declineInWords(r.declineCode) })),
        gifts: oneOff.map((g) => ({ ...g, email: g.email ? mask(g.email) : null })),
      });
    }
    return c.html(
      StaffPage({
        title: 'Failed payments',
        publication: deps.config.publicationName,
        staff,
        csrf: session.csrfToken,
        children: (
          <>
            <h2>Recurring gifts with a failed payment</h2>
            <FailedRenewalsTable id="failed-renewals" rows={renewals} email={mask} withStatus noRetry="Stripe will not retry" />
            {renewals.length === 0 ? <p>None.</p> : null}
            <h2>Gifts whose payment failed</h2>
            <table class="data" id="failed-gifts">
              <thead>
                <tr>
                  <th>When (UTC)</th>
                  <th>Supporter</th>
                  <th class="num">Amount</th>
                  <th>Frequency</th>
                </tr>
              </thead>
              <tbody>
                {oneOff.map((g) => (
                  <tr>
                    <td>
                      <a href={`/finance/gifts/${encodeURIComponent(g.id)}`}>{isoMinute(g.updatedAt)}</a>
                    </td>
                    <td>{mask(g.email)}</td>
                    <Money minor={g.amountMinor} currency={g.currency} />
                    <td>{g.frequency.replace('_', '-')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {oneOff.length === 0 ? <p>None.</p> : null}
          </>
        ),
      }),
    );
  });

  app.get('/attribution', requireStaff('viewer'), async (c) => {
    const { staff, session, deps } = c.var;
    const q = parseInput(attributionQuery, c.req.query());
    const { period, range, label } = periodRange(q, deps.now());
    const rows = sortAttribution(await attribution(deps.db, range, q.by), q.sort, q.dir);
    if (wantsJson(c.req.header('accept')))
      return c.json({
        range,
        by: q.by,
        rows: rows.map((r) => ({
          ...r,
          shareRecurring: r.gifts ? r.recurringGifts / r.gifts : null,
          averageMinor: r.gifts ? Math.round(r.revenueMinor / r.gifts) : null,
        })),
      });
    const base = { period: q.period, from: q.from, to: q.to, by: q.by };
    const sortLink = (s: (typeof ATTRIBUTION_SORTS)[number]) =>
      `/finance/attribution${queryString(base, { sort: s, dir: q.sort === s && q.dir === 'desc' ? 'asc' : 'desc' })}`;
    const periodLink = (p: string) => `/finance/attribution${queryString({ period: p, by: q.by, sort: q.sort, dir: q.dir })}`;
    return c.html(
      StaffPage({
        title: 'Attribution',
        publication: deps.config.publicationName,
        staff,
        csrf: session.csrfToken,
        children: (
          <>
            <nav class="periods" aria-label="Period">
              {PERIOD_LINKS.map(([p, name]) => (
                <a href={periodLink(p)} aria-current={period === p ? 'page' : undefined}>
                  {name}
                </a>
              ))}
            </nav>
            <form method="get" action="/finance/attribution" class="filters">
              {/* changing the dimension keeps the period and the order; dates typed in win over the period */}
              {period !== 'range' ? <input type="hidden" name="period" value={period} /> : null}
              <input type="hidden" name="sort" value={q.sort} />
              <input type="hidden" name="dir" value={q.dir} />
              <label>
                By
                <select name="by">
                  {DIMENSIONS.map((d) => (
                    <option value={d} selected={d === q.by}>
                      {d}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                From <input type="date" name="from" value={q.from ?? ''} />
              </label>
              <label>
                To <input type="date" name="to" value={q.to ?? ''} />
              </label>
              <button type="submit">Show</button>
            </form>
            <h2>
              Payments by {q.by}, {label} (UTC)
            </h2>
            <table class="data" id="attribution">
              <thead>
                <tr>
                  <th>{q.by[0]!.toUpperCase() + q.by.slice(1)}</th>
                  <th>Currency</th>
                  <th class="num">
                    <a href={sortLink('revenue')}>Revenue</a>
                  </th>
                  <th class="num">
                    <a href={sortLink('gifts')}>Payments</a>
                  </th>
                  <th class="num">
                    <a href={sortLink('share')}>Share recurring</a>
                  </th>
                  <th class="num">
                    <a href={sortLink('average')}>Average</a>
                  </th>
                  <th class="num">
                    <a href={sortLink('annualised')}>New recurring, annualised</a>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr>
                    <td>{r.value ?? '(none)'}</td>
                    <td>{r.currency.toUpperCase()}</td>
                    <Money minor={r.revenueMinor} currency={r.currency} />
                    <td class="num">{r.gifts}</td>
                    <td class="num">{percent(r.gifts ? r.recurringGifts / r.gifts : null)}</td>
                    <Money minor={r.gifts ? Math.round(r.revenueMinor / r.gifts) : null} currency={r.currency} />
                    <Money minor={r.annualisedMinor} currency={r.currency} />
                  </tr>
                ))}
              </tbody>
            </table>
            {rows.length === 0 ? <p>No payments in this period.</p> : null}
            <p class="hint">Payments are first payments and renewals. New recurring gifts are counted at a year's worth: a monthly gift twelve times.</p>
          </>
        ),
      }),
    );
  });

  app.get('/payouts', requireStaff('viewer'), async (c) => {
    const { staff, session, deps } = c.var;
    const q = parseInput(monthQuery, c.req.query());
    const month = q.month ?? iso(deps.now()).slice(0, 7);
    const { fromMs, toMs, reports, byCurrency } = await payoutsArrivingIn(deps.db, month);
    const d = new Date(fromMs);
    if (wantsJson(c.req.header('accept'))) return c.json({ month, payouts: reports, totals: Object.fromEntries(byCurrency) });
    const prev = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
    const next = new Date(toMs).toISOString().slice(0, 7);
    return c.html(
      StaffPage({
        title: `Payouts arriving in ${month}`,
        publication: deps.config.publicationName,
        staff,
        csrf: session.csrfToken,
        children: (
          <>
            <nav class="periods" aria-label="Month">
              <a href={`/finance/payouts?month=${prev}`}>← {prev}</a>
              <a href={`/finance/payouts?month=${next}`}>{next} →</a>
            </nav>
            <table class="data" id="payouts">
              <thead>
                <tr>
                  <th>Payout</th>
                  <th>Arrives (UTC)</th>
                  <th>Status</th>
                  <th class="num">Gross</th>
                  <th class="num">Fees</th>
                  <th class="num">Refunds</th>
                  <th class="num">Disputes</th>
                  <th class="num">Paid out</th>
                  <th>Balances</th>
                </tr>
              </thead>
              <tbody>
                {reports.map((p) => (
                  <tr>
                    <td>
                      <a href={`/finance/payouts/${encodeURIComponent(p.payoutId)}`}>{p.payoutId}</a>
                    </td>
                    <td>{p.arrivalDate ? iso(p.arrivalDate) : '–'}</td>
                    <td>{p.status}</td>
                    <Money minor={p.grossMinor} currency={p.currency} />
                    <Money minor={p.feesMinor} currency={p.currency} />
                    <Money minor={p.refundsMinor} currency={p.currency} />
                    <Money minor={p.disputesMinor} currency={p.currency} />
                    <Money minor={p.paidOutMinor} currency={p.currency} />
                    <td>{p.balanced ? 'yes' : 'NO'}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                {[...byCurrency].map(([cur, t]) => (
                  <tr>
                    <th scope="row" colspan={7}>
                      Total {cur.toUpperCase()} ({t.count} payouts)
                    </th>
                    <Money minor={t.paidOutMinor} currency={cur} />
                    <td />
                  </tr>
                ))}
              </tfoot>
            </table>
            {reports.length === 0 ? <p>No payouts arrive in this month.</p> : null}
          </>
        ),
      }),
    );
  });

  app.get('/payouts/:id', requireStaff('viewer'), async (c) => {
    const { staff, session, deps } = c.var;
    const id = c.req.param('id');
    const q = parseInput(payoutItemsQuery, c.req.query());
    const p = idParam.test(id) ? await payoutSummary(deps.db, id) : null;
    if (!p) throw new AppError('not_found', 'There is no payout with this id.');
    const after = payoutItemCursor(q.after);
    const page = await payoutItemsPage(deps.db, id, { after, limit: PAYOUT_ITEMS_PAGE });
    const base = `/finance/payouts/${encodeURIComponent(p.payoutId)}`;
    const next = page.next ? `${base}${queryString({ after: payoutItemPosition(page.next) })}` : null;
    if (wantsJson(c.req.header('accept'))) return c.json({ payout: { ...p, items: page.items }, next });
    const cur = p.currency;
    return c.html(
      StaffPage({
        title: `Payout ${p.payoutId}`,
        publication: deps.config.publicationName,
        staff,
        csrf: session.csrfToken,
        children: (
          <>
            <p class={p.balanced ? 'health health--ok' : 'health health--drift'}>
              {p.balanced ? 'Balances' : 'Does not balance'}: gross {formatMoney(p.grossMinor, cur)} - fees {formatMoney(p.feesMinor, cur)} + refunds{' '}
              {formatMoney(p.refundsMinor, cur)} + disputes {formatMoney(p.disputesMinor, cur)}
              {p.otherMinor ? ` + other ${formatMoney(p.otherMinor, cur)}` : ''} = {formatMoney(p.computedMinor, cur)}; paid out{' '}
              {formatMoney(p.paidOutMinor, cur)}.
            </p>
            <dl class="facts">
              <dt>Status</dt>
              <dd>{p.status}</dd>
              <dt>Arrives (UTC)</dt>
              <dd>{p.arrivalDate ? iso(p.arrivalDate) : '–'}</dd>
              <dt>Balance transactions</dt>
              <dd>{p.itemCount}</dd>
              <dt>Items not matched to a gift</dt>
              <dd>{p.unmatched}</dd>
            </dl>
            {p.problems.length ? (
              <ul class="problems">
                {p.problems.map((m) => (
                  <li>Unreadable, left out of the sums: {m}</li>
                ))}
              </ul>
            ) : null}
            <p class="hint">
              {after ? 'Later' : 'The first'} {page.items.length} of {p.itemCount} balance transactions, in the order Stripe made them; the totals above are for
              all of them.
            </p>
            <table class="data" id="items">
              <thead>
                <tr>
                  <th>Balance transaction</th>
                  <th>Category</th>
                  <th>Source</th>
                  <th class="num">Amount</th>
                  <th class="num">Fee</th>
                  <th class="num">Net</th>
                  <th>Gift</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((i) => (
                  <tr>
                    <td>
                      <code>{i.balanceTransactionId}</code>
                    </td>
                    <td>{i.reportingCategory}</td>
                    <td>{i.sourceId ?? '–'}</td>
                    <Money minor={i.amountMinor} currency={cur} />
                    <Money minor={i.feeMinor} currency={cur} />
                    <Money minor={i.netMinor} currency={cur} />
                    <td>{i.giftId ? <a href={`/finance/gifts/${encodeURIComponent(i.giftId)}`}>{i.giftId}</a> : i.type === 'payout' ? '' : 'unmatched'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <nav class="pager" aria-label="Balance transactions">
              {after ? <a href={base}>First page</a> : null}
              {next ? (
                <a href={next} rel="next">
                  Next {PAYOUT_ITEMS_PAGE} →
                </a>
              ) : null}
            </nav>
          </>
        ),
      }),
    );
  });

  return app;
}
