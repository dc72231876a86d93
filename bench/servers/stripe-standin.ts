// A stand-in for api.stripe.com on loopback, for benchmarks: creates Checkout Sessions and
// lists an invoice's payments the way Stripe answers them (full objects from Stripe's
// fixtures), so Storyfund's whole Stripe SDK path runs with no network. Storyfund reaches
// it through STRIPE_API_BASE. Anything else gets Stripe's 404 shape and is counted, so a
// row that starts calling Stripe for something new shows up in the report.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = process.env.BENCH_FIXTURES ?? join(here, '..', '..', 'tests', 'fixtures', 'stripe');
const fixtureOf = (name: string) => JSON.parse(readFileSync(join(fixtures, `${name}.json`), 'utf8')) as Record<string, unknown>;
const fixture = fixtureOf('checkout_session');
const invoicePayment = fixtureOf('invoice_payment');
const paymentIntent = fixtureOf('payment_intent');

let sessions = 0;
const unexpected: Record<string, number> = {};
let last: { body: string; headers: Record<string, string | string[] | undefined> } | null = null;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const reply = (status: number, value: unknown) => {
      const json = JSON.stringify(value);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json), 'request-id': `req_bench${sessions}` });
      res.end(json);
    };
    if (req.method === 'POST' && req.url === '/v1/checkout/sessions') {
      sessions += 1;
      last = { body, headers: req.headers };
      const form = new URLSearchParams(body);
      const id = `cs_test_bench${sessions.toString(36).padStart(8, '0')}`;
      return reply(200, {
        ...fixture,
        id,
        url: `https://checkout.stripe.com/c/pay/${id}`,
        mode: form.get('mode'),
        status: 'open',
        payment_status: 'unpaid',
        client_reference_id: form.get('client_reference_id'),
        currency: form.get('line_items[0][price_data][currency]'),
        amount_total: Number(form.get('line_items[0][price_data][unit_amount]')),
        customer_email: form.get('customer_email'),
      });
    }
    const url = new URL(req.url ?? '/', 'http://stand-in');
    if (req.method === 'GET' && url.pathname === '/v1/invoice_payments' && url.searchParams.get('invoice')) {
      // One paid payment per invoice, its payment intent expanded as the caller asked.
      const invoice = url.searchParams.get('invoice')!;
      const pi = { ...paymentIntent, id: `pi_for_${invoice}`, status: 'succeeded', amount: 1000, amount_received: 1000, currency: 'gbp' };
      const expanded =
        url.searchParams.getAll('expand[0]').includes('data.payment.payment_intent') ||
        url.searchParams.getAll('expand[]').includes('data.payment.payment_intent');
      return reply(200, {
        object: 'list',
        url: '/v1/invoice_payments',
        has_more: false,
        data: [
          {
            ...invoicePayment,
            id: `inpay_for_${invoice}`,
            invoice,
            amount_paid: 1000,
            amount_requested: 1000,
            currency: 'gbp',
            status: 'paid',
            created: 1_764_000_100,
            status_transitions: { canceled_at: null, paid_at: 1_764_000_100 },
            payment: { type: 'payment_intent', payment_intent: expanded ? pi : pi.id },
          },
        ],
      });
    }
    if (req.method === 'GET' && req.url === '/__bench/last') return reply(200, last);
    if (req.method === 'GET' && req.url === '/__bench/stats') return reply(200, { sessions, unexpected });
    const key = `${req.method} ${req.url?.split('?')[0]}`;
    unexpected[key] = (unexpected[key] ?? 0) + 1;
    return reply(404, { error: { type: 'invalid_request_error', code: 'resource_missing', message: `The benchmark stand-in does not serve ${key}` } });
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 12111), process.env.HOST ?? '127.0.0.1', () => {
  console.log(`stripe stand-in listening on ${(server.address() as { port: number }).port}`);
});
