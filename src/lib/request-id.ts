// Request ids: one per request, in the X-Request-Id response header, on every log line
// written while serving it, and on error pages as the reference a reader can quote.

/** A fresh id: 128 random bits as 32 hex digits, from the platform's CSPRNG on Node and workerd. */
export function newRequestId(): string {
  return crypto.randomUUID().replaceAll('-', '');
}

// A Ray ID is 16 hex digits, with the data centre's code after a dash in the header
// (https://developers.cloudflare.com/fundamentals/reference/cloudflare-ray-id/). Anything
// else is not Cloudflare's and is not used, so a header cannot put arbitrary text in logs.
const CF_RAY = /^[0-9a-f]{16}(-[A-Z]{3,4})?$/;

/**
 * Workers: Cloudflare's edge sets `cf-ray` on every request it passes to a Worker, so the
 * same id is in Cloudflare's own request logs and ours. Never used on Node, where a client
 * could send any header it liked.
 */
export function cloudflareRayId(headers: Headers): string | null {
  const ray = headers.get('cf-ray');
  return ray && CF_RAY.test(ray) ? ray : null;
}
