// The address the audit log and the card-testing limits key on, through the real Node server
// over HTTP: X-Forwarded-For counts only when the peer is a proxy named in TRUSTED_PROXIES.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from './helpers/server.js';

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function failedSignInAddress(s: RunningServer, forwardedFor: string): Promise<unknown> {
  const res = await fetch(`${s.url}/staff/signin`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: s.url, 'x-forwarded-for': forwardedFor },
    body: new URLSearchParams({ email: 'nobody@example.org', password: 'not the password' }),
    redirect: 'manual',
  });
  expect(res.status).toBeLessThan(500);
  const db = new Database(s.dbPath, { readonly: true });
  try {
    return db.prepare(`select ip from audit_log where action = 'signin.failed'`).all();
  } finally {
    db.close();
  }
}

describe('the client address behind a proxy', () => {
  it('is the socket peer by default, whatever X-Forwarded-For claims', async () => {
    server = await startServer();
    expect(await failedSignInAddress(server, '203.0.113.7')).toEqual([{ ip: '127.0.0.1' }]);
  });

  it('is the forwarded client when the peer is a trusted proxy (here the test, over loopback)', async () => {
    server = await startServer({ TRUSTED_PROXIES: 'loopback' });
    expect(await failedSignInAddress(server, '192.0.2.1, 203.0.113.7')).toEqual([{ ip: '203.0.113.7' }]);
  });
});
