// POST /checkout fuzzed: forms, multipart, JSON and bodies of the wrong type, with odd
// values in every field. No answer is a 5xx or leaks internals, no input comes back raw
// in HTML, and a refused request writes no gift.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestContext, type TestContext } from '../factories/deps.js';
import { count } from '../helpers/ledger.js';
import { startStripeMock } from '../mocks/stripe-api.js';
import { encodedText, expectSafeResponse, FUZZ, fuzz, nastyText, stringsIn, wrongType } from './fuzz.kit.js';

const mock = startStripeMock();
let t: TestContext;
beforeAll(() => {
  t = buildTestContext();
});
afterAll(async () => {
  mock.close();
  await t.cleanup();
});

const FIELDS = ['frequency', 'amount', 'amount_other', 'currency', 'email', 'article', 'section', 'campaign', 'variant', 'origin', 'return_to'] as const;

/** Mostly plausible values, so that many cases pass validation and reach Stripe and the database. */
const plausible: Record<(typeof FIELDS)[number], fc.Arbitrary<string>> = {
  frequency: fc.constantFrom('one_off', 'monthly', 'annual'),
  amount: fc.constantFrom('10', '5.50', '1', '10000', '3', '0.99', '10000.01'),
  amount_other: fc.constantFrom('', '12.34', ' 7 '),
  currency: fc.constantFrom('gbp', 'usd', 'eur', 'GBP', 'jpy'),
  email: fc.constantFrom('', 'reader@example.com', 'R.Eader+x@example.org'),
  article: fc.constantFrom('local-news', 'a'.repeat(200)),
  section: fc.constantFrom('news', 'sport'),
  campaign: fc.constantFrom('winter', ''),
  variant: fc.constantFrom('a', 'b'),
  origin: fc.constantFrom('fragment', 'article'),
  return_to: fc.constantFrom('https://news.example.com/story', 'javascript:alert(1)', '//evil.example'),
};

const fieldValue = (name: (typeof FIELDS)[number]) => fc.oneof({ arbitrary: plausible[name], weight: 5 }, { arbitrary: nastyText, weight: 2 });

/** The fields a client posts, as [name, value] pairs: fields may be missing, repeated or unknown. */
const pairs = fc
  .tuple(
    fc.record(Object.fromEntries(FIELDS.map((f) => [f, fieldValue(f)])) as Record<(typeof FIELDS)[number], fc.Arbitrary<string>>, { requiredKeys: [] }),
    fc.array(fc.tuple(fc.oneof(fc.constantFrom(...FIELDS, '__proto__', 'constructor', 'amount[]', ''), nastyText), nastyText), { maxLength: 3 }),
  )
  .map(([known, extra]) => [...Object.entries(known), ...extra] as [string, string][]);

type Case = { body: BodyInit | null; contentType: string | null; accept: string; inputs: string[]; label: string };

const accept = fc.constantFrom('text/html', 'application/json', '*/*', '');

const asForm = fc
  .tuple(
    pairs,
    accept,
    fc.constantFrom('application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=utf-8', 'APPLICATION/X-WWW-FORM-URLENCODED'),
  )
  .map(([p, a, ct]): Case => ({ body: new URLSearchParams(p).toString(), contentType: ct, accept: a, inputs: stringsIn(p), label: 'form' }));

/** A form body written by hand: percent escapes that decode to invalid UTF-8, or none at all. */
const rawForm = fc.tuple(fc.array(fc.tuple(fc.constantFrom(...FIELDS, '%zz', ''), encodedText), { maxLength: 8 }), accept).map(
  ([p, a]): Case => ({
    body: p.map(([k, v]) => `${k}=${v}`).join('&'),
    contentType: 'application/x-www-form-urlencoded',
    accept: a,
    inputs: [],
    label: 'raw form',
  }),
);

const asMultipart = fc.tuple(pairs, accept, fc.boolean()).map(([p, a, withFile]): Case => {
  const form = new FormData();
  for (const [k, v] of p) form.append(k, v.toWellFormed());
  if (withFile) form.append('amount', new Blob(['10']), 'amount.txt');
  return { body: form, contentType: null, accept: a, inputs: stringsIn(p), label: 'multipart' };
});

/** JSON objects whose values may be of any type, and JSON that is not an object at all. */
const asJson = fc
  .tuple(
    fc.record(
      Object.fromEntries(FIELDS.map((f) => [f, fc.oneof({ arbitrary: plausible[f], weight: 4 }, { arbitrary: wrongType, weight: 2 })])) as Record<
        string,
        fc.Arbitrary<unknown>
      >,
      {
        requiredKeys: [],
      },
    ),
    fc.oneof({ arbitrary: fc.constant<unknown>(undefined), weight: 6 }, { arbitrary: wrongType, weight: 1 }),
    fc.constantFrom('application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/merge-patch+json'),
  )
  .map(([object, replacement, ct]): Case => {
    const value = replacement === undefined ? object : replacement;
    return { body: JSON.stringify(value), contentType: ct, accept: 'application/json', inputs: stringsIn(value), label: 'json' };
  });

const oddBodies = fc
  .tuple(
    fc.oneof(
      nastyText,
      fc.constantFrom('{"amount":', '{"amount": 1e400, "currency": "gbp", "frequency": "one_off"}', '\uFEFF{}', '[1,2]', '"x"', 'a=1&a=2&a=3'),
    ),
    fc.constantFrom(
      null,
      'text/plain',
      'application/octet-stream',
      'multipart/form-data',
      'multipart/form-data; boundary=x',
      'application/json',
      'text/html',
      'application/xml',
    ),
    accept,
  )
  .map(([body, ct, a]): Case => ({ body, contentType: ct, accept: a, inputs: [body], label: `body as ${ct}` }));

/** A gift that would go through, with at most one field changed: each field's own checks, one at a time. */
const oneFieldOff = fc
  .tuple(
    fc.record({
      frequency: plausible.frequency,
      amount: plausible.amount,
      currency: fc.constantFrom('gbp', 'usd', 'eur'),
      article: plausible.article,
      campaign: plausible.campaign,
    }),
    fc.option(fc.tuple(fc.constantFrom(...FIELDS), fc.oneof(nastyText, wrongType)), { freq: 3 }),
    fc.boolean(),
    accept,
  )
  .map(([gift, change, json, a]): Case => {
    const value: Record<string, unknown> = { ...gift };
    if (change) value[change[0]] = change[1];
    if (json) return { body: JSON.stringify(value), contentType: 'application/json', accept: a, inputs: stringsIn(value), label: 'json, one field off' };
    const form = Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? v : (JSON.stringify(v) ?? '')]);
    return {
      body: new URLSearchParams(form).toString(),
      contentType: 'application/x-www-form-urlencoded',
      accept: a,
      inputs: stringsIn(value),
      label: 'form, one field off',
    };
  });

const cases = fc.tuple(fc.oneof(oneFieldOff, oneFieldOff, asForm, rawForm, asMultipart, asJson, oddBodies), fc.integer({ min: 1, max: 250 }));

describe('fuzzing POST /checkout', () => {
  it('never answers 5xx, leaks nothing, reflects nothing raw, and writes no gift for a refused request', { timeout: 900_000 }, async () => {
    let accepted = 0;
    await fuzz('checkout', cases, async ([c, host]) => {
      const headers: Record<string, string> = { 'x-test-client-address': `203.0.113.${host}` };
      if (c.contentType) headers['content-type'] = c.contentType;
      if (c.accept) headers.accept = c.accept;
      const before = count(t.handle, 'gifts');
      const res = await t.app.request('http://localhost:8787/checkout', { method: 'POST', headers, body: c.body });
      await expectSafeResponse(res, c.inputs, c.label);
      const written = count(t.handle, 'gifts') - before;
      if (res.status >= 400) expect(written, `${c.label}: a gift row written for a ${res.status}`).toBe(0);
      else {
        expect([201, 303], c.label).toContain(res.status);
        expect(written, c.label).toBe(1);
        accepted += 1;
      }
    });
    // the generators are meant to reach past validation too (about one case in six), not only to be refused
    expect(accepted).toBeGreaterThan(FUZZ.runs / 20);
    expect(count(t.handle, 'ledger_entries')).toBe(0);
  });
});
