// The frame of every staff page: who is signed in (with sign-out), where to go, the title.
import type { Child } from 'hono/jsx';
import { Csrf } from '../auth/auth.views.js';
import type { StaffPrincipal } from '../deps.js';
import { INPUT_ERROR_MESSAGE } from '../lib/validate.js';
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
