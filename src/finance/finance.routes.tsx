// Staff-only pages: the dashboard (finance.overview.tsx, finance.contributions.tsx, finance.timeline.tsx), and the staff list and audit log
// for admins, all on top of requireStaff.
import { type Context, Hono } from 'hono';
import { STAFF_ROLES } from '../../db/schema.js';
import { requestOrigin } from '../auth/auth.audit.js';
import { staffChangeStatements } from '../auth/auth.staff.js';
import { z } from 'zod';
import { findStaff, listStaff, recentAudit, type StaffRow } from '../auth/auth.repo.js';
import { privatePage, requireStaff } from '../auth/auth.middleware.js';
import { Csrf } from '../auth/auth.views.js';
import type { AppEnv, StaffEnv } from '../deps.js';
import { AppError } from '../lib/errors.js';
import { parseInput, validate } from '../lib/validate.js';
import { StaffPage, staffErrorPage } from './finance.layout.js';
import { contributionRoutes } from './finance.contributions.js';
import { overviewRoutes } from './finance.overview.js';
import { timelineRoutes } from './finance.timeline.js';
import { exportRoutes } from './finance.export.js';
import { refundRoutes } from './finance.refunds.routes.js';
import { attributionRoutes } from './finance.attribution.js';
import { payoutRoutes } from './finance.payouts.js';
import { supporterRoutes } from './finance.supporters.js';
import { ApiTokensSection, tokenRoutes } from './finance.tokens.js';
import { listApiTokens } from '../auth/auth.tokens.repo.js';

const auditQuery = z.object({
  before_at: z.coerce.number({ error: 'must be a time in ms' }).int().nonnegative().optional(),
  before_id: z.string().max(64).optional(),
});

const AUDIT_PAGE = 100;

export function financeRoutes(): Hono<StaffEnv> {
  const app = new Hono<StaffEnv>();
  app.use(privatePage());
  app.use(async (c, next) => {
    c.set('htmlError', (e) => staffErrorPage(c, e));
    await next();
  });

  app.route('/', overviewRoutes());
  app.route('/', contributionRoutes());
  app.route('/', timelineRoutes());
  app.route('/', supporterRoutes());
  app.route('/', attributionRoutes());
  app.route('/', payoutRoutes());
  app.route('/', exportRoutes());
  app.route('/', tokenRoutes());
  app.route('/', refundRoutes());

  app.get('/audit', requireStaff('admin'), async (c) => {
    const { staff, session, deps } = c.var;
    const q = parseInput(auditQuery, c.req.query());
    const before = q.before_at !== undefined && q.before_id ? { at: q.before_at, id: q.before_id } : undefined;
    const rows = await recentAudit(deps.db, AUDIT_PAGE, before);
    const last = rows.length === AUDIT_PAGE ? rows[rows.length - 1] : undefined;
    if (c.req.header('accept')?.includes('application/json'))
      return c.json({ entries: rows.map((r) => ({ ...r, details: JSON.parse(r.details) as unknown })) });
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

  app.get('/staff', requireStaff('admin'), async (c) => {
    const { staff: me, session, deps } = c.var;
    const [rows, tokens] = await Promise.all([listStaff(deps.db), listApiTokens(deps.db)]);
    const notice = c.req.query('changed')
      ? 'Saved. Their sessions have ended where the change needs a new sign-in.'
      : c.req.query('token_revoked')
        ? 'Token revoked: it no longer opens the API.'
        : null;
    return c.html(
      StaffPage({
        title: 'Staff',
        publication: deps.config.publicationName,
        staff: me,
        csrf: session.csrfToken,
        children: (
          <>
            {notice ? (
              <p class="notice" role="status">
                {notice}
              </p>
            ) : null}
            <p>
              Add people with <code>npm run cli -- staff add --email … --role …</code>; it prints the link where they set their password.
            </p>
            <table class="audit">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Email</th>
                  <th>Role</th>
                  <th>Second factor</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr>
                    <td>{r.name}</td>
                    <td>{r.email}</td>
                    <td>
                      {r.id === me.id ? (
                        r.role
                      ) : (
                        <form method="post" action={`/finance/staff/${r.id}/role`}>
                          <Csrf token={session.csrfToken} />
                          <label class="visually-hidden" for={`role-${r.id}`}>
                            Role of {r.name}
                          </label>
                          <select id={`role-${r.id}`} name="role">
                            {STAFF_ROLES.map((role) => (
                              <option value={role} selected={role === r.role}>
                                {role}
                              </option>
                            ))}
                          </select>{' '}
                          <button type="submit" class="link-button">
                            Change role
                          </button>
                        </form>
                      )}
                    </td>
                    <td>{r.totpEnrolledAt ? 'on' : r.role === 'viewer' ? 'not needed' : 'at next sign-in'}</td>
                    <td>
                      {r.disabled ? 'disabled' : 'active'}
                      {r.id === me.id ? null : (
                        <form method="post" action={`/finance/staff/${r.id}/status`}>
                          <Csrf token={session.csrfToken} />
                          <input type="hidden" name="disabled" value={r.disabled ? 'false' : 'true'} />
                          <button type="submit" class="link-button">
                            {r.disabled ? `Enable ${r.name}` : `Disable ${r.name}`}
                          </button>
                        </form>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <ApiTokensSection tokens={tokens} people={rows} csrf={session.csrfToken} now={deps.now()} />
          </>
        ),
      }),
    );
  });

  /** The person an admin is changing; never the admin themself (they could lock everyone out). */
  async function otherStaff(c: Context<StaffEnv>): Promise<StaffRow> {
    const person = await findStaff(c.var.deps.db, c.req.param('id') ?? '');
    if (!person) throw new AppError('not_found', 'There is no such member of staff.');
    if (person.id === c.var.staff.id) throw new AppError('conflict', 'You cannot change your own role or disable yourself; ask another admin.');
    return person;
  }

  app.post(
    '/staff/:id/role',
    requireStaff('admin'),
    validate('form', z.object({ role: z.enum(STAFF_ROLES, { error: `must be one of ${STAFF_ROLES.join(', ')}` }) })),
    async (c) => {
      const { deps, staff: me } = c.var;
      const person = await otherStaff(c);
      const { role } = c.req.valid('form');
      await deps.db.atomic(
        staffChangeStatements(
          deps.db,
          person,
          { kind: 'role', role },
          { actor: `staff:${me.id}`, origin: requestOrigin(c as unknown as Context<AppEnv>) },
          deps.now(),
        ),
      );
      return c.redirect('/finance/staff?changed=1', 303);
    },
  );

  app.post(
    '/staff/:id/status',
    requireStaff('admin'),
    validate('form', z.object({ disabled: z.enum(['true', 'false'], { error: 'must be true or false' }) })),
    async (c) => {
      const { deps, staff: me } = c.var;
      const person = await otherStaff(c);
      const disabled = c.req.valid('form').disabled === 'true';
      await deps.db.atomic(
        staffChangeStatements(
          deps.db,
          person,
          { kind: 'disabled', disabled },
          { actor: `staff:${me.id}`, origin: requestOrigin(c as unknown as Context<AppEnv>) },
          deps.now(),
        ),
      );
      return c.redirect('/finance/staff?changed=1', 303);
    },
  );

  return app;
}
