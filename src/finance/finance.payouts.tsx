// Payouts: the month view a finance person ties to the bank statement, and one payout's
// statement (totals of every item, the items paged by keyset).
import { Hono } from 'hono';
import { z } from 'zod';
import { requireStaff } from '../auth/auth.middleware.js';
import type { StaffEnv } from '../deps.js';
import { AppError } from '../lib/errors.js';
import { formatMoney } from '../lib/money.js';
import { parseInput } from '../lib/validate.js';
import { payoutItemsPage, payoutSummariesArriving, payoutSummary, type PayoutItemCursor } from '../ledger/ledger.payouts.repo.js';
import { Money } from './finance.layout.js';
import { StaffPage } from './finance.layout.js';
import type { Db } from '../../db/db.js';
import { iso, queryString } from './finance.js';

import { ID_PARAM, wantsJson } from './finance.js';

const _PAGE = 50;

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

export function payoutRoutes(): Hono<StaffEnv> {
  const app = new Hono<StaffEnv>();

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
    const p = ID_PARAM.test(id) ? await payoutSummary(deps.db, id) : null;
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
