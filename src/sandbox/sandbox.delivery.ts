// Webhook delivery from the sandbox to our own endpoint, as Stripe delivers: each event
// signed and posted on its own, with the outcome kept per event so a failed one can be
// sent again.
import type Stripe from 'stripe';
import type { Deps, Logger } from '../deps.js';
import { eventPayload } from './sandbox.events.js';
import { DELIVERY_TYPE, getObject, putObject, writeAll, type DeliveryRecord } from './sandbox.repo.js';

/**
 * Posts one webhook request to the app; app.ts passes the app's own fetch, tests a recorder.
 * `log` is the sending request's, so the delivery's lines are filed under its request id.
 */
export type Deliver = (req: Request, log: Logger) => Promise<Response>;

export type DeliveryFailure = { id: string; type: string; status: number | null; detail: string };

/**
 * Sends each not-yet-accepted event, in order, signed as Stripe signs
 * (https://docs.stripe.com/webhooks#verify-manually: `t=<unix seconds>,v1=<HMAC-SHA256 of "t.payload">`).
 * A failure does not hold back later events: Stripe delivers each event on its own.
 */
export async function deliverPending(deps: Deps, deliver: Deliver, record: DeliveryRecord): Promise<DeliveryFailure[]> {
  const failures: DeliveryFailure[] = [];
  const events = [...record.events];
  for (const [i, entry] of events.entries()) {
    if (entry.delivered) continue;
    const event = await getObject<Stripe.Event>(deps.db, entry.id, 'event');
    if (!event) throw new Error(`sandbox event ${entry.id} is missing from the store`);
    const payload = eventPayload(event);
    // Signed at the time of sending, as Stripe signs: the receiver checks the timestamp
    // against its own clock (deps.now(), the same one here), 300 s either way.
    const header = await deps.stripe.webhooks.generateTestHeaderStringAsync({
      payload,
      secret: deps.config.stripe.webhookSecret,
      timestamp: Math.floor(deps.now() / 1000),
      cryptoProvider: deps.webhookCrypto,
    });
    let status: number | null = null;
    let detail = '';
    try {
      const res = await deliver(
        new Request(`${deps.config.publicUrl}/webhooks/stripe`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json; charset=utf-8',
            'stripe-signature': header,
            'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          },
          body: payload,
        }),
        deps.log,
      );
      status = res.status;
      if (!res.ok) detail = (await res.text()).slice(0, 2000);
    } catch (err) {
      detail = err instanceof Error ? err.message : String(err);
    }
    const delivered = status !== null && status >= 200 && status < 300;
    events[i] = { ...entry, delivered, attempts: entry.attempts + 1, last_status: status, last_error: delivered ? null : detail };
    if (!delivered) {
      deps.log.warn('sandbox webhook delivery failed', { event: entry.id, type: entry.type, status });
      failures.push({ id: entry.id, type: entry.type, status, detail });
    }
  }
  const updated: DeliveryRecord = { ...record, events };
  await writeAll(deps.db, [putObject(deps.db, DELIVERY_TYPE, updated, deps.now())]);
  return failures;
}
