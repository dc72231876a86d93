// Reading the exports back as a spreadsheet would: RFC 4180 (quoted cells may hold commas,
// doubled quotes and line breaks), and per-currency sums in the overview's terms.

/** CSV text -> rows of cells, the header first. */
export function parseCsvCells(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  if (quoted) throw new Error('the CSV ends inside a quoted cell');
  if (cell !== '' || row.length) throw new Error('the CSV does not end with CRLF');
  return rows;
}

/** CSV text -> one object per data row, keyed by the header; every row as wide as the header. */
export function parseCsvRecords(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsvCells(text);
  if (!header) throw new Error('no header');
  return rows.map((cells, n) => {
    if (cells.length !== header.length) throw new Error(`row ${n + 1} has ${cells.length} cells, the header ${header.length}`);
    return Object.fromEntries(header.map((h, i) => [h, cells[i]!]));
  });
}

export type CsvTotals = {
  currency: string;
  grossMinor: number;
  feesMinor: number;
  netMinor: number;
  refundsMinor: number;
  disputesMinor: number;
  gifts: number;
  supporters: number;
  feesPending: number;
};

const PAYMENT = ['gift', 'renewal'];
const REFUND = ['refund', 'refund_reversal'];
const DISPUTE = ['dispute', 'dispute_fee', 'dispute_reversal'];

/**
 * The overview's figures summed from the export's rows: gross, refunds and disputes in the
 * currency given; fees and net in the settlement currency (the row's own until Stripe
 * converted); gifts and distinct supporters from the payments. What a person would do with
 * the file in a spreadsheet, to tie it to the page.
 */
export function csvTotals(rows: readonly Record<string, string>[]): CsvTotals[] {
  const byCurrency = new Map<string, CsvTotals & { emails: Set<string> }>();
  const row = (currency: string) => {
    let t = byCurrency.get(currency);
    if (!t) {
      t = { currency, grossMinor: 0, feesMinor: 0, netMinor: 0, refundsMinor: 0, disputesMinor: 0, gifts: 0, supporters: 0, feesPending: 0, emails: new Set() };
      byCurrency.set(currency, t);
    }
    return t;
  };
  const whole = (cell: string | undefined, what: string) => {
    if (!cell || !/^-?\d+$/.test(cell)) throw new Error(`${what} is not whole minor units: ${cell}`);
    return Number(cell);
  };
  for (const r of rows) {
    const amount = whole(r.amount_minor, 'amount_minor');
    const given = row(r.currency!);
    if (PAYMENT.includes(r.kind!)) {
      given.grossMinor += amount;
      given.gifts++;
      if (r.supporter_email) given.emails.add(r.supporter_email.toLowerCase());
    } else if (REFUND.includes(r.kind!)) given.refundsMinor += amount;
    else if (DISPUTE.includes(r.kind!)) given.disputesMinor += amount;
    const settled = row(r.settlement_currency || r.currency!);
    if (r.fee_minor === '') settled.feesPending++;
    else settled.feesMinor += whole(r.fee_minor, 'fee_minor');
    if (r.net_minor !== '') settled.netMinor += whole(r.net_minor, 'net_minor');
  }
  return [...byCurrency.values()].map(({ emails, ...t }) => ({ ...t, supporters: emails.size })).sort((a, b) => a.currency.localeCompare(b.currency));
}
