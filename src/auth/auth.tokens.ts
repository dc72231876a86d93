// Per-staff API tokens: made and revoked by an admin (the staff page or the CLI), shown once,
// kept only as their SHA-256 like session tokens. A request with `Authorization: Bearer …`
// acts as the token's owner with the owner's role at that moment; it never reads or sets a
// cookie. requireApiStaff(role) also lets a signed-in member of staff in by their session,
// so the same JSON is there for a browser's own scripts.
import type { Context, MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { Db, Statement } from '../../db/db.js';
import type { StaffRole } from '../../db/schema.js';
import type { ApiEnv, AppEnv } from '../deps.js';
import { AppError } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import { auditStatement, type RequestOrigin } from './auth.audit.js';
import { randomToken, sha256Hex } from './auth.crypto.js';
import { roleAtLeast } from './auth.middleware.js';
import { findStaff, type StaffRow } from './auth.repo.js';
import { loadSession } from './auth.sessions.js';
import { findApiToken, findApiTokenByHash, insertApiToken, revokeApiToken, touchApiToken, type ApiTokenRow } from './auth.tokens.repo.js';

/**
 * Every token starts with this, so a token pasted where it should not be (a log line, a
 * commit, a chat) is recognisable: the logger scrubs it, and secret scanners can match it.
 */
export const API_TOKEN_PREFIX = 'sfapi_';
/** the prefix and 256 random bits, URL-safe base64 */
const TOKEN_SHAPE = /^sfapi_[A-Za-z0-9_-]{43}$/;
/** last_used_at is written at most this often, as for sessions */
const TOUCH_EVERY_MS = 60_000;
export const API_TOKEN_NAME_MAX = 100;

const DAY_MS = 86_400_000;

/**
 * A token chosen to last through `day` (YYYY-MM-DD, UTC) stops at the end of that day; a day
 * already over is refused, since a token that could never be used is a mistake.
 */
export function apiTokenExpiry(day: string, now: number): { ok: true; expiresAt: number } | { ok: false; reason: string } {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return { ok: false, reason: 'must be a date like 2027-03-31' };
  const start = Date.parse(`${day}T00:00:00Z`);
  if (Number.isNaN(start) || new Date(start).toISOString().slice(0, 10) !== day) return { ok: false, reason: 'is not a real date' };
  const expiresAt = start + DAY_MS;
  if (expiresAt <= now) return { ok: false, reason: 'must be today or later' };
  return { ok: true, expiresAt };
}

export type NewApiToken = {
  id: string;
  /** the secret itself: shown to the admin once, never stored */
  token: string;
  statements: Statement[];
};

/**
 * A new token for `owner`, with its audit row; run the statements with atomic(). Refused for
 * a disabled account, which could never use it.
 */
export async function newApiToken(
  db: Db,
  owner: StaffRow,
  t: { name: string; expiresAt: number | null },
  by: { actor: string; origin: RequestOrigin },
  now: number,
): Promise<NewApiToken> {
  if (owner.disabled) throw new AppError('conflict', `${owner.name}'s account is disabled; enable it before giving it an API token.`);
  const token = `${API_TOKEN_PREFIX}${randomToken()}`;
  const id = newId('tok', now);
  return {
    id,
    token,
    statements: [
      insertApiToken(db, {
        id,
        tokenHash: await sha256Hex(token),
        staffId: owner.id,
        name: t.name,
        createdBy: by.actor,
        createdAt: now,
        expiresAt: t.expiresAt,
      }),
      auditStatement(
        db,
        {
          actor: by.actor,
          action: 'staff.api_token_created',
          target: `staff:${owner.id}`,
          details: { token: id, name: t.name, expires: t.expiresAt == null ? null : new Date(t.expiresAt).toISOString() },
        },
        by.origin,
        now,
      ),
    ],
  };
}

/** Revokes a live token, with its audit row; an unknown id is a 404, a revoked one a 409. */
export async function revokeApiTokenStatements(db: Db, id: string, by: { actor: string; origin: RequestOrigin }, now: number): Promise<Statement[]> {
  const row = await findApiToken(db, id);
  if (!row) throw new AppError('not_found', 'There is no API token with this id.');
  if (row.revokedAt != null) throw new AppError('conflict', 'This API token is already revoked.');
  return [
    revokeApiToken(db, id, now),
    auditStatement(
      db,
      { actor: by.actor, action: 'staff.api_token_revoked', target: `staff:${row.staffId}`, details: { token: id, name: row.name } },
      by.origin,
      now,
    ),
  ];
}

/** Pure: what a token's state is at `now`. */
export function apiTokenState(t: Pick<ApiTokenRow, 'revokedAt' | 'expiresAt'>, now: number): 'active' | 'revoked' | 'expired' {
  if (t.revokedAt != null) return 'revoked';
  if (t.expiresAt != null && now >= t.expiresAt) return 'expired';
  return 'active';
}

export type TokenCheck = { ok: true; person: StaffRow; tokenId: string } | { ok: false; reason: string };

/** The member of staff a presented token acts for, or why it cannot act. */
export async function staffForApiToken(deps: { db: Db; now: () => number }, token: string): Promise<TokenCheck> {
  // a string that cannot be one of ours is not hashed or looked up
  if (!TOKEN_SHAPE.test(token)) return { ok: false, reason: 'This is not a Storyfund API token.' };
  const found = await findApiTokenByHash(deps.db, await sha256Hex(token));
  if (!found) return { ok: false, reason: 'This API token is not known.' };
  const now = deps.now();
  const state = apiTokenState(found.token, now);
  if (state === 'revoked') return { ok: false, reason: 'This API token has been revoked.' };
  if (state === 'expired') return { ok: false, reason: 'This API token has expired.' };
  if (found.owner.disabled) return { ok: false, reason: "This API token's owner is disabled." };
  if (found.token.lastUsedAt == null || now - found.token.lastUsedAt >= TOUCH_EVERY_MS) await touchApiToken(deps.db, found.token.id, now);
  return { ok: true, person: found.owner, tokenId: found.token.id };
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * Read-only JSON APIs for staff: an API token (Authorization: Bearer) or a staff session.
 * Every failure is JSON: 401 with a Bearer challenge (onError adds WWW-Authenticate) when
 * nobody is proven, 403 when the role is too weak. Never redirects, never sets a cookie.
 * Only for GET routes: a session here is not asked for a CSRF token.
 */
export function requireApiStaff(min: StaffRole): MiddlewareHandler<ApiEnv> {
  return createMiddleware<ApiEnv>(async (sc, next) => {
    const c = sc as unknown as Context<AppEnv>;
    c.set('jsonOnly', true);
    const { db } = c.var.deps;
    const authorization = c.req.header('authorization');
    let person: StaffRow | null = null;
    let tokenId: string | null = null;
    if (authorization !== undefined) {
      // an Authorization header is the client's choice of proof: a cookie beside it is ignored
      const token = BEARER.exec(authorization)?.[1];
      if (!token) throw new AppError('unauthorized', 'Send the API token as Authorization: Bearer <token>.');
      const check = await staffForApiToken(c.var.deps, token);
      if (!check.ok) throw new AppError('unauthorized', check.reason);
      person = check.person;
      tokenId = check.tokenId;
    } else {
      const session = await loadSession(c);
      if (session?.kind === 'staff' && session.stage === 'active') {
        const found = await findStaff(db, session.subjectId);
        if (found && !found.disabled) person = found;
      }
      if (!person) throw new AppError('unauthorized', 'Send an API token as Authorization: Bearer <token>, or sign in as staff.');
    }
    if (!roleAtLeast(person.role, min))
      throw new AppError('forbidden', `This needs the ${min} role; the ${tokenId ? "token's owner" : 'signed-in person'} is ${person.role}.`);
    sc.set('staff', { id: person.id, email: person.email, name: person.name, role: person.role });
    sc.set('apiTokenId', tokenId);
    await next();
    // one person's figures: never kept by a browser or a proxy
    c.header('cache-control', 'no-store');
  });
}
