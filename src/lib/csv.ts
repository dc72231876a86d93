// RFC 4180 CSV, with spreadsheet formula injection neutralised in text cells
// (a cell starting with = + - @ is run as a formula by Excel and Sheets).
export type CsvCell = string | number | null;

function cell(value: CsvCell): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  let text = value;
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: readonly CsvCell[]): string {
  return cells.map(cell).join(',') + '\r\n';
}
