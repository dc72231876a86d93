import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { createLogger, describeError, isSecretKey, redact, scrubText } from './log.js';

function capture(level: Parameters<typeof createLogger>[0] = 'debug') {
  const lines: string[] = [];
  const log = createLogger(
    level,
    (l) => lines.push(l),
    () => Date.parse('2026-11-20T10:00:00.123Z'),
  );
  return { log, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('scrubText', () => {
  it('masks email addresses, keeping the first letter and the domain', () => {
    expect(scrubText('receipt to reader.one+news@example.com failed')).toBe('receipt to r***@example.com failed');
    expect(scrubText('a@b.co and Zed_2@mail.example.org')).toBe('a***@b.co and Z***@mail.example.org');
  });

  it('masks a URL-encoded address, as in a Referer or query string', () => {
    expect(scrubText('https://news.example/?email=flo%40example.com&x=1')).toBe('https://news.example/?email=f***%40example.com&x=1');
  });

  it('is idempotent: a masked address is not an address any more', () => {
    const once = scrubText('reader@example.com');
    expect(scrubText(once)).toBe(once);
    expect(once).not.toMatch(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/);
  });

  it('masks card-like runs of 13 to 19 digits, grouped or not, keeping the last four', () => {
    expect(scrubText('card 4242424242424242 declined')).toBe('card ************4242 declined');
    expect(scrubText('card 4000 0566 5566 5556')).toBe('card ************5556');
    expect(scrubText('amex 3782-822463-10005')).toBe('amex ***********0005');
    expect(scrubText('13 digits 4222222222222')).toBe('13 digits *********2222');
  });

  it('leaves shorter numbers, longer ones and digits inside ids alone', () => {
    const text = 'amount 1500, t=1764000000, ref 123456789012, pi_3MtwBwLkdIwHu7ix28a3tqPa, 12345678901234567890123';
    expect(scrubText(text)).toBe(text);
  });

  it('masks Stripe secret and restricted keys and webhook secrets, not publishable keys', () => {
    expect(scrubText('key sk_live_51Habc123XYZ used')).toBe('key sk_live_*** used');
    expect(scrubText('sk_test_storyfund rk_live_abc rk_test_def whsec_abc_123')).toBe('sk_test_*** rk_live_*** rk_test_*** whsec_***');
    expect(scrubText('pk_test_public')).toBe('pk_test_public');
  });

  it('masks staff API tokens wherever they appear in text', () => {
    expect(scrubText('pasted sfapi_Ab-9_xYz0123456789abcdefghijklmnopqrstuvwxyzABCD into a note')).toBe('pasted sfapi_*** into a note');
  });

  it("masks credentials in a URL's query, and only those", () => {
    expect(scrubText('link http://localhost:8787/signin/link?token=AbC-123_x&next=/account failed')).toBe(
      'link http://localhost:8787/signin/link?token=***&next=/account failed',
    );
    expect(scrubText('/staff/password?next=/finance&reset_token=zz;code=123456')).toBe('/staff/password?next=/finance&reset_token=***;code=***');
    expect(scrubText('/thank-you?session_id=cs_test_abc&currency=gbp')).toBe('/thank-you?session_id=cs_test_abc&currency=gbp');
  });

  it('masks bearer credentials and signature HMACs in text', () => {
    expect(scrubText('Authorization: Bearer abc.def-123')).toBe('Authorization: Bearer ***');
    expect(scrubText(`t=1764000000,v1=${'ab'.repeat(32)}`)).toBe('t=1764000000,v1=***');
  });
});

describe('redact', () => {
  it('drops the value of every key named like a secret, at any depth and in any spelling', () => {
    const out = redact({
      token: 'abc',
      OPS_TOKEN: 'x',
      authorization: 'Bearer abc',
      'stripe-signature': 't=1,v1=00',
      Cookie: 'sid=1',
      password: 'hunter2',
      apiKey: 'k',
      webhookSecret: 'plain',
      nested: { deeper: [{ client_secret: 'pi_secret_1' }] },
      gift: 'gift_1',
    });
    expect(out).toEqual({
      token: '[redacted]',
      OPS_TOKEN: '[redacted]',
      authorization: '[redacted]',
      'stripe-signature': '[redacted]',
      Cookie: '[redacted]',
      password: '[redacted]',
      apiKey: '[redacted]',
      webhookSecret: '[redacted]',
      nested: { deeper: [{ client_secret: '[redacted]' }] },
      gift: 'gift_1',
    });
  });

  it('names secret keys by whole words, not every key that contains the letters', () => {
    expect(['token', 'sessionToken', 'x-api-key', 'key', 'idempotencyKey', 'passwd'].filter((k) => !isSecretKey(k))).toEqual([]);
    expect(['gift', 'event', 'keyset', 'monkeys', 'type', 'path'].filter(isSecretKey)).toEqual([]);
  });

  it('masks card-length numbers but keeps millisecond timestamps and amounts', () => {
    expect(redact({ pan: 4242424242424242, at: 1_764_000_000_123, amount: 150_000 })).toEqual({
      pan: '************4242',
      at: 1_764_000_000_123,
      amount: 150_000,
    });
  });

  it('turns an Error into its summary, scrubbed', () => {
    const out = redact({ error: new Error('no such reader: flo@example.com') }) as { error: { name: string; message: string; stack: string } };
    expect(out.error.name).toBe('Error');
    expect(out.error.message).toBe('no such reader: f***@example.com');
    expect(out.error.stack).not.toContain('flo@example.com');
  });

  it('survives cycles and deep nesting', () => {
    const a: Record<string, unknown> = { email: 'deep@example.com' };
    a.self = a;
    expect(JSON.stringify(redact(a))).not.toContain('deep@example.com');
  });
});

describe('describeError', () => {
  it('keeps a Stripe error to its type, code, parameter and request id: Stripe echoes what it was sent', () => {
    const err = new Stripe.errors.StripeInvalidRequestError({
      type: 'invalid_request_error',
      code: 'email_invalid',
      param: 'customer_email',
      message: 'Invalid email address: flo@example.com',
      requestId: 'req_123',
      statusCode: 400,
    } as never);
    expect(describeError(err)).toEqual({
      name: 'StripeInvalidRequestError',
      code: 'email_invalid',
      param: 'customer_email',
      status: 400,
      stripeRequestId: 'req_123',
    });
  });
});

describe('createLogger', () => {
  it("writes one JSON line with the clock's time, level and message first", () => {
    const { log, lines } = capture();
    log.info('hello', { n: 1 });
    expect(lines).toEqual(['{"time":"2026-11-20T10:00:00.123Z","level":"info","msg":"hello","n":1}']);
  });

  it('scrubs the message and every field of every line', () => {
    const { log, lines } = capture();
    log.error('send to flo@example.com failed with sk_live_abc', { to: 'flo@example.com', card: '4242 4242 4242 4242', authorization: 'Bearer t0k3n' });
    const text = lines.join('\n');
    for (const secret of ['flo@example.com', 'sk_live_abc', '4242 4242 4242 4242', 't0k3n']) expect(text).not.toContain(secret);
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'send to f***@example.com failed with sk_live_***', to: 'f***@example.com', card: '************4242' });
  });

  it('binds fields on a child that a call cannot overwrite, nor rename the level or message', () => {
    const { log, parsed } = capture();
    const child = log.child({ requestId: 'r1', path: '/people/ann@example.com' });
    child.warn('careful', { requestId: 'forged', level: 'debug', msg: 'other', extra: true });
    expect(parsed()).toEqual([
      { time: '2026-11-20T10:00:00.123Z', level: 'warn', msg: 'careful', requestId: 'r1', path: '/people/a***@example.com', extra: true },
    ]);
  });

  it('writes nothing below its level', () => {
    const { log, lines } = capture('warn');
    log.debug('a');
    log.info('b');
    log.child({ job: 'x' }).warn('c');
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['c']);
    const silent = capture('silent');
    silent.log.error('d');
    expect(silent.lines).toEqual([]);
  });
});
