// Card testing: people with lists of stolen card numbers use donation forms to find the
// ones that still work, hundreds of attempts in minutes. Three defences, all before
// anything is written or Stripe is called: a budget of checkouts per client address and
// per email address (the auth throttle counters, shared by every process and isolate),
// Cloudflare Turnstile when configured, and a breaker that notices a run of declines.
import { claimThrottleKey, listStaff, readThrottles } from '../auth/auth.repo.js';
import { countAttempt, type ThrottleCheck, verdictOf } from '../auth/auth.throttle.js';
import type { Config } from '../config.js';
import type { Deps } from '../deps.js';
import { describeError } from '../lib/log.js';
import { TURNSTILE_ORIGIN } from '../ui/security.js';

export const guardKeys = {
  address: (ip: string) => `checkout:addr:${ip}`,
  email: (email: string) => `checkout:email:${email.toLowerCase()}`,
  declines: 'checkout:declines',
  alerted: (windowStart: number) => `checkout:declines:alerted:${windowStart}`,
};

/** The name of the token field the Turnstile widget adds to the form (and JSON clients send). */
export const TURNSTILE_FIELD = 'cf-turnstile-response';
const SITEVERIFY_URL = `${TURNSTILE_ORIGIN}/turnstile/v0/siteverify`;

/**
 * Stripe events that mean a card was declined. A failed payment intent covers Checkout in
 * payment mode and renewals alike; an async failure (bank debits) has no card decline event.
 */
export const DECLINE_EVENTS: ReadonlySet<string> = new Set(['payment_intent.payment_failed', 'checkout.session.async_payment_failed']);

export type GuardVerdict = { limited: true; retryAfterMs: number } | { limited: false; needsTurnstile: boolean; count: ThrottleCheck[] };

function checksFor(config: Config, address: string | null, email: string | null): ThrottleCheck[] {
  const window = config.guard.windowMs;
  // An unknown address is not one client: a shared budget would let one tester lock out every reader.
  // (Workers always know it from CF-Connecting-IP; Node from the socket.)
  const checks: ThrottleCheck[] = address ? [{ key: guardKeys.address(address), rule: { limit: config.guard.perAddress, windowMs: window } }] : [];
  if (email) checks.push({ key: guardKeys.email(email), rule: { limit: config.guard.perEmail, windowMs: window } });
  return checks;
}

/** One read of every counter a checkout depends on: its budgets and the decline breaker. */
export async function checkCheckout(deps: Deps, address: string | null, email: string | null): Promise<GuardVerdict> {
  const { config } = deps;
  const now = deps.now();
  const checks = checksFor(config, address, email);
  const rows = await readThrottles(deps.db, [...checks.map((c) => c.key), guardKeys.declines]);
  const verdict = verdictOf(rows, checks, now);
  if (verdict.blocked) return { limited: true, retryAfterMs: verdict.retryAfterMs };
  const turnstile = config.guard.turnstile;
  const needsTurnstile = turnstile !== null && (turnstile.mode === 'always' || breakerOpen(rows, config, now));
  return { limited: false, needsTurnstile, count: checks };
}

/** Pure: the breaker is open while the current window has seen `threshold` declines or more. */
export function breakerOpen(rows: { key: string; windowStart: number; count: number }[], config: Config, now: number): boolean {
  const row = rows.find((r) => r.key === guardKeys.declines);
  return !!row && row.windowStart + config.guard.breaker.windowMs > now && row.count >= config.guard.breaker.threshold;
}

/** The writes that count this checkout against its budgets; run beside the pending gift. */
export function countCheckout(deps: Deps, checks: ThrottleCheck[]) {
  return countAttempt(deps.db, checks, deps.now());
}

export type TurnstileResult = { ok: true } | { ok: false; reason: string };

/**
 * Asks Cloudflare whether the widget's token is genuine (a token is good once, for five
 * minutes: https://developers.cloudflare.com/turnstile/get-started/server-side-validation/).
 * Cloudflare unreachable counts as a failure: the reader can try again, a script cannot.
 */
export async function verifyTurnstile(deps: Deps, token: string, address: string | null): Promise<TurnstileResult> {
  const turnstile = deps.config.guard.turnstile;
  if (!turnstile) return { ok: true };
  const body = new URLSearchParams({ secret: turnstile.secretKey, response: token });
  if (address) body.set('remoteip', address);
  try {
    const res = await fetch(SITEVERIFY_URL, { method: 'POST', body });
    const answer = (await res.json()) as { success?: unknown; 'error-codes'?: unknown };
    if (answer.success === true) return { ok: true };
    const codes = Array.isArray(answer['error-codes']) ? answer['error-codes'].filter((x) => typeof x === 'string').join(',') : '';
    return { ok: false, reason: codes || `status ${res.status}` };
  } catch (err) {
    deps.log.warn('turnstile siteverify unreachable', { error: describeError(err) });
    return { ok: false, reason: 'siteverify unreachable' };
  }
}

/**
 * Counts a decline Stripe reported (called once per new event). When the count reaches the
 * threshold, staff hear of it once per window: an error log line and an email to each admin.
 */
export async function noteDecline(deps: Deps, event: { id: string; type?: unknown }): Promise<void> {
  if (typeof event.type !== 'string' || !DECLINE_EVENTS.has(event.type)) return;
  const { config, db } = deps;
  const { threshold, windowMs } = config.guard.breaker;
  const now = deps.now();
  const check: ThrottleCheck = { key: guardKeys.declines, rule: { limit: threshold, windowMs } };
  await db.atomic(countAttempt(db, [check], now));
  const [row] = await readThrottles(db, [guardKeys.declines]);
  if (!row || row.count < threshold) return;
  if (!(await claimThrottleKey(db, guardKeys.alerted(row.windowStart), now))) return;
  const windowMinutes = Math.round(windowMs / 60_000);
  const response = config.guard.turnstile
    ? 'Until the window ends, every gift through the appeal needs a Cloudflare Turnstile check.'
    : 'Turnstile is not configured (TURNSTILE_SITE_KEY, TURNSTILE_SECRET_KEY), so the appeal can only rely on its per-address and per-email limits.';
  deps.log.error('card testing suspected: declines reached the breaker threshold', {
    declines: row.count,
    windowMinutes,
    event: event.id,
    turnstile: !!config.guard.turnstile,
  });
  const admins = (await listStaff(db)).filter((s) => s.role === 'admin' && !s.disabled);
  const emails = admins.map((a) =>
    deps.mail.queue({
      key: `decline-alert:${row.windowStart}:${a.id}`,
      template: 'decline_alert',
      to: a.email,
      props: { publicationName: config.publicationName, declines: row.count, windowMinutes, response },
    }),
  );
  await db.atomic(emails);
}
