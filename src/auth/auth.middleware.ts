// Who may reach a route. requireStaff(role) and requireSupporter() put the signed-in person
// on the context; without a session a browser is sent to sign in (and brought back after),
// an API client gets 401; a role too weak gets 403. Every state-changing request of a
// signed-in person must come from our own origin and carry the session's CSRF token.
import type { Context, MiddlewareHandler } from 'hono';
import { csrf } from 'hono/csrf';
import { createMiddleware } from 'hono/factory';
import { HTTPException } from 'hono/http-exception';
import { NONCE, secureHeaders } from 'hono/secure-headers';
import type { StaffRole } from '../../db/schema.js';
import type { AppEnv, StaffEnv, SupporterEnv } from '../deps.js';
import { timingSafeEqualText } from '../lib/crypto.js';
import { AppError, prefersHtml } from '../lib/errors.js';
import { readForm } from '../lib/validate.js';
import { findStaff, findSupporter, type SessionRow } from './auth.repo.js';
import { loadSession } from './auth.sessions.js';

const RANK: Record<StaffRole, number> = { viewer: 1, finance: 2, admin: 3 };

export function roleAtLeast(role: StaffRole, min: StaffRole): boolean {
  return RANK[role] >= RANK[min];
}

/** finance and admin reach supporters' data and money: a password alone is not enough. */
export function needsSecondFactor(role: StaffRole): boolean {
  return role !== 'viewer';
}

export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';

const SAFE = /^(GET|HEAD|OPTIONS)$/;

/**
 * Hono's origin check (Origin or Sec-Fetch-Site must say the form came from this site),
 * answering through our error page. Our origin is the request's own or PUBLIC_URL's,
 * which differ behind a proxy that rewrites the Host.
 */
export function sameOrigin(): MiddlewareHandler<AppEnv> {
  const check = csrf({
    origin: (origin, c) => origin === new URL(c.req.url).origin || origin === new URL((c as Context<AppEnv>).var.deps.config.publicUrl).origin,
  });
  return async (c, next) => {
    try {
      await check(c, next);
    } catch (err) {
      if (err instanceof HTTPException && err.status === 403)
        throw new AppError('forbidden', 'This form was sent from another site, so it was refused. Open the page on this site and try again.');
      throw err;
    }
  };
}

/** The CSRF token a form posted (hidden field) or a script sent (header), checked against the session's. */
async function checkCsrfToken(c: Context<AppEnv>, session: SessionRow): Promise<void> {
  let sent = c.req.header(CSRF_HEADER);
  if (!sent) {
    const type = c.req.header('content-type') ?? '';
    if (/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) {
      const body = await readForm(c.req);
      const v = body[CSRF_FIELD];
      sent = typeof v === 'string' ? v : undefined;
    }
  }
  if (!sent || !(await timingSafeEqualText(sent, session.csrfToken))) {
    throw new AppError('forbidden', 'This form has expired or did not come from this site. Reload the page and try again.');
  }
}

/** The request has no session of the kind it needs. */
function signInFirst(c: Context<AppEnv>, signInPath: string): Response {
  // a page a person opened (or a form they sent) goes to sign-in; scripts and API clients get 401
  if (prefersHtml(c.req.header('content-type'), c.req.header('accept'))) {
    const back = SAFE.test(c.req.method) ? `?next=${encodeURIComponent(c.req.path + (new URL(c.req.url).search || ''))}` : '';
    c.header('cache-control', 'no-store');
    return c.redirect(`${signInPath}${back}`, 303);
  }
  throw new AppError('unauthorized', 'Sign in first.');
}

const guardState = async (c: Context<AppEnv>, next: () => Promise<void>, session: SessionRow) => {
  if (!SAFE.test(c.req.method)) await checkCsrfToken(c, session);
  await next();
  // pages of a signed-in person are theirs alone: never stored by a browser or proxy
  c.header('cache-control', 'no-store');
};

export function requireStaff(min: StaffRole): MiddlewareHandler<StaffEnv> {
  const origin = sameOrigin();
  return createMiddleware<StaffEnv>(async (sc, next) => {
    const c = sc as unknown as Context<AppEnv>;
    const session = await loadSession(c);
    if (session?.kind !== 'staff') return signInFirst(c, '/staff/signin');
    if (session.stage !== 'active') {
      if (prefersHtml(c.req.header('content-type'), c.req.header('accept'))) return c.redirect('/staff/signin/second-factor', 303);
      throw new AppError('unauthorized', 'Finish signing in first.');
    }
    const person = await findStaff(c.var.deps.db, session.subjectId);
    if (!person || person.disabled) return signInFirst(c, '/staff/signin');
    if (!roleAtLeast(person.role, min)) throw new AppError('forbidden', `This needs the ${min} role; you are signed in as ${person.role}.`);
    sc.set('staff', { id: person.id, email: person.email, name: person.name, role: person.role });
    c.set('session', session);
    if (!SAFE.test(c.req.method)) await origin(c, () => Promise.resolve());
    await guardState(c, next, session);
  });
}

export function requireSupporter(): MiddlewareHandler<SupporterEnv> {
  const origin = sameOrigin();
  return createMiddleware<SupporterEnv>(async (sc, next) => {
    const c = sc as unknown as Context<AppEnv>;
    const session = await loadSession(c);
    if (session?.kind !== 'supporter' || session.stage !== 'active') return signInFirst(c, '/signin');
    const person = await findSupporter(c.var.deps.db, session.subjectId);
    if (!person) return signInFirst(c, '/signin');
    sc.set('supporter', { id: person.id, email: person.email, name: person.name });
    c.set('session', session);
    if (!SAFE.test(c.req.method)) await origin(c, () => Promise.resolve());
    await guardState(c, next, session);
  });
}

/** Any signed-in person, staff or supporter (signing out). */
export function requireSession(): MiddlewareHandler<AppEnv & { Variables: { session: SessionRow } }> {
  const origin = sameOrigin();
  return createMiddleware<AppEnv & { Variables: { session: SessionRow } }>(async (sc, next) => {
    const c = sc as unknown as Context<AppEnv>;
    const session = await loadSession(c);
    if (!session) return signInFirst(c, '/signin');
    c.set('session', session);
    if (!SAFE.test(c.req.method)) await origin(c, () => Promise.resolve());
    await guardState(c, next, session);
  });
}

/**
 * Headers for pages that belong to one person or carry a token: never stored by a browser
 * or proxy, never framed (clickjacking a sign-in or sign-out button), no Referer leaving
 * with a token in the URL, and a CSP that allows this site's own forms and stylesheets, and no script.
 */
export function privatePage(opts: { formActions?: string[] } = {}): MiddlewareHandler {
  const headers = secureHeaders({
    referrerPolicy: 'no-referrer',
    xFrameOptions: 'DENY',
    // left to the app-wide headers, which know whether this is development
    strictTransportSecurity: false,
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      // the shared layout's stylesheet is a served file; the QR code is inline SVG (no style needed)
      styleSrc: ["'self'", NONCE],
      imgSrc: ["'self'", 'data:'],
      scriptSrc: ["'none'"],
      // plus where a page's form may be redirected: Chromium applies form-action to redirects
      formAction: ["'self'", ...(opts.formActions ?? [])],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
    },
  });
  return async (c, next) => {
    await headers(c, next);
    c.header('cache-control', 'no-store');
  };
}

/** Where to go after signing in: a path on this site only, never another host. */
export function safeNext(next: string | undefined, fallback: string): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  return next;
}
