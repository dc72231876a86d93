// POST /checkout: validate on the server, record a pending gift, create the Stripe
// Checkout Session. GET /thank-you: what the reader sees on return from Checkout.
import { Hono, type Context } from 'hono';
import Stripe from 'stripe';
import { renderAppealPage, renderArticlePage } from '../appeal/appeal.view.js';
import type { AppEnv } from '../deps.js';
import { AppError } from '../lib/errors.js';
import { attachCheckoutSession, insertPendingGift } from '../ledger/ledger.repo.js';
import { newId } from '../lib/ids.js';
import { describeError } from '../lib/log.js';
import { normalizeRaw, parseCheckout } from './checkout.rules.js';
import { waitText } from '../auth/auth.throttle.js';
import { checkCheckout, countCheckout, TURNSTILE_FIELD, verifyTurnstile } from './checkout.guard.js';
import { cancelUrl, idempotencyKey, publisherReturnUrl, sessionParams } from './checkout.session.js';
import { newGiverBinding, registerOnGiving, setGiverCookie } from '../supporters/supporters.registration.js';
import { renderCheckoutProblem, renderMessagePage, renderThankYou } from './checkout.view.js';

const SESSION_ID = /^cs_(test|live)_[A-Za-z0-9]{10,200}$/;

export function checkoutRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/checkout', async (c) => {
    const { config, db, stripe, now, log } = c.var.deps;
    const wantsJson = (c.req.header('content-type') ?? '').includes('application/json');
    const raw = normalizeRaw(await readBody(c, wantsJson));
    if (!wantsJson) {
      // A bad field gets the form again, filled in as the reader left it, the message by the
      // field (onError renders it with the 400; JSON clients get the fields as JSON).
      c.set('htmlError', (error) => {
        const currency = config.currencies.includes((raw.currency ?? '').toLowerCase()) ? raw.currency!.toLowerCase() : config.defaultCurrency;
        // A reader who came from the CMS fragment never saw our demo article: show the appeal alone.
        const render = raw.origin === 'fragment' ? renderAppealPage : renderArticlePage;
        return render(config, { currency, values: raw, errors: error.fields });
      });
    }
    // every check the Stripe call depends on, before anything is written
    const req = parseCheckout(raw, config);

    const referer = c.req.header('referer') ?? null;
    const from = { origin: raw.origin, returnTo: raw.return_to, referer };
    if (!wantsJson) {
      // Past validation a failure is ours or Stripe's, not the reader's: onError shows it
      // with the appeal filled in again, so trying again is one click.
      const back = publisherReturnUrl(config, from) ?? '/';
      c.set('htmlError', (error) => renderCheckoutProblem(config, { error, values: raw, currency: req.currency, back }));
    }
    // Card testing: budgets first (a limited attempt writes nothing and reaches no one),
    // then the Turnstile check, before the pending gift exists.
    const address = c.var.deps.clientAddress(c);
    const guard = await checkCheckout(c.var.deps, address, req.email);
    if (guard.limited) {
      const seconds = Math.max(1, Math.ceil(guard.retryAfterMs / 1000));
      c.header('retry-after', String(seconds));
      const message = `Too many gifts have been started from your connection or with your email address in the last few minutes, so we have paused new ones for a while. Nothing has been charged. Please try again in ${waitText(guard.retryAfterMs)}.`;
      if (wantsJson) return c.json({ error: message, retry_after: seconds }, 429);
      const back = publisherReturnUrl(config, from) ?? '/';
      return c.html(renderCheckoutProblem(config, { error: { status: 429, message, fields: {} }, values: raw, currency: req.currency, back }), 429);
    }
    await db.atomic(countCheckout(c.var.deps, guard.count));
    if (guard.needsTurnstile) {
      const token = raw[TURNSTILE_FIELD]?.trim() ?? '';
      const check = token ? await verifyTurnstile(c.var.deps, token, address) : null;
      if (!check?.ok) {
        if (check) log.info('turnstile check failed', { reason: check.reason });
        const field = token
          ? 'The check that you are a person did not pass. Please complete it again.'
          : 'Please complete the check that you are a person, then send the form again.';
        throw new AppError('bad_request', field, { [TURNSTILE_FIELD]: token ? 'did not pass' : 'required' });
      }
    }
    const giftId = newId('gift', now());
    // binds the thank-you page's sign-in to this browser (supporters.registration.ts)
    const giver = await newGiverBinding();
    await insertPendingGift(
      db,
      {
        id: giftId,
        frequency: req.frequency,
        amountMinor: req.amountMinor,
        currency: req.currency,
        email: req.email,
        article: req.article,
        section: req.section,
        campaign: req.campaign,
        variant: req.variant,
        referrer: referer?.slice(0, 500) ?? null,
        // set by Cloudflare in front of Workers; absent on a plain Node host
        country: /^[A-Z]{2}$/.test(c.req.header('cf-ipcountry') ?? '') ? c.req.header('cf-ipcountry')! : null,
        browserHash: giver.hash,
      },
      now(),
    );

    let session: Stripe.Checkout.Session;
    try {
      session = await stripe.checkout.sessions.create(sessionParams(req, giftId, config, cancelUrl(config, from, req)), {
        idempotencyKey: idempotencyKey(giftId),
      });
    } catch (err) {
      // Stripe's messages can echo what it was sent (the reader's address): describeError
      // keeps its type, code and parameter name only
      log.error('checkout session create failed', { gift: giftId, error: describeError(err) });
      throw new AppError('upstream', 'We could not reach our payment provider. Nothing was charged; please try again in a moment.');
    }
    await attachCheckoutSession(db, giftId, session.id, now());
    setGiverCookie(c, giver.token);
    if (!session.url) throw new AppError('upstream', 'The payment provider returned no checkout page. Nothing was charged; please try again.');
    if (wantsJson) return c.json({ id: session.id, url: session.url, gift_id: giftId }, 201);
    return c.redirect(session.url, 303);
  });

  app.get('/thank-you', async (c) => {
    const { config, stripe } = c.var.deps;
    // the page names the payer's email address: never kept by a shared cache or the back button
    c.header('cache-control', 'no-store');
    const sessionId = c.req.query('session_id') ?? '';
    if (!sessionId) {
      return c.html(renderMessagePage(config, 'We could not find that gift', 'The link is missing its checkout reference (session_id).'), 400);
    }
    if (!SESSION_ID.test(sessionId)) {
      return c.html(
        renderMessagePage(
          config,
          'We could not find that gift',
          'The link is malformed: its checkout reference (session_id) is not one our payment provider issues. Please use the link exactly as it came.',
        ),
        400,
      );
    }
    let session: Stripe.Checkout.Session;
    try {
      session = await stripe.checkout.sessions.retrieve(sessionId);
    } catch (err) {
      if (err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 404) {
        return c.html(renderMessagePage(config, 'We could not find that gift', 'No checkout exists with this reference.'), 404);
      }
      throw new AppError('upstream', 'We could not reach our payment provider to confirm your gift. Please refresh this page in a moment.');
    }
    const amountMinor = session.amount_total ?? 0;
    const currency = session.currency ?? config.defaultCurrency;
    const frequency = session.metadata?.frequency ?? (session.mode === 'payment' ? 'one_off' : null);
    // Reads Stripe's own answer, so the page is right whether or not our webhook has arrived.
    if (session.status === 'complete' && session.payment_status !== 'unpaid') {
      const registered = await registerOnGiving(c, session);
      return c.html(
        renderThankYou(config, {
          state: 'paid',
          amountMinor,
          currency,
          frequency,
          email: session.customer_details?.email ?? null,
          signedIn: registered?.email ?? null,
        }),
      );
    }
    if (session.status === 'complete') return c.html(renderThankYou(config, { state: 'pending', amountMinor, currency, frequency }));
    return c.html(renderThankYou(config, { state: 'unpaid' }));
  });

  return app;
}

async function readBody(c: Context<AppEnv>, json: boolean): Promise<Record<string, unknown>> {
  if (json) {
    const body: unknown = await c.req.json().catch(() => {
      throw new AppError('bad_request', 'The request body is not valid JSON', { body: 'must be a JSON object' });
    });
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new AppError('bad_request', 'The request body must be a JSON object', { body: 'must be a JSON object' });
    }
    return body as Record<string, unknown>;
  }
  // The appeal posts urlencoded: read it as text (@hono/node-server's fast path) and split
  // it here, instead of parseBody's detour through a web Request and FormData (~50 µs).
  const mediaType = (c.req.header('content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (mediaType === 'application/x-www-form-urlencoded') {
    const fields: Record<string, string> = {};
    // the last of a repeated field wins, as with parseBody
    const text = await c.req.text().catch(() => {
      throw new AppError('bad_request', 'The form could not be read', { body: 'must be a form post' });
    });
    for (const [k, v] of new URLSearchParams(text)) fields[k] = v;
    return fields;
  }
  const form = await c.req.parseBody().catch(() => {
    throw new AppError('bad_request', 'The form could not be read', { body: 'must be a form post' });
  });
  return form as Record<string, unknown>;
}
