import { TOTP, Secret } from 'otpauth';
import { describe, expect, it } from 'vitest';
import { newRecoveryCodes, newTotpSecret, normalizeRecoveryCode, totpCode, totpQrSvg, totpUri, verifyTotp } from './auth.totp.js';

const T = Date.parse('2026-11-30T12:00:10Z');

describe('TOTP', () => {
  it('accepts the code of now, and of the steps either side (clock drift), and no other', () => {
    const secret = newTotpSecret();
    expect(verifyTotp(secret, totpCode(secret, T), T, null)).toBe(Math.floor(T / 30_000));
    expect(verifyTotp(secret, totpCode(secret, T - 30_000), T, null)).toBe(Math.floor(T / 30_000) - 1);
    expect(verifyTotp(secret, totpCode(secret, T + 30_000), T, null)).toBe(Math.floor(T / 30_000) + 1);
    expect(verifyTotp(secret, totpCode(secret, T - 90_000), T, null)).toBeNull();
  });

  it('refuses a code whose step was already used', () => {
    const secret = newTotpSecret();
    const code = totpCode(secret, T);
    const step = verifyTotp(secret, code, T, null)!;
    expect(verifyTotp(secret, code, T + 5_000, step)).toBeNull();
    expect(verifyTotp(secret, totpCode(secret, T + 30_000), T + 30_000, step)).toBe(step + 1);
  });

  it('refuses what is not six digits, and takes spaces typed inside', () => {
    const secret = newTotpSecret();
    const code = totpCode(secret, T);
    expect(verifyTotp(secret, `${code.slice(0, 3)} ${code.slice(3)}`, T, null)).not.toBeNull();
    expect(verifyTotp(secret, 'abcdef', T, null)).toBeNull();
    expect(verifyTotp(secret, `${code}0`, T, null)).toBeNull();
  });

  it('makes codes an authenticator app reading the URI agrees with', () => {
    const secret = newTotpSecret();
    const uri = totpUri(secret, 'admin@example.org', 'The Harbour Ledger');
    expect(uri).toMatch(/^otpauth:\/\/totp\/The%20Harbour%20Ledger:admin%40example\.org\?/);
    expect(uri).toContain(`secret=${secret}`);
    const app = new TOTP({ secret: Secret.fromBase32(secret) });
    expect(verifyTotp(secret, app.generate({ timestamp: T }), T, null)).not.toBeNull();
  });

  it('draws the URI as an SVG QR code', () => {
    const svg = totpQrSvg('otpauth://totp/x:y?secret=JBSWY3DPEHPK3PXP');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('</svg>');
  });
});

describe('recovery codes', () => {
  it('are ten different codes, compared without case or dashes', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    expect(normalizeRecoveryCode(` ${codes[0]!.toUpperCase()} `)).toBe(codes[0]!.replace(/-/g, ''));
  });
});
