// Runs a webhook storm against the real Node server (npm start's entry, a child process):
// every event of a generated stream delivered over HTTP, correctly signed, by concurrent
// senders, with duplicates, in shuffled order, each non-2xx retried with backoff as Stripe
// does, while the server is killed with SIGKILL and restarted on the same database. Then
// the ledger is compared with the stream's generated truth. Used by tests/storm.test.ts
// (CI size) and scripts/soak.ts (npm run soak, full size). Nothing here waits for a fixed
// time: each step waits for a condition (the server listening, every delivery answered).
import Database from 'better-sqlite3';
import { openNodeDb } from '../../db/node.js';
import { insertPendingGift } from '../../src/ledger/ledger.repo.js';
import { signPayload, TEST_WEBHOOK_SECRET } from '../factories/stripe.js';
import { createStripeStore, holdObjects } from '../mocks/stripe-api.js';
import { startServer } from './server.js';
import { generateStorm, totalsByCurrency, type ExpectedEntry } from './storm.js';
import { serveStripe } from './stripe-http.js';

export type StormOptions = {
  events: number;
  seed: number;
  /** concurrent senders (Stripe delivers to one endpoint over many connections) */
  senders?: number;
  /** SIGKILLs of the server, spread evenly over the stream */
  kills?: number;
  duplicateShare?: number;
  /** progress lines (the soak prints them; the test keeps quiet) */
  log?: (line: string) => void;
};

type Row = ExpectedEntry;

export type StormReport = {
  seed: number;
  events: number;
  deliveries: number;
  duplicates: number;
  senders: number;
  kills: number;
  attempts: number;
  /** attempts after the first, by what the previous attempt got: a status code or a network error */
  retries: Record<string, number>;
  stories: Record<string, number>;
  stripeCalls: number;
  /** deliveries never answered 2xx */
  undelivered: string[];
  /** events the server has no record of, or recorded and never applied */
  unrecorded: string[];
  unprocessed: string[];
  /** ledger keys expected and absent, present and not expected, recorded twice, or different */
  missing: string[];
  unexpected: string[];
  doubled: string[];
  different: { expected: Row; actual: Row }[];
  stripeUnhandled: string[];
  totals: { expected: ReturnType<typeof totalsByCurrency>; actual: ReturnType<typeof totalsByCurrency> };
  ok: boolean;
  serverOutput: string;
};

/** Stripe backs off over hours (https://docs.stripe.com/webhooks#retries); the same shape, scaled to a test. */
const BACKOFF_FIRST_MS = 25;
const BACKOFF_MAX_MS = 2_000;
/** a delivery still failing after this many attempts counts as lost (about 6 minutes of backoff) */
const MAX_ATTEMPTS = 200;
/** generous: only a server that stopped answering altogether would reach it */
const ATTEMPT_TIMEOUT_MS = 120_000;

/** The columns compared, in one order, so rows compare as JSON. */
const canonical = (r: Row): Row => ({
  key: r.key,
  kind: r.kind,
  frequency: r.frequency,
  amount_minor: r.amount_minor,
  currency: r.currency,
  fee_minor: r.fee_minor,
  net_minor: r.net_minor,
  gift_id: r.gift_id,
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function runStorm(opts: StormOptions): Promise<StormReport> {
  const log = opts.log ?? (() => {});
  const senders = opts.senders ?? 32;
  const kills = opts.kills ?? 2;
  const stream = generateStorm({ events: opts.events, seed: opts.seed, duplicateShare: opts.duplicateShare });
  const store = createStripeStore();
  holdObjects(store, ...(structuredClone(stream.objects) as { id: string; object: string }[]));
  const stripe = await serveStripe(store);
  const server = await startServer({
    STRIPE_SECRET_KEY: 'sk_test_storyfund_storm',
    STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    STRIPE_API_BASE: stripe.url,
    CURRENCIES: 'gbp,eur,usd,jpy',
    LOG_LEVEL: 'warn',
  });
  try {
    // what POST /checkout wrote before each reader went to Stripe
    const handle = openNodeDb(server.dbPath);
    for (const g of stream.gifts) await insertPendingGift(handle.db, g, Date.now());
    await handle.close();

    const payloads = stream.events.map((e) => JSON.stringify(e));
    const total = stream.deliveries.length;
    const killAt = Array.from({ length: kills }, (_, i) => Math.floor((total * (i + 1)) / (kills + 1)));
    const retries: Record<string, number> = {};
    const undelivered: string[] = [];
    let attempts = 0;
    let acknowledged = 0;
    let killed = 0;
    let restarting: Promise<void> | null = null;
    let next = 0;
    log(`storm: seed ${opts.seed}, ${stream.events.length} events, ${total} deliveries, ${senders} senders, ${kills} kills`);

    const crashAndRestart = async () => {
      log(`storm: SIGKILL ${killed + 1} after ${acknowledged} of ${total} deliveries acknowledged`);
      await server.crash();
      await server.restart();
      killed += 1;
      log(`storm: server restarted on the same database`);
      restarting = null;
    };

    const deliver = async (index: number) => {
      const payload = payloads[index]!;
      for (let attempt = 1; ; attempt++) {
        attempts += 1;
        let outcome: string;
        try {
          // Stripe signs every attempt afresh, with the time of that attempt
          const res = await fetch(`${server.url}/webhooks/stripe`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'stripe-signature': signPayload(payload) },
            body: payload,
            signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
          });
          await res.arrayBuffer();
          if (res.ok) {
            acknowledged += 1;
            if (killed < kills && !restarting && acknowledged >= killAt[killed]!) restarting = crashAndRestart();
            return;
          }
          outcome = String(res.status);
        } catch (err) {
          const cause = (err as { cause?: { code?: string } }).cause;
          outcome = (err as Error).name === 'TimeoutError' ? 'timeout' : (cause?.code ?? 'network error');
        }
        retries[outcome] = (retries[outcome] ?? 0) + 1;
        if (attempt >= MAX_ATTEMPTS) {
          undelivered.push(`${stream.events[index]!.id} (${stream.events[index]!.type}): last ${outcome}`);
          return;
        }
        const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (attempt - 1));
        await sleep(backoff / 2 + Math.random() * (backoff / 2));
      }
    };

    let reported = 0;
    await Promise.all(
      Array.from({ length: senders }, async () => {
        while (next < total) {
          const index = stream.deliveries[next++]!;
          await deliver(index);
          if (acknowledged - reported >= total / 10) {
            reported = acknowledged;
            log(`storm: ${acknowledged} of ${total} deliveries acknowledged`);
          }
        }
      }),
    );
    // a restart begun by the last acknowledgements finishes before the ledger is read
    while (restarting !== null) await restarting;

    const db = new Database(server.dbPath, { readonly: true });
    let actual: Row[];
    let events: { id: string; processed_at: number | null }[];
    let doubled: string[];
    try {
      db.pragma('busy_timeout = 5000');
      actual = db.prepare('select key, kind, frequency, amount_minor, currency, fee_minor, net_minor, gift_id from ledger_entries order by key').all() as Row[];
      events = db.prepare('select id, processed_at from stripe_events').all() as typeof events;
      doubled = (db.prepare('select key from ledger_entries group by key having count(*) > 1').all() as { key: string }[]).map((r) => r.key);
    } finally {
      db.close();
    }

    const recorded = new Map(events.map((e) => [e.id, e]));
    const unrecorded = stream.events.filter((e) => !recorded.has(e.id)).map((e) => `${e.id} (${e.type})`);
    const unprocessed = events.filter((e) => e.processed_at == null).map((e) => e.id);
    const expectedByKey = new Map(stream.expected.map((e) => [e.key, e]));
    const actualByKey = new Map(actual.map((e) => [e.key, e]));
    const missing = stream.expected.filter((e) => !actualByKey.has(e.key)).map((e) => e.key);
    const unexpected = actual.filter((e) => !expectedByKey.has(e.key)).map((e) => e.key);
    const different = stream.expected.flatMap((expected) => {
      const got = actualByKey.get(expected.key);
      return got && JSON.stringify(canonical(got)) !== JSON.stringify(canonical(expected)) ? [{ expected, actual: got }] : [];
    });
    const totals = { expected: totalsByCurrency(stream.expected), actual: totalsByCurrency(actual) };
    const ok =
      undelivered.length === 0 &&
      unrecorded.length === 0 &&
      unprocessed.length === 0 &&
      events.length === stream.events.length &&
      missing.length === 0 &&
      unexpected.length === 0 &&
      doubled.length === 0 &&
      different.length === 0 &&
      stripe.stats.unhandled.length === 0 &&
      killed === kills &&
      JSON.stringify(totals.expected) === JSON.stringify(totals.actual);
    return {
      seed: opts.seed,
      events: stream.events.length,
      deliveries: total,
      duplicates: total - stream.events.length,
      senders,
      kills: killed,
      attempts,
      retries,
      stories: stream.stories,
      stripeCalls: stripe.stats.requests,
      undelivered,
      unrecorded,
      unprocessed,
      missing,
      unexpected,
      doubled,
      different,
      stripeUnhandled: stripe.stats.unhandled,
      totals,
      ok,
      serverOutput: server.output(),
    };
  } finally {
    await server.stop();
    await stripe.close();
  }
}

const money = (n: number) => n.toLocaleString('en-GB');

/** The run as a few lines a person can check: what was sent, what went wrong on the way, totals against the truth. */
export function formatStormReport(r: StormReport): string {
  const retried = Object.values(r.retries).reduce((a, b) => a + b, 0);
  const lines = [
    `seed ${r.seed} (rerun: npm run soak -- --events ${r.events} --seed ${r.seed})`,
    `events ${r.events}, deliveries ${r.deliveries} (duplicates ${r.duplicates}), senders ${r.senders}, SIGKILLs ${r.kills}`,
    `attempts ${r.attempts}, retries ${retried}${
      retried
        ? ` (${Object.entries(r.retries)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ')})`
        : ''
    }, Stripe API calls ${r.stripeCalls}`,
    `histories: ${Object.entries(r.stories)
      .sort(([, a], [, b]) => b - a)
      .map(([k, v]) => `${v} ${k}`)
      .join('; ')}`,
    'currency  entries (expected/actual)  amount (expected/actual)  fee (expected/actual)  net (expected/actual)',
  ];
  for (const c of new Set([...Object.keys(r.totals.expected), ...Object.keys(r.totals.actual)])) {
    const e = r.totals.expected[c];
    const a = r.totals.actual[c];
    const pair = (f: 'entries' | 'amount' | 'fee' | 'net') =>
      `${money(e?.[f] ?? 0)} / ${money(a?.[f] ?? 0)}${(e?.[f] ?? 0) === (a?.[f] ?? 0) ? '' : ' MISMATCH'}`;
    lines.push(`${c.padEnd(9)} ${pair('entries').padEnd(27)} ${pair('amount').padEnd(25)} ${pair('fee').padEnd(22)} ${pair('net')}`);
  }
  const problems: [string, unknown[]][] = [
    ['never acknowledged', r.undelivered],
    ['not recorded', r.unrecorded],
    ['recorded, not processed', r.unprocessed],
    ['entries missing', r.missing],
    ['entries not expected', r.unexpected],
    ['entries doubled', r.doubled],
    ['entries different', r.different.map((d) => JSON.stringify(d))],
    ['Stripe calls with no stand-in', r.stripeUnhandled],
  ];
  for (const [what, list] of problems)
    if (list.length) lines.push(`${what} (${list.length}): ${list.slice(0, 10).join('; ')}${list.length > 10 ? '; ...' : ''}`);
  lines.push(r.ok ? 'ledger equals the generated truth: nothing lost, nothing doubled, every event processed' : 'LEDGER DIFFERS FROM THE GENERATED TRUTH');
  return lines.join('\n');
}
