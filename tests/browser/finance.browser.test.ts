// The finance dashboard in a real Chromium against the started Node server: a finance
// member made with the CLI signs in (password, then TOTP enrolment), sees the overview with
// its chart over the seeded ledger, filters the contributions list, downloads the year's
// CSV and ties its totals to the overview, opens a gift's timeline, and refunds a sandbox
// gift in part then in full: confirmation, waiting for Stripe, applied. Each step's
// screenshot is kept in test-results/screenshots (or SCREENSHOTS_DIR).
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { Secret, TOTP } from 'otpauth';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMoney } from '../../src/lib/money.js';
import { launchChromium, screenshot } from '../helpers/browser.js';
import { csvTotals, parseCsvRecords } from '../helpers/csv.js';
import { giveSandboxGift } from '../flow/flow.suite.js';
import { runCli, startServer, type RunningServer } from '../helpers/server.js';
import type { Target } from '../helpers/target.js';

let server: RunningServer;
let browser: Browser;
beforeAll(async () => {
  [server, browser] = await Promise.all([startServer(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const shot = screenshot;

describe('the finance dashboard in the browser', () => {
  it('signs in a CLI-made finance member and walks the overview, a filtered list, its CSV and a timeline', async () => {
    const seed = await runCli(['dev', 'seed', '--contributions', '400'], server.env);
    expect(seed.code, seed.stderr).toBe(0);
    const cli = await runCli(['staff', 'add', '--email', 'fin@example.org', '--role', 'finance', '--name', 'Fay Finance'], server.env);
    expect(cli.code, cli.stderr).toBe(0);
    const link = /http:\/\/\S+\/staff\/password\?token=\S+/.exec(cli.stdout)![0];

    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(link);
    await page.getByLabel('New password').fill('a finance password of length');
    await page.getByLabel('The same again').fill('a finance password of length');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.waitForURL(/\/staff\/signin\?notice=password_set/);
    await page.getByLabel('Email').fill('fin@example.org');
    await page.getByLabel('Password').fill('a finance password of length');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/staff\/signin\/second-factor/);
    const secret = (await page.locator('#totp-secret').textContent())!.replace(/\s/g, '');
    await page.getByLabel('Code from the app').fill(new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate());
    await page.getByRole('button', { name: 'Turn on and continue' }).click();
    await page.waitForLoadState();
    await page.getByRole('link', { name: /continue/ }).click();
    await page.waitForURL(/\/finance$/);

    // the overview: totals per currency and a chart per currency, for the year
    await page.getByRole('link', { name: 'This year' }).click();
    await page.waitForURL(/period=year/);
    expect(await page.locator('main').textContent()).toContain('Signed in as Fay Finance, role finance');
    expect(await page.locator('#totals tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator('figure.chart svg rect').count()).toBeGreaterThan(0);
    expect(await page.locator('.health').textContent()).toContain('reconcile has not run yet');
    await shot(page, 'finance-1-overview');
    // the year's figures as the page shows them, for the CSV to tie to
    const overview = await page
      .locator('#totals tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('th, td')].map((cell) => cell.textContent?.trim() ?? '')));
    expect(overview.length).toBeGreaterThan(0);

    // the list, filtered in the form: GBP gifts only, sorted by amount
    await page.getByRole('link', { name: 'Contributions' }).click();
    await page.getByLabel('Currency').fill('gbp');
    await page.getByLabel('Kind').selectOption('gift');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/currency=gbp/);
    await page.getByRole('link', { name: 'Amount' }).click();
    await page.waitForURL(/sort=amount/);
    const rows = page.locator('#contributions tbody tr');
    expect(await rows.count()).toBeGreaterThan(0);
    const kinds = await page.locator('#contributions tbody tr td:nth-child(2)').allTextContents();
    expect(new Set(kinds)).toEqual(new Set(['gift']));
    const amounts = await page.locator('#contributions tbody tr td:nth-child(4)').allTextContents();
    expect(amounts.every((a) => a.startsWith('£'))).toBe(true);
    const pence = amounts.map((a) => Math.round(Number(a.replace(/[£,]/g, '')) * 100));
    expect(pence).toEqual([...pence].sort((a, b) => b - a));
    await shot(page, 'finance-2-contributions');

    // a bad filter comes back with the field named and the form as typed
    await page.getByLabel('Amount from').fill('ten');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForLoadState();
    expect(await page.getByRole('alert').textContent()).toContain('min:');
    expect(await page.getByLabel('Amount from').inputValue()).toBe('ten');
    await page.getByLabel('Amount from').fill('');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForLoadState();

    // the whole year listed, then downloaded: every page of it, with the overview's totals
    const year = new Date().getUTCFullYear();
    await page.getByRole('link', { name: 'Clear' }).click();
    await page.getByLabel('From', { exact: true }).fill(`${year}-01-01`);
    await page.getByLabel('To', { exact: true }).fill(`${year}-12-31`);
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/from=/);
    const shown = await rows.count();
    const morePages = await page.getByRole('link', { name: /^Next/ }).count();
    await shot(page, 'finance-3-download');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toBe(`contributions_${year}-01-01_to_${year}-12-31.csv`);
    const records = parseCsvRecords(readFileSync((await download.path())!, 'utf8'));
    expect(records.length).toBeGreaterThanOrEqual(shown);
    if (morePages) expect(records.length).toBeGreaterThan(shown);
    expect(new Set(records.map((r) => r.schema_version))).toEqual(new Set(['1']));
    const money = (minor: number, currency: string) => formatMoney(minor, currency);
    expect(
      csvTotals(records).map((t) => [
        t.currency.toUpperCase(),
        money(t.grossMinor, t.currency),
        money(t.feesMinor, t.currency),
        money(t.netMinor, t.currency),
        money(t.refundsMinor, t.currency),
        money(t.disputesMinor, t.currency),
        String(t.gifts),
        String(t.supporters),
      ]),
    ).toEqual(overview);

    // one gift's timeline
    await page.locator('#contributions tbody tr td:first-child a').first().click();
    await page.waitForURL(/\/finance\/gifts\//);
    expect(await page.locator('h1').textContent()).toMatch(/^Gift /);
    expect(await page.locator('#entries tbody tr').count()).toBeGreaterThan(0);
    await shot(page, 'finance-4-timeline');

    // a reader's sandbox gift, refunded in part with a confirmation; the sandbox holds
    // Stripe's events back, so the page can be seen waiting for them before they arrive
    await giveSandboxGift({ url: server.url } as Target, { frequency: 'one_off', amount: '20', email: 'refund-reader@example.com', article: 'harbour-water' });
    await page.goto(`${server.url}/sandbox/events`);
    await page.getByRole('button', { name: 'Hold events' }).click();
    await page.waitForURL(/\/sandbox\/events$/);
    expect(await page.locator('#hold-state').textContent()).toContain('Events are held');
    await page.goto(`${server.url}/finance/contributions?email=refund-reader%40example.com`);
    await page.locator('#contributions tbody tr td:first-child a').first().click();
    await page.waitForURL(/\/finance\/gifts\/[^/]+$/);
    const giftUrl = page.url();
    await page.getByRole('link', { name: 'Refund', exact: true }).click();
    await page.waitForURL(/\/refund$/);
    await page.getByLabel('Part of it').check();
    await page.getByLabel(/Amount to refund/).fill('5');
    await shot(page, 'finance-5-refund-form');
    await page.getByLabel('Reason').selectOption('requested_by_customer');
    await page.getByRole('button', { name: 'Review the refund' }).click();
    await page.waitForURL(/\/refund\/confirm\?/);
    const summary = (await page.locator('#refund-summary').textContent())!;
    expect(summary).toContain('£5 (part)');
    expect(summary).toContain('refund-reader@example.com');
    expect(summary).toContain('Left to refund after£15');
    await shot(page, 'finance-6-refund-confirm');
    await page.getByRole('button', { name: 'Refund £5' }).click();
    await page.waitForURL(/\/finance\/gifts\/[^/?]+\?refund=rfq_/);
    expect(await page.locator('#refunds li').first().textContent()).toContain('Refund of £5 requested, waiting for Stripe.');
    const entryKinds = () => page.locator('#entries tbody tr td:nth-child(2)').allTextContents();
    expect(await entryKinds()).toEqual(['gift']);
    await shot(page, 'finance-7-refund-waiting');

    await page.goto(`${server.url}/sandbox/events`);
    await page.getByRole('button', { name: 'Send waiting events' }).click();
    await page.waitForURL(/\/sandbox\/events$/);
    expect(await page.locator('#hold-state').textContent()).toBe('Events are held: 0 waiting.');
    await page.goto(giftUrl);
    expect(await page.locator('#refunds li').first().textContent()).toContain('Refund of £5 applied');
    expect(await entryKinds()).toEqual(['gift', 'refund']);
    expect(await page.locator('#entries tbody tr:nth-child(2) td:nth-child(3)').textContent()).toBe('-£5');
    await shot(page, 'finance-8-refund-applied');

    // the rest, in full: the confirmation names what was refunded before, nothing is left after
    await page.getByRole('link', { name: 'Refund', exact: true }).click();
    await page.getByLabel('Everything left to refund').check();
    await page.getByRole('button', { name: 'Review the refund' }).click();
    await page.waitForURL(/\/refund\/confirm\?/);
    const full = (await page.locator('#refund-summary').textContent())!;
    expect(full).toContain('£15 (everything left)');
    expect(full).toContain('£5 refunded before');
    expect(full).toContain('Left to refund after£0');
    await page.getByRole('button', { name: 'Refund £15' }).click();
    await page.waitForURL(/\/finance\/gifts\/[^/?]+\?refund=rfq_/);
    expect(await page.locator('#refunds li').nth(1).textContent()).toContain('Refund of £15 requested, waiting for Stripe.');
    await page.goto(`${server.url}/sandbox/events`);
    await page.getByRole('button', { name: 'Send waiting events' }).click();
    await page.waitForURL(/\/sandbox\/events$/);
    await page.goto(giftUrl);
    expect(await page.locator('#refunds li').nth(1).textContent()).toContain('Refund of £15 applied');
    expect(await entryKinds()).toEqual(['gift', 'refund', 'refund']);
    // nothing is left to refund, so the button is gone
    expect(await page.getByRole('link', { name: 'Refund', exact: true }).count()).toBe(0);
    await shot(page, 'finance-9-refunded-in-full');

    // the seeded payout with the most balance transactions: it balances, and its items table fits the window
    const db = new Database(server.env.DATABASE_PATH!, { readonly: true });
    const payout = db.prepare('select payout_id as id from payout_totals order by items desc limit 1').get() as { id: string };
    db.close();
    await page.goto(`${server.url}/finance/payouts/${payout.id}`);
    expect(await page.locator('p.health').first().textContent()).toMatch(/^Balances: gross /);
    expect(await page.locator('#items tbody tr').count()).toBeGreaterThan(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await shot(page, 'finance-10-payout');
    await context.close();
  });
});
