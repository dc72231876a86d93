// API tokens on the admin's staff page: the list (never the secrets), a form to make one for
// a member of staff, and revocation. A new token is shown once, in the answer to the form
// that made it; the database keeps only its hash.
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { requestOrigin } from '../auth/auth.audit.js';
import { requireStaff } from '../auth/auth.middleware.js';
import { findStaff, type StaffRow } from '../auth/auth.repo.js';
import { API_TOKEN_NAME_MAX, apiTokenExpiry, apiTokenState, newApiToken, revokeApiTokenStatements } from '../auth/auth.tokens.js';
import type { ApiTokenListing } from '../auth/auth.tokens.repo.js';
import { Csrf } from '../auth/auth.views.js';
import type { AppEnv, StaffEnv } from '../deps.js';
import { AppError, prefersHtml } from '../lib/errors.js';
import { INPUT_ERROR_MESSAGE, validate } from '../lib/validate.js';
import { StaffPage } from './finance.layout.js';
import { DAY_MS, ID_PARAM, iso, isoMinute } from './finance.js';

export const newTokenForm = z.object({
  staff_id: z.string({ error: 'choose whose token it is' }).regex(ID_PARAM, { error: 'choose whose token it is' }),
  name: z
    .string({ error: 'give the token a name' })
    .trim()
    .min(1, { error: 'give the token a name' })
    .max(API_TOKEN_NAME_MAX, { error: `must be at most ${API_TOKEN_NAME_MAX} characters` }),
  expires: z.preprocess((v) => (v === '' ? undefined : v), z.string().max(10, { error: 'must be a date like 2027-03-31' }).optional()),
});

export function ApiTokensSection(props: { tokens: ApiTokenListing[]; people: StaffRow[]; csrf: string; now: number }) {
  const { tokens, now } = props;
  return (
    <section id="api-tokens">
      <h2>API tokens</h2>
      <p class="hint">
        A token reads the finance JSON API (<code>/finance/api/…</code>) as its owner, with the owner's role at the time of each request. It stops working when
        it is revoked, when it expires, or when its owner is disabled.
      </p>
      {tokens.length === 0 ? (
        <p>No API tokens yet.</p>
      ) : (
        <table class="audit" id="api-token-list">
          <thead>
            <tr>
              <th>Name</th>
              <th>Owner</th>
              <th>Created (UTC)</th>
              <th>Last used (UTC)</th>
              <th>Expires (UTC)</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => {
              const state = apiTokenState(t, now);
              return (
                <tr data-token={t.id}>
                  <td>{t.name}</td>
                  <td>{t.staffName}</td>
                  <td>{isoMinute(t.createdAt)}</td>
                  <td>{t.lastUsedAt ? isoMinute(t.lastUsedAt) : 'never'}</td>
                  <td>{t.expiresAt ? iso(t.expiresAt - DAY_MS) : 'never'}</td>
                  <td>
                    {state}
                    {state === 'active' ? (
                      <form method="post" action={`/finance/staff/tokens/${t.id}/revoke`}>
                        <Csrf token={props.csrf} />
                        <button type="submit" class="link-button">
                          Revoke {t.name}
                        </button>
                      </form>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <form method="post" action="/finance/staff/tokens" class="filters" id="new-token">
        <Csrf token={props.csrf} />
        <label>
          Owner
          <select name="staff_id">
            {props.people
              .filter((p) => !p.disabled)
              .map((p) => (
                <option value={p.id}>
                  {p.name} ({p.role})
                </option>
              ))}
          </select>
        </label>
        <label>
          Token name <input type="text" name="name" required maxlength={API_TOKEN_NAME_MAX} placeholder="BI dashboard" />
        </label>
        <label>
          Last day (UTC, optional) <input type="date" name="expires" />
        </label>
        <button type="submit">Create token</button>
      </form>
    </section>
  );
}

export function tokenRoutes(): Hono<StaffEnv> {
  const app = new Hono<StaffEnv>();
  const by = (c: Context<StaffEnv>) => ({ actor: `staff:${c.var.staff.id}`, origin: requestOrigin(c as unknown as Context<AppEnv>) });

  app.post('/staff/tokens', requireStaff('admin'), validate('form', newTokenForm), async (c) => {
    const { deps, staff: me, session } = c.var;
    const form = c.req.valid('form');
    const now = deps.now();
    const expiry = form.expires ? apiTokenExpiry(form.expires, now) : null;
    if (expiry && !expiry.ok) throw new AppError('bad_request', INPUT_ERROR_MESSAGE, { expires: expiry.reason });
    const expiresAt = expiry?.ok ? expiry.expiresAt : null;
    const owner = await findStaff(deps.db, form.staff_id);
    if (!owner) throw new AppError('bad_request', INPUT_ERROR_MESSAGE, { staff_id: 'is not a member of staff' });
    const made = await newApiToken(deps.db, owner, { name: form.name, expiresAt }, by(c), now);
    await deps.db.atomic(made.statements);
    if (!prefersHtml(c.req.header('content-type'), c.req.header('accept')))
      return c.json(
        { id: made.id, token: made.token, name: form.name, staff_id: owner.id, expires_at: expiresAt == null ? null : new Date(expiresAt).toISOString() },
        201,
      );
    return c.html(
      StaffPage({
        title: 'API token created',
        publication: deps.config.publicationName,
        staff: me,
        csrf: session.csrfToken,
        children: (
          <>
            <p class="notice" role="status">
              Copy this token now: it is shown only this once, and Storyfund keeps no copy it could show again.
            </p>
            <p>
              <strong>{form.name}</strong>, acting as {owner.name} ({owner.role}){expiresAt ? `, until the end of ${iso(expiresAt - DAY_MS)} (UTC)` : ''}:
            </p>
            <p>
              <code id="api-token-secret">{made.token}</code>
            </p>
            <p class="hint">
              Send it as <code>Authorization: Bearer …</code> to the endpoints under <code>/finance/api/</code>.
            </p>
            <p>
              <a href="/finance/staff#api-tokens">Back to staff and tokens</a>
            </p>
          </>
        ),
      }),
      201,
    );
  });

  app.post('/staff/tokens/:id/revoke', requireStaff('admin'), async (c) => {
    const { deps } = c.var;
    const id = c.req.param('id');
    if (!ID_PARAM.test(id)) throw new AppError('not_found', 'There is no API token with this id.');
    await deps.db.atomic(await revokeApiTokenStatements(deps.db, id, by(c), deps.now()));
    return c.redirect('/finance/staff?token_revoked=1#api-tokens', 303);
  });

  return app;
}
