// expand[]: resolved from the store where the sandbox holds the object; paths it cannot
// resolve leave the id in place rather than failing the request.
import type Stripe from 'stripe';
import type { Db } from '../../db/db.js';
import { lineItemsList } from './sandbox.sessions.build.js';
import { DELIVERY_TYPE, EXTRAS_TYPE, extrasId, getObject, getTyped, IDEMPOTENCY_TYPE, withLazyExpiry, type CheckoutSessionExtras } from './sandbox.repo.js';

const INTERNAL_TYPES = new Set<string>([EXTRAS_TYPE, IDEMPOTENCY_TYPE, DELIVERY_TYPE]);
// Stripe allows expansions up to four levels deep (https://docs.stripe.com/expand)
const MAX_EXPAND_DEPTH = 4;

export async function expandPaths(db: Db, object: Record<string, unknown>, paths: readonly string[], nowMs: number): Promise<void> {
  for (const path of paths) {
    const segments = path.split('.').filter(Boolean).slice(0, MAX_EXPAND_DEPTH);
    await expandInto(db, object, segments, nowMs);
  }
}

async function expandInto(db: Db, target: unknown, segments: readonly string[], nowMs: number): Promise<void> {
  if (Array.isArray(target)) {
    for (const item of target) await expandInto(db, item, segments, nowMs);
    return;
  }
  if (!target || typeof target !== 'object' || segments.length === 0) return;
  const obj = target as Record<string, unknown>;
  const [head, ...rest] = segments as [string, ...string[]];
  let value = obj[head];
  if (head === 'line_items' && obj.object === 'checkout.session' && typeof obj.id === 'string') {
    const extras = await getObject<CheckoutSessionExtras>(db, extrasId(obj.id), EXTRAS_TYPE);
    if (extras) value = obj[head] = lineItemsList(obj.id, extras);
  } else if (typeof value === 'string') {
    const stored = await getTyped(db, value);
    if (stored && !INTERNAL_TYPES.has(stored.type)) {
      value = obj[head] = stored.type === 'checkout.session' ? withLazyExpiry(stored.data as Stripe.Checkout.Session, nowMs) : stored.data;
    }
  }
  if (rest.length > 0) await expandInto(db, value, rest, nowMs);
}

export function expandList(params: Record<string, unknown>): string[] {
  const e = params.expand;
  return Array.isArray(e) ? e.filter((x): x is string => typeof x === 'string') : [];
}
