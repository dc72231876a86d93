// An msw handler standing in for Cloudflare Turnstile's siteverify, for targets whose
// outbound calls msw answers (in process on Node, Miniflare's outbound service in workerd).
import { http, HttpResponse } from 'msw';
import { TURNSTILE_ORIGIN } from '../../src/ui/security.js';

/** the token the mock accepts, as if a person had passed the widget */
export const TURNSTILE_PASS = 'flow-turnstile-token-from-a-person';

/**
 * Accepts `TURNSTILE_PASS` sent with `secret`; anything else gets Cloudflare's refusal. Each
 * call's form (secret, response, remoteip) is pushed onto `calls`.
 */
export function turnstileHandlers(secret: string, calls: Record<string, string>[] = []) {
  return [
    http.post(`${TURNSTILE_ORIGIN}/turnstile/v0/siteverify`, async ({ request }) => {
      const form = new URLSearchParams(await request.text());
      calls.push(Object.fromEntries(form));
      if (form.get('secret') !== secret) return HttpResponse.json({ success: false, 'error-codes': ['invalid-input-secret'] });
      if (form.get('response') !== TURNSTILE_PASS) return HttpResponse.json({ success: false, 'error-codes': ['invalid-input-response'] });
      return HttpResponse.json({ success: true, 'error-codes': [], hostname: 'localhost' });
    }),
  ];
}
