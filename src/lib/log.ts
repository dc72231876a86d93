// JSON log lines with nothing private in them. Every value passes through redact() on its
// way out, so a careless call site cannot leak a reader's address, a card number or a key:
// the scrubbing lives in the logger, not in each caller's memory.

export type LogFields = Record<string, unknown>;
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export type Logger = {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** the same logger with `fields` on every line (a request's id, a background job's name) */
  child(fields: LogFields): Logger;
};

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;

/**
 * One JSON line per record: `time` (ISO, from `now`), `level`, `msg`, the call's fields, then
 * the bound ones. A call's field never replaces a bound one, so no caller can overwrite the
 * request id a line is filed under.
 */
export function createLogger(level: LogLevel, write: (line: string) => void, now: () => number = () => Date.now()): Logger {
  const min = LEVELS[level];
  const make = (bound: LogFields): Logger => {
    const at =
      (lvl: Exclude<LogLevel, 'silent'>) =>
      (msg: string, fields?: LogFields): void => {
        if (LEVELS[lvl] < min) return;
        const head = { time: isoTime(now()), level: lvl, msg: scrubText(msg) };
        // the head is assigned last again so no field can rename a line's level or message;
        // its keys keep their first place in the line
        const line: LogFields = { ...head };
        Object.assign(line, fields ? (redact(fields) as LogFields) : {}, bound, head);
        write(JSON.stringify(line));
      };
    return {
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (fields) => make({ ...bound, ...(redact(fields) as LogFields) }),
    };
  };
  return make({});
}

function isoTime(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}

/**
 * Key names whose values are credentials whatever they look like (an ops token is just
 * random hex, so no pattern on the value could catch it). Compared with case and
 * separators removed: `Authorization`, `stripe-signature`, `apiKey`, `OPS_TOKEN`.
 */
const SECRET_KEY = /token|secret|passw(or)?d|authorization|cookie|signature|apikey|key$/;

export const REDACTED = '[redacted]';

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key.toLowerCase().replace(/[^a-z0-9]/g, ''));
}

// An address as it appears in text, also URL-encoded (a Referer's query): the first
// character of the local part is kept so two readers' lines can still be told apart.
// The lookbehind starts a match only where a run of local-part characters starts, so a long
// run is scanned once, not once per character.
const EMAIL = /(?<![A-Za-z0-9._%+-])([A-Za-z0-9])[A-Za-z0-9._%+-]*(@|%40)((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})/gi;
// Stripe secret and restricted keys and webhook signing secrets; publishable keys (pk_) are public.
const STRIPE_SECRET = /\b(sk_live_|sk_test_|rk_live_|rk_test_|rk_|whsec_)[A-Za-z0-9_]+/g;
// our own staff API tokens (auth/auth.tokens.ts): the prefix, then URL-safe base64
const API_TOKEN = /\b(sfapi_)[A-Za-z0-9_-]+/g;
// A card number: 13 to 19 digits, possibly grouped by single spaces or dashes. Word
// boundaries keep digits inside ids (`pi_3Mt…`) and longer numbers out.
const CARD = /\b\d(?:[ -]?\d){12,18}\b/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
// a credential in a URL's query (a sign-in link quoted in an error): `?token=…`, `&code=…`
const QUERY_SECRET = /([?&;](?:[A-Za-z_]*token|[A-Za-z_]*secret|password|passwd|code|key|api_key|signature|sig)=)[^&#;\s"'<>]+/gi;
// the v1=/v0= HMACs of a Stripe-Signature header
const SIGNATURE_HMAC = /\b(v[01])=[0-9a-f]{16,}/gi;

/** Longer strings are cut before scrubbing: a log line is not the place for a body or a file. */
export const MAX_TEXT = 4000;

/**
 * A string with every address, card number and key in it masked. Each pattern runs only
 * when a character it needs is there: this runs on every string of every line, and most
 * (paths, ids, messages) hold none.
 */
export function scrubText(input: string): string {
  let text = input.length > MAX_TEXT ? `${input.slice(0, MAX_TEXT)}…[cut ${input.length - MAX_TEXT} chars]` : input;
  if (text.includes('_')) text = text.replace(STRIPE_SECRET, '$1***').replace(API_TOKEN, '$1***');
  if (text.includes(' ')) text = text.replace(BEARER, '$1 ***');
  if (text.includes('=')) text = text.replace(SIGNATURE_HMAC, '$1=***').replace(QUERY_SECRET, '$1***');
  if (text.includes('@') || text.includes('%40')) text = text.replace(EMAIL, '$1***$2$3');
  return /\d{4}/.test(text) ? text.replace(CARD, (digits) => maskCard(digits)) : text;
}

/** Keeps the last four digits, as a receipt does; a card's last four identify nothing. */
function maskCard(run: string): string {
  const digits = run.replace(/\D/g, '');
  const last4 = digits.slice(-4);
  const shown = last4.length === 4 ? last4 : '';
  return `${'*'.repeat(digits.length - shown.length)}${shown}`;
}

const MAX_DEPTH = 6;

/**
 * A copy of `value` safe to log: secret-named keys replaced, strings scrubbed, card-length
 * numbers masked. Numbers of 13 digits are left alone: they are millisecond timestamps
 * (until 2286), and no card in use has 13 digits any more.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) >= 1e13 ? maskCard(String(Math.abs(value))) : value;
  if (typeof value === 'bigint') return redact(value.toString(), depth);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (value instanceof Error) return redact(describeError(value), depth);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: LogFields = {};
  for (const [k, v] of Object.entries(value)) out[k] = isSecretKey(k) ? REDACTED : redact(v, depth + 1);
  return out;
}

/**
 * What a log line may say about an error. Stripe's errors are logged by their type, code,
 * parameter name and Stripe's request id, never their message or raw parameters: Stripe
 * echoes the values it was sent ("Invalid email address: …"). Other errors keep their
 * message and stack, scrubbed by the logger like everything else.
 */
export function describeError(err: unknown): LogFields {
  if (!(err instanceof Error)) return { message: typeof err === 'string' ? err : String(err) };
  const e = err as Error & { type?: unknown; code?: unknown; param?: unknown; statusCode?: unknown; requestId?: unknown; decline_code?: unknown };
  if (typeof e.type === 'string' && e.type.startsWith('Stripe')) {
    const out: LogFields = { name: e.type };
    if (typeof e.code === 'string') out.code = e.code;
    if (typeof e.decline_code === 'string') out.declineCode = e.decline_code;
    if (typeof e.param === 'string') out.param = e.param;
    if (typeof e.statusCode === 'number') out.status = e.statusCode;
    if (typeof e.requestId === 'string') out.stripeRequestId = e.requestId;
    return out;
  }
  const out: LogFields = { name: e.name, message: e.message };
  if (typeof e.code === 'string') out.code = e.code;
  if (e.stack) out.stack = e.stack;
  return out;
}
