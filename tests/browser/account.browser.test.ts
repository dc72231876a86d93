// A reader gives £5 monthly in a real Chromium against the started Node server and the
// sandbox, lands signed in, and manages the gift from /account: a new amount, a pause and
// a resume, a new card through the portal page, and a cancellation after declining the
// smaller-amount offer; /dev/mail lists the receipt and an email for each change. The same
// thank-you link in another browser signs nobody in. A gift started in the appeal fragment on
// a publisher's page signs the giver in too, and its Cancel returns to that page.
import { createServer, type Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot as shot } from '../helpers/browser.js';
import { freePort, startServer, type RunningServer } from '../helpers/server.js';

// The publisher's site: a page of its own on another origin (localhost, where the app is
// 127.0.0.1) that frames the appeal fragment, as a CMS would.
let publisher: Server;
let PUBLISHER: string;
let server: RunningServer;
let browser: Browser;
beforeAll(async () => {
  const port = await freePort();
  PUBLISHER = `http://localhost:${port}`;
  publisher = createServer((req, res) => {
    const url = new URL(req.url ?? '/', PUBLISHER);
    const story = `${PUBLISHER}${url.pathname}`;
    // as the README asks of a publisher: the page's storyfund_* values passed on to the appeal
    const passOn = [...url.searchParams].filter(([k]) => k.startsWith('storyfund_'));
    const src = `${server.url}/appeal?${new URLSearchParams([['return_to', story], ...passOn]).toString()}`;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><title>Publisher</title><h1>A publisher's story</h1><iframe title="Support us" style="width:100%;height:900px" src="${src.replaceAll('&', '&amp;')}"></iframe>`,
    );
  });
  await new Promise<void>((res) => publisher.listen(port, '127.0.0.1', res));
  [server, browser] = await Promise.all([startServer({ PUBLISHER_ORIGINS: PUBLISHER }), launchChromium()]);
});
afterAll(async () => {
  publisher?.close();
  await browser?.close();
  await server?.stop();
});

const gift = (page: Page) => page.locator('section.gift').first();

describe('a supporter registered on giving manages their gift', () => {
  it('gives £5 monthly, lands signed in, and changes, pauses, resumes, re-cards and cancels it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    await page.getByLabel('Monthly').check();
    await page.getByLabel('Other amount').fill('5');
    await page.getByLabel(/Email/).fill('account-browser@example.com');
    await page.getByRole('button', { name: 'Support us' }).click();

    await page.waitForURL(/\/sandbox\/checkout\/cs_test_/);
    await shot(page, 'account-01-checkout');
    // one click: the sandbox's fields are filled in
    await page.getByRole('button', { name: /^Pay/ }).click();
    await page.waitForURL(/\/thank-you\?session_id=cs_test_/);
    const thankYouUrl = page.url();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Thank you for your £5 monthly gift');
    expect(await page.textContent('body')).toContain('Thank you for registering.');
    expect(await page.textContent('body')).toContain('signed in as account-browser@example.com');
    await shot(page, 'account-02-thank-you');

    await page.getByRole('link', { name: 'your account' }).click();
    await page.waitForURL(/\/account$/);
    expect(await page.textContent('body')).toContain('Signed in as account-browser@example.com');
    expect(await gift(page).locator('h3').textContent()).toBe('£5 a month');
    expect(await gift(page).locator('[data-card]').textContent()).toBe('Visa ending 4242');
    expect(await page.locator('table.payments tbody tr').count()).toBe(1);
    // the account's stylesheet is a served file the page's policy allows
    expect(await gift(page).evaluate((el) => getComputedStyle(el).borderTopStyle)).toBe('solid');
    await shot(page, 'account-03-account');

    await page.getByRole('link', { name: 'Receipt' }).click();
    await page.waitForURL(/\/account\/receipts\//);
    expect(await page.locator('[data-amount]').textContent()).toBe('£5');
    expect(await page.locator('[data-method]').textContent()).toBe('Visa ending 4242');
    const receiptNumber = await page.locator('[data-receipt-number]').textContent();
    expect(receiptNumber).toMatch(/^in_/);
    await shot(page, 'account-04-receipt');
    await page.goto(`${server.url}/account`);

    await page.getByLabel('New amount').fill('8');
    await page.getByRole('button', { name: 'Change amount' }).click();
    await page.waitForURL(/\/account$/);
    expect(await gift(page).locator('h3').textContent()).toBe('£8 a month');
    await shot(page, 'account-05-amount-8');

    await page.getByRole('button', { name: 'Pause payments' }).click();
    await page.waitForURL(/\/account$/);
    expect(await gift(page).locator('[data-status]').textContent()).toBe('Paused: no payments are taken');
    await shot(page, 'account-06-paused');

    await page.getByRole('button', { name: 'Resume payments' }).click();
    await page.waitForURL(/\/account$/);
    expect(await gift(page).locator('[data-status]').textContent()).toBe('Active');

    await page.getByRole('button', { name: 'Update card' }).click();
    await page.waitForURL(/\/sandbox\/portal\/bps_/);
    expect(await page.textContent('body')).toContain('Visa ending 4242');
    expect(await page.locator('.sandbox-banner').textContent()).toContain('stands in for Stripe’s Billing Portal');
    await shot(page, 'account-07-portal');
    await page.getByRole('button', { name: 'Update card' }).click();
    await page.waitForURL(/\/account$/);
    expect(await gift(page).locator('[data-card]').textContent()).toBe('Mastercard ending 4444');
    await shot(page, 'account-08-new-card');

    await page.getByRole('link', { name: 'Cancel this gift' }).click();
    await page.waitForURL(/\/cancel$/);
    // the save offers come first: half the amount, or a pause
    expect(await page.getByRole('button', { name: 'Give £4 a month instead' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Pause payments instead' }).count()).toBe(1);
    await shot(page, 'account-09-cancel-offers');
    await page.getByLabel('I read less than I used to').check();
    await page.getByLabel(/Anything you would like to tell us/).fill('Moving abroad');
    await page.getByRole('button', { name: 'Cancel my regular gift' }).click();
    await page.waitForURL(/\/account$/);
    expect(await gift(page).locator('[data-status]').textContent()).toBe('Cancelled');
    expect(await gift(page).locator('[data-card]').count()).toBe(0);
    await shot(page, 'account-10-cancelled');

    // every step's email, newest first, for this supporter; the receipt numbered as its page is
    await page.goto(`${server.url}/dev/mail`);
    const mine = page.locator('table.mail-list tbody tr', { hasText: 'account-browser@example.com' });
    expect(await mine.locator('td:nth-child(3)').allTextContents()).toEqual([
      'Your monthly gift to The Harbour Ledger has ended',
      'Your monthly gift to The Harbour Ledger has resumed',
      'Your monthly gift to The Harbour Ledger is paused',
      'Your monthly gift is now £8 a month',
      'Welcome: your monthly gift to The Harbour Ledger',
    ]);
    await shot(page, 'account-10a-mail-list');
    await mine.getByRole('link', { name: 'Welcome: your monthly gift to The Harbour Ledger' }).click();
    await page.waitForURL(/\/dev\/mail\/eml_/);
    const welcome = await page.locator('pre.mail-text').textContent();
    expect(welcome).toContain(`Receipt number: ${receiptNumber}`);
    expect(welcome).toContain('Amount: £5');
    // the card, asked of Stripe (the sandbox) as the dispatcher does; the receipt page shows the same one
    expect(welcome).toContain('Paid with: Visa ending 4242');
    expect(welcome).toContain(`Sign in to see and manage your gifts: ${server.url}/signin`);
    expect(await page.frameLocator('iframe.mail-frame').locator('body').textContent()).toContain(receiptNumber!);
    // the HTML and text parts side by side, as the preview promises
    const [htmlPart, textPart] = await Promise.all([page.locator('.mail-part--html').boundingBox(), page.locator('.mail-part').nth(1).boundingBox()]);
    expect(textPart!.x).toBeGreaterThanOrEqual(htmlPart!.x + htmlPart!.width);
    expect(textPart!.y).toBe(htmlPart!.y);
    await shot(page, 'account-10b-mail-welcome');

    // the same thank-you link in another browser: thanked, not signed in
    const other = await browser.newContext();
    const second = await other.newPage();
    await second.goto(thankYouUrl);
    expect(await second.getByRole('heading', { level: 1 }).textContent()).toBe('Thank you for your £5 monthly gift');
    expect(await second.textContent('body')).not.toContain('Thank you for registering');
    await shot(second, 'account-11-other-browser');
    await second.goto(`${server.url}/account`);
    expect(new URL(second.url()).pathname).toBe('/signin');
    await other.close();
    await context.close();
  });

  it("returns a cancelled checkout to the appeal with the reader's choice and a line that no gift was made", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    await page.getByLabel('Annual').check();
    await page.getByLabel('£60', { exact: true }).check();
    await page.getByRole('button', { name: 'Support us' }).click();
    await page.waitForURL(/\/sandbox\/checkout\/cs_test_/);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL(/\/\?cancelled=1/);
    expect(await page.locator('.appeal__notice').textContent()).toContain('no gift was made');
    expect(await page.getByLabel('Annual').isChecked()).toBe(true);
    expect(await page.getByLabel('£60', { exact: true }).isChecked()).toBe(true);
    await shot(page, 'account-12-cancelled-checkout');
    await context.close();
  });

  it("registers and signs in a giver who started in the appeal fragment on a publisher's page, whose Cancel returns there", async () => {
    const context = await browser.newContext();
    const story = `${PUBLISHER}/story`;
    const page = await context.newPage();
    const appeal = async () => {
      await page.goto(story);
      const frame = page.frameLocator('iframe[title="Support us"]');
      await frame.getByLabel('Monthly').check();
      return frame;
    };

    let frame = await appeal();
    await frame.getByRole('button', { name: 'Support us' }).click();
    await page.waitForURL(/\/sandbox\/checkout\/cs_test_/);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL((u) => u.href.startsWith(`${story}?storyfund_cancelled=1&storyfund_frequency=monthly`));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe("A publisher's story");
    // back on the publisher's page, the appeal says no gift was made, with the choice made again
    const back = page.frameLocator('iframe[title="Support us"]');
    expect(await back.getByRole('status').textContent()).toContain('no gift was made');
    expect(await back.getByLabel('Monthly').isChecked()).toBe(true);
    await shot(page, 'account-14-fragment-cancelled');

    frame = await appeal();
    await frame.getByLabel('Other amount').fill('6');
    await frame.getByLabel(/Email/).fill('fragment-browser@example.com');
    await frame.getByRole('button', { name: 'Support us' }).click();
    await page.waitForURL(/\/sandbox\/checkout\/cs_test_/);
    await page.getByRole('button', { name: /^Pay/ }).click();
    await page.waitForURL(/\/thank-you\?session_id=cs_test_/);
    expect(await page.textContent('body')).toContain('Thank you for registering.');
    await shot(page, 'account-13-fragment-thank-you');
    await page.goto(`${server.url}/account`);
    expect(await page.textContent('body')).toContain('Signed in as fragment-browser@example.com');
    expect(await gift(page).locator('h3').textContent()).toBe('£6 a month');
    await context.close();
  });
});
