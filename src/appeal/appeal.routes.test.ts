import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../config.js';
import type { AppEnv, Deps } from '../deps.js';
import { appealRoutes } from './appeal.routes.js';
import { DEMO_ARTICLE } from './appeal.article.js';
import { renderArticlePage } from './appeal.view.js';

// The appeal routes read only config from deps.
function appWith(config: Config = loadConfig({ NODE_ENV: 'test' })) {
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set('deps', { config } as Deps);
    await next();
  });
  app.route('/', appealRoutes());
  return app;
}

/** The opening tag of the first element matching `pattern` in the form markup. */
const tag = (html: string, pattern: RegExp) => html.match(pattern)?.[0] ?? '';
const checkedPresets = (html: string) => [...html.matchAll(/<input[^>]*name="amount"[^>]*>/g)].filter((m) => m[0].includes('checked'));

describe('GET /', () => {
  it('renders the article with the appeal form posting to /checkout', async () => {
    const res = await appWith().request('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('Your support helps us to tell the story');
    expect(html).toContain(`<h1 class="story__headline">${DEMO_ARTICLE.headline}</h1>`);
    expect(html).toContain('<time datetime="2026-11-24T06:30:00Z">Tuesday 24 November 2026</time>');
    expect(html).toMatch(/<form[^>]*method="post"[^>]*action="\/checkout"/);
    for (const f of ['one_off', 'monthly', 'annual']) {
      expect(html).toMatch(new RegExp(`<input type="radio" name="frequency" id="appeal-frequency-${f}" value="${f}"`));
    }
    expect(tag(html, /<input[^>]*value="monthly"[^>]*>/)).toContain('checked');
    // GBP monthly presets, submitted in major units, second one preselected
    expect(html).toContain('>£10</label>');
    expect(tag(html, /<input type="radio" name="amount"[^>]*value="5"[^>]*>/)).toContain('checked');
    expect(html).toContain('name="amount_other"');
    expect(html).toMatch(/<option value="gbp" selected="">/);
    expect(html).toContain(`name="article" value="${DEMO_ARTICLE.slug}"`);
    // the appeal comes after the third paragraph, before the fourth
    const appealAt = html.indexOf('id="support"');
    expect(html.indexOf(DEMO_ARTICLE.paragraphs[2]!)).toBeLessThan(appealAt);
    expect(html.indexOf(DEMO_ARTICLE.paragraphs[3]!)).toBeGreaterThan(appealAt);
  });

  it('labels every visible input', async () => {
    const html = await (await appWith().request('/')).text();
    const ids = [...html.matchAll(/<(?:input|select)(?![^>]*type="hidden")[^>]*\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(8);
    for (const id of ids) expect(html).toContain(`for="${id}"`);
  });

  it('shows the presets in the currency asked for', async () => {
    const html = await (await appWith().request('/?currency=usd')).text();
    expect(html).toContain('>$10</label>');
    expect(html).not.toContain('>£10</label>');
    expect(html).toMatch(/<option value="usd" selected="">/);
  });

  it('falls back to the default currency for an unknown or repeated one', async () => {
    const app = appWith();
    for (const q of ['?currency=xyz', '?currency=', '?currency=%3Cb%3E', '?currency=gbp&currency=usd&currency[]=1']) {
      const res = await app.request(`/${q}`);
      expect(res.status, q).toBe(200);
      expect(await res.text()).toContain('>£10</label>');
    }
  });

  it('serves the same bytes on repeat requests', async () => {
    const app = appWith();
    const first = await (await app.request('/')).text();
    expect(await (await app.request('/?currency=gbp')).text()).toBe(first);
  });

  it('takes the appeal copy from config', async () => {
    const copy = { heading: 'Keep the Ledger reading the minutes', paragraphs: ['Every council meeting, every time.'], button: 'Give now', reassurance: '' };
    const html = await (await appWith(loadConfig({ NODE_ENV: 'test', APPEAL_COPY: JSON.stringify(copy) })).request('/')).text();
    expect(html).toContain('Keep the Ledger reading the minutes');
    expect(html).toContain('Every council meeting, every time.');
    expect(html).toContain('>Give now</button>');
    expect(html).not.toContain('Your support helps us to tell the story');
  });

  it('renders a hidden input for the currency when only one is configured', async () => {
    const html = await (
      await appWith(loadConfig({ NODE_ENV: 'test', CURRENCIES: 'jpy', DEFAULT_CURRENCY: 'jpy', AMOUNT_MIN: '100', AMOUNT_MAX: '1000000' })).request('/')
    ).text();
    expect(html).not.toContain('<select');
    expect(html).toContain('<input type="hidden" name="currency" value="jpy"/>');
    expect(html).toContain('>¥1,000</label>');
    expect(html).toContain('value="1000"');
  });
});

describe('GET /appeal', () => {
  it('returns the fragment alone, cacheable and fetchable cross-origin', async () => {
    const res = await appWith().request('/appeal?article=harbour-wall&campaign=winter-2026&variant=b');
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cache-control')).toMatch(/public, max-age=60/);
    const html = await res.text();
    expect(html).not.toMatch(/<html|<head|<body/);
    expect(html).toMatch(/^<link rel="stylesheet" href="http:\/\/localhost:8787\/assets\/appeal\.css"\/>/);
    expect(html).toContain('Your support helps us to tell the story');
    expect(html).toContain('action="http://localhost:8787/checkout"');
    expect(html).toContain('target="_top"');
    expect(html).toContain('name="article" value="harbour-wall"');
    expect(html).toContain('name="campaign" value="winter-2026"');
    expect(html).toContain('name="variant" value="b"');
    expect(html).not.toContain('__storyfund_');
  });

  it('escapes the values it copies from the query', async () => {
    const app = appWith();
    const q = new URLSearchParams({ article: '"><script>alert(1)</script>', campaign: "a'b&c" });
    const html = await (await app.request(`/appeal?${q}`)).text();
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('name="article" value="&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62;"');
    expect(html).toContain('name="campaign" value="a&#39;b&#38;c"');
    // the next request with other values is not polluted by the first
    const next = await (await app.request('/appeal?article=quay')).text();
    expect(next).toContain('name="article" value="quay"');
    expect(next).toContain('name="campaign" value=""');
  });

  it('cuts an over-long article slug to 200 characters', async () => {
    const html = await (await appWith().request(`/appeal?article=${'a'.repeat(500)}`)).text();
    expect(html).toContain(`name="article" value="${'a'.repeat(200)}"`);
  });

  it('uses the currency asked for, or the default', async () => {
    const app = appWith();
    expect(await (await app.request('/appeal?currency=eur')).text()).toContain('>€10</label>');
    const res = await app.request('/appeal?currency=nope');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('>£10</label>');
  });

  it("shows a cancelled checkout's choice again, with the no-gift line, from the storyfund_* values a publisher passes on", async () => {
    const app = appWith();
    const q = new URLSearchParams({
      article: 'quay',
      return_to: 'https://news.example/quay',
      storyfund_cancelled: '1',
      storyfund_frequency: 'annual',
      storyfund_amount: '60',
      storyfund_currency: 'eur',
    });
    const html = await (await app.request(`/appeal?${q}`)).text();
    expect(html).toContain('so no gift was made and nothing was charged');
    expect(tag(html, /<input[^>]*value="annual"[^>]*>/)).toContain('checked');
    expect(html).toContain('>€60</label>');
    expect(checkedPresets(html).map((m) => m[0])).toEqual([expect.stringContaining('value="60"')]);
    expect(html).toContain('name="article" value="quay"');
    expect(html).toContain('name="return_to" value="https://news.example/quay"');
    // the cached fragment for everyone else is untouched
    expect(await (await app.request('/appeal?article=quay')).text()).not.toContain('no gift was made');
    // values that are not a frequency or an amount are ignored, not reflected
    const odd = await (await app.request('/appeal?storyfund_cancelled=1&storyfund_frequency=%3Cb%3E&storyfund_amount=lots')).text();
    expect(odd).toContain('no gift was made');
    expect(odd).not.toContain('<b>');
    expect(odd).not.toContain('lots');
  });
});

describe('renderArticlePage', () => {
  const config = loadConfig({ NODE_ENV: 'test' });

  it('shows an error next to its field and keeps what the reader typed', () => {
    const html = renderArticlePage(config, {
      currency: 'gbp',
      values: { frequency: 'one_off', amount: '0.10', email: 'reader@example.org', campaign: 'spring' },
      errors: { amount: 'The smallest gift we can take is £1' },
    });
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toMatch(/<title>Error: /);
    expect(html).toContain('<p class="error" id="err-amount">The smallest gift we can take is £1</p>');
    expect(tag(html, /<input[^>]*name="amount_other"[^>]*>/)).toMatch(/value="0.10".*aria-invalid="true" aria-describedby="err-amount"/);
    expect(html).toMatch(/role="alert"[\s\S]*<a href="#appeal-amount-other">The smallest gift we can take is £1<\/a>/);
    expect(html).toContain('value="reader@example.org"');
    expect(html).toContain('name="campaign" value="spring"');
    expect(tag(html, /<input[^>]*value="one_off"[^>]*>/)).toContain('checked');
    // one-off presets, none checked because the amount was typed
    expect(html).toContain('>£50</label>');
    expect(checkedPresets(html)).toHaveLength(0);
  });

  it('rechecks the preset the reader chose', () => {
    const html = renderArticlePage(config, {
      values: { currency: 'usd', frequency: 'annual', amount: '120.00' },
      errors: { email: 'Enter an email address like name@example.com' },
    });
    expect(tag(html, /<input type="radio" name="amount"[^>]*value="120"[^>]*>/)).toContain('checked');
    expect(tag(html, /<input[^>]*name="amount_other"[^>]*>/)).toContain('value=""');
    expect(html).toContain('>$240</label>');
    expect(tag(html, /<input[^>]*name="email"[^>]*>/)).toContain('aria-describedby="appeal-email-hint err-email"');
  });

  it('selects no preset when the missing amount is the error', () => {
    const html = renderArticlePage(config, { values: {}, errors: { amount: 'Enter an amount' } });
    expect(checkedPresets(html)).toHaveLength(0);
  });
});
