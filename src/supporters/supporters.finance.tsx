// Finance staff act on a supporter's request: download their data, or erase it, from the
// supporter's page (finance.supporters.tsx); every action is audit-logged with the staff member as its actor.
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { auditStatement, requestOrigin } from '../auth/auth.audit.js';
import { privatePage, requireStaff } from '../auth/auth.middleware.js';
import { Csrf } from '../auth/auth.views.js';
import type { AppEnv, StaffEnv } from '../deps.js';
import { AppError } from '../lib/errors.js';
import { parseInput } from '../lib/validate.js';
import { eraseSupporter } from './supporters.privacy.js';
import { findSupporterById, supporterData } from './supporters.repo.js';

const idParam = z.string().max(64);
const eraseForm = z.object({ confirm: z.literal('yes', { error: 'tick the box to confirm' }) });

export function financeSupporterRoutes(): Hono<StaffEnv> {
  const app = new Hono<StaffEnv>();
  // per route: this app shares /finance/supporters with the viewer-readable list and detail pages
  const guard = [privatePage(), requireStaff('finance')] as const;

  const load = async (db: StaffEnv['Variables']['deps']['db'], id: string) => {
    const row = await findSupporterById(db, parseInput(idParam, id));
    if (!row) throw new AppError('not_found', 'There is no supporter with this id.');
    return row;
  };

  app.get('/:id/data', ...guard, async (c) => {
    const { deps, staff } = c.var;
    const row = await load(deps.db, c.req.param('id'));
    const data = await supporterData(deps.db, row);
    await deps.db.atomic([
      auditStatement(
        deps.db,
        { actor: `staff:${staff.id}`, action: 'supporter.data_exported', target: `supporter:${row.id}` },
        requestOrigin(c as unknown as Context<AppEnv>),
        deps.now(),
      ),
    ]);
    c.header('content-disposition', `attachment; filename="supporter-${row.id}.json"`);
    return c.json({ exported_at: new Date(deps.now()).toISOString(), publication: deps.config.publicationName, ...data });
  });

  app.post('/:id/erase', ...guard, async (c) => {
    const { deps, staff } = c.var;
    const row = await load(deps.db, c.req.param('id'));
    const type = c.req.header('content-type') ?? '';
    parseInput(eraseForm, type.includes('application/json') ? await c.req.json().catch(() => ({})) : await c.req.parseBody());
    const { cancelled } = await eraseSupporter(deps, row, { actor: `staff:${staff.id}`, origin: requestOrigin(c as unknown as Context<AppEnv>) });
    if ((c.req.header('accept') ?? '').includes('application/json')) return c.json({ erased: row.id, recurring_cancelled: cancelled });
    return c.redirect(`/finance/supporters/${row.id}`, 303);
  });

  return app;
}

/** The supporter page's privacy section, for roles that may erase (auth.permissions.ts). */
export function SupporterPrivacyActions(props: { id: string; erasedAt: number | null; csrf: string }) {
  if (props.erasedAt) return <p class="notice">This supporter’s personal data was erased on {new Date(props.erasedAt).toISOString().slice(0, 10)}.</p>;
  return (
    <section id="privacy">
      <h2>Privacy requests</h2>
      <p>
        <a href={`/finance/supporters/${props.id}/data`}>Download their data (JSON)</a>
      </p>
      <p>Erasing cancels their live regular gifts in Stripe, then erases their name and email everywhere; ledger amounts stay.</p>
      <form method="post" action={`/finance/supporters/${props.id}/erase`} class="stack">
        <Csrf token={props.csrf} />
        <label>
          <span>
            <input type="checkbox" name="confirm" value="yes" required /> The supporter asked for this, and it cannot be undone
          </span>
        </label>
        <button type="submit">Erase this supporter</button>
      </form>
    </section>
  );
}
