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

/** URL-safe base64 without padding: fits in a text column and in a `:`-separated value. */
export function toBase64Url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Reads standard or URL-safe base64, padded or not; null for anything else. */
export function fromBase64Any(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) return null;
  const std = text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  if (std.length % 4 === 1) return null;
  try {
    const s = atob(std + '='.repeat((4 - (std.length % 4)) % 4));
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

/**
 * Key bytes that stay out of logs and error pages: JSON and Node's inspector show a
 * placeholder, so a config object printed by mistake does not print the key.
 */
export class SecretBytes {
  readonly #bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }
  get bytes(): Uint8Array {
    return this.#bytes;
  }
  toJSON(): string {
    return '[redacted]';
  }
  toString(): string {
    return '[redacted]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'SecretBytes [redacted]';
  }
}

/** Why a 256-bit key setting is refused; null when it is one. */
export function keyProblem(text: string): string | null {
  const bytes = parseKey256(text);
  if (!bytes) return 'must be 32 random bytes, written as 64 hex characters or in base64 (openssl rand -hex 32)';
  // a run of one byte is a placeholder someone forgot to replace, not a key
  if (bytes.every((b) => b === bytes[0])) return 'is one byte repeated: a placeholder, not a random key (openssl rand -hex 32)';
  return null;
}

/** 32 bytes from 64 hex characters or base64 (standard or URL-safe); null otherwise. */
export function parseKey256(text: string): Uint8Array | null {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Uint8Array.from(t.match(/../g)!, (h) => Number.parseInt(h, 16));
  const bytes = fromBase64Any(t);
  return bytes && bytes.length === 32 ? bytes : null;
}

/** A short public name for a key (the first 8 hex digits of its SHA-256), so a sealed value says which key made it. */
export async function keyId(key: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', key as BufferSource));
  return [...digest.slice(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

const AES_GCM_IV_BYTES = 12;

async function aesKey(key: Uint8Array, use: 'encrypt' | 'decrypt'): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', key as BufferSource, 'AES-GCM', false, [use]);
}

/**
 * AES-256-GCM with a fresh 96-bit random nonce per value (safe for far more values than a
 * staff table holds). `context` is authenticated, not encrypted: the value opens only
 * with the same context.
 */
export async function aesGcmSeal(key: Uint8Array, plaintext: string, context: string): Promise<{ iv: Uint8Array; ciphertext: Uint8Array }> {
  const iv = crypto.getRandomValues(new Uint8Array(AES_GCM_IV_BYTES));
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: iv as BufferSource, additionalData: encoder.encode(context) },
    await aesKey(key, 'encrypt'),
    encoder.encode(plaintext),
  );
  return { iv, ciphertext: new Uint8Array(sealed) };
}

/** The plaintext, or null when the key, the context or any byte of iv or ciphertext differs. */
export async function aesGcmOpen(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, context: string): Promise<string | null> {
  if (iv.length !== AES_GCM_IV_BYTES) return null;
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: iv as BufferSource, additionalData: encoder.encode(context) },
      await aesKey(key, 'decrypt'),
      ciphertext as BufferSource,
    );
    return new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch {
    return null;
  }
}
