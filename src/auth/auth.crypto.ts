// Secrets of identity, on Web Crypto only so the same code runs on Node and in workerd.
import { timingSafeEqualText } from '../lib/crypto.js';

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function base64(bytes: ArrayBuffer | Uint8Array): string {
  let s = '';
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** 256 random bits, URL-safe: session tokens, link tokens, CSRF tokens. */
export function randomToken(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/**
 * What the database keeps of a token. A token already carries 256 random bits, so a plain
 * SHA-256 (no salt, no stretching) is enough to make a stolen table useless, and lets the
 * row be found by its hash.
 */
export async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/**
 * PBKDF2-SHA256 iterations for new password hashes. Workers refuse more than 100,000
 * (docs/decisions/0003-password-hashing.md); each hash stores its own count, so raising
 * this later only affects new hashes and old ones keep verifying.
 */
export const PBKDF2_ITERATIONS = 100_000;
const SALT_BYTES = 16;
const HASH_BITS = 256;

export type PasswordHash = { hash: string; salt: string; iterations: number };

export const PASSWORD_MIN_LENGTH = 12;
/** bounds the work one sign-in attempt can make the server do */
export const PASSWORD_MAX_LENGTH = 256;

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<string> {
  // NFKC: the same password typed on two keyboards (composed or decomposed accents) is one password
  const key = await crypto.subtle.importKey('raw', encoder.encode(password.normalize('NFKC')), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: salt as BufferSource, iterations }, key, HASH_BITS);
  return base64(bits);
}

export async function hashPassword(password: string, iterations = PBKDF2_ITERATIONS): Promise<PasswordHash> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  return { hash: await derive(password, salt, iterations), salt: base64(salt), iterations };
}

// Hashed against when there is no real hash (unknown email, no password yet), so a wrong
// email costs the same time as a wrong password and answers cannot tell them apart.
const DUMMY: PasswordHash = { hash: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', salt: 'c3RvcnlmdW5kLWR1bW15', iterations: PBKDF2_ITERATIONS };

/** True when `password` matches `stored`; with no stored hash it does the same work and answers false. */
export async function verifyPassword(password: string, stored: PasswordHash | null): Promise<boolean> {
  const target = stored ?? DUMMY;
  const derived = await derive(password.slice(0, PASSWORD_MAX_LENGTH), fromBase64(target.salt), target.iterations);
  const same = await timingSafeEqualText(derived, target.hash);
  return stored !== null && same;
}
