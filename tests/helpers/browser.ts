// Debian's Chromium driven by playwright-core, with the flags this machine needs: no sandbox
// as root, and none of Chromium's own background connections (the network here is closed,
// and each refused connection would slow the start). Never downloads a browser.
import { mkdirSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Where the browser tests keep their screenshots: SCREENSHOTS_DIR, else test-results/screenshots (git-ignored). */
export const SCREENSHOTS = process.env.SCREENSHOTS_DIR || 'test-results/screenshots';

/** Keeps a full-page screenshot of a step, a test artifact to look at after a run (CI keeps the folder). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
}
