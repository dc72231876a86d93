import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestContext, type TestContext } from './factories/deps.js';
import { count } from './helpers/ledger.js';
import { startStripeMock } from './mocks/stripe-api.js';

const mock = startStripeMock();
afterAll(() => mock.close());

let t: TestContext;
beforeEach(() => {
  t = buildTestContext();
  mock.store.created.length = 0;
});
afterEach(() => t.cleanup());

const form = (fields: Record<string, string>) =>
  t.app.request('/checkout', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', referer: 'https://news.example/story' },
    body: new URLSearchParams(fields).toString(),
  });
const json = (body: unknown) => t.app.request('/checkout', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('POST /checkout (form)', () => {
  it('creates a pending gift and a one-off donate session, then redirects to Stripe', async () => {
    const res = await form({
      frequency: 'one_off',
      amount: '25',
      amount_other: '',
      currency: 'gbp',
      email: 'reader@example.com',
      article: 'harbour-water',
      campaign: 'winter',
      variant: 'b',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/);

    const gift = t.handle.sqlite.prepare('select * from gifts').get() as Record<string, unknown>;
    expect(gift).toMatchObject({
      status: 'pending',
      frequency: 'one_off',
      amount_minor: 2500,
      currency: 'gbp',
      email: 'reader@example.com',
      article: 'harbour-water',
      campaign: 'winter',
      variant: 'b',
      referrer: 'https://news.example/story',
    });
    expect(gift.checkout_session_id).toMatch(/^cs_test_/);

    expect(mock.store.created).toHaveLength(1);
    const { body, idempotencyKey } = mock.store.created[0]!;
    expect(idempotencyKey).toBe(`checkout-session:${gift.id}`);
    expect(Object.fromEntries(body)).toMatchObject({
      mode: 'payment',
      submit_type: 'donate',
      client_reference_id: gift.id,
      'metadata[gift_id]': gift.id,
      'payment_intent_data[metadata][gift_id]': gift.id,
      'line_items[0][price_data][currency]': 'gbp',
      'line_items[0][price_data][unit_amount]': '2500',
      customer_email: 'reader@example.com',
      success_url: 'http://localhost:8787/thank-you?session_id={CHECKOUT_SESSION_ID}',
    });
    expect(body.has('line_items[0][price_data][recurring][interval]')).toBe(false);
  });

  it.each([
    ['monthly', 'month'],
    ['annual', 'year'],
  ])('creates a %s subscription session', async (frequency, interval) => {
    const res = await form({ frequency, amount: '5', amount_other: '12.50', currency: 'usd' });
    expect(res.status).toBe(303);
    const body = Object.fromEntries(mock.store.created[0]!.body);
    expect(body).toMatchObject({
      mode: 'subscription',
      'line_items[0][price_data][unit_amount]': '1250',
      'line_items[0][price_data][currency]': 'usd',
      'line_items[0][price_data][recurring][interval]': interval,
      'subscription_data[metadata][frequency]': frequency,
    });
    expect(body.submit_type).toBeUndefined();
  });

  it.each<[{ amount?: string; currency?: string }, string, string | null]>([
    [{ amount: 'abc' }, 'amount', 'abc'],
    [{ amount: '-5' }, 'amount', '-5'],
    [{ amount: '0.10' }, 'amount', '0.10'],
    [{ amount: '99999999' }, 'amount', '99999999'],
    [{ currency: 'xyz' }, 'currency', null],
  ])('re-renders the form with a 400 for %j, naming %s and keeping the values', async (override, field, kept) => {
    const res = await form({
      frequency: 'monthly',
      amount: '',
      amount_other: '',
      currency: 'gbp',
      email: 'kept@example.com',
      ...(override.amount ? { amount_other: override.amount } : {}),
      ...(override.currency ? { currency: override.currency } : {}),
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain(`id="err-${field}"`);
    expect(html).toContain('value="kept@example.com"');
    if (kept) expect(html).toContain(`value="${kept}"`);
    expect(count(t.handle, 'gifts')).toBe(0);
    expect(mock.store.created).toHaveLength(0);
  });
});

describe('POST /checkout with text that is not well-formed', () => {
  /** Every request the Stripe SDK makes while `fn` runs, as msw sees it. */
  async function stripeCalls(fn: () => Promise<void>): Promise<string[]> {
    const seen: string[] = [];
    const listener = ({ request }: { request: Request }) => void seen.push(`${request.method} ${request.url}`);
    mock.server.events.on('request:start', listener);
    try {
      await fn();
    } finally {
      mock.server.events.removeListener('request:start', listener);
    }
    return seen;
  }

  it.each(['article', 'campaign', 'email'])('answers a lone surrogate in a JSON %s with a 400 naming it, and writes nothing', async (field) => {
    const calls = await stripeCalls(async () => {
      // JSON.stringify escapes a lone surrogate as \udXXX, exactly what a client would send
      const res = await json({
        frequency: 'one_off',
        amount: '10',
        currency: 'gbp',
        [field]: field === 'email' ? 'reader\ud800@example.com' : 'harbour\ud800',
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: expect.any(String),
        fields: { [field]: expect.stringContaining('contains characters we cannot read') },
        reference: res.headers.get('x-request-id'),
      });
    });
    expect(calls).toEqual([]);
    expect(count(t.handle, 'gifts')).toBe(0);
  });

  it.each([
    ['article', 'The article contains characters we cannot read'],
    ['campaign', 'The campaign contains characters we cannot read'],
    ['email', 'id="err-email"'],
  ])("answers a surrogate's bytes in a form %s with the form again, naming it, and writes nothing", async (field, named) => {
    // a form cannot carry a lone surrogate: its UTF-8-style bytes (ED A0 80) decode to U+FFFD
    const body = `frequency=monthly&amount=&amount_other=12.50&currency=gbp&email=kept%40example.com&${field}=${field === 'email' ? 'kept%ED%A0%80%40example.com' : 'harbour%ED%A0%80'}`;
    const calls = await stripeCalls(async () => {
      const res = await t.app.request('/checkout', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      expect(res.status).toBe(400);
      const html = await res.text();
      // hidden fields are named in the summary, a visible one also beside its control
      expect(html).toContain(named);
      expect(html).toContain('value="12.50"');
    });
    expect(calls).toEqual([]);
    expect(count(t.handle, 'gifts')).toBe(0);
  });

  it('still takes emoji and other scripts', async () => {
    const res = await json({ frequency: 'one_off', amount: '10', currency: 'gbp', article: '日本語の記事', campaign: 'winter 😀' });
    expect(res.status).toBe(201);
    expect(t.handle.sqlite.prepare('select article, campaign from gifts').get()).toEqual({ article: '日本語の記事', campaign: 'winter 😀' });
  });
});

describe('POST /checkout from the CMS fragment', () => {
  it('shows a bad amount on the appeal alone, not on the demo article the reader never saw', async () => {
    const fragment = await (await t.app.request('/appeal?article=town-budget')).text();
    expect(fragment).toContain('name="origin" value="fragment"');

    const res = await form({
      frequency: 'monthly',
      amount: '',
      amount_other: 'abc',
      currency: 'gbp',
      email: 'cms@example.com',
      article: 'town-budget',
      origin: 'fragment',
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('id="err-amount"');
    expect(html).toContain('value="cms@example.com"');
    expect(html).toContain('name="origin" value="fragment"');
    expect(html).not.toContain('class="story__headline"');

    const fromArticle = await (await form({ frequency: 'monthly', amount: '', amount_other: 'abc', currency: 'gbp' })).text();
    expect(fromArticle).toContain('class="story__headline"');
  });
});

describe('POST /checkout (JSON)', () => {
  it('answers 201 with the session id and url', async () => {
    const res = await json({ frequency: 'monthly', amount: '10', currency: 'eur' });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { id: string; url: string };
    expect(body.id).toMatch(/^cs_test_/);
    expect(body.url).toContain(body.id);
  });

  it('answers 400 with every bad field named', async () => {
    const res = await json({ frequency: 'weekly', amount: 'abc', currency: 'xyz' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: expect.any(String),
      fields: { frequency: expect.any(String), currency: expect.stringContaining('GBP') },
      reference: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
  });

  it('answers 400, not 500, for a body that is not JSON', async () => {
    const res = await t.app.request('/checkout', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ fields: { body: expect.any(String) } });
  });

  it('answers 502 and keeps nothing charged when Stripe is unreachable', async () => {
    const { http, HttpResponse } = await import('msw');
    mock.server.use(
      http.post('https://api.stripe.com/v1/checkout/sessions', () => HttpResponse.json({ error: { type: 'api_error', message: 'down' } }, { status: 500 }), {
        once: true,
      }),
    );
    const res = await json({ frequency: 'one_off', amount: '10', currency: 'gbp' });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ error: expect.stringContaining('Nothing was charged') });
  });
});

describe('POST /checkout (form) when something fails after validation', () => {
  const stripeUnreachable = async () => {
    const { http, HttpResponse } = await import('msw');
    mock.server.use(http.post('https://api.stripe.com/v1/checkout/sessions', () => HttpResponse.error(), { once: true }));
  };

  it("answers 502 with an HTML page that keeps the reader's choices, and the attribution row stays", async () => {
    await stripeUnreachable();
    const res = await form({
      frequency: 'monthly',
      amount: '10',
      amount_other: '12.50',
      currency: 'usd',
      email: 'kept@example.com',
      article: 'harbour-water',
      campaign: 'winter',
    });
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<title>Error: Your gift has not started yet');
    expect(html).toContain('We could not reach our payment provider. Nothing was charged');
    expect(html).toContain('<a href="/">Back to the story</a>');
    // the appeal again, filled in as the reader left it
    expect(html).toMatch(/<form class="appeal__form" method="post" action="\/checkout"/);
    expect(html).toMatch(/id="appeal-frequency-monthly" value="monthly" checked=""/);
    expect(html).toContain('value="12.50"');
    expect(html).toMatch(/<option value="usd" selected=""/);
    expect(html).toContain('value="kept@example.com"');
    expect(html).toContain('name="article" value="harbour-water"');
    expect(html).toContain('name="campaign" value="winter"');
    expect(html).not.toContain('name="origin"');

    const gift = t.handle.sqlite.prepare('select status, amount_minor, checkout_session_id from gifts').get();
    expect(gift).toEqual({ status: 'pending', amount_minor: 1250, checkout_session_id: null });
  });

  it('answers 500 with an HTML page that names nothing internal when our own side fails', async () => {
    t.handle.sqlite.exec("create trigger fail_gifts before insert on gifts begin select raise(abort, 'disk on fire at /var/lib/secret'); end");
    const res = await form({ frequency: 'one_off', amount: '25', amount_other: '', currency: 'gbp', email: 'kept@example.com' });
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<title>Error: Your gift has not started yet');
    expect(html).toContain('Something went wrong on our side');
    expect(html).not.toContain('disk on fire');
    expect(html).not.toContain('/var/lib/secret');
    expect(html).toContain('value="kept@example.com"');
    expect(html).toMatch(/id="appeal-frequency-one_off" value="one_off" checked=""/);
    expect(mock.store.created).toHaveLength(0);
  });

  it('keeps JSON for JSON clients, whatever the failure', async () => {
    t.handle.sqlite.exec("create trigger fail_gifts before insert on gifts begin select raise(abort, 'disk on fire'); end");
    const res = await json({ frequency: 'one_off', amount: '25', currency: 'gbp' });
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      error: expect.stringContaining('Something went wrong on our side'),
      reference: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
  });

  it("sends a fragment gift back to the publisher's page, with origin and return address kept for the retry", async () => {
    await t.cleanup();
    t = buildTestContext({ PUBLISHER_ORIGINS: 'https://news.example' });
    await stripeUnreachable();
    const res = await form({
      frequency: 'monthly',
      amount: '5',
      amount_other: '',
      currency: 'gbp',
      origin: 'fragment',
      return_to: 'https://news.example/2026/town-budget?x=1&y=2',
    });
    expect(res.status).toBe(502);
    const html = await res.text();
    expect(html).toContain('<a href="https://news.example/2026/town-budget?x=1&amp;y=2">Back to the story</a>');
    expect(html).toContain('name="origin" value="fragment"');
    expect(html).toContain('name="return_to" value="https://news.example/2026/town-budget?x=1&amp;y=2"');
  });

  it('answers a browser asking for a page with HTML, and an API client with JSON (GET /thank-you)', async () => {
    const { http, HttpResponse } = await import('msw');
    const down = () => http.get('https://api.stripe.com/v1/checkout/sessions/:id', () => HttpResponse.error(), { once: true });
    mock.server.use(down(), down());
    const page = await t.app.request('/thank-you?session_id=cs_test_a1b2c3d4e5f6', { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(page.status).toBe(502);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('We could not reach our payment provider');
    const api = await t.app.request('/thank-you?session_id=cs_test_a1b2c3d4e5f6', { headers: { accept: '*/*' } });
    expect(api.status).toBe(502);
    expect(await api.json()).toEqual({ error: expect.any(String), reference: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });
});

describe('an address with no page', () => {
  it('shows a browser a page that says so, and tells an API client in JSON', async () => {
    const page = await t.app.request('/no-such-page', { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('We could not find that page');
    const api = await t.app.request('/no-such-page', { headers: { accept: 'application/json' } });
    expect(api.status).toBe(404);
    expect(await api.json()).toEqual({ error: 'Not found', reference: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });
});

describe('Checkout cancel_url', () => {
  const cancelUrlSent = () => mock.store.created.at(-1)!.body.get('cancel_url');
  const fromFragment = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
    t.app.request('/checkout', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({ frequency: 'one_off', amount: '10', amount_other: '', currency: 'gbp', origin: 'fragment', ...fields }).toString(),
    });

  beforeEach(async () => {
    await t.cleanup();
    t = buildTestContext({ PUBLISHER_ORIGINS: 'https://news.example,https://www.news.example' });
  });

  // our own appeal, with the reader's choice chosen again
  const OUR_APPEAL_AGAIN = 'http://localhost:8787/?cancelled=1&frequency=one_off&amount=10&currency=gbp#support';

  it("returns a fragment gift to the page the CMS named, when its origin is the publisher's", async () => {
    expect((await fromFragment({ return_to: 'https://www.news.example/2026/town-budget#support' })).status).toBe(303);
    // with the reader's choice for the CMS to pass on to GET /appeal
    expect(cancelUrlSent()).toBe(
      'https://www.news.example/2026/town-budget?storyfund_cancelled=1&storyfund_frequency=one_off&storyfund_amount=10&storyfund_currency=gbp#support',
    );
  });

  it('falls back to the Referer of the post, then to our own article', async () => {
    await fromFragment({}, { referer: 'https://news.example/' });
    expect(cancelUrlSent()).toBe('https://news.example/?storyfund_cancelled=1&storyfund_frequency=one_off&storyfund_amount=10&storyfund_currency=gbp');
    await fromFragment({});
    expect(cancelUrlSent()).toBe(OUR_APPEAL_AGAIN);
  });

  it.each([
    'https://evil.example/phish',
    'https://news.example.evil.example/',
    'https://news.example@evil.example/',
    'http://news.example/story',
    'https://news.example:8443/story',
    'javascript:alert(1)',
    '//evil.example/x',
    'not a url',
  ])('never sends the reader to %s', async (returnTo) => {
    expect((await fromFragment({ return_to: returnTo }, { referer: returnTo })).status).toBe(303);
    expect(cancelUrlSent()).toBe(OUR_APPEAL_AGAIN);
  });

  it('sends a gift from our own article back to our article, whatever it says', async () => {
    await form({ frequency: 'one_off', amount: '10', amount_other: '', currency: 'gbp', return_to: 'https://news.example/story' });
    expect(cancelUrlSent()).toBe(OUR_APPEAL_AGAIN);
  });

  it("carries return_to from GET /appeal into the fragment's form, escaped, and through a 400 re-render", async () => {
    const fragment = await (await t.app.request(`/appeal?article=town-budget&return_to=${encodeURIComponent('https://news.example/a?b=1&c="2"')}`)).text();
    expect(fragment).toContain('name="return_to" value="https://news.example/a?b=1&#38;c=&#34;2&#34;"');
    const res = await fromFragment({ amount_other: 'lots', return_to: 'https://news.example/story' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('name="return_to" value="https://news.example/story"');
  });
});

describe('GET /thank-you', () => {
  it('thanks the reader by amount and frequency from Stripe, before any webhook', async () => {
    const res = await json({ frequency: 'monthly', amount: '10', currency: 'gbp' });
    const { id } = (await res.json()) as { id: string };
    const session = mock.store.sessions.get(id)!;
    Object.assign(session, { status: 'complete', payment_status: 'paid', customer_details: { email: 'r@example.com' } });
    const page = await t.app.request(`/thank-you?session_id=${id}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Thank you for your £10 monthly gift');
    expect(count(t.handle, 'ledger_entries')).toBe(0);
  });

  it('says a gift is not complete while the session is open', async () => {
    const { id } = (await (await json({ frequency: 'one_off', amount: '3', currency: 'gbp' })).json()) as { id: string };
    const html = await (await t.app.request(`/thank-you?session_id=${id}`)).text();
    expect(html).toContain('not complete yet');
  });

  it('answers 400 for a malformed id and 404 for an unknown one', async () => {
    expect((await t.app.request('/thank-you?session_id=<script>')).status).toBe(400);
    expect((await t.app.request('/thank-you?session_id=cs_test_doesnotexist123')).status).toBe(404);
  });
});
