// The finance rows of npm run bench, on the seeded 1M-contribution ledger: each query the
// finance pages run, timed in this process against the same database file the server
// uses, and each page's server time, timed as one GET at a time from the load core (so
// the time includes loopback HTTP, a little more than the server's own).
import { performance } from 'node:perf_hooks';
import { openNodeDb } from '../../db/node.js';
import { newSession } from '../../src/auth/auth.sessions.js';
import { loadConfig } from '../../src/config.js';
import { attribution, DIMENSIONS } from '../../src/finance/finance.attribution.repo.js';
import { failedGifts, failedRenewals, lifetimeGiving, listContributions, listSupporters } from '../../src/finance/finance.lists.repo.js';
import type { Range } from '../../src/finance/finance.ranges.js';
import { currencyTotals, givingSeries, recurringTotals } from '../../src/finance/finance.totals.repo.js';
import { periodRange } from '../../src/finance/finance.js';
import { lastReconcileRun } from '../../src/ledger/ledger.runs.repo.js';
import { buildStaff, insertStaffRow } from '../../tests/factories/staff.js';

export type FinanceTiming = { group: string; label: string; boundMs: number; medianMs: number; maxMs: number; runs: number };

const RUNS = 25;
const WARM = 3;

async function time(fn: () => Promise<unknown>): Promise<{ medianMs: number; maxMs: number }> {
  for (let i = 0; i < WARM; i++) await fn();
  const xs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    xs.push(performance.now() - t0);
  }
  xs.sort((a, b) => a - b);
  return { medianMs: xs[xs.length >> 1]!, maxMs: xs[xs.length - 1]! };
}

export async function financeRows(appUrl: string, dbPath: string, log: (s: string) => void): Promise<FinanceTiming[]> {
  const config = loadConfig({ NODE_ENV: 'development', LOG_LEVEL: 'silent', DATABASE_PATH: dbPath });
  const handle = openNodeDb(dbPath);
  const db = handle.db;
  const out: FinanceTiming[] = [];
  try {
    // "now" is the seed's newest contribution, so today, this month and this year hold data however old the cached seed is
    const newest = handle.sqlite.prepare('select max(occurred_at) as t from ledger_entries').get() as { t: number };
    const now = newest.t;
    const period = (p: 'today' | 'month' | 'year') => periodRange({ period: p }, now).range;
    const day = 86_400_000;
    const custom: Range = { fromMs: period('today').fromMs - 45 * day, toMs: period('today').toMs };
    // two years to the day, starting mid-month: no calendar month or year, 24 whole months and one end day
    const twoYears: Range = { fromMs: period('today').toMs - 730 * day, toMs: period('today').toMs };
    const everything: Range = { fromMs: 0, toMs: period('today').toMs };
    const add = async (group: string, label: string, boundMs: number, fn: () => Promise<unknown>) => {
      const t = await time(fn);
      out.push({ group, label, boundMs, runs: RUNS, ...t });
      log(`  ${label}: median ${t.medianMs.toFixed(2)} ms, max ${t.maxMs.toFixed(2)} ms`);
    };

    log('- finance queries');
    for (const p of ['today', 'month', 'year'] as const) {
      const r = period(p);
      await add('overview', `overview ${p}: totals per currency (incl. distinct supporters)`, 10, () => currencyTotals(db, r));
      await add('overview', `overview ${p}: recurring metrics`, 10, () => recurringTotals(db, r));
      await add('overview', `overview ${p}: chart series`, 10, () => givingSeries(db, r, p === 'year' ? 'month' : 'day'));
    }
    await add('overview', 'overview: failed renewals awaiting retry', 10, () => failedRenewals(db, { awaitingRetry: true, limit: 20 }));
    await add('overview', 'overview: last reconcile run', 10, () => lastReconcileRun(db));
    await add('overview', 'overview, a 46-day range: totals per currency (incl. distinct supporters)', 10, () => currencyTotals(db, custom));
    await add('overview', 'overview, a two-year range (730 days): totals per currency (incl. distinct supporters)', 10, () => currencyTotals(db, twoYears));

    const first = await listContributions(db, { range: {} }, { by: 'date', dir: 'desc' }, null, 51);
    const middle = (await listContributions(db, { range: { toMs: period('year').fromMs } }, { by: 'date', dir: 'desc' }, null, 1))[0];
    const byAmount = await listContributions(db, { range: {} }, { by: 'amount', dir: 'desc' }, null, 51);
    const lastAmount = byAmount[byAmount.length - 1];
    await add('list', 'contributions, first page (newest first)', 2, () => listContributions(db, { range: {} }, { by: 'date', dir: 'desc' }, null, 51));
    if (first.length && middle)
      await add('list', 'contributions, a page a year back (keyset)', 2, () =>
        listContributions(db, { range: {} }, { by: 'date', dir: 'desc' }, { value: middle.occurredAt, id: middle.id }, 51),
      );
    if (lastAmount)
      await add('list', 'contributions by amount, second page', 2, () =>
        listContributions(db, { range: {} }, { by: 'amount', dir: 'desc' }, { value: lastAmount.amountMinor, id: lastAmount.id }, 51),
      );
    await add('list', 'contributions filtered: campaign and currency, this month', 2, () =>
      listContributions(db, { range: period('month'), campaign: 'winter-appeal', currency: 'gbp' }, { by: 'date', dir: 'desc' }, null, 51),
    );
    await add('list', 'contributions filtered: refunds', 2, () => listContributions(db, { range: {}, kind: 'refund' }, { by: 'date', dir: 'desc' }, null, 51));
    const supporters = await listSupporters(db, { after: null, limit: 51 });
    await add('list', 'supporters, first page', 2, () => listSupporters(db, { after: null, limit: 51 }));
    await add('list', "supporters: the page's lifetime giving", 2, () =>
      lifetimeGiving(
        db,
        supporters.map((s) => s.id),
      ),
    );
    await add('list', 'failed payments: one-off gifts', 2, () => failedGifts(db, 50));
    await add('list', 'failed payments: renewals', 2, () => failedRenewals(db, { awaitingRetry: false, limit: 50 }));

    for (const by of DIMENSIONS) await add('attribution', `attribution by ${by}, this year`, 50, () => attribution(db, period('year'), by));
    await add('attribution', 'attribution by article, the whole ledger (two years)', 50, () => attribution(db, everything, 'article'));
    await add('attribution', 'attribution by campaign, a 46-day range', 50, () => attribution(db, custom, 'campaign'));

    log('- finance pages (one GET at a time, signed in as finance staff)');
    const staff = await insertStaffRow({ db, now: () => Date.now() }, buildStaff({ role: 'finance' }));
    const session = await newSession({ db, now: () => Date.now(), config }, { kind: 'staff', subjectId: staff.id, stage: 'active', userAgent: 'bench' });
    await db.atomic(session.statements);
    const cookie = `storyfund_session=${session.token}`;
    const gift = first.find((r) => r.giftId)?.giftId;
    const payout = handle.sqlite.prepare('select id from payouts order by stripe_created desc limit 1').get() as { id: string } | undefined;
    // the payout page lists its items a page at a time: one from the middle of the largest payout, by keyset
    const largest = handle.sqlite.prepare('select payout_id as id, count(*) as n from payout_items group by payout_id order by n desc limit 1').get() as
      | { id: string; n: number }
      | undefined;
    const midItem = largest
      ? (handle.sqlite
          .prepare(
            'select stripe_created as s, balance_transaction_id as b from payout_items where payout_id = ? order by stripe_created, balance_transaction_id limit 1 offset ?',
          )
          .get(largest.id, Math.floor(largest.n / 2)) as { s: number; b: string })
      : undefined;
    const pages: [string, string][] = [
      ['overview, this month', '/finance'],
      ['overview, this year', '/finance?period=year'],
      ['overview, today', '/finance?period=today'],
      ['contributions, first page', '/finance/contributions'],
      ['contributions filtered by campaign, by amount', '/finance/contributions?campaign=winter-appeal&sort=amount&dir=desc'],
      ['supporters', '/finance/supporters'],
      ...(supporters[0] ? [['a supporter', `/finance/supporters/${supporters[0].id}`] as [string, string]] : []),
      ['failed payments', '/finance/failed'],
      ['attribution by article, this year', '/finance/attribution?period=year&by=article'],
      ['payouts', '/finance/payouts'],
      ...(payout ? [['a payout', `/finance/payouts/${payout.id}`] as [string, string]] : []),
      ...(largest && midItem
        ? [
            [`the largest payout (${largest.n} items), a page from its middle`, `/finance/payouts/${largest.id}?after=${midItem.s}.${midItem.b}`] as [
              string,
              string,
            ],
            ['payouts through the JSON API', '/finance/api/payouts'] as [string, string],
            [`the largest payout through the JSON API (first ${Math.min(500, largest.n)} items)`, `/finance/api/payouts/${largest.id}`] as [string, string],
          ]
        : []),
      ...(gift ? [["a gift's timeline", `/finance/gifts/${gift}`] as [string, string]] : []),
    ];
    for (const [label, path] of pages) {
      const res = await fetch(`${appUrl}${path}`, { headers: { cookie } });
      if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
      await res.arrayBuffer();
      await add('page', `GET ${path} (${label})`, 20, async () => {
        const r = await fetch(`${appUrl}${path}`, { headers: { cookie } });
        await r.arrayBuffer();
      });
    }
  } finally {
    await handle.close();
  }
  return out;
}

const GROUPS: Record<string, string> = {
  overview: "overview's queries (≤ 10 ms each)",
  list: 'list pages (≤ 2 ms each)',
  attribution: 'attribution report (≤ 50 ms for any range)',
  page: "each page's server time (≤ 20 ms; one GET at a time over loopback, so a little more than the server's own)",
};

export function renderFinance(rows: readonly FinanceTiming[], contributions: number): string[] {
  if (!rows.length) return [];
  const lines = [
    '',
    `### Finance at ${contributions.toLocaleString('en-GB')} seeded contributions (queries in the harness process, ${rows[0]!.runs} runs each after 3 warm-ups)`,
    '',
    '| measurement | median | max | bound | |',
    '|---|---:|---:|---:|---|',
  ];
  for (const [group, title] of Object.entries(GROUPS)) {
    lines.push(`| **${title}** | | | | |`);
    for (const r of rows.filter((x) => x.group === group))
      lines.push(
        `| ${r.label} | ${r.medianMs.toFixed(2)} ms | ${r.maxMs.toFixed(2)} ms | ≤ ${r.boundMs} ms | ${r.medianMs <= r.boundMs ? '**met**' : '**missed**'} |`,
      );
  }
  return lines;
}
