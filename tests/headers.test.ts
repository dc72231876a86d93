// Every route's response headers: a CSP with no inline script allowed, framing refused
// except the appeal fragment on the publisher's origins, nosniff, a Referrer-Policy, HSTS
// outside development; signed-in pages and pages with personal data never stored. Routes
// are enumerated from the app itself (with every optional part switched on), so a new
// route is checked without anyone remembering to add it.
import { inspectRoutes } from 'hono/dev';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestContext, type TestContext } from './factories/deps.js';
import { buildStaff, insertStaffRow, sessionFor } from './factories/staff.js';

const PUBLISHER = 'https://news.example.com';
let t: TestContext;
beforeAll(() => {
  t = buildTestContext({
    STRIPE_SECRET_KEY: '',
    OPS_TOKEN: 'headers-test-ops-token-0123456789abcdef',
    MAIL_TRANSPORT: 'preview',
    PUBLISHER_ORIGINS: PUBLISHER,
  });
});
afterAll(() => t?.cleanup());

const sample = (path: string) => path.replace(/:id\b/g, 'unknown');
const routes = () => [
  ...new Set(
    inspectRoutes(t.app)
      .filter((r) => !r.isMiddleware)
      .map((r) => `${r.method} ${r.path}`),
  ),
];

async function request(method: string, path: string, headers: Record<string, string> = {}) {
  return t.app.request(`http://localhost:8787${path}`, { method, headers: { accept: 'text/html', ...headers }, ...(method === 'GET' ? {} : { body: '' }) });
}

/** the CSP as directive -> sources */
function csp(res: Response): Record<string, string[]> {
  const value = res.headers.get('content-security-policy') ?? '';
  return Object.fromEntries(
    value
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

describe('security headers on every route', () => {
  it('sends the policy on each route the app serves, whatever the answer', async () => {
    const problems: string[] = [];
    const served = routes();
    expect(served.length).toBeGreaterThan(30);
    for (const key of served) {
      const [method, path] = key.split(' ') as [string, string];
      const res = await request(method, sample(path));
      const policy = csp(res);
      const framed = key === 'GET /appeal';
      const want: [string, boolean][] = [
        ['has a CSP with a default-src', (policy['default-src'] ?? []).length > 0],
        [
          'allows no inline or eval script',
          !(policy['script-src'] ?? policy['default-src'] ?? []).some((s) => s === "'unsafe-inline'" || s === "'unsafe-eval'" || s === '*'),
        ],
        ['refuses <base> and plugins', policy['base-uri']?.[0] === "'none'" && (policy['object-src'] ?? policy['default-src'])?.[0] !== '*'],
        ['nosniff', res.headers.get('x-content-type-options') === 'nosniff'],
        ['a Referrer-Policy', /^(no-referrer|strict-origin-when-cross-origin|same-origin)$/.test(res.headers.get('referrer-policy') ?? '')],
        ['HSTS', /max-age=\d{7,}/.test(res.headers.get('strict-transport-security') ?? '')],
        framed
          ? ['framed by the publisher only', policy['frame-ancestors']?.join(' ') === `'self' ${PUBLISHER}` && !res.headers.has('x-frame-options')]
          : ['never framed', policy['frame-ancestors']?.join(' ') === "'none'" && res.headers.get('x-frame-options') === 'DENY'],
      ];
      for (const [what, ok] of want) if (!ok) problems.push(`${key} (${res.status}): ${what}`);
      // pages carry no inline script or style the policy would have to allow (the email preview shows an email as mail clients do)
      if ((res.headers.get('content-type') ?? '').startsWith('text/html') && path !== '/dev/mail/:id') {
        const html = await res.text();
        if (/<script(?![^>]*\bsrc=)[^>]*>/.test(html) || /<style\b/.test(html) || /\sstyle=/.test(html)) problems.push(`${key}: inline script or style`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('gives each dynamic page a fresh nonce and the cached pages the same policy without one', async () => {
    const a = csp(await request('GET', '/signin'));
    const b = csp(await request('GET', '/signin'));
    const nonce = (p: Record<string, string[]>) => p['style-src']?.find((s) => s.startsWith("'nonce-"));
    expect(nonce(a)).toMatch(/^'nonce-[A-Za-z0-9+/=]{22,}'$/);
    expect(nonce(a)).not.toBe(nonce(b));
    const article = csp(await request('GET', '/'));
    expect(article['script-src']).toEqual(["'self'"]);
    expect(article['form-action']).toEqual(["'self'", 'https://checkout.stripe.com']);
    // the fragment's form posts to our absolute URL from the publisher's page
    expect(csp(await request('GET', '/appeal'))['form-action']).toEqual(['http://localhost:8787', 'https://checkout.stripe.com']);
  });

  it('lets the publisher load the fragment and its assets, and no other site load our pages', async () => {
    expect((await request('GET', '/appeal')).headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    const css = await request('GET', '/assets/appeal.css');
    expect(css.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(css.headers.get('content-type')).toBe('text/css; charset=UTF-8');
    expect(await css.text()).toContain('.appeal{');
    expect((await request('GET', '/')).headers.get('cross-origin-resource-policy')).toBe('same-origin');
  });

  it('never lets signed-in pages or pages with personal data be stored', async () => {
    const admin = await insertStaffRow(t.deps, buildStaff({ role: 'admin' }));
    t.handle.sqlite.prepare(`insert into supporters (id, email, created_at) values ('sup_headers', 'reader@example.com', 0)`).run();
    const staff = await sessionFor(t.deps, 'staff', admin.id);
    const supporter = await sessionFor(t.deps, 'supporter', 'sup_headers');
    const asStaff = { cookie: staff.cookie };
    const pages: [string, Record<string, string>][] = [
      ['/finance', asStaff],
      ['/finance/audit', asStaff],
      ['/finance/contributions.csv', asStaff],
      ['/finance/staff', asStaff],
      ['/account', { cookie: supporter.cookie }],
      ['/account/statements/2026', { cookie: supporter.cookie }],
      ['/signin', {}],
      ['/staff/signin', {}],
      ['/dev/mail', {}],
      ['/thank-you?session_id=bad', {}],
      ['/ops/contributions.csv', { authorization: 'Bearer headers-test-ops-token-0123456789abcdef' }],
    ];
    for (const [path, headers] of pages) {
      const res = await request('GET', path, headers);
      expect([path, res.headers.get('cache-control')]).toEqual([path, 'no-store']);
    }
    // the reader's article stays cacheable
    expect((await request('GET', '/')).headers.get('cache-control')).toBeNull();
  });

  it('sends no HSTS in development, where the site is plain http on localhost', async () => {
    const dev = buildTestContext({ NODE_ENV: 'development', STRIPE_SECRET_KEY: '' });
    try {
      for (const path of ['/', '/appeal', '/signin', '/health', '/nowhere']) {
        const res = await dev.app.request(path);
        expect([path, res.headers.get('strict-transport-security')]).toEqual([path, null]);
        expect(res.headers.get('content-security-policy')).toContain('frame-ancestors');
      }
    } finally {
      await dev.cleanup();
    }
  });
});
