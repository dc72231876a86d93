// Annual giving statements: per supporter (by email), calendar year (UTC) and currency,
// each payment and refund with its receipt number, and the net total. Pure rules.
import type { StatementLine, StatementProps } from '../../emails/statement.js';

export type StatementEntry = {
  email: string;
  currency: string;
  kind: 'gift' | 'renewal' | 'refund';
  amountMinor: number;
  occurredAt: number;
  stripeId: string;
};

/** [start, end) of a calendar year in UTC, in ms. */
export function yearRange(year: number): { fromMs: number; toMs: number } {
  return { fromMs: Date.UTC(year, 0, 1), toMs: Date.UTC(year + 1, 0, 1) };
}

export type Statement = { email: string; props: StatementProps };

/** Entries (any order) -> one statement per email and currency, lines oldest first; a year netting to nothing is left out. */
export function buildStatements(year: number, entries: readonly StatementEntry[]): Statement[] {
  const groups = new Map<string, { email: string; currency: string; lines: StatementLine[] }>();
  for (const e of entries) {
    const id = `${e.email}\u0000${e.currency}`;
    const g = groups.get(id) ?? { email: e.email, currency: e.currency, lines: [] };
    g.lines.push({ paidAt: e.occurredAt, amountMinor: e.amountMinor, kind: e.kind, receiptNumber: e.stripeId });
    groups.set(id, g);
  }
  const out: Statement[] = [];
  for (const g of groups.values()) {
    const lines = g.lines.sort((a, b) => a.paidAt - b.paidAt || a.receiptNumber.localeCompare(b.receiptNumber));
    const totalMinor = lines.reduce((sum, l) => sum + l.amountMinor, 0);
    if (totalMinor <= 0) continue;
    out.push({ email: g.email, props: { year, currency: g.currency, totalMinor, lines } });
  }
  return out.sort((a, b) => a.email.localeCompare(b.email) || a.props.currency.localeCompare(b.props.currency));
}

/** One statement per supporter, year and currency, however often it is sent. */
export const statementKey = (year: number, currency: string, email: string): string => `statement:${year}:${currency}:${email}`;
