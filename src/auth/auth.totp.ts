// The second factor: RFC 6238 codes (30-second steps, 6 digits, SHA-1, which is what every
// authenticator app reads from an otpauth:// URI) through otpauth, the QR code through uqr.
// Both are plain JavaScript over Web Crypto / no I/O, so they run in workerd as on Node.
import { Secret, TOTP } from 'otpauth';
import { renderSVG } from 'uqr';

const PERIOD_S = 30;

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totpOf(secret: string, label = 'staff', issuer = 'Storyfund'): TOTP {
  return new TOTP({ issuer, label, secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: PERIOD_S });
}

/** What an authenticator app scans: otpauth://totp/Issuer:label?secret=… */
export function totpUri(secret: string, label: string, issuer: string): string {
  return totpOf(secret, label, issuer).toString();
}

/** The QR code of the URI as an inline SVG document fragment. */
export function totpQrSvg(uri: string): string {
  return renderSVG(uri, { ecc: 'M', border: 2 });
}

/** The code for a moment (tests, and nothing else, compute codes). */
export function totpCode(secret: string, nowMs: number): string {
  return totpOf(secret).generate({ timestamp: nowMs });
}

/**
 * The time step of an accepted code, or null. One step either side is accepted for clock
 * drift; a step at or before `lastStep` is refused so a code seen over a shoulder cannot
 * be replayed within its window.
 */
export function verifyTotp(secret: string, code: string, nowMs: number, lastStep: number | null): number | null {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return null;
  const delta = totpOf(secret).validate({ token, timestamp: nowMs, window: 1 });
  if (delta === null) return null;
  const step = Math.floor(nowMs / 1000 / PERIOD_S) + delta;
  if (lastStep !== null && step <= lastStep) return null;
  return step;
}

export const RECOVERY_CODE_COUNT = 10;

/** Ten codes like "k3p9-x2mq-7hte": 60 random bits each, easy to type from paper. */
export function newRecoveryCodes(): string[] {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const bytes = crypto.getRandomValues(new Uint8Array(12));
    const chars = [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
    return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`;
  });
}

/** Recovery codes are compared as typed without case, spaces or dashes. */
export function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[^a-z0-9]/g, '');
}
