// Operator endpoints over HTTP, for hosts with no shell to run the CLI on (Workers).
// Off unless OPS_TOKEN is set; a wrong or missing token gets a 401.
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../deps.js';
import { AppError } from '../lib/errors.js';
import { validate } from '../lib/validate.js';
import { timingSafeEqualText } from '../lib/crypto.js';
import { DAY_MS, parseDay, readExportPage, type ExportRange } from '../ledger/ledger.export.js';
import { EXPORT_PAGE_ROWS, exportReader, exportStream } from '../ledger/ledger.export.stream.js';

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
    const body = await exportStream({
      reader: exportReader(openExportReader, db, pageRows),
      readPage: (reader, after, limit) => readExportPage(reader, range, after, limit),
      log,
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
