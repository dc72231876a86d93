import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, SANDBOX_WEBHOOK_SECRET } from './config.js';

/** production refuses to start without it; these tests are about the other settings */
const STAFF_SECRETS_KEY = '5e'.repeat(16) + '0123456789abcdef'.repeat(2);

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('loadConfig', () => {
  it('has working defaults: port 8787, SQLite file, sandbox mode', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8787);
    expect(c.databasePath).toBe('./data/storyfund.sqlite');
    expect(c.publicUrl).toBe('http://localhost:8787');
    expect(c.stripe).toEqual({ mode: 'sandbox', webhookSecret: SANDBOX_WEBHOOK_SECRET, webhookSecrets: [SANDBOX_WEBHOOK_SECRET] });
    expect(c.bounds.gbp).toEqual({ minMinor: 100, maxMinor: 1_000_000 });
    expect(c.appeal.presets.gbp!.monthly).toEqual([300, 500, 1000, 2000]);
  });

  it('uses a real key with its webhook secret, and PUBLIC_URL follows PORT', () => {
    const c = loadConfig({ STRIPE_SECRET_KEY: 'sk_test_123', STRIPE_WEBHOOK_SECRET: 'whsec_abc', PORT: '9000' });
    expect(c.stripe).toEqual({ mode: 'live', secretKey: 'sk_test_123', webhookSecret: 'whsec_abc', webhookSecrets: ['whsec_abc'] });
    expect(c.publicUrl).toBe('http://localhost:9000');
  });

  it('takes several webhook secrets, comma-separated, while one is rotated', () => {
    const c = loadConfig({ STRIPE_SECRET_KEY: 'sk_test_123', STRIPE_WEBHOOK_SECRET: 'whsec_new, whsec_old' });
    expect(c.stripe).toMatchObject({ webhookSecret: 'whsec_new', webhookSecrets: ['whsec_new', 'whsec_old'] });
  });

  it('refuses a Stripe key without a webhook secret, and a secret list with a bad or no entry, naming the setting and never the value', () => {
    expect(problems({ STRIPE_SECRET_KEY: 'sk_test_123' })).toEqual(['STRIPE_WEBHOOK_SECRET is required when STRIPE_SECRET_KEY is set']);
    const bad = problems({ STRIPE_SECRET_KEY: 'sk_test_123', STRIPE_WEBHOOK_SECRET: 'whsec_good,sk_test_pasted_by_mistake' });
    expect(bad).toEqual([expect.stringMatching(/^STRIPE_WEBHOOK_SECRET\.1 must start with whsec_/)]);
    expect(bad.join()).not.toContain('sk_test_pasted_by_mistake');
    expect(problems({ STRIPE_SECRET_KEY: 'sk_test_123', STRIPE_WEBHOOK_SECRET: ' , ' })).toEqual([
      expect.stringMatching(/^STRIPE_WEBHOOK_SECRET must hold at least one/),
    ]);
  });

  it('reads the publisher origins as bare origins, and names a bad one', () => {
    expect(loadConfig({}).publisherOrigins).toEqual([]);
    const c = loadConfig({ PUBLISHER_ORIGINS: 'https://News.Example, https://www.news.example/,http://localhost:3000' });
    expect(c.publisherOrigins).toEqual(['https://news.example', 'https://www.news.example', 'http://localhost:3000']);
    for (const bad of ['https://news.example/politics', 'news.example', 'javascript:alert(1)', 'https://news.example?x=1', 'https://user@news.example']) {
      expect(problems({ PUBLISHER_ORIGINS: bad })).toEqual([expect.stringMatching(/^PUBLISHER_ORIGINS\.0 each entry must be an origin/)]);
    }
    const production = {
      NODE_ENV: 'production',
      STAFF_SECRETS_KEY,
      MAIL_TRANSPORT: 'none',
      STRIPE_SECRET_KEY: 'sk_live_123',
      STRIPE_WEBHOOK_SECRET: 'whsec_abc',
    };
    expect(problems({ ...production, PUBLISHER_ORIGINS: 'https://news.example,http://news.example' })).toEqual([
      'PUBLISHER_ORIGINS must be https:// origins in production',
    ]);
    expect(problems({ ...production, PUBLISHER_ORIGINS: 'https://news.example' })).toEqual([]);
  });

  it('lists every bad field at once', () => {
    const p = problems({ PORT: 'eighty', STRIPE_SECRET_KEY: 'pk_test_oops', CURRENCIES: 'gbp,xyz', AMOUNT_MIN: 'one', APPEAL_COPY: '{' });
    expect(p.map((x) => x.split(' ')[0])).toEqual(
      expect.arrayContaining(['PORT', 'STRIPE_SECRET_KEY', 'CURRENCIES.1', 'AMOUNT_MIN', 'APPEAL_COPY', 'STRIPE_WEBHOOK_SECRET']),
    );
  });

  it('points the Stripe client at a stand-in only outside production and only with a key', () => {
    const c = loadConfig({ STRIPE_SECRET_KEY: 'sk_test_123', STRIPE_WEBHOOK_SECRET: 'whsec_abc', STRIPE_API_BASE: 'http://127.0.0.1:12111' });
    expect(c.stripe).toMatchObject({ mode: 'live', apiBase: { protocol: 'http', host: '127.0.0.1', port: 12111 } });
    expect(
      problems({
        NODE_ENV: 'production',
        STAFF_SECRETS_KEY,
        MAIL_TRANSPORT: 'none',
        STRIPE_SECRET_KEY: 'sk_live_123',
        STRIPE_WEBHOOK_SECRET: 'whsec_abc',
        STRIPE_API_BASE: 'http://127.0.0.1:12111',
      }),
    ).toEqual([expect.stringContaining('STRIPE_API_BASE is for tests and benchmarks only')]);
    expect(problems({ STRIPE_API_BASE: 'http://127.0.0.1:12111' })).toEqual([expect.stringContaining('STRIPE_API_BASE needs STRIPE_SECRET_KEY')]);
    expect(problems({ STRIPE_SECRET_KEY: 'sk_test_123', STRIPE_WEBHOOK_SECRET: 'whsec_abc', STRIPE_API_BASE: 'ftp://stand-in' })).toEqual([
      expect.stringMatching(/^STRIPE_API_BASE /),
    ]);
  });

  it('refuses the sandbox in production', () => {
    expect(problems({ NODE_ENV: 'production', STAFF_SECRETS_KEY, MAIL_TRANSPORT: 'none' })).toEqual([
      expect.stringContaining('STRIPE_SECRET_KEY is required in production'),
    ]);
  });

  it('needs a real email transport in production, and a token for the HTTP one', () => {
    const live = { NODE_ENV: 'production', STAFF_SECRETS_KEY, STRIPE_SECRET_KEY: 'sk_live_123', STRIPE_WEBHOOK_SECRET: 'whsec_abc' };
    expect(problems(live)).toEqual([expect.stringContaining('MAIL_TRANSPORT must be http')]);
    expect(problems({ ...live, MAIL_TRANSPORT: 'http' })).toEqual([
      'MAIL_HTTP_TOKEN is required when MAIL_TRANSPORT=http',
      expect.stringContaining('MAIL_FROM is required when MAIL_TRANSPORT=http'),
    ]);
    expect(loadConfig({ ...live, MAIL_TRANSPORT: 'http', MAIL_HTTP_TOKEN: 'token_abcdefgh', MAIL_FROM: 'News <give@news.example>' }).mail).toEqual({
      transport: 'http',
      from: 'News <give@news.example>',
      replyTo: null,
      httpUrl: 'https://api.resend.com/emails',
      httpToken: 'token_abcdefgh',
    });
  });

  it('takes SMTP settings, naming each bad or missing one', () => {
    const live = { NODE_ENV: 'production', STAFF_SECRETS_KEY, STRIPE_SECRET_KEY: 'sk_live_123', STRIPE_WEBHOOK_SECRET: 'whsec_abc', MAIL_TRANSPORT: 'smtp' };
    expect(problems(live)).toEqual([
      'SMTP_HOST is required when MAIL_TRANSPORT=smtp',
      expect.stringContaining('MAIL_FROM is required when MAIL_TRANSPORT=smtp'),
    ]);
    const ok = { ...live, SMTP_HOST: 'smtp.news.example', MAIL_FROM: 'News <give@news.example>' };
    expect(problems({ ...ok, SMTP_PORT: '99999', SMTP_SECURITY: 'ssl', SMTP_USER: 'mailer' })).toEqual([
      'SMTP_PORT must be a port number (1-65535)',
      'SMTP_SECURITY must be tls, starttls or none',
      expect.stringContaining('SMTP_USER and SMTP_PASSWORD go together'),
    ]);
    expect(problems({ ...ok, SMTP_SECURITY: 'none', SMTP_USER: 'mailer', SMTP_PASSWORD: 'pw-123456' })).toEqual([
      expect.stringContaining('SMTP_SECURITY=none would send SMTP_PASSWORD unencrypted'),
    ]);
    expect(problems({ ...ok, MAIL_REPLY_TO: 'not an address' })).toEqual(['MAIL_REPLY_TO must be an email address, like supporters@news.example']);
    expect(
      loadConfig({ ...ok, SMTP_PORT: '465', SMTP_SECURITY: 'tls', SMTP_USER: 'mailer', SMTP_PASSWORD: 'pw-123456', MAIL_REPLY_TO: 'help@news.example' }).mail,
    ).toEqual({
      transport: 'smtp',
      from: 'News <give@news.example>',
      replyTo: 'help@news.example',
      smtp: { host: 'smtp.news.example', port: 465, security: 'tls', auth: { user: 'mailer', pass: 'pw-123456' } },
    });
    // STARTTLS on 587 is the default, without sign-in for a local relay
    expect(loadConfig({ MAIL_TRANSPORT: 'smtp', SMTP_HOST: 'localhost', MAIL_FROM: 'a@news.example' }).mail).toMatchObject({
      smtp: { port: 587, security: 'starttls', auth: null },
    });
  });

  it('says whether gifts are tax-deductible, and only true or false', () => {
    expect(loadConfig({}).taxDeductible).toBe(false);
    expect(loadConfig({ TAX_DEDUCTIBLE: 'true' }).taxDeductible).toBe(true);
    expect(problems({ TAX_DEDUCTIBLE: 'yes' })).toEqual(['TAX_DEDUCTIBLE must be true or false']);
  });

  it('takes an ops token only when it is long enough to be unguessable', () => {
    expect(loadConfig({}).opsToken).toBeNull();
    expect(loadConfig({ OPS_TOKEN: 'a'.repeat(32) }).opsToken).toBe('a'.repeat(32));
    expect(problems({ OPS_TOKEN: 'secret' })).toEqual([expect.stringMatching(/^OPS_TOKEN must be at least 32 characters/)]);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ STRIPE_SECRET_KEY: '', PORT: '' }).stripe.mode).toBe('sandbox');
  });

  it('takes the appeal copy and presets from settings', () => {
    const c = loadConfig({
      APPEAL_COPY: JSON.stringify({ heading: 'Keep the lights on', paragraphs: ['Please.'], button: 'Give', reassurance: '' }),
      APPEAL_PRESETS: JSON.stringify({ gbp: { one_off: [7.5], monthly: [2], annual: [20] } }),
      CURRENCIES: 'gbp',
    });
    expect(c.appeal.copy.heading).toBe('Keep the lights on');
    expect(c.appeal.presets.gbp!.one_off).toEqual([750]);
  });

  it('needs presets for every currency offered', () => {
    expect(problems({ CURRENCIES: 'gbp,chf' })).toEqual(['APPEAL_PRESETS has no amounts for chf']);
  });
});
