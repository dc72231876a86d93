// Staff-only pages. For now: who is signed in, and the audit log for admins; the dashboard
// grows here on top of requireStaff.
import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { z } from 'zod';
import { recentAudit } from '../auth/auth.repo.js';
import { privatePage, requireStaff } from '../auth/auth.middleware.js';
import { Csrf } from '../auth/auth.views.js';
import type { StaffEnv, StaffPrincipal } from '../deps.js';
import { parseInput } from '../lib/validate.js';
import { Layout, toHtml } from '../ui/layout.js';

function StaffBar(props: { staff: StaffPrincipal; csrf: string }) {
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

function StaffPage(props: { title: string; publication: string; staff: StaffPrincipal; csrf: string; children: Child }) {
  return toHtml(
    <Layout title={`${props.title} | ${props.publication}`} publication={props.publication} masthead={<StaffBar staff={props.staff} csrf={props.csrf} />}>
      <h1>{props.title}</h1>
      {props.children}
    </Layout>,
  );
}

const auditQuery = z.object({
  before_at: z.coerce.number({ error: 'must be a time in ms' }).int().nonnegative().optional(),
  before_id: z.string().max(64).optional(),
});

const AUDIT_PAGE = 100;

export function financeRoutes(): Hono<StaffEnv> {
  const app = new Hono<StaffEnv>();
  app.use(privatePage());

  app.get('/', requireStaff('viewer'), (c) => {
    const { staff, session, deps } = c.var;
    return c.html(
      StaffPage({
        title: 'Finance',
        publication: deps.config.publicationName,
        staff,
        csrf: session.csrfToken,
        children: (
          <>
            <p>
              Signed in as {staff.name}, role {staff.role}.
            </p>
            <p>The finance dashboard arrives here. Until then, the CLI exports contributions and reports payouts.</p>
            {staff.role === 'admin' ? (
              <p>
                <a href="/finance/audit">Audit log</a>
              </p>
            ) : null}
          </>
        ),
      }),
    );
  });

  app.get('/audit', requireStaff('admin'), async (c) => {
    const { staff, session, deps } = c.var;
    const q = parseInput(auditQuery, c.req.query());
    const before = q.before_at !== undefined && q.before_id ? { at: q.before_at, id: q.before_id } : undefined;
    const rows = await recentAudit(deps.db, AUDIT_PAGE, before);
    const last = rows.length === AUDIT_PAGE ? rows[rows.length - 1] : undefined;
    if (c.req.header('accept')?.includes('application/json')) return c.json({ entries: rows.map((r) => ({ ...r, details: JSON.parse(r.details) as unknown })) });
    return c.html(
      StaffPage({
        title: 'Audit log',
        publication: deps.config.publicationName,
        staff,
        csrf: session.csrfToken,
        children: (
          <>
            <table class="audit">
              <thead>
                <tr>
                  <th>When (UTC)</th>
                  <th>Who</th>
                  <th>What</th>
                  <th>Target</th>
                  <th>From</th>
                  <th>Details</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr>
                    <td>{new Date(r.at).toISOString().replace('T', ' ').slice(0, 19)}</td>
                    <td>{r.actor ?? '(unknown)'}</td>
                    <td>{r.action}</td>
                    <td>{r.target ?? ''}</td>
                    <td title={r.userAgent ?? ''}>{r.ip ?? ''}</td>
                    <td>
                      <code>{r.details === '{}' ? '' : r.details}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {last ? (
              <p>
                <a href={`/finance/audit?before_at=${last.at}&before_id=${encodeURIComponent(last.id)}`}>Older entries</a>
              </p>
            ) : null}
          </>
        ),
      }),
    );
  });

  return app;
}
