import { Hono } from 'hono';
import type { Config } from '../config.js';
import type { AppEnv } from '../deps.js';
import { escapeHtml } from '../lib/html.js';
import { resolveCurrency } from './appeal.js';
import { AppealFragment, renderArticlePage, type AppealValues } from './appeal.view.js';

// Per-request values in the fragment: rendered as these tokens once, then swapped for the
// escaped query values. The tokens contain nothing HTML escaping would change.
const SLOTS = ['article', 'section', 'campaign', 'variant'] as const;
type Slot = (typeof SLOTS)[number];
const token = (slot: Slot) => `__storyfund_${slot}__`;
const TOKEN_PATTERN = new RegExp(`(${SLOTS.map(token).join('|')})`);

/** A template split on its tokens: even indexes are literal HTML, odd ones are slot names. */
type Template = string[];

function compileFragment(config: Config, currency: string): Template {
  const values = Object.fromEntries(SLOTS.map((s) => [s, token(s)])) as AppealValues;
  const html = String(<AppealFragment config={config} currency={currency} values={values} action={`${config.publicUrl}/checkout`} target="_top" />);
  return html.split(TOKEN_PATTERN).map((part, i) => (i % 2 === 1 ? part.slice('__storyfund_'.length, -2) : part));
}

function fillFragment(template: Template, values: Record<Slot, string>): string {
  let out = '';
  for (let i = 0; i < template.length; i++) out += i % 2 === 1 ? escapeHtml(values[template[i] as Slot]) : template[i];
  return out;
}

/** Limits for attribution values taken from the query; longer ones are cut, not refused. */
const QUERY_LIMITS: Record<Slot, number> = { article: 200, section: 100, campaign: 100, variant: 100 };

export function appealRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // Rendering is the expensive part and depends only on config and currency, so each
  // page is rendered once. Keyed by the config object so an app built with another
  // config (tests, a Worker isolate rebuilding deps) never sees a stale page.
  const pages = new WeakMap<Config, Map<string, string>>();
  const fragments = new WeakMap<Config, Map<string, Template>>();

  const cached = <T,>(store: WeakMap<Config, Map<string, T>>, config: Config, currency: string, build: () => T): T => {
    let byCurrency = store.get(config);
    if (!byCurrency) store.set(config, (byCurrency = new Map()));
    let value = byCurrency.get(currency);
    if (value === undefined) byCurrency.set(currency, (value = build()));
    return value;
  };

  app.get('/', (c) => {
    const { config } = c.var.deps;
    const currency = resolveCurrency(config, c.req.query('currency'));
    return c.html(cached(pages, config, currency, () => renderArticlePage(config, { currency })));
  });

  app.get('/appeal', (c) => {
    const { config } = c.var.deps;
    const currency = resolveCurrency(config, c.req.query('currency'));
    const template = cached(fragments, config, currency, () => compileFragment(config, currency));
    const values = Object.fromEntries(SLOTS.map((s) => [s, (c.req.query(s) ?? '').trim().slice(0, QUERY_LIMITS[s])])) as Record<Slot, string>;
    c.header('Cache-Control', 'public, max-age=60, stale-while-revalidate=300');
    c.header('Access-Control-Allow-Origin', '*');
    return c.html(fillFragment(template, values));
  });

  return app;
}
