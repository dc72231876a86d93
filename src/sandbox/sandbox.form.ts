// Stripe's wire format in: form-encoded bodies and query strings with bracket notation.
// Stripe documents its bracket notation only by example; the reference is the SDK's own
// encoder (`stringifyRequestData` in stripe-node's utils): objects as a[b]=, arrays as
// a[0]=. `a[]=` (what curl users write) is accepted too.
import type { Context } from 'hono';
import { invalid } from './sandbox.errors.js';

const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);
type FormTree = { [key: string]: FormValue };
type FormValue = string | FormTree | FormValue[];

/** Decodes `a[b][0][c]=x&expand[]=y` into nested objects and arrays. */
export function decodeStripeForm(text: string): Record<string, unknown> {
  const root: FormTree = Object.create(null) as FormTree;
  for (const [key, value] of new URLSearchParams(text)) {
    const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
    if (!match) throw invalid(`Invalid parameter name: ${key}`, key);
    const segments = [match[1]!, ...[...match[2]!.matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1]!)];
    if (segments.some((s) => FORBIDDEN_SEGMENTS.has(s))) throw invalid(`Invalid parameter name: ${key}`, key);
    let node: FormTree = root;
    for (let i = 0; i < segments.length; i++) {
      let seg = segments[i]!;
      // `a[]` appends: number it after what the container already holds
      if (seg === '') seg = String(Object.keys(node).length);
      if (i === segments.length - 1) {
        if (typeof node[seg] === 'object') throw invalid(`Invalid value for ${key}: it is also given as a hash`, key);
        node[seg] = value;
      } else {
        const next = node[seg];
        if (typeof next === 'string') throw invalid(`Invalid hash for ${key}: it is also given as a value`, key);
        if (next === undefined) {
          const child = Object.create(null) as FormTree;
          node[seg] = child;
          node = child;
        } else node = next as FormTree;
      }
    }
  }
  return arrayify(root, '') as Record<string, unknown>;
}

/** Objects keyed 0..n become arrays; metadata keeps whatever keys it was given. */
function arrayify(value: FormValue, key: string): unknown {
  if (typeof value === 'string' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = arrayify(value[k]!, k);
  if (key !== 'metadata' && keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
    return keys.sort((a, b) => Number(a) - Number(b)).map((k) => out[k]);
  }
  return out;
}

/** `['line_items', 0, 'price_data']` -> `line_items[0][price_data]`, as Stripe names params. */
export function stripeParam(path: readonly PropertyKey[]): string {
  const [head, ...rest] = path.map(String);
  return (head ?? '') + rest.map((p) => `[${p}]`).join('');
}

/** GET parameters (expand[], list filters) arrive in the query string, in the same notation. */
export function queryParams(c: Context): Record<string, unknown> {
  const search = new URL(c.req.url).search;
  return search.length > 1 ? decodeStripeForm(search.slice(1)) : {};
}
