import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { keyProblem, parseKey256, SecretBytes } from '../lib/crypto.js';
import { isSealed, openTotpSecret, sealTotpSecret, type StaffSecretKeys } from './auth.secrets.js';
import { newTotpSecret } from './auth.totp.js';

const KEY_A = 'a1'.repeat(8) + '0f1e2d3c4b5a69788796a5b4c3d2e1f0' + 'c4'.repeat(8);
const KEY_B = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 11) % 256)).toString('base64');

const keysOf = (current: string, previous?: string): StaffSecretKeys => ({
  current: new SecretBytes(parseKey256(current)!),
  previous: previous ? new SecretBytes(parseKey256(previous)!) : null,
});

describe('staff TOTP secrets sealed at rest', () => {
  it('round-trips under the current key, and the stored value is never the secret', async () => {
    const keys = keysOf(KEY_A);
    const secret = newTotpSecret();
    const stored = await sealTotpSecret(keys, 'stf_1', secret);
    expect(stored).toMatch(/^v1:[0-9a-f]{8}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
    expect(stored).not.toContain(secret);
    expect(isSealed(stored)).toBe(true);
    expect(await openTotpSecret(keys, 'stf_1', stored)).toEqual({ ok: true, secret, reseal: false });
    // a fresh nonce each time: the same secret never gives the same stored value
    expect(await sealTotpSecret(keys, 'stf_1', secret)).not.toBe(stored);
  });

  it('refuses a value moved to another staff row', async () => {
    const keys = keysOf(KEY_A);
    const stored = await sealTotpSecret(keys, 'stf_1', newTotpSecret());
    expect(await openTotpSecret(keys, 'stf_2', stored)).toMatchObject({
      ok: false,
      reason: 'tampered',
      message: expect.stringContaining('copied from another'),
    });
  });

  it('refuses a value sealed under another key, naming both key settings', async () => {
    const stored = await sealTotpSecret(keysOf(KEY_A), 'stf_1', newTotpSecret());
    const opened = await openTotpSecret(keysOf(KEY_B), 'stf_1', stored);
    expect(opened).toMatchObject({ ok: false, reason: 'unknown_key' });
    expect(opened.ok || opened.message).toContain('STAFF_SECRETS_KEY_PREVIOUS');
  });

  it('refuses a tampered value: any changed character of iv or ciphertext, or a forged key id', async () => {
    const keys = keysOf(KEY_A);
    const stored = await sealTotpSecret(keys, 'stf_1', newTotpSecret());
    const [v, id, iv, ct] = stored.split(':') as [string, string, string, string];
    const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
    for (const bad of [
      [v, id, flip(iv, 3), ct],
      [v, id, iv, flip(ct, 0)],
      [v, id, iv, flip(ct, ct.length - 2)],
      [v, id, iv, ct.slice(0, -4)],
    ])
      expect(await openTotpSecret(keys, 'stf_1', bad.join(':'))).toMatchObject({ ok: false, reason: 'tampered' });
    // sealed under KEY_B but labelled with KEY_A's id
    const other = (await sealTotpSecret(keysOf(KEY_B), 'stf_1', newTotpSecret())).split(':');
    expect(await openTotpSecret(keys, 'stf_1', [v, id, other[2], other[3]].join(':'))).toMatchObject({ ok: false, reason: 'tampered' });
    for (const junk of ['v1:zz:aa:bb', 'v1:0123abcd:aa', 'not a secret', 'v2:0123abcd:aa:bb'])
      expect(await openTotpSecret(keys, 'stf_1', junk)).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('cannot open a sealed value with no key set, and says which setting is missing', async () => {
    const stored = await sealTotpSecret(keysOf(KEY_A), 'stf_1', newTotpSecret());
    expect(await openTotpSecret(null, 'stf_1', stored)).toMatchObject({ ok: false, reason: 'no_key', message: expect.stringContaining('STAFF_SECRETS_KEY') });
  });

  it('reads a plain base32 secret from before sealing, and asks for it to be sealed once a key is set', async () => {
    const secret = newTotpSecret();
    expect(await openTotpSecret(keysOf(KEY_A), 'stf_1', secret)).toEqual({ ok: true, secret, reseal: true });
    // without a key (development) it stays as it is
    expect(await openTotpSecret(null, 'stf_1', secret)).toEqual({ ok: true, secret, reseal: false });
    expect(await sealTotpSecret(null, 'stf_1', secret)).toBe(secret);
  });

  it('opens values sealed under the previous key during a rotation, and asks for them to be sealed again', async () => {
    const secret = newTotpSecret();
    const old = await sealTotpSecret(keysOf(KEY_A), 'stf_1', secret);
    const rotated = keysOf(KEY_B, KEY_A);
    expect(await openTotpSecret(rotated, 'stf_1', old)).toEqual({ ok: true, secret, reseal: true });
    const again = await sealTotpSecret(rotated, 'stf_1', secret);
    expect(again.split(':')[1]).not.toBe(old.split(':')[1]);
    expect(await openTotpSecret(rotated, 'stf_1', again)).toEqual({ ok: true, secret, reseal: false });
    // once the previous key is removed, only values sealed again open
    expect(await openTotpSecret(keysOf(KEY_B), 'stf_1', again)).toMatchObject({ ok: true });
    expect(await openTotpSecret(keysOf(KEY_B), 'stf_1', old)).toMatchObject({ ok: false, reason: 'unknown_key' });
  });
});

describe('the STAFF_SECRETS_KEY settings', () => {
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig({ NODE_ENV: 'test', ...env });
      return [];
    } catch (e) {
      return (e as { problems: string[] }).problems;
    }
  };

  it('take 32 bytes as hex or base64 (standard or URL-safe, padded or not)', () => {
    const bytes = parseKey256(KEY_A)!;
    expect(bytes).toHaveLength(32);
    const b64 = Buffer.from(bytes).toString('base64');
    const url = Buffer.from(bytes).toString('base64url');
    expect(parseKey256(b64)).toEqual(bytes);
    expect(parseKey256(url)).toEqual(bytes);
    expect(parseKey256(KEY_A.toUpperCase())).toEqual(bytes);
    for (const bad of [KEY_A.slice(2), `${KEY_A}00`, Buffer.alloc(16, 7).toString('base64'), 'not a key at all', `${KEY_A.slice(0, 62)}zz`])
      expect(parseKey256(bad)).toBeNull();
    expect(keyProblem('00'.repeat(32))).toContain('placeholder');
  });

  it('stop start-up naming the setting, never its value', () => {
    const bad = `${KEY_A.slice(0, 60)}`;
    const found = problems({ STAFF_SECRETS_KEY: bad, STAFF_SECRETS_KEY_PREVIOUS: '11'.repeat(32) });
    expect(found).toEqual([
      expect.stringMatching(/^STAFF_SECRETS_KEY must be 32 random bytes/),
      expect.stringMatching(/^STAFF_SECRETS_KEY_PREVIOUS is one byte repeated/),
    ]);
    expect(found.join('\n')).not.toContain(bad);
    expect(problems({ STAFF_SECRETS_KEY_PREVIOUS: KEY_A })).toEqual([expect.stringContaining('STAFF_SECRETS_KEY_PREVIOUS needs STAFF_SECRETS_KEY')]);
    expect(problems({ STAFF_SECRETS_KEY: KEY_A, STAFF_SECRETS_KEY_PREVIOUS: Buffer.from(parseKey256(KEY_A)!).toString('base64') })).toEqual([
      expect.stringContaining('is the same key as STAFF_SECRETS_KEY'),
    ]);
  });

  it('are required in production, optional elsewhere', () => {
    const live = { NODE_ENV: 'production', MAIL_TRANSPORT: 'none', STRIPE_SECRET_KEY: 'sk_live_123', STRIPE_WEBHOOK_SECRET: 'whsec_abc' };
    expect(problems(live)).toEqual([expect.stringContaining('STAFF_SECRETS_KEY is required in production')]);
    expect(problems({ ...live, STAFF_SECRETS_KEY: KEY_A })).toEqual([]);
    expect(loadConfig({ NODE_ENV: 'development' }).staffSecrets).toBeNull();
  });

  it('never print the key, whichever way the config is shown', () => {
    const config = loadConfig({ NODE_ENV: 'test', STAFF_SECRETS_KEY: KEY_A, STAFF_SECRETS_KEY_PREVIOUS: KEY_B });
    const shown = [JSON.stringify(config), inspect(config, { depth: 10 }), String(config.staffSecrets?.current)].join('\n');
    expect(shown).toContain('[redacted]');
    expect(shown).not.toContain(KEY_A);
    expect(shown).not.toContain(KEY_B);
    // nor its bytes as numbers
    const first = [...parseKey256(KEY_A)!.slice(0, 4)];
    expect(shown).not.toContain(first.join(','));
    expect(shown).not.toContain(first.join(', '));
  });
});
