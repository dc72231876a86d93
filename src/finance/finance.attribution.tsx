// The attribution report: revenue, gifts, share recurring and average gift by article,
// section, campaign and appeal variant, for any range, sortable.
import { Hono } from 'hono';
import { z } from 'zod';
import { requireStaff } from '../auth/auth.middleware.js';
import type { StaffEnv } from '../deps.js';
import { parseInput } from '../lib/validate.js';
import { Money, PERIOD_LINKS } from './finance.layout.js';
import { StaffPage } from './finance.layout.js';
import { attribution, DIMENSIONS, type AttributionRow } from './finance.attribution.repo.js';
import { overviewQuery, percent, periodRange, queryString } from './finance.js';

import { wantsJson } from './finance.js';

const _PAGE = 50;

export const ATTRIBUTION_SORTS = ['revenue', 'gifts', 'share', 'average', 'annualised'] as const;
export const attributionQuery = overviewQuery.and(
  z.object({
    by: z.enum(DIMENSIONS, { error: `must be one of ${DIMENSIONS.join(', ')}` }).default('article'),
    sort: z.enum(ATTRIBUTION_SORTS, { error: `must be one of ${ATTRIBUTION_SORTS.join(', ')}` }).default('revenue'),
    dir: z.enum(['asc', 'desc'], { error: 'must be asc or desc' }).default('desc'),
  }),
);

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

export function attributionRoutes(): Hono<StaffEnv> {
  const app = new Hono<StaffEnv>();

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

  return app;
}
