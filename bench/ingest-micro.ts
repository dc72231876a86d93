// In-process cost of the webhook writes that touch the ledger, on a copy of the seeded
// database: each unique invoice.paid, invoice_payment.paid and checkout.session.completed
// (the bench's webhook rows, bench/lib/events.ts) is parsed and handled
// as a delivery would be, and its atomic write is run statement by statement, timed, in
// a transaction of its own. Reports per event the median time of the rollup bracket's
// statements and of the write's own.
//
//   npx tsx bench/ingest-micro.ts <copy-of-seed.sqlite> [--events 1500] [--plans]
import { parseArgs } from 'node:util';
import { openNodeDb } from '../db/node.js';
import { toSqlStatement } from '../db/db.js';
import { insertPendingGift } from '../src/ledger/ledger.repo.js';
import { applyEvent } from '../src/webhooks/webhooks.apply.js';
import type { Deps } from '../src/deps.js';
import { createLogger } from '../src/deps.js';
import { fill, invoicePaidTemplate, invoicePaymentPaidTemplate, sessionCompletedTemplate } from './lib/events.js';

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: { events: { type: 'string', default: '1500' }, plans: { type: 'boolean', default: false } },
});
const path = positionals[0];
if (!path) throw new Error('usage: npx tsx bench/ingest-micro.ts <copy-of-seed.sqlite>');
const EVENTS = Number(opt.events);

const handle = openNodeDb(path, { cacheKiB: 32 * 1024 });
const { sqlite } = handle;
const BRACKET =
  /^(insert into (ledger_day_totals|ledger_day_attribution|ledger_month_attribution|ledger_supporter_counts|ledger_supporter_periods|recurring_gift_totals|recurring_gift_days)|with )/;

type Timing = { bracket: number; own: number; byStatement: Map<string, number> };
let current: Timing | null = null;
const plans = new Map<string, string>();
// as the server's connection does (db/node.ts): each SQL text compiled once
const cache = new Map<string, ReturnType<typeof sqlite.prepare>>();
const now = Date.now();
const deps = {
  db: {
    ...handle.db,
    atomic: async (statements: readonly unknown[]) => {
      const t: Timing = { bracket: 0, own: 0, byStatement: new Map() };
      sqlite.exec('begin');
      let seenOwn = false;
      for (const s of statements) {
        const { sql, params } = toSqlStatement(s as never);
        let prepared = cache.get(sql);
        if (!prepared) {
          prepared = sqlite.prepare(sql);
          cache.set(sql, prepared);
        }
        const start = process.hrtime.bigint();
        prepared.run(...(params as [never]));
        const took = Number(process.hrtime.bigint() - start) / 1000;
        const isBracket = BRACKET.test(sql);
        if (isBracket) t.bracket += took;
        else t.own += took;
        if (!isBracket) seenOwn = true;
        const label = `${isBracket ? (seenOwn ? 'after  ' : 'before ') : '       '}${sql.slice(0, 60)}`;
        t.byStatement.set(label, (t.byStatement.get(label) ?? 0) + took);
        if (opt.plans && isBracket && !plans.has(sql))
          plans.set(sql, (sqlite.prepare(`explain query plan ${sql}`).all(...(params as [never])) as { detail: string }[]).map((r) => r.detail).join('\n    '));
      }
      sqlite.exec('commit');
      current = t;
      return [];
    },
  },
  stripe: new Proxy(
    {},
    {
      get: () => {
        throw new Error('no Stripe in this benchmark');
      },
    },
  ),
  config: {} as never,
  now: () => now,
  log: createLogger(
    'error',
    () => {},
    () => now,
  ),
  mail: {} as never,
  clientAddress: () => null,
  webhookCrypto: {} as never,
} as unknown as Deps;

const monthly = sqlite
  .prepare(
    `select g.id as gift, r.stripe_subscription_id as sub, g.email as email, r.stripe_customer_id as customer
     from recurring_gifts r join gifts g on g.id = r.gift_id where g.frequency = 'monthly' and g.email is not null limit 2000`,
  )
  .all() as { gift: string; sub: string; email: string; customer: string }[];
const pending: string[] = [];
for (let i = 0; i < EVENTS; i++) {
  const id = `gift_micro${i.toString(36)}${now.toString(36)}`;
  await insertPendingGift(
    handle.db,
    {
      id,
      frequency: 'one_off',
      amountMinor: 1000,
      currency: 'gbp',
      email: null,
      article: 'a',
      section: 'Environment',
      campaign: null,
      variant: 'b',
      referrer: null,
      country: 'GB',
    },
    now,
  );
  pending.push(id);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function run(name: string, payloadOf: (i: number) => string) {
  const bracket: number[] = [];
  const own: number[] = [];
  const per = new Map<string, number[]>();
  for (let i = 0; i < EVENTS; i++) {
    const payload = payloadOf(i);
    await applyEvent(deps, JSON.parse(payload), payload);
    const t = current as Timing | null;
    if (!t) throw new Error('no write');
    if (i >= 100) {
      bracket.push(t.bracket);
      own.push(t.own);
      for (const [k, v] of t.byStatement) per.set(k, [...(per.get(k) ?? []), v]);
    }
  }
  console.log(`${name}: bracket ${median(bracket).toFixed(1)} µs, own ${median(own).toFixed(1)} µs (medians of ${bracket.length})`);
  for (const [k, v] of per) console.log(`  ${median(v).toFixed(1).padStart(7)} µs  ${k}`);
}

const tag = now.toString(36);
const invoice = invoicePaidTemplate();
const session = sessionCompletedTemplate();
const invoicePayment = invoicePaymentPaidTemplate();
await run('invoice.paid', (i) => {
  const m = monthly[i % monthly.length]!;
  return fill(invoice, { N: `m${tag}${i}`, GIFT: m.gift, SUB: m.sub, EMAIL: m.email, CUSTOMER: m.customer });
});
await run('invoice_payment.paid', (i) => fill(invoicePayment, { N: `m${tag}${i}` }));
await run('checkout.session.completed', (i) => fill(session, { N: `m${tag}${i}`, GIFT: pending[i]!, EMAIL: `reader${i % 5000}@example.com` }));
if (opt.plans) for (const [sql, plan] of plans) console.log(`\n${sql}\n    ${plan}`);
await handle.close();
