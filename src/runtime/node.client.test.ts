import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config.js';
import { addressReader } from './node.client.js';

describe('the client address on Node', () => {
  it('is the socket peer when no proxy is trusted, whatever X-Forwarded-For claims', () => {
    const read = addressReader([]);
    expect(read('198.51.100.4', '203.0.113.7')).toBe('198.51.100.4');
    expect(read(undefined, '203.0.113.7')).toBeNull();
  });

  it('behind trusted proxies, is the nearest forwarded address that is not a proxy', () => {
    const read = addressReader(['loopback', '10.0.0.0/8']);
    expect(read('127.0.0.1', '203.0.113.7')).toBe('203.0.113.7');
    // a client's own X-Forwarded-For entry comes first; the proxies append the real peer after it
    expect(read('127.0.0.1', '192.0.2.1, 203.0.113.7, 10.1.2.3')).toBe('203.0.113.7');
    expect(read('::ffff:127.0.0.1', '203.0.113.9')).toBe('203.0.113.9');
    expect(read('127.0.0.1', undefined)).toBe('127.0.0.1');
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
    expect(addressReader(['10.0.0.0/8'])('198.51.100.4', '203.0.113.7')).toBe('198.51.100.4');
  });

  it('refuses a setting that is not an address, range or known name, naming TRUSTED_PROXIES', () => {
    expect(() => addressReader(['10.0.0.0/8', 'the load balancer'])).toThrow(ConfigError);
    expect(() => addressReader(['10.0.0.0/99'])).toThrow(/^Invalid configuration:\n {2}- TRUSTED_PROXIES .*10\.0\.0\.0\/99/);
  });
});
