// The contributions list: every filter in the URL so a view can be shared by copying it,
// sorted by date or amount, paged by keyset.
import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { ENTRY_KINDS, FREQUENCIES, GIFT_STATUSES } from '../../db/schema.js';
import { requireStaff } from '../auth/auth.middleware.js';
import { can, emailFor } from '../auth/auth.permissions.js';
import type { StaffEnv } from '../deps.js';
import { AppError, prefersHtml } from '../lib/errors.js';
import { fieldErrors, INPUT_ERROR_MESSAGE } from '../lib/validate.js';
import { FieldErrorList, StaffPage } from './finance.layout.js';
import { listContributions } from './finance.lists.repo.js';
import { contributionFilter, contributionsQuery, isoMinute, queryString, type SORTS } from './finance.js';
import { Money } from './finance.layout.js';

export const LIST_PAGE = 50;

export function contributionRoutes(): Hono<StaffEnv> {
  const app = new Hono<StaffEnv>();

  app.get('/contributions', requireStaff('viewer'), async (c) => {
    const { staff, session, deps } = c.var;
    const raw = c.req.query();
    const parsed = contributionsQuery.safeParse(raw);
    const page = (body: Child) =>
      StaffPage({ title: 'Contributions', publication: deps.config.publicationName, staff, csrf: session.csrfToken, children: body });
    if (!parsed.success) {
      const fields = fieldErrors(parsed.error);
      if (!prefersHtml(c.req.header('content-type'), c.req.header('accept'))) throw new AppError('bad_request', INPUT_ERROR_MESSAGE, fields);
      // the form comes back as the person filled it, with each bad field named
      return c.html(page(<ContributionsForm values={raw} errors={fields} />), 400);
    }
    const q = parsed.data;
    const { filter, sort, after } = contributionFilter(q);
    const rows = await listContributions(deps.db, filter, sort, after, LIST_PAGE + 1);
    const more = rows.length > LIST_PAGE;
    const shown = more ? rows.slice(0, LIST_PAGE) : rows;
    const last = shown[shown.length - 1];
    const nextAfter = more && last ? `${sort.by === 'date' ? last.occurredAt : last.amountMinor}.${last.id}` : null;
    const kept: Record<string, string | undefined> = { ...raw, after: undefined };
    if (c.req.header('accept')?.includes('application/json')) {
      return c.json({
        contributions: shown.map((r) => ({ ...r, email: r.email ? emailFor(staff.role, r.email) : null })),
        next: nextAfter ? `/finance/contributions${queryString(kept, { after: nextAfter })}` : null,
      });
    }
    const sortLink = (by: (typeof SORTS)[number]) => {
      const dir = sort.by === by && sort.dir === 'desc' ? 'asc' : 'desc';
      return `/finance/contributions${queryString(kept, { sort: by, dir })}`;
    };
    return c.html(
      page(
        <>
          <ContributionsForm values={raw} errors={{}} />
          {can(staff.role, 'exportData') ? (
            <p class="export">
              <a href={`/finance/contributions.csv${queryString(kept, { sort: undefined, dir: undefined })}`} download>
                Download CSV
              </a>{' '}
              <span class="hint">every contribution these filters select, on all pages, oldest first</span>
            </p>
          ) : null}
          <table class="data" id="contributions">
            <thead>
              <tr>
                <th>
                  <a href={sortLink('date')}>When (UTC)</a>
                </th>
                <th>Kind</th>
                <th>Frequency</th>
                <th class="num">
                  <a href={sortLink('amount')}>Amount</a>
                </th>
                <th class="num">Fee</th>
                <th class="num">Net</th>
                <th>Status</th>
                <th>Supporter</th>
                <th>Campaign</th>
                <th>Article</th>
                <th>Variant</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((r) => (
                <tr>
                  <td>{r.giftId ? <a href={`/finance/gifts/${encodeURIComponent(r.giftId)}`}>{isoMinute(r.occurredAt)}</a> : isoMinute(r.occurredAt)}</td>
                  <td>{r.kind.replace(/_/g, ' ')}</td>
                  <td>{r.frequency.replace('_', '-')}</td>
                  <Money minor={r.amountMinor} currency={r.currency} />
                  <Money minor={r.feeMinor} currency={r.settlementCurrency ?? r.currency} />
                  <Money minor={r.netMinor} currency={r.settlementCurrency ?? r.currency} />
                  <td>{r.status ?? '–'}</td>
                  <td>{r.email ? emailFor(staff.role, r.email) : '–'}</td>
                  <td>{r.campaign ?? '–'}</td>
                  <td>{r.article ?? '–'}</td>
                  <td>{r.variant ?? '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {shown.length === 0 ? <p>No contributions match.</p> : null}
          {nextAfter ? (
            <p>
              <a href={`/finance/contributions${queryString(kept, { after: nextAfter })}`} rel="next">
                Next {LIST_PAGE}
              </a>
            </p>
          ) : null}
        </>,
      ),
    );
  });

  return app;
}

function Select(props: { name: string; label: string; options: readonly string[]; value: string | undefined }) {
  return (
    <label>
      {props.label}
      <select name={props.name}>
        <option value="">any</option>
        {props.options.map((o) => (
          <option value={o} selected={o === props.value}>
            {o.replace(/_/g, ' ')}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The list's filters; `values` are the query as sent, so a refused filter comes back as typed. */
function ContributionsForm(props: { values: Record<string, string>; errors: Record<string, string> }) {
  const v = props.values;
  const input = (name: string, label: string, type = 'text') => (
    <label class={props.errors[name] ? 'invalid' : undefined}>
      {label}
      <input type={type} name={name} value={v[name] ?? ''} aria-invalid={props.errors[name] ? 'true' : undefined} />
      {props.errors[name] ? <span class="error">{props.errors[name]}</span> : null}
    </label>
  );
  return (
    <form method="get" action="/finance/contributions" class="filters" id="filters">
      <FieldErrorList errors={props.errors} />
      {input('from', 'From', 'date')}
      {input('to', 'To', 'date')}
      <Select name="status" label="Status" options={GIFT_STATUSES} value={v.status} />
      <Select name="kind" label="Kind" options={ENTRY_KINDS} value={v.kind} />
      <Select name="frequency" label="Frequency" options={FREQUENCIES} value={v.frequency} />
      {input('currency', 'Currency')}
      {input('campaign', 'Campaign')}
      {input('article', 'Article')}
      {input('variant', 'Variant')}
      {input('min', 'Amount from')}
      {input('max', 'Amount to')}
      {input('email', 'Supporter email', 'email')}
      <input type="hidden" name="sort" value={v.sort ?? ''} />
      <input type="hidden" name="dir" value={v.dir ?? ''} />
      <button type="submit">Filter</button> <a href="/finance/contributions">Clear</a>
    </form>
  );
}
