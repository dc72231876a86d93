// The run's yardstick: a bare Hono app on @hono/node-server answering "Hello Hono!", a
// bare POST that reads its body and answers JSON (the floor for a webhook), plus
// Storyfund's own page bytes served as constant strings (the ceiling for pages of that
// size). BENCH_STATIC is JSON: { "/path": { "file": "...", "headers": { ... } } }.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { readFileSync } from 'node:fs';

type StaticPage = { file: string; headers?: Record<string, string> };

const app = new Hono();
app.get('/', (c) => c.text('Hello Hono!'));
// A webhook's floor: read a POST body of the same bytes and answer in JSON, nothing else.
app.post('/post', async (c) => {
  await c.req.text();
  return c.json({ received: true });
});
const pages = JSON.parse(process.env.BENCH_STATIC ?? '{}') as Record<string, StaticPage>;
for (const [path, page] of Object.entries(pages)) {
  const html = readFileSync(page.file, 'utf8');
  const headers = Object.entries(page.headers ?? {});
  app.get(path, (c) => {
    for (const [name, value] of headers) c.header(name, value);
    return c.html(html);
  });
}

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 8786), hostname: process.env.HOST ?? '127.0.0.1' }, (info) => {
  console.log(`baseline listening on ${info.port}`);
});
