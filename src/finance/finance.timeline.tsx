// A gift's timeline: the Stripe events received for it, its ledger entries, the emails
// sent, its refunds, and links to each object in Stripe's dashboard (test or live by mode).
import { Hono } from 'hono';
import { requireStaff } from '../auth/auth.middleware.js';
import { emailFor } from '../auth/auth.permissions.js';
import type { Config } from '../config.js';
import type { StaffEnv } from '../deps.js';
import { AppError } from '../lib/errors.js';
import { formatMoney } from '../lib/money.js';
import { StaffPage } from './finance.layout.js';
import { giftRefunds, RefundsSection } from './finance.refunds.routes.js';
import { giftTimeline } from './finance.lists.repo.js';
import { declineInWords, isoMinute } from './finance.js';
import { Money } from './finance.layout.js';

/** Stripe's dashboard page of an object; null in the sandbox, whose objects Stripe has never seen. */
export function dashboardUrl(config: Config, id: string): string | null {
  if (config.stripe.mode !== 'live') return null;
  const live = /^(sk|rk)_live_/.test(config.stripe.secretKey);
  const base = `https://dashboard.stripe.com/${live ? '' : 'test/'}`;
  const path = (
    [
      ['pi_', 'payments'],
      ['ch_', 'payments'],
      ['sub_', 'subscriptions'],
      ['in_', 'invoices'],
      ['cus_', 'customers'],
      ['re_', 'refunds'],
      ['dp_', 'disputes'],
      ['du_', 'disputes'],
      ['po_', 'payouts'],
      ['evt_', 'events'],
      ['cs_', 'checkout/sessions'],
      ['txn_', 'balance/transactions'],
    ] as const
  ).find(([prefix]) => id.startsWith(prefix));
  return path ? `${base}${path[1]}/${id}` : null;
}

function StripeLink(props: { config: Config; id: string | null }) {
  if (!props.id) return <>–</>;
  const url = dashboardUrl(props.config, props.id);
  return url ? (
    <a href={url} rel="noreferrer">
      <code>{props.id}</code>
    </a>
  ) : (
    <code>{props.id}</code>
  );
}

export function timelineRoutes(): Hono<StaffEnv> {
  const app = new Hono<StaffEnv>();

  app.get('/gifts/:id', requireStaff('viewer'), async (c) => {
    const { staff, session, deps } = c.var;
    const id = c.req.param('id');
    const t = /^[A-Za-z0-9_]{1,64}$/.test(id) ? await giftTimeline(deps.db, id) : null;
    if (!t) throw new AppError('not_found', 'There is no gift with this id.');
    const { gift } = t;
    const refunds = await giftRefunds(deps.db, gift.id);
    const email = (e: string | null) => (e ? emailFor(staff.role, e) : '–');
    if (c.req.header('accept')?.includes('application/json')) {
      return c.json({
        gift: { ...gift, email: gift.email ? emailFor(staff.role, gift.email) : null },
        entries: t.entries.map((e) => ({ ...e, email: e.email ? emailFor(staff.role, e.email) : null })),
        events: t.events,
        emails: t.emails.map((m) => ({ ...m, to: emailFor(staff.role, m.to) })),
        refund_requests: refunds.requests,
      });
    }
    return c.html(
      StaffPage({
        title: `Gift ${gift.id}`,
        publication: deps.config.publicationName,
        staff,
        csrf: session.csrfToken,
        children: (
          <>
            <dl class="facts">
              <dt>Status</dt>
              <dd>{gift.status}</dd>
              <dt>Amount</dt>
              <dd>
                {formatMoney(gift.amountMinor, gift.currency)} {gift.frequency.replace('_', '-')}
              </dd>
              <dt>Supporter</dt>
              <dd>{gift.supporterId ? <a href={`/finance/supporters/${encodeURIComponent(gift.supporterId)}`}>{email(gift.email)}</a> : email(gift.email)}</dd>
              <dt>Attribution</dt>
              <dd>{[gift.article, gift.section, gift.campaign, gift.variant && `variant ${gift.variant}`, gift.country].filter(Boolean).join(' · ') || '–'}</dd>
              <dt>Created (UTC)</dt>
              <dd>{isoMinute(gift.createdAt)}</dd>
              <dt>Checkout session</dt>
              <dd>
                <StripeLink config={deps.config} id={gift.checkoutSessionId} />
              </dd>
              <dt>Payment</dt>
              <dd>
                <StripeLink config={deps.config} id={gift.paymentIntentId} />
              </dd>
              <dt>Subscription</dt>
              <dd>
                <StripeLink config={deps.config} id={gift.subscriptionId} />
                {t.recurring ? ` (${t.recurring.status}${t.recurring.paymentIssue ? `; ${declineInWords(t.recurring.declineCode)}` : ''})` : ''}
              </dd>
              {t.recurring?.stripeCustomerId ? (
                <>
                  <dt>Customer</dt>
                  <dd>
                    <StripeLink config={deps.config} id={t.recurring.stripeCustomerId} />
                  </dd>
                </>
              ) : null}
            </dl>
            <h2>Ledger entries</h2>
            <table class="data" id="entries">
              <thead>
                <tr>
                  <th>When (UTC)</th>
                  <th>Kind</th>
                  <th class="num">Amount</th>
                  <th class="num">Fee</th>
                  <th class="num">Net</th>
                  <th>Stripe object</th>
                  <th>Balance transaction</th>
                </tr>
              </thead>
              <tbody>
                {t.entries.map((e) => (
                  <tr>
                    <td>{isoMinute(e.occurredAt)}</td>
                    <td>{e.kind.replace(/_/g, ' ')}</td>
                    <Money minor={e.amountMinor} currency={e.currency} />
                    <Money minor={e.feeMinor} currency={e.settlementCurrency ?? e.currency} />
                    <Money minor={e.netMinor} currency={e.settlementCurrency ?? e.currency} />
                    <td>
                      <StripeLink config={deps.config} id={e.stripeId} />
                    </td>
                    <td>
                      <StripeLink config={deps.config} id={e.balanceTransactionId} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {t.entries.length === 0 ? <p>No money recorded for this gift.</p> : null}
            <RefundsSection giftId={gift.id} refunds={refunds} staff={staff} />
            <h2>Stripe events received</h2>
            <table class="data" id="events">
              <thead>
                <tr>
                  <th>Sent by Stripe (UTC)</th>
                  <th>Type</th>
                  <th>Event</th>
                  <th>Processed</th>
                </tr>
              </thead>
              <tbody>
                {t.events.map((e) => (
                  <tr>
                    <td>{isoMinute(e.stripeCreated * 1000)}</td>
                    <td>{e.type}</td>
                    <td>
                      <StripeLink config={deps.config} id={e.id} />
                    </td>
                    <td>{e.processedAt ? isoMinute(e.processedAt) : e.lastError ? `failed: ${e.lastError}` : 'not yet'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {t.events.length === 0 ? <p>No events received for this gift.</p> : null}
            <h2>Emails</h2>
            <table class="data" id="emails">
              <thead>
                <tr>
                  <th>Queued (UTC)</th>
                  <th>Email</th>
                  <th>To</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody>
                {t.emails.map((m) => (
                  <tr>
                    <td>{isoMinute(m.createdAt)}</td>
                    <td>{m.template}</td>
                    <td>{email(m.to)}</td>
                    <td>{m.status === 'sent' && m.sentAt ? `sent ${isoMinute(m.sentAt)}` : m.status}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {t.emails.length === 0 ? <p>No emails for this gift.</p> : null}
          </>
        ),
      }),
    );
  });

  return app;
}
