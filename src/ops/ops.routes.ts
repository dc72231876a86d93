// Operator endpoints over HTTP, for hosts with no shell to run the CLI on (Workers).
// Off unless OPS_TOKEN is set; a wrong or missing token gets a 401.
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv, ExportReader } from '../deps.js';
import { AppError } from '../lib/errors.js';
import { validate } from '../lib/validate.js';
import { timingSafeEqualText } from '../lib/crypto.js';
import { describeError } from '../lib/log.js';
import { DAY_MS, EXPORT_HEADER, parseDay, readExportPage, type ExportPage, type ExportRange } from '../ledger/ledger.export.js';

/**
 * Rows per query on D1. Keyset paging keeps each page an index range scan however deep the
 * export goes (0.13 ms at page 5000 vs 10 ms with OFFSET: docs/platform-notes.md, Keyset
 * paging), and bounds what one query reads, so a D1 query stays far inside its time limit.
 */
export const EXPORT_PAGE_ROWS = 1000;

export function opsRoutes(opts: { pageRows?: number } = {}): Hono<AppEnv> {
  const pageRows = opts.pageRows ?? EXPORT_PAGE_ROWS;
  const app = new Hono<AppEnv>();

  app.use(async (c, next) => {
    const { opsToken } = c.var.deps.config;
    // Unset means the feature does not exist here, so say nothing more than any unknown path.
    if (!opsToken) return c.json({ error: 'Not found', reference: c.var.requestId }, 404);
    const given = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
    // onError answers the 401 with its WWW-Authenticate challenge
    if (!(await timingSafeEqualText(given, opsToken))) throw new AppError('unauthorized', 'A valid ops token is required (Authorization: Bearer …)');
    await next();
  });

  /** Same rows and bytes as `npm run cli -- contributions export --format csv`. */
  app.get('/contributions.csv', validate('query', exportQuerySchema), async (c) => {
    const { db, log, openExportReader } = c.var.deps;
    const { from, to } = c.req.valid('query');
    const range: ExportRange = { fromMs: from, toMs: to != null ? to + DAY_MS : undefined };
    // Node reads from a connection of the export's own; Workers page through D1, which
    // answers asynchronously and so never holds up other requests.
    const reader: ExportReader = openExportReader?.() ?? {
      db,
      pageRows,
      pause: () => new Promise((resolve) => setTimeout(resolve, 0)),
      close: () => Promise.resolve(),
    };
    let first: ExportPage;
    try {
      // Read before the 200 goes out, so a database failure is a clean 500.
      first = await readExportPage(reader.db, range, null, reader.pageRows);
    } catch (err) {
      await reader.close();
      throw err;
    }
    // an unreadable stored cell is written empty; whoever runs the server learns which
    const report = (page: ExportPage) => {
      for (const p of page.problems)
        log.error('contributions export: an unreadable cell was written empty', { contribution: p.id, column: p.column, reason: p.reason });
    };
    report(first);
    let current: ExportPage | null = first;
    let closed = false;
    const finish = async () => {
      if (closed) return;
      closed = true;
      await reader.close();
    };
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(EXPORT_HEADER));
      },
      async pull(controller) {
        if (!current) return;
        for (const chunk of current.chunks) controller.enqueue(encoder.encode(chunk));
        const { next } = current;
        if (!next) {
          current = null;
          await finish();
          return controller.close();
        }
        // Reading a page is synchronous on Node: give the event loop a turn between pages
        // so other requests are served during a long export (docs/platform-notes.md, Sharing the event loop).
        await reader.pause();
        try {
          current = await readExportPage(reader.db, range, next, reader.pageRows);
          report(current);
        } catch (err) {
          current = null;
          await finish();
          log.error('contributions export failed mid-stream', { error: describeError(err) });
          // erroring the stream cuts the chunked body short, so the client sees a failed download
          controller.error(err);
        }
      },
      cancel() {
        // the client went away
        current = null;
        return finish();
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

/** A UTC day as ms at its start; an empty value is no bound. */
const day = (field: string) =>
  z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .transform((value, ctx) => {
        try {
          return parseDay(value, field);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
          return z.NEVER;
        }
      })
      .optional(),
  );

/** `to` includes that whole day (UTC), as the CLI's --to does. */
const exportQuerySchema = z
  .object({ from: day('from'), to: day('to') })
  .refine((r) => r.from == null || r.to == null || r.to >= r.from, { path: ['to'], message: 'to must be on or after from' });
