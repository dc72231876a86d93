// POST /webhooks/stripe. Stripe delivers at least once, in no set order, and retries
// non-2xx replies with backoff for up to 3 days
// (https://docs.stripe.com/webhooks#retries), so: verify, record once, apply atomically.
import { Hono } from 'hono';
import type { AppEnv, Deps } from '../deps.js';
import { AppError } from '../lib/errors.js';
import { describeError } from '../lib/log.js';
import { noteDecline } from '../checkout/checkout.guard.js';
import { applyEvent, storedEvent, type ApplyOutcome } from './webhooks.apply.js';
import { isProcessed, recordFailure } from './webhooks.repo.js';
import { usableEventId } from './webhooks.schemas.js';

export function webhookRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/stripe', async (c) => {
    const deps = c.var.deps;
    // The signature covers the exact bytes Stripe sent: read them before anything parses.
    const payload = await c.req.text();
    const signature = c.req.header('stripe-signature');
    if (!signature) throw new AppError('invalid_signature', 'Missing Stripe-Signature header', { 'stripe-signature': 'required' });
    await verify(deps, payload, signature);

    // A duplicate costs one indexed read. Its id is read from the verified bytes without
    // parsing the whole event (most of a redelivery's cost); a new event is recorded in the
    // same atomic write as its effects (webhooks.apply.ts), so it costs one commit, not two; two
    // deliveries racing both apply, which every ledger write tolerates (unique keys, ON CONFLICT).
    const leadingId = leadingEventId(payload);
    if (leadingId && (await isProcessed(deps.db, leadingId))) return c.json({ received: true, duplicate: true });
    const event = parseBody(payload);
    // a body whose "id" key repeats would be deduplicated by one id and applied as another
    if (leadingId && leadingId !== event.id) throw new AppError('bad_request', 'The webhook body names two event ids', { body: 'two event ids' });
    if (!leadingId && (await isProcessed(deps.db, event.id))) return c.json({ received: true, duplicate: true });

    let outcome: ApplyOutcome;
    try {
      outcome = await applyEvent(deps, event, payload);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const stored = storedEvent(event);
      deps.log.error('webhook handler failed; Stripe will retry', { event: stored.id, type: stored.type, error: describeError(err) });
      // the full message stays in the database, for staff; the log gets describeError's summary
      await recordFailure(deps.db, stored, payload, message, deps.now());
      return c.json({ error: 'Could not apply this event yet; please retry.', reference: c.var.requestId }, 500);
    }
    // A quarantined event is answered 2xx: Stripe would otherwise redeliver the same bytes
    // for three days, and they would fail the same way every time.
    if (outcome.quarantined) return c.json({ received: true, quarantined: true });
    // After the event is recorded, so a redelivery is not counted twice. Counting is a
    // defence, not money: its failure is logged and Stripe still gets its 200.
    await noteDecline(deps, event).catch((err: unknown) => {
      deps.log.error('could not count a declined payment', { event: event.id, error: describeError(err) });
    });
    return c.json({ received: true });
  });

  return app;
}

/**
 * How far a signature's timestamp may be from our clock, either way: Stripe 23's default
 * replay window (300 s). The SDK only refuses old timestamps; one far ahead of our clock
 * would stay replayable until that moment, so it is refused here too.
 */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * Accepts a body signed with any configured secret (several while one is rotated), at a
 * time within the tolerance of deps.now(). Never accepts an unsigned body: the config
 * refuses a Stripe key without a secret, and the sandbox always has one.
 */
async function verify(deps: Deps, payload: string, signature: string): Promise<void> {
  const now = deps.now();
  const at = signedAt(signature);
  const problems: string[] = Number.isSafeInteger(at) ? [] : ['No timestamp in the header'];
  for (const secret of problems.length ? [] : deps.config.stripe.webhookSecrets) {
    try {
      await deps.stripe.webhooks.signature!.verifyHeaderAsync(payload, signature, secret, SIGNATURE_TOLERANCE_SECONDS, deps.webhookCrypto, now);
      const ahead = at - Math.floor(now / 1000);
      if (ahead > SIGNATURE_TOLERANCE_SECONDS) problems.push('Timestamp is ahead of our clock by more than the tolerance');
      else return;
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
    }
  }
  // a matching signature's problem (its timestamp) says more than another secret's mismatch
  const reason = problems.find((p) => !p.startsWith('No signatures found matching')) ?? problems[0] ?? 'no webhook secret is configured';
  throw new AppError('invalid_signature', `Webhook signature verification failed: ${reason}`, { 'stripe-signature': 'invalid' });
}

/** The header's t= (unix seconds), read as the SDK reads it: the last one wins. */
function signedAt(header: string): number {
  let t = Number.NaN;
  for (const part of header.split(',')) {
    const [k, v] = part.split('=');
    if (k === 't') t = Number.parseInt(v ?? '', 10);
  }
  return t;
}

/**
 * The event's id when the payload starts with it, as Stripe writes every event
 * (`{"id": "evt_…", "object": "event", …}`). Anchored at the first key of the top-level
 * object, it cannot be an id nested deeper; any other layout is parsed in full instead.
 */
export function leadingEventId(payload: string): string | null {
  return /^\s*\{\s*"id"\s*:\s*"(evt_[A-Za-z0-9_]+)"/.exec(payload)?.[1] ?? null;
}

/** A verified body with a usable event id: the rest of the envelope is applyEvent's to judge. */
type EventBody = { id: string } & Record<string, unknown>;

/** The verified body, as far as it must be read to be stored at all: a JSON event with an id. */
function parseBody(payload: string): EventBody {
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    throw new AppError('bad_request', 'The webhook body is not JSON', { body: 'not JSON' });
  }
  if (!body || typeof body !== 'object' || Array.isArray(body) || (body as { object?: unknown }).object !== 'event') {
    throw new AppError('bad_request', 'The webhook body is not a Stripe event (snapshot payload)', { body: 'not a Stripe event' });
  }
  if (!usableEventId(body)) throw new AppError('bad_request', 'The webhook event has no usable id', { id: 'required: the event id (evt_…)' });
  return body as EventBody;
}
