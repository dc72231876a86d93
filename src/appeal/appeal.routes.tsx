import { Hono } from 'hono';
import { FREQUENCIES } from '../../db/schema.js';
import type { Config } from '../config.js';
import type { AppEnv } from '../deps.js';
import { escapeHtml } from '../lib/html.js';
import { staticSecurityHeaders } from '../ui/security.js';
import { resolveCurrency } from './appeal.js';
import { AppealFragment, renderArticlePage, type AppealValues } from './appeal.view.js';

// Per-request values in the fragment: rendered as these tokens once, then swapped for the
// escaped query values. The tokens contain nothing HTML escaping would change.
const SLOTS = ['article', 'section', 'campaign', 'variant', 'return_to'] as const;
type Slot = (typeof SLOTS)[number];
const token = (slot: Slot) => `__storyfund_${slot}__`;
const TOKEN_PATTERN = new RegExp(`(${SLOTS.map(token).join('|')})`);

// Pages go out as UTF-8 bytes encoded once, not as strings encoded on every request: the
// pages hold non-Latin-1 text (’), so each string response was re-encoded in full.
const utf8 = new TextEncoder();
const HTML = 'text/html; charset=UTF-8';

/** The fragment's bytes split on its tokens: parts[i], then the value of slots[i], then parts[i + 1]... */
type Template = { parts: Uint8Array[]; slots: Slot[] };

function compileFragment(config: Config, currency: string): Template {
  const values = Object.fromEntries(SLOTS.map((s) => [s, token(s)])) as AppealValues;
  const html = String(<AppealFragment config={config} currency={currency} values={values} action={`${config.publicUrl}/checkout`} target="_top" />);
  const pieces = html.split(TOKEN_PATTERN);
  return {
    parts: pieces.filter((_, i) => i % 2 === 0).map((part) => utf8.encode(part)),
    slots: pieces.filter((_, i) => i % 2 === 1).map((t) => t.slice('__storyfund_'.length, -2) as Slot),
  };
}

function fillFragment(template: Template, values: Record<Slot, string>): Uint8Array<ArrayBuffer> {
  const filled = template.slots.map((slot) => utf8.encode(escapeHtml(values[slot])));
  let size = 0;
  for (const part of template.parts) size += part.byteLength;
  for (const value of filled) size += value.byteLength;
  const out = new Uint8Array(size);
  let at = 0;
  template.parts.forEach((part, i) => {
    out.set(part, at);
    at += part.byteLength;
    const value = filled[i];
    if (value) {
      out.set(value, at);
      at += value.byteLength;
    }
  });
  return out;
}

// Built once per config, like the bytes: a plain object keeps @hono/node-server's fast path.
const pageHeaders = (config: Config) => ({ 'content-type': HTML, ...staticSecurityHeaders(config, 'none') });
const fragmentHeaders = (config: Config) => ({
  'content-type': HTML,
  'cache-control': 'public, max-age=60, stale-while-revalidate=300',
  'access-control-allow-origin': '*',
  // framed by the publisher's own pages only (PUBLISHER_ORIGINS)
  ...staticSecurityHeaders(config, 'publishers'),
});

/** Limits for attribution values taken from the query; longer ones are cut, not refused. */
// return_to is only carried here; POST /checkout checks it against PUBLISHER_ORIGINS.
const QUERY_LIMITS: Record<Slot, number> = { article: 200, section: 100, campaign: 100, variant: 100, return_to: 2000 };

/** Where a cancelled checkout returns: what the reader chose, and no gift made. */
export const CANCELLED_NOTICE = 'You left the checkout, so no gift was made and nothing was charged. Your choice is below if you would like to try again.';

/**
 * `?cancelled=1&frequency=annual&amount=60` (checkout's cancel address) or a thank-you
 * page's offer to give monthly: the values the appeal starts with. Anything unknown is
 * ignored here; POST /checkout checks whatever is sent.
 */
function chosenAgain(query: Record<string, string>): { values: AppealValues; notice: string | null } | null {
  const cancelled = query.cancelled === '1';
  const frequency = (FREQUENCIES as readonly string[]).includes(query.frequency ?? '') ? query.frequency : undefined;
  const amount = /^\d{1,7}(\.\d{1,2})?$/.test(query.amount ?? '') ? query.amount : undefined;
  if (!cancelled && !frequency && !amount) return null;
  return { values: { ...(frequency ? { frequency } : {}), ...(amount ? { amount } : {}) }, notice: cancelled ? CANCELLED_NOTICE : null };
}

export function appealRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // Rendering is the expensive part and depends only on config and currency, so each
  // page is rendered once. Keyed by the config object so an app built with another
  // config (tests, a Worker isolate rebuilding deps) never sees a stale page.
  const pages = new WeakMap<Config, Map<string, Uint8Array<ArrayBuffer>>>();
  const fragments = new WeakMap<Config, Map<string, Template>>();
  const headers = new WeakMap<Config, { page: Record<string, string>; fragment: Record<string, string> }>();
  const headersFor = (config: Config) => {
    let h = headers.get(config);
    if (!h) {
      h = { page: pageHeaders(config), fragment: fragmentHeaders(config) };
      headers.set(config, h);
    }
    return h;
  };

  const cached = <T,>(store: WeakMap<Config, Map<string, T>>, config: Config, currency: string, build: () => T): T => {
    let byCurrency = store.get(config);
    if (!byCurrency) {
      byCurrency = new Map();
      store.set(config, byCurrency);
    }
    let value = byCurrency.get(currency);
    if (value === undefined) {
      value = build();
      byCurrency.set(currency, value);
    }
    return value;
  };

  app.get('/', (c) => {
    const { config } = c.var.deps;
    const currency = resolveCurrency(config, c.req.query('currency'));
    // back from a cancelled checkout (or offered a monthly gift after a one-off one): the
    // reader's own choice again, so this page is rendered for them rather than cached
    const chosen = chosenAgain(c.req.query());
    if (chosen) {
      return c.html(renderArticlePage(config, { currency, values: chosen.values, ...(chosen.notice ? { notice: chosen.notice } : {}) }));
    }
    // a plain Response with plain headers takes @hono/node-server's fastest path
    return new Response(
      cached(pages, config, currency, () => utf8.encode(renderArticlePage(config, { currency }))),
      { headers: headersFor(config).page },
    );
  });

  app.get('/appeal', (c) => {
    const { config } = c.var.deps;
    // one pass over the query string for all six values
    const query = c.req.query();
    const currency = resolveCurrency(config, query.currency);
    const values = {} as Record<Slot, string>;
    for (const s of SLOTS) values[s] = (query[s] ?? '').trim().slice(0, QUERY_LIMITS[s]);
    // back from a cancelled checkout: the publisher's CMS passes on the storyfund_* values the
    // cancel address put on its page (checkout.session.ts), rendered for this reader, not cached
    const chosen = chosenAgain({
      cancelled: query.storyfund_cancelled ?? '',
      frequency: query.storyfund_frequency ?? '',
      amount: query.storyfund_amount ?? '',
    });
    if (chosen) {
      const again = resolveCurrency(config, query.storyfund_currency ?? query.currency);
      const html = String(
        <AppealFragment
          config={config}
          currency={again}
          values={{ ...values, ...chosen.values }}
          {...(chosen.notice ? { notice: chosen.notice } : {})}
          action={`${config.publicUrl}/checkout`}
          target="_top"
        />,
      );
      return new Response(utf8.encode(html), { headers: headersFor(config).fragment });
    }
    const template = cached(fragments, config, currency, () => compileFragment(config, currency));
    return new Response(fillFragment(template, values), { headers: headersFor(config).fragment });
  });

  return app;
}
