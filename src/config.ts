// Every setting, parsed once by one zod schema. This is the only module that reads raw
// environment values; the runtimes hand it process.env (Node) or the Worker's bindings.
import { z } from 'zod';
import { FREQUENCIES, type Frequency } from '../db/schema.js';
import { keyProblem, parseKey256, SecretBytes } from './lib/crypto.js';
import { amountBounds, isKnownCurrency, KNOWN_CURRENCIES, majorToMinor } from './lib/money.js';

const majorAmount = z.string().regex(/^\d+(\.\d+)?$/, 'must be an amount in major units, like 1.00');

const appealCopySchema = z.object({
  heading: z.string().min(1),
  paragraphs: z.array(z.string().min(1)).min(1),
  button: z.string().min(1),
  reassurance: z.string(),
});

/** Preset amounts in major units, per currency and frequency. */
const presetsSchema = z.record(
  z.string(),
  z.object({ one_off: z.array(z.number().positive()), monthly: z.array(z.number().positive()), annual: z.array(z.number().positive()) }),
);

export const DEFAULT_APPEAL_COPY: z.infer<typeof appealCopySchema> = {
  heading: 'Your support helps us to tell the story',
  paragraphs: [
    'Our reporting is free for everyone to read, with no paywall. We think news that holds power to account should reach the people it affects, whether or not they can pay for it.',
    'That only works because readers who can afford it choose to chip in. Your gift pays for reporters on the ground, for the months an investigation takes, and for the lawyers who check it before we publish.',
    'No owner or advertiser tells us what to cover. Readers do, by keeping us going.',
  ],
  button: 'Support us',
  reassurance: 'Secure payment by card, Apple Pay or Google Pay through Stripe. Cancel a regular gift at any time.',
};

export const DEFAULT_PRESETS: z.infer<typeof presetsSchema> = {
  gbp: { one_off: [5, 10, 25, 50], monthly: [3, 5, 10, 20], annual: [36, 60, 120, 240] },
  usd: { one_off: [5, 10, 25, 50], monthly: [3, 5, 10, 20], annual: [36, 60, 120, 240] },
  eur: { one_off: [5, 10, 25, 50], monthly: [3, 5, 10, 20], annual: [36, 60, 120, 240] },
  jpy: { one_off: [500, 1000, 3000, 5000], monthly: [300, 500, 1000, 2000], annual: [3600, 6000, 12000, 24000] },
};

const jsonOf = <T extends z.ZodType>(schema: T) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce
    .number({ error: 'must be a port number (1-65535)' })
    .int('must be a whole number')
    .min(1, 'must be a port number (1-65535)')
    .max(65535, 'must be a port number (1-65535)')
    .default(8787),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_PATH: z.string().min(1).default('./data/storyfund.sqlite'),
  PUBLIC_URL: z.url().optional(),
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_\w+$/, 'must be a Stripe secret or restricted key (sk_test_…, sk_live_…)')
    .optional(),
  // Several, comma-separated, while a secret is rotated: an event signed with any of them is accepted.
  STRIPE_WEBHOOK_SECRET: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(z.string().regex(/^whsec_\w+$/, 'must start with whsec_ (several are separated by commas)'))
        .min(1, 'must hold at least one whsec_ secret')
        .max(5, 'holds at most 5 secrets'),
    )
    .optional(),
  STRIPE_API_BASE: z
    .url()
    .refine((u) => /^https?:$/.test(new URL(u).protocol), 'must be an http:// or https:// URL')
    .optional(),
  CURRENCIES: z
    .string()
    .default('gbp,usd,eur')
    .transform((s) =>
      s
        .split(',')
        .map((c) => c.trim().toLowerCase())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().refine(isKnownCurrency, { message: `each currency must be one of ${KNOWN_CURRENCIES.join(', ')}` })).min(1)),
  DEFAULT_CURRENCY: z.string().toLowerCase().default('gbp'),
  AMOUNT_MIN: majorAmount.default('1.00'),
  AMOUNT_MAX: majorAmount.default('10000'),
  APPEAL_COPY: jsonOf(appealCopySchema).optional(),
  APPEAL_PRESETS: jsonOf(presetsSchema).optional(),
  PUBLICATION_NAME: z.string().min(1).default('The Harbour Ledger'),
  // printed on receipts: who received the gift (address, company or charity number)
  PUBLICATION_DETAILS: z.string().max(500).optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  // 0 = off; the Workers runtime uses its cron trigger instead
  RECONCILE_INTERVAL_HOURS: z.coerce
    .number({ error: 'must be a number of hours (0 turns it off)' })
    .min(0, 'must be 0 (off) or more')
    .max(24 * 7, 'must be at most 168 (a week)')
    .default(0),
  MAIL_TRANSPORT: z.enum(['preview', 'http', 'smtp', 'none'], { error: 'must be preview, http, smtp or none' }).optional(),
  MAIL_FROM: z.string().min(3).optional(),
  // where a supporter's reply goes; without it emails say nothing about replying
  MAIL_REPLY_TO: z.email({ error: 'must be an email address, like supporters@news.example' }).optional(),
  TAX_DEDUCTIBLE: z.enum(['true', 'false'], { error: 'must be true or false' }).default('false'),
  SMTP_HOST: z.string().min(1).optional(),
  SMTP_PORT: z.coerce
    .number({ error: 'must be a port number (1-65535)' })
    .int('must be a whole number')
    .min(1, 'must be a port number (1-65535)')
    .max(65535, 'must be a port number (1-65535)')
    .default(587),
  // tls: TLS from the first byte (port 465); starttls: plain, then upgraded and required (587); none: local relays only
  SMTP_SECURITY: z.enum(['tls', 'starttls', 'none'], { error: 'must be tls, starttls or none' }).default('starttls'),
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASSWORD: z.string().min(1).optional(),
  MAIL_HTTP_URL: z.url().default('https://api.resend.com/emails'),
  MAIL_HTTP_TOKEN: z.string().min(8).optional(),
  // Where Checkout's cancel button may send a reader who started in the CMS fragment.
  // Origins only: a path would suggest a prefix check, and prefixes of URLs are easy to fool.
  PUBLISHER_ORIGINS: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z.string().refine(isBareOrigin, {
          error: (i) => `each entry must be an origin like https://news.example.com (scheme and host, no path), not ${String(i.input)}`,
        }),
      ),
    )
    .default([]),
  // a bearer token guessable in reasonable time would expose every supporter's email
  // Sessions: idle expiry counts from the last request, the absolute one from sign-in.
  STAFF_SESSION_IDLE_MINUTES: z.coerce
    .number({ error: 'must be a number of minutes' })
    .int('must be a whole number')
    .min(5, 'must be at least 5')
    .max(24 * 60, 'must be at most 1440 (a day)')
    .default(60),
  STAFF_SESSION_MAX_HOURS: z.coerce
    .number({ error: 'must be a number of hours' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(24 * 7, 'must be at most 168 (a week)')
    .default(12),
  SUPPORTER_SESSION_IDLE_DAYS: z.coerce
    .number({ error: 'must be a number of days' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(365, 'must be at most 365')
    .default(30),
  SUPPORTER_SESSION_MAX_DAYS: z.coerce
    .number({ error: 'must be a number of days' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(400, 'must be at most 400 (browsers cap cookies there)')
    .default(90),
  // Node behind a reverse proxy or load balancer: the proxies' addresses or ranges (CIDR, or
  // loopback / linklocal / uniquelocal), whose X-Forwarded-For is believed. Checked at start-up by node.client.ts.
  TRUSTED_PROXIES: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .default([]),
  // Seals staff TOTP secrets at rest (auth/auth.secrets.ts); PREVIOUS still opens values sealed before a rotation.
  STAFF_SECRETS_KEY: z
    .string()
    .refine((v) => keyProblem(v) === null, { error: (i) => keyProblem(String(i.input)) ?? 'is not a key' })
    .optional(),
  STAFF_SECRETS_KEY_PREVIOUS: z
    .string()
    .refine((v) => keyProblem(v) === null, { error: (i) => keyProblem(String(i.input)) ?? 'is not a key' })
    .optional(),
  OPS_TOKEN: z.string().min(32, 'must be at least 32 characters (openssl rand -hex 32)').optional(),
  // Card testing: checkouts started per client address and per email address in one window.
  CHECKOUT_LIMIT_PER_ADDRESS: z.coerce
    .number({ error: 'must be a number of checkouts' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(1_000_000, 'must be at most 1000000')
    .default(10),
  CHECKOUT_LIMIT_PER_EMAIL: z.coerce
    .number({ error: 'must be a number of checkouts' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(1_000_000, 'must be at most 1000000')
    .default(5),
  CHECKOUT_LIMIT_WINDOW_MINUTES: z.coerce
    .number({ error: 'must be a number of minutes' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(24 * 60, 'must be at most 1440 (a day)')
    .default(10),
  TURNSTILE_SITE_KEY: z.string().min(8, 'must be a Turnstile site key').optional(),
  TURNSTILE_SECRET_KEY: z.string().min(8, 'must be a Turnstile secret key').optional(),
  // always: every checkout needs a Turnstile pass; declines: only while the decline breaker is open
  TURNSTILE_MODE: z.enum(['always', 'declines']).default('always'),
  DECLINE_BREAKER_THRESHOLD: z.coerce.number({ error: 'must be a number of declines' }).int('must be a whole number').min(1, 'must be at least 1').default(20),
  DECLINE_BREAKER_WINDOW_MINUTES: z.coerce
    .number({ error: 'must be a number of minutes' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(24 * 60, 'must be at most 1440 (a day)')
    .default(15),
});

/** http(s), a host, an optional port, and nothing after it (a trailing slash is allowed). */
function isBareOrigin(value: string): boolean {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return false;
  }
  return (
    (u.protocol === 'https:' || u.protocol === 'http:') &&
    !u.username &&
    !u.password &&
    u.pathname === '/' &&
    !u.search &&
    !u.hash &&
    !value.includes('?') &&
    !value.includes('#')
  );
}

type RawEnv = Record<string, string | undefined>;

/**
 * Rules across settings. They read the raw strings, so they run even when a single field
 * is malformed and start-up can list every problem at once.
 */
function crossFieldProblems(raw: RawEnv): string[] {
  const problems: string[] = [];
  if (raw.STRIPE_SECRET_KEY && !raw.STRIPE_WEBHOOK_SECRET) problems.push('STRIPE_WEBHOOK_SECRET is required when STRIPE_SECRET_KEY is set');
  // A stand-in Stripe (tests, benchmarks) must never take a production key's traffic.
  if (raw.STRIPE_API_BASE && raw.NODE_ENV === 'production')
    problems.push('STRIPE_API_BASE is for tests and benchmarks only and is refused when NODE_ENV=production');
  if (!raw.TURNSTILE_SITE_KEY !== !raw.TURNSTILE_SECRET_KEY) problems.push('TURNSTILE_SITE_KEY and TURNSTILE_SECRET_KEY go together: set both, or neither');
  if (raw.STRIPE_API_BASE && !raw.STRIPE_SECRET_KEY) problems.push('STRIPE_API_BASE needs STRIPE_SECRET_KEY (without a key the offline sandbox is used)');
  if (raw.MAIL_TRANSPORT === 'smtp' && !raw.SMTP_HOST) problems.push('SMTP_HOST is required when MAIL_TRANSPORT=smtp');
  if (raw.MAIL_TRANSPORT === 'smtp' && !raw.MAIL_FROM)
    problems.push('MAIL_FROM is required when MAIL_TRANSPORT=smtp (an address your SMTP server may send from)');
  if (raw.MAIL_TRANSPORT === 'smtp' && Boolean(raw.SMTP_USER) !== Boolean(raw.SMTP_PASSWORD))
    problems.push('SMTP_USER and SMTP_PASSWORD go together: set both, or neither for a relay without sign-in');
  // a password sent before TLS is readable on the wire
  if (raw.MAIL_TRANSPORT === 'smtp' && raw.SMTP_SECURITY === 'none' && raw.SMTP_PASSWORD && raw.NODE_ENV === 'production')
    problems.push('SMTP_SECURITY=none would send SMTP_PASSWORD unencrypted; use tls or starttls in production');
  if (raw.MAIL_TRANSPORT === 'http' && !raw.MAIL_HTTP_TOKEN) problems.push('MAIL_HTTP_TOKEN is required when MAIL_TRANSPORT=http');
  // an email API rejects, or a mailbox bins, mail from a domain the publisher has not verified
  if (raw.MAIL_TRANSPORT === 'http' && !raw.MAIL_FROM)
    problems.push('MAIL_FROM is required when MAIL_TRANSPORT=http (an address on your verified sending domain)');
  if (raw.NODE_ENV === 'production' && (!raw.MAIL_TRANSPORT || raw.MAIL_TRANSPORT === 'preview')) {
    problems.push('MAIL_TRANSPORT must be http or smtp (or none, to send no emails) in production: the preview keeps emails on this server');
  }
  if (raw.NODE_ENV === 'production' && raw.PUBLISHER_ORIGINS?.split(',').some((o) => o.trim().toLowerCase().startsWith('http:'))) {
    problems.push('PUBLISHER_ORIGINS must be https:// origins in production');
  }
  if (!raw.STRIPE_SECRET_KEY && raw.NODE_ENV === 'production') {
    problems.push('STRIPE_SECRET_KEY is required in production (the offline sandbox is refused when NODE_ENV=production)');
  }
  // A copied database or backup must not carry every staff member's second factor in clear.
  if (raw.NODE_ENV === 'production' && !raw.STAFF_SECRETS_KEY)
    problems.push('STAFF_SECRETS_KEY is required in production: it encrypts staff second-factor secrets at rest (openssl rand -hex 32)');
  if (raw.STAFF_SECRETS_KEY_PREVIOUS && !raw.STAFF_SECRETS_KEY)
    problems.push('STAFF_SECRETS_KEY_PREVIOUS needs STAFF_SECRETS_KEY: the previous key only opens old values, new ones are sealed with the current key');
  if (raw.STAFF_SECRETS_KEY && raw.STAFF_SECRETS_KEY_PREVIOUS) {
    const [a, b] = [parseKey256(raw.STAFF_SECRETS_KEY), parseKey256(raw.STAFF_SECRETS_KEY_PREVIOUS)];
    if (a && b && a.every((x, i) => x === b[i])) problems.push('STAFF_SECRETS_KEY_PREVIOUS is the same key as STAFF_SECRETS_KEY; give the key being retired');
  }
  const currencies = (raw.CURRENCIES ?? 'gbp,usd,eur')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter(isKnownCurrency);
  const fallback = (raw.DEFAULT_CURRENCY ?? 'gbp').toLowerCase();
  if (currencies.length && !currencies.includes(fallback)) problems.push(`DEFAULT_CURRENCY must be one of CURRENCIES (${currencies.join(', ')})`);
  const presets = (() => {
    try {
      return raw.APPEAL_PRESETS ? (JSON.parse(raw.APPEAL_PRESETS) as Record<string, unknown>) : DEFAULT_PRESETS;
    } catch {
      return null; // reported by the schema
    }
  })();
  for (const c of currencies) {
    try {
      const b = amountBounds(c, raw.AMOUNT_MIN ?? '1.00', raw.AMOUNT_MAX ?? '10000');
      if (b.maxMinor < b.minMinor) problems.push(`AMOUNT_MAX is below the smallest gift allowed in ${c.toUpperCase()}`);
    } catch (e) {
      problems.push(`AMOUNT_MIN/AMOUNT_MAX: ${(e as Error).message}`);
    }
    if (presets && typeof presets === 'object' && !presets[c]) problems.push(`APPEAL_PRESETS has no amounts for ${c}`);
  }
  return problems;
}

export type Config = {
  env: 'development' | 'test' | 'production';
  port: number;
  host: string;
  databasePath: string;
  publicUrl: string;
  publicationName: string;
  /** the publisher's postal address and registration, one line, for receipts; null when not set */
  publicationDetails: string | null;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** the publisher's own origins (URL.origin form): a fragment gift's Checkout may cancel back to a page on one of them */
  publisherOrigins: string[];
  /** Node: proxies whose X-Forwarded-For names the client (empty: the socket's peer is the client) */
  trustedProxies: string[];
  /** idle and absolute session lifetimes in ms, per kind of person */
  sessions: Record<'staff' | 'supporter', { idleMs: number; maxMs: number }>;
  /** card testing defences (checkout/checkout.guard.ts) */
  guard: {
    /** checkouts started per window from one address, and for one email address */
    perAddress: number;
    perEmail: number;
    windowMs: number;
    /** Cloudflare Turnstile; null when not configured */
    turnstile: { siteKey: string; secretKey: string; mode: 'always' | 'declines' } | null;
    /** declines within windowMs that open the breaker */
    breaker: { threshold: number; windowMs: number };
  };
  /**
   * Keys that seal staff TOTP secrets at rest: `current` seals and opens, `previous` (during a
   * rotation) only opens. Null: secrets are kept in plain text (development and tests only).
   */
  staffSecrets: { current: SecretBytes; previous: SecretBytes | null } | null;
  /** bearer token for /ops/*; null turns those routes off */
  opsToken: string | null;
  /** Node: reconcile against Stripe every this many hours; 0 = off */
  reconcileIntervalHours: number;
  /** whether gifts are tax-deductible, as the annual statement says */
  taxDeductible: boolean;
  /** preview: kept for /dev/mail (development); http: an email API; smtp: a mail server (Node only); none: recorded, never sent */
  mail: { from: string; replyTo: string | null } & (
    | { transport: 'preview' }
    | { transport: 'none' }
    | { transport: 'http'; httpUrl: string; httpToken: string }
    | { transport: 'smtp'; smtp: SmtpSettings }
  );
  stripe:
    | {
        mode: 'live';
        secretKey: string;
        /** the first of webhookSecrets */
        webhookSecret: string;
        /** every secret an event may be signed with (more than one while a secret is rotated) */
        webhookSecrets: string[];
        /** a stand-in for api.stripe.com (tests and benchmarks only; refused in production) */
        apiBase?: { protocol: 'http' | 'https'; host: string; port: number };
      }
    | { mode: 'sandbox'; webhookSecret: string; webhookSecrets: string[] };
  currencies: string[];
  defaultCurrency: string;
  /** per currency, in minor units */
  bounds: Record<string, { minMinor: number; maxMinor: number }>;
  appeal: {
    copy: z.infer<typeof appealCopySchema>;
    /** per currency and frequency, in minor units */
    presets: Record<string, Record<Frequency, number[]>>;
  };
};

export type SmtpSettings = { host: string; port: number; security: 'tls' | 'starttls' | 'none'; auth: { user: string; pass: string } | null };

function mailOf(e: z.infer<typeof envSchema>): Config['mail'] {
  // the preview's sender is never sent anywhere; real transports require MAIL_FROM
  const from = e.MAIL_FROM ?? `${e.PUBLICATION_NAME} <supporters@localhost>`;
  const replyTo = e.MAIL_REPLY_TO ?? null;
  if (e.MAIL_TRANSPORT === 'http') return { transport: 'http', from, replyTo, httpUrl: e.MAIL_HTTP_URL, httpToken: e.MAIL_HTTP_TOKEN! };
  if (e.MAIL_TRANSPORT === 'smtp') {
    const auth = e.SMTP_USER && e.SMTP_PASSWORD ? { user: e.SMTP_USER, pass: e.SMTP_PASSWORD } : null;
    return { transport: 'smtp', from, replyTo, smtp: { host: e.SMTP_HOST!, port: e.SMTP_PORT, security: e.SMTP_SECURITY, auth } };
  }
  return { transport: e.MAIL_TRANSPORT ?? 'preview', from, replyTo };
}

function apiBaseOf(url: string): { protocol: 'http' | 'https'; host: string; port: number } {
  const u = new URL(url);
  const protocol = u.protocol === 'http:' ? 'http' : 'https';
  return { protocol, host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port: u.port ? Number(u.port) : protocol === 'http' ? 80 : 443 };
}

/** Used only when no Stripe key is set; the sandbox can never be active in production. */
export const SANDBOX_WEBHOOK_SECRET = 'whsec_storyfund_offline_sandbox';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses raw settings (strings, as environments give them); empty strings count as unset. */
export function loadConfig(raw: Record<string, unknown>): Config {
  const cleaned = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== '' && v !== undefined));
  const parsed = envSchema.safeParse(cleaned);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || '(settings)'} ${i.message}`)),
    ...crossFieldProblems(Object.fromEntries(Object.entries(cleaned).map(([k, v]) => [k, String(v)]))),
  ];
  if (!parsed.success || problems.length) throw new ConfigError(problems);
  const e = parsed.data;
  const presetsMajor = e.APPEAL_PRESETS ?? DEFAULT_PRESETS;
  const presets: Config['appeal']['presets'] = {};
  const bounds: Config['bounds'] = {};
  for (const c of e.CURRENCIES) {
    bounds[c] = amountBounds(c, e.AMOUNT_MIN, e.AMOUNT_MAX);
    const p = presetsMajor[c]!;
    presets[c] = Object.fromEntries(FREQUENCIES.map((f) => [f, p[f].map((n) => majorToMinor(String(n), c))])) as Record<Frequency, number[]>;
  }
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    databasePath: e.DATABASE_PATH,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    publicationName: e.PUBLICATION_NAME,
    publicationDetails: e.PUBLICATION_DETAILS?.trim() || null,
    logLevel: e.LOG_LEVEL,
    opsToken: e.OPS_TOKEN ?? null,
    staffSecrets: e.STAFF_SECRETS_KEY
      ? {
          current: new SecretBytes(parseKey256(e.STAFF_SECRETS_KEY)!),
          previous: e.STAFF_SECRETS_KEY_PREVIOUS ? new SecretBytes(parseKey256(e.STAFF_SECRETS_KEY_PREVIOUS)!) : null,
        }
      : null,
    guard: {
      perAddress: e.CHECKOUT_LIMIT_PER_ADDRESS,
      perEmail: e.CHECKOUT_LIMIT_PER_EMAIL,
      windowMs: e.CHECKOUT_LIMIT_WINDOW_MINUTES * 60_000,
      turnstile:
        e.TURNSTILE_SITE_KEY && e.TURNSTILE_SECRET_KEY ? { siteKey: e.TURNSTILE_SITE_KEY, secretKey: e.TURNSTILE_SECRET_KEY, mode: e.TURNSTILE_MODE } : null,
      breaker: { threshold: e.DECLINE_BREAKER_THRESHOLD, windowMs: e.DECLINE_BREAKER_WINDOW_MINUTES * 60_000 },
    },
    sessions: {
      staff: { idleMs: e.STAFF_SESSION_IDLE_MINUTES * 60_000, maxMs: e.STAFF_SESSION_MAX_HOURS * 3_600_000 },
      supporter: { idleMs: e.SUPPORTER_SESSION_IDLE_DAYS * 86_400_000, maxMs: e.SUPPORTER_SESSION_MAX_DAYS * 86_400_000 },
    },
    publisherOrigins: [...new Set(e.PUBLISHER_ORIGINS.map((o) => new URL(o).origin))],
    trustedProxies: e.TRUSTED_PROXIES,
    reconcileIntervalHours: e.RECONCILE_INTERVAL_HOURS,
    mail: mailOf(e),
    taxDeductible: e.TAX_DEDUCTIBLE === 'true',
    stripe: e.STRIPE_SECRET_KEY
      ? {
          mode: 'live',
          secretKey: e.STRIPE_SECRET_KEY,
          webhookSecret: e.STRIPE_WEBHOOK_SECRET![0]!,
          webhookSecrets: e.STRIPE_WEBHOOK_SECRET!,
          ...(e.STRIPE_API_BASE ? { apiBase: apiBaseOf(e.STRIPE_API_BASE) } : {}),
        }
      : {
          mode: 'sandbox',
          webhookSecret: e.STRIPE_WEBHOOK_SECRET?.[0] ?? SANDBOX_WEBHOOK_SECRET,
          webhookSecrets: e.STRIPE_WEBHOOK_SECRET ?? [SANDBOX_WEBHOOK_SECRET],
        },
    currencies: e.CURRENCIES,
    defaultCurrency: e.DEFAULT_CURRENCY,
    bounds,
    appeal: { copy: e.APPEAL_COPY ?? DEFAULT_APPEAL_COPY, presets },
  };
}
