// The supporters' list and page, and failed payments: who gives, how much over time, and
// whose payment did not go through. Each answers JSON to a client that asks for it, with the same masking.
import { Hono } from 'hono';
import { z } from 'zod';
import { requireStaff } from '../auth/auth.middleware.js';
import { can, emailFor } from '../auth/auth.permissions.js';
import type { StaffEnv } from '../deps.js';
import { AppError } from '../lib/errors.js';
import { formatMoney } from '../lib/money.js';
import { parseInput } from '../lib/validate.js';
import { SupporterPrivacyActions } from '../supporters/supporters.finance.js';
import { FailedRenewalsTable, Money } from './finance.layout.js';
import { StaffPage } from './finance.layout.js';
import { failedGifts, failedRenewals, lifetimeGiving, listSupporters, supporterDetail, type SupporterCursor } from './finance.lists.repo.js';
import { declineInWords, iso, isoMinute, queryString } from './finance.js';

import { ID_PARAM, wantsJson } from './finance.js';

const PAGE = 50;

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

export function supporterRoutes(): Hono<StaffEnv> {
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
    const d = ID_PARAM.test(id) ? await supporterDetail(deps.db, id) : null;
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

  return app;
}
