// Operator endpoints over HTTP, for hosts with no shell to run the CLI on (Workers).
// Off unless OPS_TOKEN is set; a wrong or missing token gets a 401.
import { asc, sql } from 'drizzle-orm';
import { Hono } from 'hono';
import type { Db } from '../../db/db.js';
import type { AppEnv } from '../deps.js';
import { AppError } from '../lib/errors.js';
import { timingSafeEqualText } from '../lib/crypto.js';
import { DAY_MS, EXPORT_HEADER, exportQuery, exportRowToCsv, parseDay, type ExportRange } from '../ledger/ledger.export.js';

/**
 * Rows per query. Keyset paging keeps each page an index range scan however deep the
 * export goes (STACK.md: 0.13 ms at page 5000 vs 10 ms with OFFSET), and bounds what one
 * query reads, so a D1 query stays far inside its time limit.
 */
export const EXPORT_PAGE_ROWS = 1000;

export type Cursor = { occurredAt: number; id: string };

export function opsRoutes(opts: { pageRows?: number } = {}): Hono<AppEnv> {
  const pageRows = opts.pageRows ?? EXPORT_PAGE_ROWS;
  const app = new Hono<AppEnv>();

  app.use(async (c, next) => {
    const { opsToken } = c.var.deps.config;
    // Unset means the feature does not exist here, so say nothing more than any unknown path.
    if (!opsToken) return c.json({ error: 'Not found' }, 404);
    const given = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
    if (!(await timingSafeEqualText(given, opsToken))) {
      return c.json({ error: 'A valid ops token is required (Authorization: Bearer …)' }, 401, { 'www-authenticate': 'Bearer realm="storyfund-ops"' });
    }
    await next();
  });

  /** Same rows and bytes as `npm run cli -- contributions export --format csv`. */
  app.get('/contributions.csv', async (c) => {
    const { db, log } = c.var.deps;
    const range = rangeOf(c.req.query('from'), c.req.query('to'));
    const page = async (after: Cursor | null) => {
      const found = await exportPageQuery(db, range, after, pageRows);
      const last = found[found.length - 1];
      return {
        // the select keeps exportQuery's column order, which is EXPORT_COLUMNS order
        csv: found.map((r) => exportRowToCsv(Object.values(r))).join(''),
        next: found.length === pageRows && last ? { occurredAt: last.occurredAt, id: last.id } : null,
      };
    };

    // The first page is read before the 200 goes out, so a database failure is a clean 500.
    let current: { csv: string; next: Cursor | null } | null = await page(null);
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(EXPORT_HEADER));
      },
      async pull(controller) {
        if (!current) return controller.close();
        const { csv, next } = current;
        if (csv) controller.enqueue(encoder.encode(csv));
        if (!next) {
          current = null;
          return controller.close();
        }
        // better-sqlite3 answers synchronously: give the event loop a turn between pages
        // so other requests are served during a long export (STACK.md).
        await new Promise((resolve) => setTimeout(resolve, 0));
        try {
          current = await page(next);
        } catch (err) {
          log.error('contributions export failed mid-stream', { error: err instanceof Error ? err.message : String(err) });
          // erroring the stream cuts the chunked body short, so the client sees a failed download
          controller.error(err);
        }
      },
    });
    const name = ['contributions', c.req.query('from'), c.req.query('to')].filter(Boolean).join('_');
    return c.body(body, 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${name}.csv"`,
      'cache-control': 'no-store',
    });
  });

  return app;
}

/** One page of the export after `after` (exclusive), in export order. */
export function exportPageQuery(db: Db, range: ExportRange, after: Cursor | null, limit: number) {
  const rows = exportQuery(db, range).as('export_rows');
  return db
    .select()
    .from(rows)
    .where(after ? sql`(${rows.occurredAt}, ${rows.id}) > (${after.occurredAt}, ${after.id})` : undefined)
    .orderBy(asc(rows.occurredAt), asc(rows.id))
    .limit(limit);
}

/** `to` includes that whole day (UTC), as the CLI's --to does. */
function rangeOf(from: string | undefined, to: string | undefined): ExportRange {
  const fields: Record<string, string> = {};
  const day = (value: string | undefined, field: string) => {
    if (!value) return undefined;
    try {
      return parseDay(value, field);
    } catch (err) {
      fields[field] = (err as Error).message;
      return undefined;
    }
  };
  const fromMs = day(from, 'from');
  const toDay = day(to, 'to');
  if (fromMs != null && toDay != null && toDay < fromMs) fields.to = 'to must be on or after from';
  if (Object.keys(fields).length) throw new AppError('bad_request', 'Please check the date range', fields);
  return { fromMs, toMs: toDay != null ? toDay + DAY_MS : undefined };
}
