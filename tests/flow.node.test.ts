// The donation loop over real HTTP against the started Node server with the offline
// sandbox: appeal -> POST /checkout -> sandbox Pay -> signed webhooks -> thank-you -> export.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_WEBHOOK_SECRET } from '../src/config.js';
import { ROOT, runCli, startServer, type RunningServer } from './helpers/server.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

const signer = new Stripe('sk_test_signer_only');

describe('the donation loop on Node with the sandbox', () => {
  it('says plainly at start-up that the sandbox is active', () => {
    expect(server.output()).toContain('OFFLINE SANDBOX is active');
  });

  it('takes a £10 monthly gift end to end and exports it exactly once', async () => {
    const article = await fetch(`${server.url}/`);
    expect(article.status).toBe(200);
    expect(await article.text()).toContain('Your support helps us to tell the story');

    const checkout = await fetch(`${server.url}/checkout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ frequency: 'monthly', amount: '10', amount_other: '', currency: 'gbp', email: 'flow@example.com', article: 'harbour-water' }),
    });
    expect(checkout.status).toBe(303);
    const payPage = checkout.headers.get('location')!;
    expect(payPage).toMatch(new RegExp(`^${server.url}/sandbox/checkout/cs_test_`));

    const page = await fetch(payPage);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('£10');

    const paid = await fetch(`${payPage}/pay`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: 'flow@example.com', name: 'Flo Reader' }),
    });
    expect(paid.status).toBe(303);
    const thankYouUrl = paid.headers.get('location')!;
    expect(thankYouUrl).toMatch(new RegExp(`^${server.url}/thank-you\\?session_id=cs_test_`));

    const thanks = await fetch(thankYouUrl);
    expect(thanks.status).toBe(200);
    expect(await thanks.text()).toContain('Thank you for your £10 monthly gift');

    // Stripe delivers at least once: deliver every event the sandbox sent five more times.
    const db = new Database(server.dbPath, { readonly: true });
    const events = db.prepare('select id, type, payload from stripe_events order by received_at').all() as { id: string; type: string; payload: string }[];
    db.close();
    expect(events.map((e) => e.type).sort()).toEqual(['checkout.session.completed', 'customer.subscription.created', 'invoice.paid']);
    for (let i = 0; i < 5; i++) {
      for (const e of events) {
        const res = await fetch(`${server.url}/webhooks/stripe`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'stripe-signature': signer.webhooks.generateTestHeaderString({ payload: e.payload, secret: SANDBOX_WEBHOOK_SECRET }) },
          body: e.payload,
        });
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ received: true, duplicate: true });
      }
    }

    const exported = await runCli(['contributions', 'export', '--format', 'csv'], server.env);
    expect(exported.code).toBe(0);
    const lines = exported.stdout.trim().split('\r\n');
    expect(lines[0]).toContain('contribution_id,created_at');
    expect(lines).toHaveLength(2);
    const header = lines[0]!.split(',');
    const row = Object.fromEntries(lines[1]!.split(',').map((v, i) => [header[i], v]));
    expect(row).toMatchObject({ frequency: 'monthly', currency: 'gbp', amount_minor: '1000', status: 'paid', supporter_email: 'flow@example.com', article: 'harbour-water', kind: 'gift' });
    expect(row.stripe_id).toMatch(/^in_/);

    const empty = await runCli(['contributions', 'export', '--format', 'csv', '--to', '2020-01-01'], server.env);
    expect(empty.stdout.trim().split('\r\n')).toHaveLength(1);
  });

  it('rejects a webhook with a wrong signature and records nothing', async () => {
    const payload = JSON.stringify({ id: 'evt_forged', object: 'event', type: 'invoice.paid', created: 1, data: { object: {} } });
    const res = await fetch(`${server.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signer.webhooks.generateTestHeaderString({ payload, secret: 'whsec_wrong' }) },
      body: payload,
    });
    expect(res.status).toBe(400);
    const db = new Database(server.dbPath, { readonly: true });
    expect(db.prepare("select count(*) as n from stripe_events where id = 'evt_forged'").get()).toEqual({ n: 0 });
    db.close();
  });
});

describe('start-up configuration', () => {
  it('refuses to start with bad settings and lists every bad field', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/runtime/node.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', PORT: 'eighty', STRIPE_SECRET_KEY: 'sk_test_abc', CURRENCIES: 'gbp,xyz' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((res) => child.once('exit', res));
    expect(code).toBe(1);
    expect(err).toContain('Invalid configuration');
    expect(err).toMatch(/PORT/);
    expect(err).toMatch(/CURRENCIES/);
    expect(err).toMatch(/STRIPE_WEBHOOK_SECRET is required/);
  });

  it('refuses the sandbox in production', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/runtime/node.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((res) => child.once('exit', res));
    expect(code).toBe(1);
    expect(err).toMatch(/STRIPE_SECRET_KEY is required in production/);
  });
});
