// Annual giving statements: the CLI queues one email per supporter and currency, once
// however often it runs; the signed-in supporter reads their own at /account/statements/:year.
import { Readable, Writable } from 'node:stream';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/runtime/cli.js';
import { buildTestContext, type TestContext } from './factories/deps.js';
import { sessionFor } from './factories/staff.js';
import { buildCheckoutSession, buildEvent, buildRefund } from './factories/stripe.js';
import { startStripeMock } from './mocks/stripe-api.js';

const mock = startStripeMock();
afterAll(() => mock.close());

let t: TestContext;
beforeEach(() => {
  t = buildTestContext();
});
afterEach(async () => {
  await t.cleanup();
  mock.server.resetHandlers();
});

async function cli(argv: string[], env: Record<string, string> = {}) {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, cb) {
        append(String(chunk));
        cb();
      },
    });
  const code = await runCli(
    argv,
    { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_PATH: t.deps.config.databasePath, PUBLIC_URL: 'https://support.example.org', ...env },
    {
      out: sink((s) => {
        out += s;
      }),
      err: sink((s) => {
        err += s;
      }),
      stdin: Readable.from(['']),
    },
  );
  return { code, out, err };
}

const Y2026 = Date.UTC(2026, 2, 1) / 1000;
const Y2025 = Date.UTC(2025, 11, 31, 23, 0) / 1000;

async function give(email: string, amount: number, currency: string, created: number) {
  const session = buildCheckoutSession({ client_reference_id: null, amount_total: amount, currency, customer_details: { email } });
  expect((await t.app.request(t.webhook(buildEvent('checkout.session.completed', session, { created })))).status).toBe(200);
  return session;
}

/** Gifts in two currencies and two years, and a refund. */
async function seedYear() {
  const a = await give('ann@example.com', 2500, 'gbp', Y2026);
  await give('ann@example.com', 1000, 'gbp', Y2026 + 86_400);
  await give('ann@example.com', 3000, 'jpy', Y2026 + 2 * 86_400);
  await give('ann@example.com', 9900, 'gbp', Y2025);
  await give('bob@example.com', 500, 'gbp', Y2026);
  const refund = buildRefund({ payment_intent: a.payment_intent as string, charge: null, amount: 500, status: 'succeeded', created: Y2026 + 3 * 86_400 });
  expect((await t.app.request(t.webhook(buildEvent('refund.created', refund)))).status).toBe(200);
}

const statements = () =>
  (
    t.handle.sqlite.prepare(`select "key", to_address, props from outbox where template = 'statement' order by "key"`).all() as {
      key: string;
      to_address: string;
      props: string;
    }[]
  ).map((r) => ({
    ...r,
    props: JSON.parse(r.props) as { totalMinor: number; lines: unknown[] },
  }));

describe('npm run cli -- statements send', () => {
  it('queues one statement per supporter and currency for the year, and none again on a second run', async () => {
    await seedYear();
    const first = await cli(['statements', 'send', '--year', '2026']);
    expect(first).toMatchObject({ code: 0, out: '2026: 3 statements (supporter and currency); 3 queued now, 0 already queued before.\n' });
    const rows = statements();
    expect(rows.map((r) => [r.key, r.to_address, r.props.totalMinor, r.props.lines.length])).toEqual([
      ['statement:2026:gbp:ann@example.com', 'ann@example.com', 3000, 3],
      ['statement:2026:gbp:bob@example.com', 'bob@example.com', 500, 1],
      ['statement:2026:jpy:ann@example.com', 'ann@example.com', 3000, 1],
    ]);
    const again = await cli(['statements', 'send', '--year', '2026']);
    expect(again.out).toBe('2026: 3 statements (supporter and currency); 0 queued now, 3 already queued before.\n');
    expect(statements()).toHaveLength(3);
  });

  it('refuses a missing or malformed year with exit 64', async () => {
    expect((await cli(['statements', 'send'])).code).toBe(64);
    const bad = await cli(['statements', 'send', '--year', '26']);
    expect(bad.code).toBe(64);
    expect(bad.err).toContain('--year must be a year like 2026 (got 26)');
  });
});

describe('GET /account/statements/:year', () => {
  it("shows the signed-in supporter's own entries and totals, with the tax wording", async () => {
    await seedYear();
    const ann = t.handle.sqlite.prepare(`select id from supporters where email = 'ann@example.com'`).get() as { id: string };
    const s = await sessionFor(t.deps, 'supporter', ann.id);
    const res = await t.app.request('http://localhost:8787/account/statements/2026', { headers: { cookie: s.cookie } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Your 2026 giving statement');
    expect(html).toContain('In GBP');
    expect(html).toContain('In JPY');
    expect(html).toContain('£30');
    expect(html).toContain('¥3,000');
    expect(html).toContain('-£5');
    expect(html).toContain('are not tax-deductible');
    // another supporter's gift and another year's are not on it
    expect(html).not.toContain('£99');
    expect(html).not.toContain('bob@example.com');
  });

  it('names a bad year with 400', async () => {
    const ann = t.handle.sqlite.prepare(`insert into supporters (id, email, created_at) values ('sup_x', 'x@example.com', 0) returning id`).get() as {
      id: string;
    };
    const s = await sessionFor(t.deps, 'supporter', ann.id);
    const res = await t.app.request('http://localhost:8787/account/statements/20x6', { headers: { cookie: s.cookie, accept: 'application/json' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ fields: { year: 'must be a year like 2026' } });
  });
});
