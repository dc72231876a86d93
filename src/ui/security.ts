// Response headers that keep the browser on our side: a Content-Security-Policy on every
// response, no framing except the appeal fragment on the publisher's own pages, HSTS
// outside development, no MIME sniffing, a Referer that never carries our paths away.
//
// The pages hold no inline script or style: everything is a served file under /assets/
// (ui/assets.ts), so 'self' covers it and an injected <script> cannot run. Each dynamic
// page still gets a per-request nonce (Hono's secureHeaders NONCE, on the context as
// secureHeadersNonce) for anything that must be inline. The two pages served from cached
// bytes (GET / and GET /appeal) send headers built once per config instead, so no
// per-request work touches their hot path; they have nothing inline for a nonce to allow.
import type { MiddlewareHandler } from 'hono';
import { NONCE, secureHeaders } from 'hono/secure-headers';
import type { Config } from '../config.js';
import type { AppEnv } from '../deps.js';

export const TURNSTILE_ORIGIN = 'https://challenges.cloudflare.com';
/** where POST /checkout redirects: Chromium applies form-action to a form's redirects too */
export const STRIPE_CHECKOUT_ORIGIN = 'https://checkout.stripe.com';

type Directives = Record<string, string[]>;
export type Framing = 'none' | 'publishers';

/** The policy as directive -> sources, one place for both the middleware and the cached pages. */
export function cspDirectives(config: Config, framing: Framing): Directives {
  const turnstile = config.guard.turnstile ? [TURNSTILE_ORIGIN] : [];
  // the fragment's form posts to our absolute URL from a publisher's page, so 'self' is not enough there
  const formAction = framing === 'publishers' ? [config.publicUrl, STRIPE_CHECKOUT_ORIGIN] : ["'self'", STRIPE_CHECKOUT_ORIGIN];
  return {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'", ...turnstile],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    ...(turnstile.length ? { frameSrc: turnstile } : {}),
    connectSrc: ["'self'"],
    formAction,
    frameAncestors: framing === 'publishers' ? ["'self'", ...config.publisherOrigins] : ["'none'"],
    baseUri: ["'none'"],
    objectSrc: ["'none'"],
  };
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);

export function serializeCsp(directives: Directives): string {
  return Object.entries(directives)
    .map(([name, sources]) => `${kebab(name)} ${sources.join(' ')}`)
    .join('; ');
}

const HSTS = 'max-age=31536000; includeSubDomains';
export const REFERRER_POLICY = 'strict-origin-when-cross-origin';

/** Headers for a response built ahead of time (the cached pages): the same policy, as a plain object. */
export function staticSecurityHeaders(config: Config, framing: Framing): Record<string, string> {
  return {
    'content-security-policy': serializeCsp(cspDirectives(config, framing)),
    'referrer-policy': REFERRER_POLICY,
    'x-content-type-options': 'nosniff',
    ...(framing === 'none' ? { 'x-frame-options': 'DENY' } : {}),
    ...(config.env === 'development' ? {} : { 'strict-transport-security': HSTS }),
    // the fragment and its assets load on the publisher's pages
    'cross-origin-resource-policy': framing === 'publishers' ? 'cross-origin' : 'same-origin',
  };
}

/**
 * Every response not served from cached bytes. Headers a route set itself win
 * (overwrite: false): a signed-in page's stricter policy, an asset's cross-origin
 * resource policy, the email preview's allowance for inline styles.
 */
export function securityHeaders(config: Config, ownHeaders: { method: 'GET'; path: string }[]): MiddlewareHandler<AppEnv> {
  const directives = cspDirectives(config, 'none');
  const headers = secureHeaders({
    contentSecurityPolicy: { ...directives, scriptSrc: [...directives.scriptSrc!, NONCE], styleSrc: [...directives.styleSrc!, NONCE] },
    referrerPolicy: REFERRER_POLICY,
    xFrameOptions: 'DENY',
    strictTransportSecurity: config.env === 'development' ? false : HSTS,
    crossOriginResourcePolicy: 'same-origin',
    overwrite: false,
  });
  const skip = new Set(ownHeaders.map((r) => r.path));
  return async (c, next) => {
    if ((c.req.method === 'GET' || c.req.method === 'HEAD') && skip.has(c.req.path)) return next();
    return headers(c, next);
  };
}
