// The frame of every staff page: who is signed in (with sign-out), where to go, the title.
import type { Child } from 'hono/jsx';
import { Csrf } from '../auth/auth.views.js';
import type { Context } from 'hono';
import type { StaffEnv, StaffPrincipal } from '../deps.js';
import type { PublicError } from '../lib/errors.js';
import { formatMoney, isKnownCurrency } from '../lib/money.js';
import { INPUT_ERROR_MESSAGE } from '../lib/validate.js';
import { declineInWords, isoMinute } from './finance.js';
import type { FailedRenewal } from './finance.lists.repo.js';
import { ErrorNotice, errorTitle, renderErrorPage } from '../ui/error-page.js';
import { Layout, toHtml } from '../ui/layout.js';

export function StaffBar(props: { staff: StaffPrincipal; csrf: string }) {
  return (
    <div class="staff-bar">
      <span>
        Signed in as <strong>{props.staff.name}</strong>, role <strong>{props.staff.role}</strong>
      </span>
      <form method="post" action="/signout">
        <Csrf token={props.csrf} />
        <button type="submit" class="link-button">
          Sign out
        </button>
      </form>
      <form method="post" action="/signout/everywhere">
        <Csrf token={props.csrf} />
        <button type="submit" class="link-button">
          Sign out everywhere
        </button>
      </form>
    </div>
  );
}

/** The pages staff move between; the admin's pages only for admins. */
function FinanceNav(props: { staff: StaffPrincipal }) {
  const links: [string, string][] = [
    ['/finance', 'Overview'],
    ['/finance/contributions', 'Contributions'],
    ['/finance/supporters', 'Supporters'],
    ['/finance/failed', 'Failed payments'],
    ['/finance/attribution', 'Attribution'],
    ['/finance/payouts', 'Payouts'],
  ];
  if (props.staff.role === 'admin') links.push(['/finance/staff', 'Staff'], ['/finance/audit', 'Audit log']);
  return (
    <nav class="finance-nav" aria-label="Finance">
      {links.map(([href, label]) => (
        <a href={href}>{label}</a>
      ))}
    </nav>
  );
}

export function StaffPage(props: { title: string; publication: string; staff: StaffPrincipal; csrf: string; children: Child }) {
  return toHtml(
    <Layout title={`${props.title} | ${props.publication}`} publication={props.publication} masthead={<StaffBar staff={props.staff} csrf={props.csrf} />}>
      <div class="finance">
        <FinanceNav staff={props.staff} />
        <h1>{props.title}</h1>
        {props.children}
      </div>
    </Layout>,
  );
}

/** A form's bad fields above it, each named, as a staff form shows them. */
export function FieldErrorList(props: { errors: Record<string, string> }) {
  const list = Object.entries(props.errors);
  if (!list.length) return null;
  return (
    <div class="notice" role="alert">
      <p>{INPUT_ERROR_MESSAGE}:</p>
      <ul>
        {list.map(([name, problem]) => (
          <li>
            {name}: {problem}
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * The way back from an error on a staff page: a gift's refund pages lead back to the gift,
 * everything else to the overview (the readers' error page would offer "Back to the story").
 */
function backFrom(path: string): { href: string; label: string } {
  const gift = /^\/finance\/gifts\/([A-Za-z0-9_]{1,64})\//.exec(path)?.[1];
  return gift ? { href: `/finance/gifts/${gift}`, label: 'Back to the gift' } : { href: '/finance', label: 'Back to the finance overview' };
}

/**
 * A staff page's error as staff see it: in the staff frame when the person is known (a 403
 * comes before that, so it gets the plain page), with a title that does not blame the sender
 * for what Stripe refused, and a way back into the dashboard.
 */
export function staffErrorPage(c: Context<StaffEnv>, e: PublicError): string {
  const publication = c.var.deps.config.publicationName;
  const back = backFrom(c.req.path);
  const staff = c.get('staff') as StaffPrincipal | undefined;
  const session = c.get('session') as { csrfToken: string } | undefined;
  const title = e.status === 409 ? (back.label === 'Back to the gift' ? 'Refund not confirmed' : 'This could not be done') : errorTitle(e.status);
  if (!staff || !session) return renderErrorPage({ publication, title, message: e.message, fields: e.fields, reference: e.reference, back });
  return StaffPage({
    title,
    publication,
    staff,
    csrf: session.csrfToken,
    children: <ErrorNotice message={e.message} fields={e.fields} back={back} reference={e.reference} audience="staff" />,
  });
}

/** An amount in its currency, or a dash when there is none (a fee not yet reported). */
export function Money(props: { minor: number | null; currency: string | null }) {
  if (props.minor == null || !props.currency) return <td class="num">–</td>;
  const text = isKnownCurrency(props.currency) ? formatMoney(props.minor, props.currency) : `${props.minor} ${props.currency}`;
  return <td class={props.minor < 0 ? 'num neg' : 'num'}>{text}</td>;
}

export const PERIOD_LINKS = [
  ['today', 'Today'],
  ['month', 'This month'],
  ['year', 'This year'],
] as const;

/** Renewals whose payment failed: the overview's awaiting retry, and the failed payments page's all. */
export function FailedRenewalsTable(props: { id: string; rows: FailedRenewal[]; email: (e: string | null) => string; withStatus?: boolean; noRetry: string }) {
  return (
    <table class="data" id={props.id}>
      <thead>
        <tr>
          <th>Subscription</th>
          <th>Supporter</th>
          <th class="num">Amount</th>
          {props.withStatus ? <th>Status</th> : null}
          <th>Why</th>
          <th>Next retry (UTC)</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((r) => (
          <tr>
            <td>{r.giftId ? <a href={`/finance/gifts/${encodeURIComponent(r.giftId)}`}>{r.stripeSubscriptionId}</a> : r.stripeSubscriptionId}</td>
            <td>{props.email(r.supporterEmail)}</td>
            <Money minor={r.amountMinor} currency={r.currency} />
            {props.withStatus ? <td>{r.status}</td> : null}
            <td>{declineInWords(r.declineCode)}</td>
            <td>{r.nextPaymentAttemptAt ? isoMinute(r.nextPaymentAttemptAt) : props.noRetry}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
