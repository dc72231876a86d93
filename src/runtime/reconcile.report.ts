// Reconcile as operators read it: the report's text (the CLI prints it; the scheduled run
// logs it on drift) and `--since`. Imports only types and money formatting, so the CLI can
// load it up front and still load the reconciler itself only when a command runs it.
import type { Totals } from '../ledger/ledger.drift.js';
import { isKnownCurrency, minorToMajorString } from '../lib/money.js';
import type { ReconcileReport } from '../webhooks/webhooks.reconcile.js';

/** The report as an operator reads it: per currency, ledger against Stripe, then each object that differs. */
export function formatReport(r: ReconcileReport): string {
  const lines: string[] = [];
  lines.push(`Reconciled against Stripe since ${new Date(r.sinceSec * 1000).toISOString()}`);
  lines.push(
    `Events: ${r.events.scanned} listed, ${r.events.unprocessed} never processed here, ${r.events.recovered} recovered, ${r.events.failed.length} failed`,
  );
  for (const f of r.events.failed) lines.push(`  failed ${f.id} ${f.type}: ${f.error}`);
  lines.push(`Fees filled: ${r.feesFilled}`);
  lines.push('');
  const head = ['currency', 'side', 'gross', 'fees', 'net', 'refunds', 'disputes', 'txns'];
  const rows: string[][] = [head];
  const fmt = (n: number, c: string) => (isKnownCurrency(c) ? minorToMajorString(n, c) : String(n));
  for (const c of r.currencies) {
    const row = (side: string, t: Totals) => [
      c.currency.toUpperCase(),
      side,
      ...[t.grossMinor, t.feesMinor, t.netMinor, t.refundsMinor, t.disputesMinor].map((n) => fmt(n, c.currency)),
      String(t.count),
    ];
    rows.push(row('ledger', c.ledger), row('stripe', c.stripe));
    if (c.differs) {
      const d = (k: keyof Totals) => c.ledger[k] - c.stripe[k];
      rows.push([
        c.currency.toUpperCase(),
        'DRIFT',
        ...(['grossMinor', 'feesMinor', 'netMinor', 'refundsMinor', 'disputesMinor'] as const).map((k) => fmt(d(k), c.currency)),
        '',
      ]);
    }
  }
  if (r.currencies.length === 0) lines.push('No money moved in this period.');
  else {
    const widths = head.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
    for (const row of rows)
      lines.push(
        row
          .map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
          .join('  ')
          .trimEnd(),
      );
  }
  if (r.objects.length) {
    lines.push('', `Objects that differ (${r.objects.length}):`);
    for (const o of r.objects) lines.push(`  ${o.problem.replace(/_/g, ' ')}: ${[o.balanceTransactionId, ...o.keys].filter(Boolean).join(' ')}: ${o.detail}`);
  }
  lines.push('', r.drift ? 'DRIFT: the ledger and Stripe disagree.' : 'No drift: the ledger matches Stripe.');
  return `${lines.join('\n')}\n`;
}

/** `--since`: "30d", "36h", or a UTC day "2026-11-01"; returns seconds. */
export function parseSince(value: string, nowMs: number): number {
  const rel = /^(\d+)([dh])$/.exec(value.trim());
  if (rel) return Math.floor(nowMs / 1000) - Number(rel[1]) * (rel[2] === 'd' ? 86_400 : 3_600);
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const ms = Date.parse(`${value}T00:00:00Z`);
    if (!Number.isNaN(ms)) return Math.floor(ms / 1000);
  }
  throw new Error(`--since must be like 30d, 36h or 2026-11-01 (got ${value})`);
}
