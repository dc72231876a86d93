// A reader gives in a real Chromium against the started Node server and the sandbox:
// with the page's script, and with JavaScript turned off.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { watchCsp } from '../helpers/csp.js';
import { startServer, type RunningServer } from '../helpers/server.js';

let server: RunningServer;
let browser: Browser;
beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe.each([
  { js: true, label: 'with JavaScript' },
  { js: false, label: 'with JavaScript off' },
])('a reader gives $label', ({ js }) => {
  it('chooses £10 monthly, pays on the sandbox page and is thanked for it', async () => {
    const context = await browser.newContext({ javaScriptEnabled: js });
    const refused = watchCsp(context);
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    await expect(page.getByRole('heading', { name: 'Your support helps us to tell the story' }).count()).resolves.toBe(1);
    // the stylesheets are served files the policy allows: the appeal's panel colour is applied
    expect(await page.locator('.appeal').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(246, 243, 236)');

    await page.getByLabel('Monthly').check();
    await page.getByLabel('£10', { exact: true }).check();
    await page.getByLabel(/Email/).fill(js ? 'browser@example.com' : 'nojs@example.com');
    await page.getByRole('button', { name: 'Support us' }).click();

    await page.waitForURL(/\/sandbox\/checkout\/cs_test_/);
    expect(await page.textContent('body')).toContain('£10');
    await page.getByLabel(/Name/).fill('Browser Reader');
    await page.getByRole('button', { name: /^Pay/ }).click();

    await page.waitForURL(/\/thank-you\?session_id=cs_test_/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Thank you for your £10 monthly gift');
    // the receipt in the development mail preview, and the email itself
    await page.goto(`${server.url}/dev/mail`);
    await page
      .getByRole('link', { name: /Welcome: your monthly gift/ })
      .first()
      .click();
    await page.waitForLoadState();
    expect(await page.textContent('body')).toContain('£10');
    // the HTML part, framed beside the text part, renders under its own policy
    expect(await page.frameLocator('iframe[title="HTML part"]').locator('p', { hasText: 'Welcome, and thank you.' }).textContent()).toContain('£10 a month');
    expect(refused).toEqual([]);
    await context.close();
  });

  it('shows a bad amount next to its field and keeps what the reader typed', async () => {
    const context = await browser.newContext({ javaScriptEnabled: js });
    const refused = watchCsp(context);
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    await page.getByLabel('One-off').check();
    await page.getByLabel('Other amount').fill('0.10');
    await page.getByLabel(/Email/).fill('kept@example.com');
    await page.getByRole('button', { name: 'Support us' }).click();
    await page.waitForLoadState();
    expect(await page.locator('#err-amount').textContent()).toContain('The smallest gift we can take is £1');
    expect(await page.getByLabel('Other amount').inputValue()).toBe('0.10');
    expect(await page.getByLabel(/Email/).inputValue()).toBe('kept@example.com');
    expect(await page.getByLabel('One-off').isChecked()).toBe(true);
    expect(refused).toEqual([]);
    await context.close();
  });
});

describe('the frequency toggle (script)', () => {
  it('shows the annual amounts when Annual is chosen', async () => {
    const context = await browser.newContext();
    const refused = watchCsp(context);
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    await page.getByLabel('Annual').check();
    await expect(page.getByLabel('£120', { exact: true }).count()).resolves.toBe(1);
    await expect(page.getByLabel('£3', { exact: true }).count()).resolves.toBe(0);
    expect(refused).toEqual([]);
    await context.close();
  });
});
