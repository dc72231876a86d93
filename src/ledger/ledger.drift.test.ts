import { describe, expect, it } from 'vitest';
import { compareTransaction, measureDrift, readEntries, type DriftEntry, type DriftInput, type ObjectDrift } from './ledger.drift.js';
import type { BalanceTransactionFacts } from './ledger.fees.js';

const bt = (o: Partial<BalanceTransactionFacts>): BalanceTransactionFacts => ({
  id: 'txn_1',
  amountMinor: 1000,
  feeMinor: 45,
  netMinor: 955,
  currency: 'gbp',
  exchangeRate: null,
  type: 'charge',
  reportingCategory: 'charge',
  sourceId: 'ch_1',
  created: 100,
  ...o,
});

const entry = (o: Partial<DriftEntry>): DriftEntry => ({
  key: 'payment:pi_1',
  kind: 'gift',
  amountMinor: 1000,
  currency: 'gbp',
  feeMinor: 45,
  netMinor: 955,
  settlementCurrency: 'gbp',
  exchangeRate: null,
  balanceTransactionId: 'txn_1',
  paymentIntentId: 'pi_1',
  stripeId: 'pi_1',
  occurredAt: 100_000,
  ...o,
});

const input = (o: Partial<DriftInput>): DriftInput => ({ stripe: [], entries: [], missingAtStripe: new Set(), beforeWindow: new Set(), unreadable: [], ...o });

describe('drift', () => {
  it('is none when every balance transaction has entries that add up to it', () => {
    const d = measureDrift(input({ stripe: [bt({})], entries: [entry({}), entry({})] }));
    expect(d.objects).toEqual([]);
    expect(d.currencies).toEqual([
      {
        currency: 'gbp',
        ledger: { grossMinor: 1000, feesMinor: 45, netMinor: 955, refundsMinor: 0, disputesMinor: 0, count: 1 },
        stripe: { grossMinor: 1000, feesMinor: 45, netMinor: 955, refundsMinor: 0, disputesMinor: 0, count: 1 },
        differs: false,
      },
    ]);
  });

  it('names a fee that differs, and the currency it moves', () => {
    const d = measureDrift(input({ stripe: [bt({})], entries: [entry({ feeMinor: 50, netMinor: 950 })] }));
    expect(d.objects).toEqual([
      { problem: 'mismatch', balanceTransactionId: 'txn_1', keys: ['payment:pi_1'], detail: 'fee 50 vs Stripe 45; net 950 vs Stripe 955' },
    ]);
    expect(d.currencies[0]!.differs).toBe(true);
  });

  it('finds money at Stripe that is not in the ledger, and entries Stripe has not settled', () => {
    const d = measureDrift(
      input({
        stripe: [bt({ id: 'txn_2', reportingCategory: 'refund', amountMinor: -300, feeMinor: 0, netMinor: -300, sourceId: 're_1' })],
        entries: [entry({ key: 'payment:pi_9', balanceTransactionId: null, feeMinor: null, netMinor: null, amountMinor: 700 })],
      }),
    );
    expect(d.objects.map((o) => o.problem)).toEqual(['missing_in_ledger', 'no_balance_transaction']);
    expect(d.objects[0]!.detail).toBe('refund re_1 -3.00 GBP is not in the ledger');
    expect(d.currencies[0]!.stripe.refundsMinor).toBe(-300);
    expect(d.currencies[0]!.ledger.grossMinor).toBe(700);
  });

  it('counts an entry whose balance transaction Stripe does not know as unsettled, and leaves one from before the window out', () => {
    const d = measureDrift(
      input({
        entries: [entry({ key: 'payment:pi_2', balanceTransactionId: 'txn_gone' }), entry({ key: 'payment:pi_3', balanceTransactionId: 'txn_old' })],
        missingAtStripe: new Set(['txn_gone']),
        beforeWindow: new Set(['txn_old']),
      }),
    );
    expect(d.objects.map((o) => [o.problem, o.keys])).toEqual([
      ['missing_at_stripe', ['payment:pi_2']],
      ['no_balance_transaction', ['payment:pi_2']],
    ]);
    // unsettled: counted at its amount, with no fee
    expect(d.currencies[0]!.ledger).toEqual({ grossMinor: 1000, feesMinor: 0, netMinor: 1000, refundsMinor: 0, disputesMinor: 0, count: 1 });
  });

  it("compares a converted payment at Stripe's rate, to within one minor unit", () => {
    const converted = bt({ amountMinor: 860, feeMinor: 40, netMinor: 820, exchangeRate: 0.86 });
    const usd = entry({ currency: 'usd', amountMinor: 1000, feeMinor: 40, netMinor: 820 });
    expect(compareTransaction(converted, [usd])).toBeNull();
    expect(compareTransaction({ ...converted, amountMinor: 850 }, [usd])).toBe("amount 1000 usd at 0.86 is not Stripe's 850 gbp");
  });

  it('reads stored rows through ledger.cells: an unreadable one is reported once by its id and summed nowhere', () => {
    const unreadable: ObjectDrift[] = [];
    const bad = { ...entry({ key: 'payment:pi_2' }), id: 'le_2', amountMinor: 'a lot', currency: 'GBP' };
    const good = { ...entry({}), id: 'le_1' };
    // the same row read twice (by its balance transaction and by its date) is named once
    const entries = [...readEntries([good, bad], unreadable), ...readEntries([bad], unreadable)];
    expect(entries).toEqual([entry({})]);
    expect(unreadable).toEqual([
      {
        problem: 'unreadable',
        balanceTransactionId: null,
        keys: ['payment:pi_2'],
        detail: 'entry le_2: amount_minor is not a whole number of minor units; currency is not a three-letter lower-case currency code',
      },
    ]);
    const d = measureDrift(input({ stripe: [bt({})], entries, unreadable }));
    expect(d.objects.map((o) => o.problem)).toEqual(['unreadable']);
    expect(d.currencies[0]!.ledger.grossMinor).toBe(1000);
  });
});
