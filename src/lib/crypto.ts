// Crypto helpers that run the same on Node and in workerd (Web Crypto only).

const encoder = new TextEncoder();

/**
 * Compares two secrets in time that depends on neither their content nor their length:
 * both sides are hashed first, so the byte loop always runs over 32 bytes and an early
 * mismatch (or a length difference) cannot be timed from outside.
 */
export async function timingSafeEqualText(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([crypto.subtle.digest('SHA-256', encoder.encode(a)), crypto.subtle.digest('SHA-256', encoder.encode(b))]);
  const x = new Uint8Array(da);
  const y = new Uint8Array(db);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ y[i]!;
  return diff === 0;
}
