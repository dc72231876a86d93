// Registered on giving: a reader who has just paid is a supporter, signed in on the
// thank-you page without a password. Only the browser that started the checkout is signed
// in: POST /checkout sets a random value as a cookie and keeps its SHA-256 on the pending
// gift; the thank-you page signs in only when the cookie it receives hashes to that value.
// A thank-you link forwarded, bookmarked or opened on another device thanks the reader and
// signs nobody in (its session_id is in the URL; the cookie never is).
//
// The cookie is SameSite=Lax and set on our own origin by the response to a top-level form
// post (the appeal fragment posts with target=_top), so it is first-party even when the
// appeal sat on a publisher's page in an iframe or inline: third-party cookie limits do
// not apply to it. Stripe's return to /thank-you is a top-level GET navigation, which is
// exactly when browsers send Lax cookies across sites.
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type Stripe from 'stripe';
import { auditStatement, requestOrigin } from '../auth/auth.audit.js';
import { randomToken, sha256Hex } from '../auth/auth.crypto.js';
import { issueSessionCookie, newSession, readSessionToken } from '../auth/auth.sessions.js';
import type { AppEnv } from '../deps.js';
import { timingSafeEqualText } from '../lib/crypto.js';
import { normalizeEmail } from '../lib/email.js';
import { newId } from '../lib/ids.js';
import { findGiverBinding, insertSupporterIfNew, findSupporterByEmail, useGiverBinding } from './supporters.repo.js';

export const GIVER_COOKIE = 'storyfund_giver';
/** Checkout Sessions expire after 24 hours by default (https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-expires_at) */
const GIVER_COOKIE_MAX_AGE_S = 25 * 60 * 60;

export async function newGiverBinding(): Promise<{ token: string; hash: string }> {
  const token = randomToken();
  return { token, hash: await sha256Hex(token) };
}

function giverCookieOptions(c: Context<AppEnv>) {
  const { config } = c.var.deps;
  const secure = config.publicUrl.startsWith('https:') || config.env !== 'development';
  // only the thank-you page ever reads it
  return { path: '/thank-you', httpOnly: true, sameSite: 'Lax' as const, secure };
}

export function setGiverCookie(c: Context<AppEnv>, token: string): void {
  setCookie(c, GIVER_COOKIE, token, { ...giverCookieOptions(c), maxAge: GIVER_COOKIE_MAX_AGE_S });
}

/**
 * On the thank-you page of a paid session: the supporter (created from Stripe's customer
 * details if the webhook has not yet done so) signed in, when this browser started the
 * checkout. The binding is used once. Null when no one is signed in by this visit.
 */
export async function registerOnGiving(c: Context<AppEnv>, session: Stripe.Checkout.Session): Promise<{ email: string } | null> {
  const { db, now } = c.var.deps;
  const token = getCookie(c, GIVER_COOKIE);
  const giftId = session.client_reference_id;
  const rawEmail = session.customer_details?.email ?? null;
  if (!token || token.length > 100 || !giftId || !rawEmail) return null;
  const binding = await findGiverBinding(db, giftId);
  // the gift must be this session's: a cookie from another checkout proves nothing about this one
  if (!binding?.browserHash || binding.checkoutSessionId !== session.id) return null;
  const hash = await sha256Hex(token);
  if (!(await timingSafeEqualText(hash, binding.browserHash))) return null;

  const email = normalizeEmail(rawEmail);
  const at = now();
  // Stripe's own answer (retrieved with our key) names the payer: the webhook may still be on its way
  await insertSupporterIfNew(db, {
    id: newId('sup', at),
    email,
    name: session.customer_details?.name ?? null,
    stripeCustomerId: typeof session.customer === 'string' ? session.customer : (session.customer?.id ?? null),
    now: at,
  });
  const supporter = await findSupporterByEmail(db, email);
  if (!supporter || supporter.erasedAt) return null;
  // used once: a second visit with the same cookie (or a race of two) signs in no one new
  if (!(await useGiverBinding(db, giftId, binding.browserHash, at))) return null;

  const fresh = await newSession(c.var.deps, {
    kind: 'supporter',
    subjectId: supporter.id,
    stage: 'active',
    userAgent: c.req.header('user-agent') ?? null,
    replacing: readSessionToken(c),
  });
  await db.atomic([
    ...fresh.statements,
    auditStatement(
      db,
      { actor: `supporter:${supporter.id}`, action: 'signin', target: `supporter:${supporter.id}`, details: { method: 'giving', gift: giftId } },
      requestOrigin(c),
      at,
    ),
  ]);
  issueSessionCookie(c, fresh);
  deleteCookie(c, GIVER_COOKIE, giverCookieOptions(c));
  // the session cached for this request (none, or the replaced one) no longer applies
  c.set('session', undefined);
  return { email: supporter.email };
}
