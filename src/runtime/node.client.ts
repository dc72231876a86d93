// Who is asking, on Node: the socket's peer, or (behind proxies named in TRUSTED_PROXIES) the
// nearest address in X-Forwarded-For that is not one of them. The card-testing limits and
// the audit log key on this address, so a forwarded header is believed only from a trusted
// peer: from anyone else it would let a client pick its own address. Node-only (Workers read
// Cloudflare's cf-connecting-ip).
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import proxyaddr from 'proxy-addr';
import { ConfigError } from '../config.js';

export type AddressReader = (peer: string | undefined, forwardedFor: string | undefined) => string | null;

/** Throws a ConfigError naming TRUSTED_PROXIES when an entry is not an address, a range or a known name. */
export function addressReader(trustedProxies: readonly string[]): AddressReader {
  if (!trustedProxies.length) return (peer) => peer ?? null;
  let trust: ReturnType<typeof proxyaddr.compile>;
  try {
    trust = proxyaddr.compile([...trustedProxies]);
  } catch (err) {
    throw new ConfigError([
      `TRUSTED_PROXIES ${err instanceof Error ? err.message : String(err)}: each entry must be an IP address, a CIDR range (10.0.0.0/8) or loopback, linklocal, uniquelocal`,
    ]);
  }
  return (peer, forwardedFor) => {
    if (!peer) return null;
    const headers: Record<string, string> = forwardedFor ? { 'x-forwarded-for': forwardedFor } : {};
    // proxy-addr reads a Node request's socket and headers; these two are all it needs
    const req = { socket: { remoteAddress: peer }, headers } as unknown as Parameters<typeof proxyaddr>[0];
    return proxyaddr(req, trust);
  };
}

export function nodeClientAddress(trustedProxies: readonly string[]): (c: Context) => string | null {
  const read = addressReader(trustedProxies);
  return (c) => {
    let peer: string | undefined;
    try {
      peer = getConnInfo(c).remote.address;
    } catch {
      // a request the app made to itself (the sandbox delivering an event) has no socket
      return null;
    }
    return read(peer, c.req.header('x-forwarded-for'));
  };
}
