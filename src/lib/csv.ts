// RFC 4180 CSV, with spreadsheet formula injection neutralised in text cells
// (a cell starting with = + - @ is run as a formula by Excel and Sheets).
export type CsvCell = string | number | null;

// One test decides whether a text cell needs any work: almost none do, and exports of a
// million rows spend most of their time here otherwise.
const NEEDS_WORK = /^[=+\-@\t\r]|[",\r\n]/;
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

function cell(value: CsvCell): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  if (!NEEDS_WORK.test(value)) return value;
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: readonly CsvCell[]): string {
  let line = cells.length ? cell(cells[0]!) : '';
  for (let i = 1; i < cells.length; i++) line += `,${cell(cells[i]!)}`;
  return `${line}\r\n`;
}
