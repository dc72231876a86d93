// The stylesheets and scripts the pages link to. Served as files rather than inlined so
// the Content-Security-Policy can stay at 'self' (ui/security.ts). Encoded once per app.
import { Hono } from 'hono';
import type { AppEnv } from '../deps.js';

const TYPES = { css: 'text/css; charset=UTF-8', js: 'text/javascript; charset=UTF-8' } as const;

export function assetRoutes(files: Record<string, string>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const utf8 = new TextEncoder();
  for (const [path, text] of Object.entries(files)) {
    const ext = path.endsWith('.js') ? 'js' : 'css';
    const body = utf8.encode(text);
    const headers = {
      'content-type': TYPES[ext],
      // short: the names carry no version, and a deploy should reach readers within minutes
      'cache-control': 'public, max-age=300, stale-while-revalidate=3600',
      // linked from the appeal fragment on the publisher's pages
      'cross-origin-resource-policy': 'cross-origin',
      'access-control-allow-origin': '*',
    };
    app.get(path, () => new Response(body, { headers }));
  }
  return app;
}
