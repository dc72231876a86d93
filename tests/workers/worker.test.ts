// What only the Workers entry does: settings from bindings, the scheduled handler, D1
// migrated by wrangler, and no network use in sandbox mode.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { buildCheckoutSession, buildEvent, signPayload } from '../factories/stripe.js';
import { giveSandboxGift } from '../flow/flow.suite.js';
import { ROOT } from '../helpers/server.js';
import { startWorkerd, type WorkerdTarget } from './workerd.js';

let t: WorkerdTarget | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const logLines = (output: string) =>
  output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('the Worker bundle', () => {
  it('stays inside a 1 MiB gzipped budget, a third of the Workers Free limit (3 MB)', () => {
    const { uploadKiB, uploadGzipKiB } = inject('workerBuild');
    console.log(`Worker bundle: ${uploadKiB} KiB, ${uploadGzipKiB} KiB gzipped`);
    expect(uploadGzipKiB).toBeGreaterThan(0);
    expect(uploadGzipKiB).toBeLessThan(1024);
  });
});

describe('the Worker entry', () => {
  it('answers every request with a clear 503 and logs every bad setting when the settings are wrong', async () => {
    t = await startWorkerd({ env: { CURRENCIES: 'gbp,xyz', STRIPE_SECRET_KEY: 'sk_test_abc', LOG_LEVEL: 'loud' } });
    for (const path of ['/', '/health', '/webhooks/stripe']) {
      const res = await fetch(`${t.url}${path}`, { method: path.startsWith('/webhooks') ? 'POST' : 'GET' });
      expect(res.status).toBe(503);
      const text = await res.text();
      expect(text).toContain('Storyfund is not configured correctly');
      expect(text).toMatch(/CURRENCIES/);
      expect(text).toMatch(/LOG_LEVEL/);
      expect(text).toContain('STRIPE_WEBHOOK_SECRET is required when STRIPE_SECRET_KEY is set');
      // the problems name settings, never their values
      expect(text).not.toContain('sk_test_abc');
    }
    const logged = logLines(t.output()).find((l) => l.msg === 'invalid configuration; refusing to serve');
    expect(logged).toMatchObject({ level: 'error', problems: expect.arrayContaining([expect.stringMatching(/^CURRENCIES/)]) });

    const worker = await t.mf.getWorker();
    const run = await worker.scheduled({ cron: '*/5 * * * *' });
    expect(run.outcome).toBe('exception');
  });

  it('in production, refuses to serve without STAFF_SECRETS_KEY (a `wrangler secret put`), naming it and nothing else; serves once it is set', async () => {
    const production = { NODE_ENV: 'production', STRIPE_SECRET_KEY: 'sk_live_worker', STRIPE_WEBHOOK_SECRET: 'whsec_worker', MAIL_TRANSPORT: 'none' };
    t = await startWorkerd({ env: production });
    const refused = await fetch(`${t.url}/health`);
    expect(refused.status).toBe(503);
    const text = await refused.text();
    expect(text.split('\n').filter((l) => l.startsWith('  - '))).toEqual([expect.stringContaining('STAFF_SECRETS_KEY is required in production')]);
    await t.stop();
    const key = 'c0ffee00'.repeat(4) + '0123456789abcdef0123456789abcdef';
    t = await startWorkerd({ env: { ...production, STAFF_SECRETS_KEY: key } });
    const served = await fetch(`${t.url}/health`);
    expect(served.status).toBe(200);
    expect(await served.json()).toEqual({ ok: true, stripe: 'live' });
    expect(t.output()).not.toContain(key);
  });

  it('with a Stripe key and no webhook secret, answers a signed webhook 503 and stores nothing', async () => {
    t = await startWorkerd({ env: { STRIPE_SECRET_KEY: 'sk_test_abc' } });
    const event = buildEvent('checkout.session.completed', buildCheckoutSession());
    const payload = JSON.stringify(event);
    for (const signature of [signPayload(payload), null]) {
      const res = await fetch(`${t.url}/webhooks/stripe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(signature ? { 'stripe-signature': signature } : {}) },
        body: payload,
      });
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('STRIPE_WEBHOOK_SECRET is required when STRIPE_SECRET_KEY is set');
    }
    expect(await t.query('select id from stripe_events')).toEqual([]);
  });

  it('sends queued receipts from the cron trigger and logs the run', async () => {
    // The sandbox hands its events to the app in-process, past the Worker's own fetch
    // (which sends right after a real webhook reply), so here only the cron run sends.
    t = await startWorkerd({ env: { MAIL_TRANSPORT: 'preview' } });
    await giveSandboxGift(t, { frequency: 'one_off', amount: '5', email: 'cron@example.com', article: 'harbour-water' });
    const outbox = () => t!.query<{ status: string }>("select status from outbox where to_address = 'cron@example.com'");
    expect((await outbox()).map((r) => r.status)).toEqual(['pending']);

    const worker = await t.mf.getWorker();
    const run = await worker.scheduled({ cron: '*/5 * * * *', scheduledTime: new Date('2026-11-20T10:05:00Z') });
    expect(run.outcome).toBe('ok');
    await expect
      .poll(() => logLines(t!.output()).find((l) => l.msg === 'scheduled run'))
      .toMatchObject({
        cron: '*/5 * * * *',
        scheduledTime: Date.parse('2026-11-20T10:05:00Z'),
        emails: { sent: 1, failed: 0 },
      });
    expect((await outbox()).map((r) => r.status)).toEqual(['sent']);
  });

  it('sends a sign-in link right after the reply to the form, without waiting for the cron', async () => {
    t = await startWorkerd({ env: { MAIL_TRANSPORT: 'preview' } });
    await t.exec(`insert into supporters (id, email, created_at) values ('sup_worker', 'link@example.com', 0)`);
    const res = await fetch(`${t.url}/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: t.url },
      body: new URLSearchParams({ email: 'link@example.com' }),
    });
    expect(res.status).toBe(200);
    // a generous ceiling for a loaded machine; the send itself follows the reply at once
    await expect
      .poll(async () => (await t!.query<{ status: string }>("select status from outbox where template = 'signin_link'")).map((r) => r.status), {
        timeout: 20_000,
      })
      .toEqual(['sent']);
  });

  it('reconciles with Stripe (here the sandbox) from the daily trigger', async () => {
    t = await startWorkerd();
    await giveSandboxGift(t, { frequency: 'monthly', amount: '7', email: 'daily@example.com', article: 'harbour-water' });
    const worker = await t.mf.getWorker();
    const run = await worker.scheduled({ cron: '17 4 * * *' });
    expect(run.outcome).toBe('ok');
    await expect
      .poll(() => logLines(t!.output()).find((l) => String(l.msg).startsWith('reconcile:')))
      .toMatchObject({ level: 'info', msg: 'reconcile: no drift', eventsRecovered: 0 });
  });

  it('serves a D1 that wrangler migrated with every migration in db/migrations', async () => {
    t = await startWorkerd();
    const files = readdirSync(join(ROOT, 'db', 'migrations'))
      .filter((f) => f.endsWith('.sql'))
      .sort();
    expect(files.length).toBeGreaterThan(0);
    const applied = await t.query<{ name: string }>('select name from d1_migrations order by id');
    expect(applied.map((m) => m.name)).toEqual(files);
  });

  it('completes a sandbox gift without a single outbound request, and says the sandbox is on', async () => {
    t = await startWorkerd();
    const gift = await giveSandboxGift(t, { frequency: 'one_off', amount: '5', email: 'quiet@example.com', article: 'harbour-water' });
    expect(await (await fetch(gift.thankYouUrl)).text()).toContain('Thank you for your £5 one-off gift');
    expect(t.refusedOutbound).toEqual([]);
    expect(t.output()).toContain('OFFLINE SANDBOX is active');
  });
});
