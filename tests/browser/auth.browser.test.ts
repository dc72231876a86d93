// Staff sign-in in a real Chromium against the started Node server: an admin made with the
// CLI sets a password through the printed link, enrols an authenticator and lands on
// /finance; a viewer signs in with a password alone; wrong passwords are throttled.
import Database from 'better-sqlite3';
import { Secret, TOTP } from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/auth.crypto.js';
import { launchChromium, screenshot } from '../helpers/browser.js';
import { watchCsp } from '../helpers/csp.js';
import { runCli, startServer, type RunningServer } from '../helpers/server.js';

/** staff TOTP secrets are sealed at rest with it, as in production */
const STAFF_SECRETS_KEY = '9a8b7c6d5e4f30211203f4e5d6c7b8a90a1b2c3d4e5f60718293a4b5c6d7e8f9';

let server: RunningServer;
let browser: Browser;
beforeAll(async () => {
  [server, browser] = await Promise.all([startServer({ STAFF_SECRETS_KEY }), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const shot = screenshot;

async function addViewer(email: string, name: string, password: string) {
  const h = await hashPassword(password);
  const db = new Database(server.dbPath);
  try {
    db.pragma('busy_timeout = 5000');
    db.prepare(
      `insert into staff (id, email, name, role, disabled, password_hash, password_salt, password_iterations, created_at, updated_at) values (?, ?, ?, 'viewer', 0, ?, ?, ?, 0, 0)`,
    ).run(`stf_${email.split('@')[0]}`, email, name, h.hash, h.salt, h.iterations);
  } finally {
    db.close();
  }
}

async function signIn(page: Page, email: string, password: string) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState();
}

describe('staff sign-in in the browser', () => {
  it('takes a CLI-made admin through the link, a password, TOTP enrolment and into /finance', async () => {
    const cli = await runCli(['staff', 'add', '--email', 'admin@example.org', '--role', 'admin', '--name', 'Ada Admin'], server.env);
    expect(cli.code).toBe(0);
    const link = /http:\/\/\S+\/staff\/password\?token=\S+/.exec(cli.stdout)![0];

    const context = await browser.newContext();
    const refused = watchCsp(context);
    const page = await context.newPage();
    await page.goto(link);
    await shot(page, '1-set-password');
    await page.getByLabel('New password').fill('an admin password of some length');
    await page.getByLabel('The same again').fill('an admin password of some length');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.waitForURL(/\/staff\/signin\?notice=password_set/);
    expect(await page.getByRole('status').textContent()).toContain('Your password is set');

    await signIn(page, 'admin@example.org', 'an admin password of some length');
    await page.waitForURL(/\/staff\/signin\/second-factor/);
    await shot(page, '2-enrol');
    expect(await page.locator('.qr svg').count()).toBe(1);
    const secret = (await page.locator('#totp-secret').textContent())!.replace(/\s/g, '');
    const code = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate();
    await page.getByLabel('Code from the app').fill(code);
    await page.getByRole('button', { name: 'Turn on and continue' }).click();
    await page.waitForLoadState();
    await shot(page, '3-recovery-codes');
    expect(await page.locator('.codes li').count()).toBe(10);
    await page.getByRole('link', { name: /continue/ }).click();
    await page.waitForURL(/\/finance$/);
    await shot(page, '4-finance');
    expect(await page.locator('main').textContent()).toContain('Signed in as Ada Admin, role admin');
    expect(refused).toEqual([]);
    await context.close();

    // the database holds the secret sealed, and the next sign-in reads it back
    const db = new Database(server.dbPath, { readonly: true });
    try {
      const { totp_secret } = db.prepare(`select totp_secret from staff where email = 'admin@example.org'`).get() as { totp_secret: string };
      expect(totp_secret).toMatch(/^v1:[0-9a-f]{8}:/);
      expect(totp_secret).not.toContain(secret);
    } finally {
      db.close();
    }
    const later = await browser.newContext();
    const again = await later.newPage();
    await again.goto(`${server.url}/staff/signin`);
    await signIn(again, 'admin@example.org', 'an admin password of some length');
    await again.waitForURL(/\/staff\/signin\/second-factor/);
    // a code of the next step: the enrolment used this one, and each step is good once
    const next = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: Date.now() + 30_000 });
    await again.getByLabel('Code', { exact: true }).fill(next);
    await again.getByRole('button', { name: 'Continue' }).click();
    await again.waitForURL(/\/finance$/);
    expect(await again.locator('main').textContent()).toContain('Signed in as Ada Admin, role admin');
    await later.close();
  });

  it('signs a viewer in with a password alone, and refuses them the audit log', async () => {
    await addViewer('viewer@example.org', 'Vic Viewer', 'a viewer password here');
    const context = await browser.newContext();
    const refused = watchCsp(context);
    const page = await context.newPage();
    await page.goto(`${server.url}/finance`);
    await page.waitForURL(/\/staff\/signin\?next=%2Ffinance/);
    await signIn(page, 'viewer@example.org', 'a viewer password here');
    await page.waitForURL(/\/finance$/);
    expect(await page.locator('main').textContent()).toContain('Signed in as Vic Viewer, role viewer');
    const audit = await page.goto(`${server.url}/finance/audit`);
    expect(audit!.status()).toBe(403);
    await shot(page, '5-viewer-403');
    await page.goto(`${server.url}/finance`);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(/\/staff\/signin\?notice=signed_out/);
    await page.goto(`${server.url}/finance`);
    await page.waitForURL(/\/staff\/signin\?next=/);
    expect(refused).toEqual([]);
    await context.close();
  });

  it('pauses sign-in after ten wrong passwords with a message saying how long to wait', async () => {
    await addViewer('forgetful@example.org', 'Fay Forgetful', 'the real password is this');
    const context = await browser.newContext();
    const refused = watchCsp(context);
    const page = await context.newPage();
    await page.goto(`${server.url}/staff/signin`);
    for (let i = 1; i <= 10; i++) await signIn(page, 'forgetful@example.org', `guess number ${i}`);
    await shot(page, '6-throttled');
    expect(await page.getByRole('alert').textContent()).toContain('please wait 15 minutes');
    await signIn(page, 'forgetful@example.org', 'the real password is this');
    expect(page.url()).toContain('/staff/signin');
    expect(await page.getByRole('alert').textContent()).toContain('please wait');
    expect(refused).toEqual([]);
    await context.close();
  });

  it('answers an API client without a session 401 on /finance', async () => {
    const res = await fetch(`${server.url}/finance`, { headers: { accept: 'application/json' }, redirect: 'manual' });
    expect(res.status).toBe(401);
  });
});
