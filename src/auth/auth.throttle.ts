// Fixed-window attempt counters in the database (so every isolate and process shares them).
// A check reads; a failure counts. The counts of a failed attempt are written in the same
// atomic() as its audit row.
import type { Db, Statement } from '../../db/db.js';
import { clearThrottle, hitThrottle, readThrottles } from './auth.repo.js';

export type ThrottleRule = { limit: number; windowMs: number };

const MINUTE = 60_000;

export const THROTTLES = {
  /** wrong passwords (or codes) for one account: the 10th locks it for the rest of the window */
  account: { limit: 10, windowMs: 15 * MINUTE },
  /** failed sign-ins from one address, whatever the account (spraying many accounts) */
  address: { limit: 50, windowMs: 15 * MINUTE },
  /** sign-in links asked for one email address */
  linkEmail: { limit: 5, windowMs: 60 * MINUTE },
  /** sign-in links asked for from one address */
  linkAddress: { limit: 30, windowMs: 60 * MINUTE },
} satisfies Record<string, ThrottleRule>;

export type ThrottleCheck = { key: string; rule: ThrottleRule };
/** Blocked: how long until the earliest blocking window ends. */
export type ThrottleVerdict = { blocked: false } | { blocked: true; retryAfterMs: number };

/** Pure: the verdict for counters as read at `now`. */
export function verdictOf(rows: { key: string; windowStart: number; count: number }[], checks: ThrottleCheck[], now: number): ThrottleVerdict {
  let retryAfterMs = 0;
  for (const { key, rule } of checks) {
    const row = rows.find((r) => r.key === key);
    if (!row) continue;
    const ends = row.windowStart + rule.windowMs;
    if (ends > now && row.count >= rule.limit) retryAfterMs = Math.max(retryAfterMs, ends - now);
  }
  return retryAfterMs > 0 ? { blocked: true, retryAfterMs } : { blocked: false };
}

export async function checkThrottles(db: Db, checks: ThrottleCheck[], now: number): Promise<ThrottleVerdict> {
  return verdictOf(
    await readThrottles(
      db,
      checks.map((c) => c.key),
    ),
    checks,
    now,
  );
}

/** Counts one attempt against each check. */
export function countAttempt(db: Db, checks: ThrottleCheck[], now: number): Statement[] {
  return checks.map(({ key, rule }) => hitThrottle(db, key, now, now - rule.windowMs));
}

export function resetThrottle(db: Db, key: string): Statement {
  return clearThrottle(db, key);
}

/** "15 minutes", "1 minute": the wait rounded up, as a person reads it. */
export function waitText(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / MINUTE));
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

export const throttleKeys = {
  staffAccount: (email: string) => `signin:staff:${email}`,
  secondFactor: (staffId: string) => `totp:staff:${staffId}`,
  address: (ip: string | null) => `signin:addr:${ip ?? 'unknown'}`,
  linkEmail: (email: string) => `link:email:${email}`,
  linkAddress: (ip: string | null) => `link:addr:${ip ?? 'unknown'}`,
};
