// The supporter's account pages. Views only: supporters.routes.tsx decides which one a request gets.
import type { Child } from 'hono/jsx';
import { Csrf } from '../auth/auth.views.js';
import type { Config } from '../config.js';
import { formatMoney, minorToMajorString } from '../lib/money.js';
import { Layout, toHtml } from '../ui/layout.js';
import { brandName, CANCEL_REASONS, isLive, pendingChangeOf, type PendingChange } from './supporters.manage.js';
import type { PaymentRow, RecurringRow } from './supporters.repo.js';

/** Served as /assets/account.css (app.ts): the account's pages inline no style (ui/security.ts). */
export const ACCOUNT_STYLES = `
.account h2{margin-top:2rem}
.gift{border:1px solid var(--rule);border-radius:6px;padding:.8rem 1rem;margin:1rem 0;font:16px/1.5 var(--sans)}
.gift dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.5rem 0}
.gift dt{color:var(--muted)}
.gift dd{margin:0}
.gift form{display:inline-flex;gap:.4rem;align-items:center;margin:.3rem .6rem .3rem 0}
.gift input[type=text]{width:6rem;font:16px/1.4 var(--sans);padding:.4rem}
.pending{background:#fff4ce;border-left:4px solid #9a6700;padding:.4rem .7rem}
.payments{border-collapse:collapse;width:100%;font:15px/1.4 var(--sans)}
.payments th,.payments td{border-bottom:1px solid var(--rule);padding:.35rem .4rem;text-align:left}
.receipt{font:16px/1.5 var(--sans)}
.receipt dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1.2rem}
.receipt dt{color:var(--muted)}
.receipt dd{margin:0}
.danger{background:#b00020}
.secondary{background:#fff;color:var(--accent);border:1px solid var(--accent)}
.stack .reasons{border:1px solid var(--rule);border-radius:6px;padding:.5rem .9rem}
.stack .reasons label{flex-direction:row;align-items:center;gap:.5rem;font-weight:400;margin:.3rem 0}
@media print{.masthead,.site-footer,.no-print{display:none}}
`;

function Page(props: { config: Config; title: string; children: Child }) {
  return toHtml(
    <Layout
      title={`${props.title} | ${props.config.publicationName}`}
      publication={props.config.publicationName}
      head={<link rel="stylesheet" href="/assets/account.css" />}
    >
      <div class="account">{props.children}</div>
    </Layout>,
  );
}

const INTERVAL_WORDS = { month: 'a month', year: 'a year' } as const;
const day = (ms: number): string => new Date(ms).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

export function amountText(row: Pick<RecurringRow, 'amountMinor' | 'currency' | 'interval'>): string {
  if (row.amountMinor == null || !row.currency) return 'amount not yet known';
  return `${formatMoney(row.amountMinor, row.currency)}${row.interval ? ` ${INTERVAL_WORDS[row.interval]}` : ''}`;
}

function statusText(row: RecurringRow): string {
  if (row.status === 'canceled') return 'Cancelled';
  if (row.pauseBehavior) return 'Paused: no payments are taken';
  if (row.paymentIssue) return 'Active, but the last payment failed';
  if (row.status === 'past_due') return 'Active, payment overdue';
  return row.status === 'active' || row.status === 'trialing' ? 'Active' : row.status;
}

function pendingText(p: PendingChange, currency: string | null): string {
  switch (p.kind) {
    case 'amount':
      return `Changing the amount to ${currency ? formatMoney(p.amountMinor, currency) : p.amountMinor}`;
    case 'interval':
      return `Switching to ${p.interval === 'month' ? 'monthly' : 'annual'}`;
    case 'pause':
      return 'Pausing';
    case 'resume':
      return 'Resuming';
    case 'cancel':
      return 'Cancelling';
  }
}

export type AccountView = {
  config: Config;
  email: string;
  csrf: string;
  requestId: string;
  recurring: { row: RecurringRow; card: { brand: string; last4: string } | null }[];
  payments: PaymentRow[];
  notice?: string | null;
  /** ms: a pending change older than PENDING_FOR_MS is no longer shown */
  now: number;
};

/** The same giving over the other interval, in whole units: twelve months a year. */
function switchedMajor(row: RecurringRow): string {
  if (row.amountMinor == null || !row.currency) return '';
  const unit = row.currency === 'jpy' || row.currency === 'krw' ? 1 : 100;
  const minor = row.interval === 'year' ? Math.max(unit, Math.round(row.amountMinor / 12 / unit) * unit) : row.amountMinor * 12;
  return minorToMajorString(minor, row.currency, { trim: true });
}

function RecurringGift(props: { v: AccountView; row: RecurringRow; card: { brand: string; last4: string } | null }) {
  const { v, row, card } = props;
  const pending = pendingChangeOf(row, v.now);
  const live = isLive(row);
  const base = `/account/recurring/${row.id}`;
  const hidden = (
    <>
      <Csrf token={v.csrf} />
      <input type="hidden" name="request_id" value={v.requestId} />
    </>
  );
  const major = row.amountMinor != null && row.currency ? minorToMajorString(row.amountMinor, row.currency, { trim: true }) : '';
  return (
    <section class="gift" data-recurring={row.id}>
      <h3>{amountText(row)}</h3>
      <dl>
        <dt>Status</dt>
        <dd data-status>{statusText(row)}</dd>
        {live && !row.pauseBehavior && row.currentPeriodEnd ? (
          <>
            <dt>Next payment</dt>
            <dd>{day(row.currentPeriodEnd)}</dd>
          </>
        ) : null}
        {/* an ended gift's card is not asked of Stripe: "not known" there would only puzzle */}
        {live || card ? (
          <>
            <dt>Card</dt>
            <dd data-card>{card ? `${brandName(card.brand)} ending ${card.last4}` : 'not known'}</dd>
          </>
        ) : null}
        {row.status === 'canceled' && row.canceledAt ? (
          <>
            <dt>Cancelled on</dt>
            <dd>{day(row.canceledAt)}</dd>
          </>
        ) : null}
      </dl>
      {pending ? (
        <p class="pending" role="status" data-pending>
          {pendingText(pending, row.currency)}: waiting for confirmation from our payment provider. Reload this page in a moment.
        </p>
      ) : null}
      {live && !pending ? (
        <div class="no-print">
          <form method="post" action={`${base}/amount`}>
            {hidden}
            <label for={`amount-${row.id}`}>New amount</label>
            <input id={`amount-${row.id}`} type="text" inputmode="decimal" name="amount" value={major} required />
            <button type="submit">Change amount</button>
          </form>
          <form method="post" action={`${base}/interval`}>
            {hidden}
            <input type="hidden" name="interval" value={row.interval === 'year' ? 'month' : 'year'} />
            <label for={`switch-${row.id}`}>{row.interval === 'year' ? 'Monthly amount' : 'Annual amount'}</label>
            <input id={`switch-${row.id}`} type="text" inputmode="decimal" name="amount" value={switchedMajor(row)} required />
            <button type="submit" class="secondary">
              {row.interval === 'year' ? 'Switch to monthly' : 'Switch to annual'}
            </button>
          </form>
          {row.pauseBehavior ? (
            <form method="post" action={`${base}/resume`}>
              {hidden}
              <button type="submit">Resume payments</button>
            </form>
          ) : (
            <form method="post" action={`${base}/pause`}>
              {hidden}
              <button type="submit" class="secondary">
                Pause payments
              </button>
            </form>
          )}
          <form method="post" action={`${base}/card`}>
            {hidden}
            <button type="submit" class="secondary">
              Update card
            </button>
          </form>
          <a href={`${base}/cancel`}>Cancel this gift</a>
          <p>
            <small>
              A new amount is taken from your next payment. Switching between monthly and annual starts the new period today, with its first payment.
            </small>
          </p>
        </div>
      ) : null}
    </section>
  );
}

export function accountPage(v: AccountView): string {
  return Page({
    config: v.config,
    title: 'Your account',
    children: (
      <>
        <h1>Your account</h1>
        {v.notice ? (
          <p class="notice" role="status">
            {v.notice}
          </p>
        ) : null}
        <p>Signed in as {v.email}.</p>
        <h2>Regular gifts</h2>
        {v.recurring.length ? v.recurring.map((r) => <RecurringGift v={v} row={r.row} card={r.card} />) : <p>You have no regular gifts.</p>}
        <h2>Payments</h2>
        {v.payments.length ? (
          <table class="payments">
            <thead>
              <tr>
                <th>Date</th>
                <th>Gift</th>
                <th>Amount</th>
                <th>Receipt</th>
              </tr>
            </thead>
            <tbody>
              {v.payments.map((p) => (
                <tr>
                  <td>{day(p.occurredAt)}</td>
                  <td>{p.kind === 'renewal' ? 'Regular gift' : p.frequency === 'one_off' ? 'One-off gift' : 'Regular gift, first payment'}</td>
                  <td>{formatMoney(p.amountMinor, p.currency)}</td>
                  <td>
                    <a href={`/account/receipts/${p.id}`}>Receipt</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p>No payments yet. A payment appears here once our payment provider confirms it.</p>
        )}
        <h2>Your data</h2>
        <p>
          <a href="/account/data">Download your data (JSON)</a> · <a href="/account/delete">Delete your account</a>
        </p>
        <form method="post" action="/signout">
          <Csrf token={v.csrf} />
          <button type="submit">Sign out</button>
        </form>
        <form method="post" action="/signout/everywhere">
          <Csrf token={v.csrf} />
          <button type="submit" class="link-button">
            Sign out on every device
          </button>
        </form>
      </>
    ),
  });
}

/**
 * The Stripe id of the payment (in_… for a regular gift, pi_… for a one-off one): the number
 * its emailed receipt and the annual statement print, so all three agree, and one staff can
 * look up in Stripe.
 */
export function receiptNumber(entry: Pick<PaymentRow, 'stripeId'>): string {
  return entry.stripeId;
}

export function receiptPage(p: { config: Config; entry: PaymentRow; method: string | null; email: string }): string {
  const { config, entry } = p;
  return Page({
    config,
    title: 'Receipt',
    children: (
      <section class="receipt">
        <h1>Receipt</h1>
        <dl>
          <dt>Receipt number</dt>
          <dd data-receipt-number>{receiptNumber(entry)}</dd>
          <dt>Date</dt>
          <dd>{day(entry.occurredAt)}</dd>
          <dt>Amount</dt>
          <dd data-amount>{formatMoney(entry.amountMinor, entry.currency)}</dd>
          <dt>Gift</dt>
          <dd>{entry.kind === 'renewal' || entry.frequency !== 'one_off' ? `Regular gift (${entry.frequency})` : 'One-off gift'}</dd>
          <dt>Paid by</dt>
          <dd data-method>{p.method ?? 'card'}</dd>
          <dt>From</dt>
          <dd>{p.email}</dd>
          <dt>To</dt>
          <dd>
            {config.publicationName}
            {config.publicationDetails ? (
              <>
                <br />
                {config.publicationDetails}
              </>
            ) : null}
          </dd>
        </dl>
        <p>Thank you for supporting {config.publicationName}.</p>
        <p class="no-print">
          Use your browser's Print command to print or save this receipt. <a href="/account">Back to your account</a>
        </p>
      </section>
    ),
  });
}

export function cancelPage(p: {
  config: Config;
  row: RecurringRow;
  csrf: string;
  requestId: string;
  smallerMinor: number | null;
  error?: string | null;
}): string {
  const { row } = p;
  const base = `/account/recurring/${row.id}`;
  const hidden = (
    <>
      <Csrf token={p.csrf} />
      <input type="hidden" name="request_id" value={p.requestId} />
    </>
  );
  return Page({
    config: p.config,
    title: 'Cancel your regular gift',
    children: (
      <>
        <h1>Before you cancel your {amountText(row)} gift</h1>
        {p.error ? (
          <p class="error" role="alert">
            {p.error}
          </p>
        ) : null}
        <p>Every gift, however small, keeps our reporting free for everyone. Would one of these suit you better?</p>
        <section class="gift">
          {p.smallerMinor && row.currency ? (
            <form method="post" action={`${base}/amount`}>
              {hidden}
              <input type="hidden" name="amount" value={minorToMajorString(p.smallerMinor, row.currency, { trim: true })} />
              <button type="submit">
                Give {formatMoney(p.smallerMinor, row.currency)}
                {row.interval ? ` ${INTERVAL_WORDS[row.interval]}` : ''} instead
              </button>
            </form>
          ) : null}
          {row.pauseBehavior ? null : (
            <form method="post" action={`${base}/pause`}>
              {hidden}
              <button type="submit" class="secondary">
                Pause payments instead
              </button>
            </form>
          )}
        </section>
        <h2>Cancel</h2>
        <form method="post" action={`${base}/cancel`} class="stack">
          {hidden}
          <fieldset class="reasons">
            <legend>Why are you cancelling?</legend>
            {Object.entries(CANCEL_REASONS).map(([value, label]) => (
              <label>
                <input type="radio" name="reason" value={value} required /> {label}
              </label>
            ))}
          </fieldset>
          <label>
            Anything you would like to tell us (optional)
            <textarea name="comment" maxlength={1000} rows={3} />
          </label>
          <button type="submit" class="danger">
            Cancel my regular gift
          </button>
        </form>
        <p>
          <a href="/account">Keep my gift as it is</a>
        </p>
      </>
    ),
  });
}

export function deletePage(p: { config: Config; csrf: string; liveCount: number }): string {
  return Page({
    config: p.config,
    title: 'Delete your account',
    children: (
      <>
        <h1>Delete your account</h1>
        <p>We will erase your name and email address from everything we hold and sign you out everywhere.</p>
        {p.liveCount ? (
          <p>Your {p.liveCount === 1 ? 'regular gift is' : `${p.liveCount} regular gifts are`} cancelled first, so no further payment is taken.</p>
        ) : null}
        <p>
          Our accounts keep a record of the amounts given and when, without your name or email, because the law requires us to keep financial records. Our
          payment provider keeps its own records of your payments; see our privacy notice.
        </p>
        <form method="post" action="/account/delete" class="stack">
          <Csrf token={p.csrf} />
          <label>
            <span>
              <input type="checkbox" name="confirm" value="yes" required /> I understand this cannot be undone
            </span>
          </label>
          <button type="submit" class="danger">
            Delete my account
          </button>
        </form>
        <p>
          <a href="/account">Back to your account</a>
        </p>
      </>
    ),
  });
}

export function deletedPage(config: Config): string {
  return Page({
    config,
    title: 'Account deleted',
    children: (
      <>
        <h1>Your account has been deleted</h1>
        <p>We have erased your personal data and signed you out. Thank you for your support.</p>
        <p>
          <a href="/">Back to the story</a>
        </p>
      </>
    ),
  });
}
