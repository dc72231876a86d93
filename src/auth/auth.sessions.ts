// Sessions live in the database, found by the SHA-256 of the cookie's token. Each request
// checks both expiries: idle (since the last request) and absolute (since sign-in).
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { CookieOptions } from 'hono/utils/cookie';
import type { Db, Statement } from '../../db/db.js';
import type { SessionKind } from '../../db/schema.js';
import type { Config } from '../config.js';
import type { AppEnv } from '../deps.js';
import { randomToken, sha256Hex } from './auth.crypto.js';
import { deleteSession, findSession, insertSession, touchSession, type SessionRow } from './auth.repo.js';

const COOKIE = 'storyfund_session';
/** A password-only session waiting for its TOTP code lives this long, and can do nothing else. */
export const SECOND_FACTOR_MS = 10 * 60_000;
/** last_seen is written at most this often, not on every request */
const TOUCH_EVERY_MS = 60_000;

export type SessionStage = SessionRow['stage'];

function cookieOptions(config: Config): { prefix?: 'host'; opts: CookieOptions } {
  // __Host-: the browser only accepts it over https, from this host, for the whole site,
  // so neither a sibling subdomain nor a plain-http page can plant or read it
  const https = config.publicUrl.startsWith('https:');
  const opts: CookieOptions = { path: '/', httpOnly: true, sameSite: 'Lax', secure: https || config.env !== 'development' };
  return https ? { prefix: 'host', opts: { ...opts, secure: true, prefix: 'host' } } : { opts };
}

export function readSessionToken(c: Context<AppEnv>): string | undefined {
  const { prefix } = cookieOptions(c.var.deps.config);
  return prefix ? getCookie(c, COOKIE, prefix) : getCookie(c, COOKIE);
}

function writeSessionCookie(c: Context<AppEnv>, token: string, maxAgeMs: number): void {
  const { opts } = cookieOptions(c.var.deps.config);
  setCookie(c, COOKIE, token, { ...opts, maxAge: Math.floor(maxAgeMs / 1000) });
}

export function clearSessionCookie(c: Context<AppEnv>): void {
  const { opts } = cookieOptions(c.var.deps.config);
  deleteCookie(c, COOKIE, opts);
}

/** The lifetime a new session gets: the configured one, or the short second-factor wait. */
function lifetimeOf(config: Config, kind: SessionKind, stage: SessionStage): number {
  return stage === 'second_factor' ? SECOND_FACTOR_MS : config.sessions[kind].maxMs;
}

export type NewSession = { token: string; tokenHash: string; csrfToken: string; statements: Statement[]; maxAgeMs: number };

/**
 * A fresh session (a new token at every sign-in and at every step up, so a token planted
 * before sign-in never becomes a signed-in one). The statements also end the browser's
 * previous session, if it had one; run them with atomic() beside the audit row.
 */
export async function newSession(
  deps: { db: Db; config: Config; now: () => number },
  s: { kind: SessionKind; subjectId: string; stage: SessionStage; userAgent: string | null; replacing?: string },
): Promise<NewSession> {
  const token = randomToken();
  const tokenHash = await sha256Hex(token);
  const csrfToken = randomToken();
  const now = deps.now();
  const maxAgeMs = lifetimeOf(deps.config, s.kind, s.stage);
  const statements: Statement[] = [];
  if (s.replacing) statements.push(deleteSession(deps.db, await sha256Hex(s.replacing)));
  statements.push(
    insertSession(deps.db, {
      tokenHash,
      kind: s.kind,
      subjectId: s.subjectId,
      stage: s.stage,
      createdAt: now,
      expiresAt: now + maxAgeMs,
      lastSeenAt: now,
      userAgent: s.userAgent?.slice(0, 300) ?? null,
      csrfToken,
    }),
  );
  return { token, tokenHash, csrfToken, statements, maxAgeMs };
}

/** Sets the cookie of a session whose statements have committed. */
export function issueSessionCookie(c: Context<AppEnv>, session: NewSession): void {
  writeSessionCookie(c, session.token, session.maxAgeMs);
}

/** Pure: has this session ended by either clock? */
export function sessionExpired(row: Pick<SessionRow, 'kind' | 'stage' | 'expiresAt' | 'lastSeenAt'>, config: Config, now: number): boolean {
  if (now >= row.expiresAt) return true;
  const idle = row.stage === 'second_factor' ? SECOND_FACTOR_MS : config.sessions[row.kind].idleMs;
  return now - row.lastSeenAt >= idle;
}

/**
 * The request's live session, or null. An expired one is deleted as it is found; a live
 * one's last-seen time moves forward (at most once a minute).
 */
export async function loadSession(c: Context<AppEnv>): Promise<SessionRow | null> {
  const cached = c.get('session');
  if (cached !== undefined) return cached;
  const { db, config, now } = c.var.deps;
  const token = readSessionToken(c);
  let row: SessionRow | null = null;
  if (token && token.length <= 100) {
    const tokenHash = await sha256Hex(token);
    row = await findSession(db, tokenHash);
    const at = now();
    if (row && sessionExpired(row, config, at)) {
      await db.atomic([deleteSession(db, tokenHash)]);
      row = null;
    } else if (row && at - row.lastSeenAt >= TOUCH_EVERY_MS) {
      await touchSession(db, tokenHash, at);
      row = { ...row, lastSeenAt: at };
    }
  }
  c.set('session', row);
  return row;
}
