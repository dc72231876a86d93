// API tokens in a real Chromium against the started Node server: a CLI-made admin signs in
// (password, then TOTP enrolment), makes a token for an analyst on /finance/staff and sees it
// once; the token reads the JSON API; back on the staff page it is listed by name only, and
// revoking it there closes the API to it.
import { Secret, TOTP } from 'otpauth';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot } from '../helpers/browser.js';
import { runCli, startServer, type RunningServer } from '../helpers/server.js';

let server: RunningServer;
let browser: Browser;
beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('API tokens on the staff page, in the browser', () => {
  it('lets an admin make a token shown once, which reads the API until the admin revokes it', async () => {
    const seed = await runCli(['dev', 'seed', '--contributions', '50'], server.env);
    expect(seed.code, seed.stderr).toBe(0);
    const analyst = await runCli(['staff', 'add', '--email', 'ana@example.org', '--role', 'viewer', '--name', 'Ana Analyst'], server.env);
    expect(analyst.code, analyst.stderr).toBe(0);
    const cli = await runCli(['staff', 'add', '--email', 'ada@example.org', '--role', 'admin', '--name', 'Ada Admin'], server.env);
    expect(cli.code, cli.stderr).toBe(0);
    const link = /http:\/\/\S+\/staff\/password\?token=\S+/.exec(cli.stdout)![0];

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(link);
    await page.getByLabel('New password').fill('an admin password of length');
    await page.getByLabel('The same again').fill('an admin password of length');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.waitForURL(/\/staff\/signin\?notice=password_set/);
    await page.getByLabel('Email').fill('ada@example.org');
    await page.getByLabel('Password').fill('an admin password of length');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/staff\/signin\/second-factor/);
    const secret = (await page.locator('#totp-secret').textContent())!.replace(/\s/g, '');
    await page.getByLabel('Code from the app').fill(new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate());
    await page.getByRole('button', { name: 'Turn on and continue' }).click();
    await page.waitForLoadState();
    await page.getByRole('link', { name: /continue/ }).click();
    await page.waitForURL(/\/finance$/);

    await page.getByRole('link', { name: 'Staff' }).click();
    await page.waitForURL(/\/finance\/staff$/);
    expect(await page.locator('#api-tokens').textContent()).toContain('No API tokens yet.');
    await page.getByLabel('Owner').selectOption({ label: 'Ana Analyst (viewer)' });
    await page.getByLabel('Token name').fill('Month-end sheet');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.waitForURL(/\/finance\/staff\/tokens$/);
    expect(await page.locator('h1').textContent()).toBe('API token created');
    expect(await page.getByRole('status').textContent()).toContain('shown only this once');
    const token = (await page.locator('#api-token-secret').textContent())!;
    expect(token).toMatch(/^sfapi_[A-Za-z0-9_-]{43}$/);
    await screenshot(page, 'api-token-1-created');

    // the token reads the API as the analyst: a viewer, so supporters' emails come masked
    const overview = await fetch(`${server.url}/finance/api/overview?period=year`, { headers: { authorization: `Bearer ${token}` } });
    expect(overview.status).toBe(200);
    const body = (await overview.json()) as { totals: { currency: string; gross_minor: number }[] };
    expect(body.totals.length).toBeGreaterThan(0);
    expect(body.totals.every((r) => Number.isInteger(r.gross_minor))).toBe(true);
    const supporters = (await (await fetch(`${server.url}/finance/api/supporters`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      supporters: { email: string }[];
    };
    expect(supporters.supporters.length).toBeGreaterThan(0);
    expect(supporters.supporters.every((s) => s.email.includes('•••'))).toBe(true);

    // listed by name, its use recorded, the secret nowhere on the page
    await page.getByRole('link', { name: 'Back to staff and tokens' }).click();
    await page.waitForURL(/\/finance\/staff#api-tokens$/);
    const row = page.locator('#api-token-list tbody tr');
    expect(await row.count()).toBe(1);
    const cells = await row.locator('td').allTextContents();
    expect(cells[0]).toBe('Month-end sheet');
    expect(cells[1]).toBe('Ana Analyst');
    expect(cells[3]).not.toBe('never');
    expect(cells[5]).toContain('active');
    expect(await page.content()).not.toContain(token);
    await screenshot(page, 'api-token-2-listed');

    await page.getByRole('button', { name: 'Revoke Month-end sheet' }).click();
    await page.waitForURL(/token_revoked=1/);
    expect(await page.getByRole('status').textContent()).toContain('Token revoked');
    expect((await page.locator('#api-token-list tbody tr td').allTextContents())[5]).toBe('revoked');
    await screenshot(page, 'api-token-3-revoked');
    const refused = await fetch(`${server.url}/finance/api/overview`, { headers: { authorization: `Bearer ${token}` } });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: 'This API token has been revoked.' });
    await context.close();
  });
});
