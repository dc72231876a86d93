// The contributions page's CSV download: every row its filters select (all pages of the
// list), as the export writes rows (ledger.export.ts: the same columns, quoting and formula
// neutralising), streamed page by page from the runtime's export reader. Each download is
// audited twice: who asked for which filter when it starts (so a download cut short is on
// record too), and how it ended with the rows sent.
import { type Context, Hono } from 'hono';
import { type RequestOrigin, requestOrigin, auditStatement } from '../auth/auth.audit.js';
import { requireStaff } from '../auth/auth.middleware.js';
import { maskEmail } from '../auth/auth.permissions.js';
import type { AppEnv, StaffEnv } from '../deps.js';
import { readFilteredExportPage } from '../ledger/ledger.export.js';
import { exportReader, exportStream } from '../ledger/ledger.export.stream.js';
import { parseInput } from '../lib/validate.js';
import { type ContributionsQuery, contributionFilter, contributionsQuery } from './finance.js';

/** The filters a download was made with, for the audit log. */
export function auditedFilter(q: ContributionsQuery): Record<string, string> {
  const { sort: _sort, dir: _dir, after: _after, email, ...filters } = q;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(filters)) if (v !== undefined) out[k] = v;
  // The audit log is kept for as long as the books, and outlives a supporter's erasure:
  // it records that an address was filtered on, not the address.
  if (email) out.email = maskEmail(email);
  return out;
}

/** `contributions_2026-11-01_to_2026-11-30.csv`; an open end is named as such. */
export function exportFileName(q: Pick<ContributionsQuery, 'from' | 'to'>): string {
  if (q.from && q.to) return `contributions_${q.from}_to_${q.to}.csv`;
  if (q.from) return `contributions_from_${q.from}.csv`;
  if (q.to) return `contributions_until_${q.to}.csv`;
  return 'contributions_all-dates.csv';
}

export function exportRoutes(): Hono<StaffEnv> {
  const app = new Hono<StaffEnv>();

  app.get('/contributions.csv', requireStaff('finance'), async (c) => {
    const { staff, deps } = c.var;
    // read as the list reads its query (one value a name), so both see the same filters
    const q = parseInput(contributionsQuery, c.req.query());
    // the list's own parsing: `after`, `sort` and `dir` pick a page and its order, so the
    // file is every page, oldest first, as the CLI's is
    const { filter } = contributionFilter(q);
    const actor = `staff:${staff.id}`;
    const origin: RequestOrigin = requestOrigin(c as unknown as Context<AppEnv>);
    const filters = auditedFilter(q);
    const audit = (action: 'finance.export' | 'finance.export_finished', details: Record<string, string | number>) =>
      deps.db.atomic([auditStatement(deps.db, { actor, action, target: 'contributions', details }, origin, deps.now())]);
    await audit('finance.export', filters);
    const body = await exportStream({
      reader: exportReader(deps.openExportReader, deps.db),
      readPage: (db, after, limit) => readFilteredExportPage(db, filter, after, limit),
      log: deps.log,
      onEnd: async ({ outcome, rows }) => {
        await audit('finance.export_finished', { ...filters, outcome, rows });
      },
    });
    return c.body(body, 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${exportFileName(q)}"`,
      'cache-control': 'no-store',
    });
  });

  return app;
}
