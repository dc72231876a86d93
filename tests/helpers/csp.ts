// What Chromium reports when the Content-Security-Policy blocks something (a script, a
// stylesheet, a form's target): it logs each refusal to the page's console.
import type { BrowserContext } from 'playwright-core';

/** Collects every CSP refusal in the context's pages, as Chromium words them. */
export function watchCsp(context: BrowserContext): string[] {
  const refusals: string[] = [];
  context.on('console', (message) => {
    const text = message.text();
    if (/Content Security Policy|Refused to (load|execute|apply|send form|frame|connect)/i.test(text)) refusals.push(text);
  });
  return refusals;
}
