// Staff TOTP secrets sealed at rest (docs/decisions/0009-staff-secrets-at-rest.md). A
// stored value is either `v1:<key id>:<iv>:<ciphertext>` (AES-256-GCM under
// STAFF_SECRETS_KEY, the staff id authenticated with it) or, from before sealing or with no
// key set, the base32 secret itself. Web Crypto only, so Node and workerd run the same code.
import type { Config } from '../config.js';
import { aesGcmOpen, aesGcmSeal, fromBase64Any, keyId, toBase64Url } from '../lib/crypto.js';

export type StaffSecretKeys = Config['staffSecrets'];

const VERSION = 'v1';
const BASE32 = /^[A-Z2-7]+=*$/;

/**
 * What the ciphertext is bound to: the column, the format and the row. A sealed value
 * copied onto another staff member's row, or into another column, does not open.
 */
const contextOf = (staffId: string) => `storyfund:staff.totp_secret:${VERSION}:${staffId}`;

export type UnreadableReason = 'no_key' | 'unknown_key' | 'tampered' | 'malformed';

export type OpenedSecret =
  | {
      ok: true;
      secret: string;
      /** stored in plain text or under the previous key: seal it again under the current key */
      reseal: boolean;
    }
  | { ok: false; reason: UnreadableReason; message: string };

const REASONS: Record<UnreadableReason, string> = {
  no_key: 'the stored second-factor secret is encrypted and STAFF_SECRETS_KEY is not set',
  unknown_key: 'the stored second-factor secret was encrypted with a key that is neither STAFF_SECRETS_KEY nor STAFF_SECRETS_KEY_PREVIOUS',
  tampered: 'the stored second-factor secret does not decrypt: it was altered, or copied from another staff member',
  malformed: 'the stored second-factor secret is neither an encrypted value nor a base32 secret',
};

const unreadable = (reason: UnreadableReason): OpenedSecret => ({ ok: false, reason, message: REASONS[reason] });

/** Whether a stored value is sealed (rather than a plain base32 secret). */
export function isSealed(stored: string): boolean {
  return stored.startsWith(`${VERSION}:`);
}

/** The value to store for `secret`: sealed under the current key, or the secret itself with no key. */
export async function sealTotpSecret(keys: StaffSecretKeys, staffId: string, secret: string): Promise<string> {
  if (!keys) return secret;
  const key = keys.current.bytes;
  const { iv, ciphertext } = await aesGcmSeal(key, secret, contextOf(staffId));
  return `${VERSION}:${await keyId(key)}:${toBase64Url(iv)}:${toBase64Url(ciphertext)}`;
}

/** The base32 secret of a stored value, or why it cannot be read. Never throws. */
export async function openTotpSecret(keys: StaffSecretKeys, staffId: string, stored: string): Promise<OpenedSecret> {
  if (!isSealed(stored)) {
    if (!BASE32.test(stored)) return unreadable('malformed');
    // from before secrets were sealed (or a deployment without a key): read it, and seal it once a key is set
    return { ok: true, secret: stored, reseal: keys !== null };
  }
  const parts = stored.split(':');
  if (parts.length !== 4) return unreadable('malformed');
  const [, id, ivText, sealedText] = parts as [string, string, string, string];
  const iv = fromBase64Any(ivText);
  const ciphertext = fromBase64Any(sealedText);
  if (!iv || !ciphertext || !/^[0-9a-f]{8}$/.test(id)) return unreadable('malformed');
  if (!keys) return unreadable('no_key');
  const candidates = [{ key: keys.current.bytes, previous: false }, ...(keys.previous ? [{ key: keys.previous.bytes, previous: true }] : [])];
  let named = false;
  for (const c of candidates) {
    if ((await keyId(c.key)) !== id) continue;
    named = true;
    const secret = await aesGcmOpen(c.key, iv, ciphertext, contextOf(staffId));
    if (secret !== null && BASE32.test(secret)) return { ok: true, secret, reseal: c.previous };
  }
  return unreadable(named ? 'tampered' : 'unknown_key');
}
