import { describe, expect, it } from 'vitest';
import { formatReport, parseSince } from './reconcile.report.js';

describe('--since', () => {
  const now = Date.parse('2026-11-20T10:00:00Z');
  it('takes days, hours or a UTC day', () => {
    expect(parseSince('30d', now)).toBe(now / 1000 - 30 * 86_400);
    expect(parseSince('36h', now)).toBe(now / 1000 - 36 * 3_600);
    expect(parseSince('2026-11-01', now)).toBe(Date.parse('2026-11-01T00:00:00Z') / 1000);
    expect(() => parseSince('last week', now)).toThrow(/--since must be like 30d/);
  });
});

describe('the reconcile report as text', () => {
  const totals = (grossMinor: number, feesMinor: number) => ({
    grossMinor,
    feesMinor,
    netMinor: grossMinor - feesMinor,
    refundsMinor: 0,
    disputesMinor: 0,
    count: 1,
  });
  it('prints each side per currency, the drift row and each object that differs', () => {
    const text = formatReport({
      sinceSec: Date.parse('2026-11-01T00:00:00Z') / 1000,
      events: { scanned: 3, unprocessed: 1, recovered: 1, failed: [] },
      feesFilled: 0,
      currencies: [{ currency: 'gbp', ledger: totals(1000, 50), stripe: totals(1000, 45), differs: true }],
      objects: [{ problem: 'mismatch', balanceTransactionId: 'txn_1', keys: ['payment:pi_1'], detail: 'fee 50 vs Stripe 45' }],
      drift: true,
    });
    expect(text).toContain('Reconciled against Stripe since 2026-11-01T00:00:00.000Z');
    expect(text).toMatch(/GBP\s+ledger\s+10\.00\s+0\.50\s+9\.50/);
    expect(text).toMatch(/GBP\s+DRIFT\s+0\.00\s+0\.05\s+-0\.05/);
    expect(text).toContain('mismatch: txn_1 payment:pi_1: fee 50 vs Stripe 45');
    expect(text.trimEnd().endsWith('DRIFT: the ledger and Stripe disagree.')).toBe(true);
  });
});
