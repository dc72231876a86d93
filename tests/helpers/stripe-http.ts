// The msw Stripe handlers (tests/mocks/stripe-api.ts) served over loopback HTTP, for a
// server in another process: msw can only patch this process's fetch. The server reaches
// it through STRIPE_API_BASE, so its real Stripe SDK makes real HTTP calls.
import { createServer, type IncomingMessage } from 'node:http';
import { getResponse } from 'msw';
import { stripeHandlers, type StripeStore } from '../mocks/stripe-api.js';

export type StripeOverHttp = {
  /** for STRIPE_API_BASE */
  url: string;
  /** requests per method and path, and those no handler answered */
  stats: { requests: number; unhandled: string[] };
  close(): Promise<void>;
};

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function serveStripe(store: StripeStore): Promise<StripeOverHttp> {
  const handlers = stripeHandlers(store);
  const stats = { requests: 0, unhandled: [] as string[] };
  const server = createServer((req, res) => {
    void (async () => {
      stats.requests += 1;
      const body = await bodyOf(req);
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      // the handlers match Stripe's own host
      const request = new Request(`https://api.stripe.com${req.url ?? '/'}`, {
        method: req.method,
        headers,
        body: body.length && req.method !== 'GET' ? new Uint8Array(body) : undefined,
      });
      const answered = await getResponse(handlers, request);
      if (!answered) {
        stats.unhandled.push(`${req.method} ${req.url}`);
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { type: 'invalid_request_error', message: `No stand-in for ${req.method} ${req.url}` } }));
        return;
      }
      const bytes = Buffer.from(await answered.arrayBuffer());
      res.writeHead(answered.status, { 'content-type': answered.headers.get('content-type') ?? 'application/json', 'content-length': bytes.length });
      res.end(bytes);
    })().catch((err: unknown) => {
      stats.unhandled.push(`${req.method} ${req.url}: ${String(err)}`);
      res.writeHead(500).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
