// The contributions export: one row per recorded money fact, oldest first. Refunds and
// disputes are rows of their own with negative amounts, linked to their gift by gift_id;
// fee and net are in the settlement currency, at Stripe's exchange rate when it converted.
import type { Db } from '../../db/db.js';
import { csvLine, type CsvCell } from '../lib/csv.js';
import { storedCurrency, storedId, storedIsoTime, storedMinor, UNREADABLE } from './ledger.cells.js';
import type { SqlStatement } from '../../db/sql.js';
import {
  EXPORT_SCHEMA_VERSION,
  exportFilteredLinesQuery,
  exportLinesQuery,
  exportQuery,
  type Cursor,
  type ExportFilter,
  type ExportRange,
} from './ledger.export.repo.js';

export const EXPORT_COLUMNS = [
  'contribution_id',
  'created_at',
  'kind',
  'frequency',
  'currency',
  'amount_minor',
  'fee_minor',
  'net_minor',
  'settlement_currency',
  'exchange_rate',
  'status',
  'supporter_email',
  'stripe_id',
  'gift_id',
  'article',
  'campaign',
  'variant',
  'balance_transaction_id',
  'schema_version',
] as const;

export const EXPORT_HEADER = csvLine(EXPORT_COLUMNS);

export { EXPORT_SCHEMA_VERSION } from './ledger.export.repo.js';
export type { Cursor, ExportFilter, ExportRange } from './ledger.export.repo.js';

/** A cell of a stored row the export cannot vouch for: written empty, and reported with the entry's id. */
export type ExportProblem = { id: string; column: (typeof EXPORT_COLUMNS)[number]; reason: string };

type CellRule = { read(v: unknown): CsvCell; optional: boolean; reason: string };
/** The cells with a shape to keep (a time, whole minor units, a currency code); any other cell is text. */
const CELL_RULES: Partial<Record<number, CellRule>> = {
  1: { read: storedIsoTime, optional: false, reason: UNREADABLE.time },
  4: { read: storedCurrency, optional: false, reason: UNREADABLE.currency },
  5: { read: storedMinor, optional: false, reason: UNREADABLE.minor },
  6: { read: storedMinor, optional: true, reason: UNREADABLE.minor },
  7: { read: storedMinor, optional: true, reason: UNREADABLE.minor },
  8: { read: storedCurrency, optional: true, reason: UNREADABLE.currency },
};

/**
 * A row as the query returns it in raw (array) mode, in column order, as a CSV line. A cell
 * whose stored value cannot be what its column says (a time of 1e20, a text amount, a
 * missing currency: rows written before the webhook parsed Stripe's payloads, or by hand)
 * is written empty and named in `problems`, so one bad row never stops an export.
 */
export function exportRowCells(row: readonly unknown[]): { line: string; problems: ExportProblem[] } {
  const problems: ExportProblem[] = [];
  const id = storedId(row[0]);
  const cells = row.map((v, i): CsvCell => {
    const rule = CELL_RULES[i];
    if (rule) {
      if (v === null && rule.optional) return null;
      const cell = rule.read(v);
      if (cell === null) problems.push({ id, column: EXPORT_COLUMNS[i]!, reason: rule.reason });
      return cell;
    }
    if (v === null || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) return v;
    problems.push({ id, column: EXPORT_COLUMNS[i]!, reason: UNREADABLE.text });
    return null;
  });
  return { line: csvLine(cells), problems };
}

export function exportRowToCsv(row: readonly unknown[]): string {
  return exportRowCells(row).line;
}

// A line built by joining the cells with commas is byte for byte csvLine's when no text
// cell needs quoting (no " , CR LF), none starts a formula (= + - @ tab; a CR start is
// refused by the first rule), each number is an integer JavaScript holds exactly (at most
// 15 digits), each currency a lower-case code, and the time has toISOString's form. The
// pattern counts the cells, so a comma inside a cell cannot pass either. Anything else is
// rebuilt from its values (exportRowCells), which also reports the cells it cannot read:
// the checks cost nothing on the fast path, which is one regular expression per line
// (two: the id and the cells SQLite joined, CLEAN_ID and CLEAN_REST; the time is written
// here, in toISOString's form by construction).
const TEXT = `(?![=+\\-@\\t])[^,"\\r\\n]*`;
const INTEGER = `-?[0-9]{1,15}`;
const OPTIONAL_INTEGER = `(?:${INTEGER})?`;
const CURRENCY = `[a-z]{3}`;
const TIME = `[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z`;
const CELL_PATTERNS: Record<(typeof EXPORT_COLUMNS)[number], string> = {
  contribution_id: TEXT,
  created_at: TIME,
  kind: TEXT,
  frequency: TEXT,
  currency: CURRENCY,
  amount_minor: INTEGER,
  fee_minor: OPTIONAL_INTEGER,
  net_minor: OPTIONAL_INTEGER,
  settlement_currency: `(?:${CURRENCY})?`,
  exchange_rate: TEXT,
  status: TEXT,
  supporter_email: TEXT,
  stripe_id: TEXT,
  gift_id: TEXT,
  article: TEXT,
  campaign: TEXT,
  variant: TEXT,
  balance_transaction_id: TEXT,
  schema_version: String(EXPORT_SCHEMA_VERSION),
};
/** A whole line the fast path may write. */
export const CLEAN_LINE = new RegExp(`^${EXPORT_COLUMNS.map((c) => CELL_PATTERNS[c]).join(',')}\\r\\n$`);
const CLEAN_ID = new RegExp(`^${CELL_PATTERNS.contribution_id}$`);
/** The cells after created_at, from the comma before them to the line's end, as SQLite joins them. */
const CLEAN_REST = new RegExp(
  `^,${EXPORT_COLUMNS.slice(2)
    .map((c) => CELL_PATTERNS[c])
    .join(',')}\\r\\n$`,
);

type LineRow = [rest: string, occurredAt: number, id: string];

// toISOString writes years 0000-9999 with four digits and no sign: the times the fast path
// writes, from 0000-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z
const FIRST_FAST_MS = -62_167_219_200_000;
const LAST_FAST_MS = 253_402_300_799_999;
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/**
 * The lines of one page that the fast path vouches for, the others null. The time is
 * toISOString's: its date part from toISOString once per day (rows come in time order),
 * the time of day from the milliseconds.
 */
export function fastExportLines(rows: readonly LineRow[]): (string | null)[] {
  let day = Number.NaN;
  let datePart = '';
  const lines: (string | null)[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const [rest, at, id] = rows[i]!;
    if (
      typeof id !== 'string' ||
      typeof rest !== 'string' ||
      !Number.isInteger(at) ||
      at < FIRST_FAST_MS ||
      at > LAST_FAST_MS ||
      !CLEAN_ID.test(id) ||
      !CLEAN_REST.test(rest)
    ) {
      lines[i] = null;
      continue;
    }
    const d = Math.floor(at / DAY_MS);
    if (d !== day) {
      day = d;
      datePart = new Date(d * DAY_MS).toISOString().slice(0, 11);
    }
    let rem = at - d * DAY_MS;
    const ms = rem % 1000;
    rem = (rem - ms) / 1000;
    const sec = rem % 60;
    rem = (rem - sec) / 60;
    const min = rem % 60;
    const hour = (rem - min) / 60;
    lines[i] = `${id},${datePart}${TWO_DIGITS[hour]}:${TWO_DIGITS[min]}:${TWO_DIGITS[sec]}.${THREE_DIGITS[ms]}Z${rest}`;
  }
  return lines;
}
/** D1 binds at most 100 parameters per query. */
const REBUILD_BATCH = 90;

/**
 * Lines are handed on in strings of about this many characters. Kept well under V8's
 * large-object size (128 KiB, two bytes a character at worst), each dies young: one big
 * string per page was kept until a full GC and added tens of MiB of peak RSS.
 */
const CHUNK_CHARS = 32 * 1024;

export type ExportPage = {
  /** the page's CSV text, in order, in pieces of at most ~32K characters */
  chunks: string[];
  rows: number;
  /** null once the last row has been read */
  next: Cursor | null;
  /** cells written empty because their stored value is unreadable; the caller reports them */
  problems: ExportProblem[];
};

/** Ids are text; one stored otherwise (a blob written by hand) still needs a stable key. */
const keyOf = storedId;

/**
 * Up to `limit` rows after `after`, as CSV text, and the cursor of the next page. Works on
 * both drivers; on Node give it the export's own read-only connection.
 */
export function readExportPage(db: Db, range: ExportRange, after: Cursor | null, limit: number): Promise<ExportPage> {
  return readLinesPage(db, exportLinesQuery(range, after, limit), limit);
}

/** The same, for only the rows a filter of the contributions page selects. */
export function readFilteredExportPage(db: Db, filter: ExportFilter, after: Cursor | null, limit: number): Promise<ExportPage> {
  return readLinesPage(db, exportFilteredLinesQuery(filter, after, limit), limit);
}

async function readLinesPage(db: Db, statement: SqlStatement, limit: number): Promise<ExportPage> {
  const rows = await db.sql.values<LineRow>(statement);
  const fast = fastExportLines(rows);
  // the rows the fast path refused, by position: only those are rebuilt
  const dirty = new Set<number>();
  for (let i = 0; i < rows.length; i++) if (fast[i] === null) dirty.add(i);
  const problems: ExportProblem[] = [];
  const rebuilt = dirty.size
    ? await rebuildLines(
        db,
        [...dirty].map((i) => rows[i]![2]),
        problems,
      )
    : null;
  const chunks: string[] = [];
  let chunk = '';
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    let line = fast[i] ?? '';
    if (rebuilt && dirty.has(i)) {
      const again = rebuilt.get(keyOf(row[2]));
      if (again === undefined) {
        // The ledger is append-only, so a row read a moment ago is still there; if it cannot
        // be read again by its id, its id is all that is written, and the gap is reported.
        problems.push({ id: keyOf(row[2]), column: 'contribution_id', reason: 'could not be read again by its id: only the id is written' });
        line = csvLine([keyOf(row[2]), ...EXPORT_COLUMNS.slice(1).map(() => null)]);
      } else line = again;
    }
    chunk += line;
    if (chunk.length >= CHUNK_CHARS) {
      chunks.push(chunk);
      chunk = '';
    }
  }
  if (chunk) chunks.push(chunk);
  const last = rows[rows.length - 1];
  return { chunks, rows: rows.length, next: rows.length === limit && last ? { occurredAt: last[1], id: last[2] } : null, problems };
}

/** The lines SQLite's cells cannot vouch for, from their values through csvLine, by id. */
async function rebuildLines(db: Db, ids: readonly unknown[], problems: ExportProblem[]): Promise<Map<string, string>> {
  const rebuilt = new Map<string, string>();
  for (let i = 0; i < ids.length; i += REBUILD_BATCH) {
    const found = await exportQuery(db, {}, ids.slice(i, i + REBUILD_BATCH) as string[]);
    for (const r of found) {
      // the select keeps EXPORT_COLUMNS order
      const row = exportRowCells(Object.values(r));
      rebuilt.set(keyOf(r.id), row.line);
      problems.push(...row.problems);
    }
  }
  return rebuilt;
}

/** "YYYY-MM-DD" (UTC) -> ms at its start; `--to` is inclusive of that whole day. */
export function parseDay(day: string, field: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`${field} must be a date like 2026-11-01`);
  const ms = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== day) throw new Error(`${field} is not a real date: ${day}`);
  return ms;
}

export const DAY_MS = 86_400_000;
