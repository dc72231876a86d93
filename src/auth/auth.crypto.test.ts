import { describe, expect, it } from 'vitest';
import { hashPassword, PBKDF2_ITERATIONS, randomToken, sha256Hex, verifyPassword } from './auth.crypto.js';

describe('password hashing', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored.iterations).toBe(PBKDF2_ITERATIONS);
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', stored)).toBe(false);
  });

  it('stays within the 100,000 iterations Workers allow (the local workerd does not enforce it)', () => {
    expect(PBKDF2_ITERATIONS).toBeLessThanOrEqual(100_000);
  });

  it('salts each hash, so one password hashes two ways', async () => {
    const a = await hashPassword('same password here');
    const b = await hashPassword('same password here');
    expect(a.salt).not.toBe(b.salt);
    expect(a.hash).not.toBe(b.hash);
  });

  it('keeps verifying a hash made with other iterations (the count is stored beside it)', async () => {
    const older = await hashPassword('raised later on', 1_000);
    expect(older.iterations).toBe(1_000);
    expect(await verifyPassword('raised later on', older)).toBe(true);
    expect(await verifyPassword('raised later on', { ...older, iterations: 2_000 })).toBe(false);
  });

  it('treats composed and decomposed accents as the same password', async () => {
    const stored = await hashPassword('caf\u00e9 au lait please');
    expect(await verifyPassword('cafe\u0301 au lait please', stored)).toBe(true);
  });

  it('answers false with no stored hash (unknown account), whatever the password', async () => {
    expect(await verifyPassword('', null)).toBe(false);
    expect(await verifyPassword('anything at all', null)).toBe(false);
  });
});

describe('tokens', () => {
  it('are 43 URL-safe characters and differ each time', () => {
    const a = randomToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomToken()).not.toBe(a);
  });

  it('are stored as their SHA-256', async () => {
    expect(await sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
