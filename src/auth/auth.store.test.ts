// Throttles, sessions and sign-in links against a real SQLite database, time from deps.now.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateNodeDb, openNodeDb, type NodeDb } from '../../db/node.js';
import { loadConfig } from '../config.js';
import { createMailPort } from '../mail/mail.port.js';
import { LINK_VALID_MS, newLink, peekLink, useLink } from './auth.links.js';
import { findSession, pruneIdentity } from './auth.repo.js';
import { newSession, SECOND_FACTOR_MS, sessionExpired } from './auth.sessions.js';
import { checkThrottles, countAttempt, resetThrottle, verdictOf, waitText } from './auth.throttle.js';

const MIN = 60_000;
let handle: NodeDb;
let clock: number;
const config = loadConfig({ NODE_ENV: 'test', PUBLIC_URL: 'https://support.example.org', STAFF_SESSION_IDLE_MINUTES: '30', STAFF_SESSION_MAX_HOURS: '8' });
const deps = () => ({ db: handle.db, config, now: () => clock, mail: createMailPort(() => clock) });

beforeEach(() => {
  handle = openNodeDb(':memory:');
  migrateNodeDb(handle);
  clock = Date.parse('2026-11-30T09:00:00Z');
});
afterEach(() => handle.close());

describe('throttles', () => {
  const rule = { limit: 3, windowMs: 15 * MIN };
  const check = [{ key: 'signin:staff:a@example.org', rule }];

  it('blocks at the limit until the window ends, then counts afresh', async () => {
    for (let i = 0; i < 2; i++) await handle.db.atomic(countAttempt(handle.db, check, clock + i * MIN));
    expect(await checkThrottles(handle.db, check, clock + 2 * MIN)).toEqual({ blocked: false });
    await handle.db.atomic(countAttempt(handle.db, check, clock + 2 * MIN));
    expect(await checkThrottles(handle.db, check, clock + 3 * MIN)).toEqual({ blocked: true, retryAfterMs: 12 * MIN });
    // the window started at the first attempt and ends 15 minutes after it
    expect(await checkThrottles(handle.db, check, clock + 15 * MIN)).toEqual({ blocked: false });
    await handle.db.atomic(countAttempt(handle.db, check, clock + 16 * MIN));
    expect(await handle.sqlite.prepare('select window_start, count from throttles').all()).toEqual([{ window_start: clock + 16 * MIN, count: 1 }]);
  });

  it('keeps keys apart, and a reset clears one', async () => {
    const other = [{ key: 'signin:staff:b@example.org', rule }];
    for (let i = 0; i < 3; i++) await handle.db.atomic(countAttempt(handle.db, check, clock));
    expect((await checkThrottles(handle.db, other, clock)).blocked).toBe(false);
    await handle.db.atomic([resetThrottle(handle.db, check[0]!.key)]);
    expect((await checkThrottles(handle.db, check, clock)).blocked).toBe(false);
  });

  it('reports the longest wait of the checks that block', () => {
    const rows = [
      { key: 'a', windowStart: 0, count: 5 },
      { key: 'b', windowStart: 10 * MIN, count: 9 },
    ];
    expect(
      verdictOf(
        rows,
        [
          { key: 'a', rule: { limit: 5, windowMs: 15 * MIN } },
          { key: 'b', rule: { limit: 9, windowMs: 15 * MIN } },
        ],
        12 * MIN,
      ),
    ).toEqual({ blocked: true, retryAfterMs: 13 * MIN });
    expect(waitText(13 * MIN)).toBe('13 minutes');
    expect(waitText(1)).toBe('1 minute');
  });
});

describe('sessions', () => {
  it('stores the token only as its hash, with a CSRF token of its own', async () => {
    const s = await newSession(deps(), { kind: 'staff', subjectId: 'stf_1', stage: 'active', userAgent: 'ua' });
    await handle.db.atomic(s.statements);
    const rows = handle.sqlite.prepare('select * from sessions').all() as Record<string, unknown>[];
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(s.token);
    expect(rows[0]).toMatchObject({ token_hash: s.tokenHash, kind: 'staff', subject_id: 'stf_1', csrf_token: s.csrfToken, expires_at: clock + 8 * 60 * MIN });
  });

  it('ends after the idle time without a request, and at the absolute time whatever the activity', async () => {
    const s = await newSession(deps(), { kind: 'staff', subjectId: 'stf_1', stage: 'active', userAgent: null });
    await handle.db.atomic(s.statements);
    const row = (await findSession(handle.db, s.tokenHash))!;
    expect(sessionExpired(row, config, clock + 29 * MIN)).toBe(false);
    expect(sessionExpired(row, config, clock + 30 * MIN)).toBe(true);
    // active all day: last seen a minute ago, but 8 hours since sign-in
    expect(sessionExpired({ ...row, lastSeenAt: clock + 8 * 60 * MIN - MIN }, config, clock + 8 * 60 * MIN - 1)).toBe(false);
    expect(sessionExpired({ ...row, lastSeenAt: clock + 8 * 60 * MIN - MIN }, config, clock + 8 * 60 * MIN)).toBe(true);
  });

  it('gives a half-finished sign-in (second factor to come) ten minutes', async () => {
    const s = await newSession(deps(), { kind: 'staff', subjectId: 'stf_1', stage: 'second_factor', userAgent: null });
    await handle.db.atomic(s.statements);
    const row = (await findSession(handle.db, s.tokenHash))!;
    expect(row.expiresAt).toBe(clock + SECOND_FACTOR_MS);
    expect(sessionExpired(row, config, clock + SECOND_FACTOR_MS)).toBe(true);
  });

  it('ends the session it replaces', async () => {
    const first = await newSession(deps(), { kind: 'supporter', subjectId: 'sup_1', stage: 'active', userAgent: null });
    await handle.db.atomic(first.statements);
    const second = await newSession(deps(), { kind: 'supporter', subjectId: 'sup_1', stage: 'active', userAgent: null, replacing: first.token });
    await handle.db.atomic(second.statements);
    expect(await findSession(handle.db, first.tokenHash)).toBeNull();
    expect(await findSession(handle.db, second.tokenHash)).not.toBeNull();
  });
});

describe('sign-in links', () => {
  it('work once, store only a hash, and queue the email that carries them', async () => {
    const link = await newLink(deps(), { purpose: 'supporter_signin', email: 'reader@example.com', subjectId: 'sup_1' });
    await handle.db.atomic(link.statements);
    const token = new URL(link.url).searchParams.get('token')!;
    expect(link.url.startsWith('https://support.example.org/signin/link?token=')).toBe(true);
    expect(JSON.stringify(handle.sqlite.prepare('select * from verifications').all())).not.toContain(token);
    const email = handle.sqlite.prepare('select template, to_address, props from outbox').get() as { template: string; to_address: string; props: string };
    expect(email).toMatchObject({ template: 'signin_link', to_address: 'reader@example.com' });
    expect(JSON.parse(email.props)).toMatchObject({ url: link.url, purpose: 'supporter_signin', validMinutes: 15 });

    expect(await peekLink(handle.db, token, 'supporter_signin', clock)).not.toBeNull();
    expect(await useLink(handle.db, token, 'staff_password', clock)).toBeNull();
    expect((await useLink(handle.db, token, 'supporter_signin', clock))?.subjectId).toBe('sup_1');
    expect(await useLink(handle.db, token, 'supporter_signin', clock)).toBeNull();
    expect(await peekLink(handle.db, token, 'supporter_signin', clock)).toBeNull();
  });

  it('stop working 15 minutes after they are made', async () => {
    const link = await newLink(deps(), { purpose: 'staff_password', email: 'staff@example.org', subjectId: 'stf_1', send: false });
    await handle.db.atomic(link.statements);
    const token = new URL(link.url).searchParams.get('token')!;
    expect(handle.sqlite.prepare('select count(*) as n from outbox').get()).toEqual({ n: 0 });
    expect(await peekLink(handle.db, token, 'staff_password', clock + LINK_VALID_MS - 1)).not.toBeNull();
    expect(await useLink(handle.db, token, 'staff_password', clock + LINK_VALID_MS)).toBeNull();
  });

  it('refuse a made-up or malformed token without a lookup', async () => {
    expect(await useLink(handle.db, 'x'.repeat(43), 'supporter_signin', clock)).toBeNull();
    expect(await useLink(handle.db, "' or 1=1 --", 'supporter_signin', clock)).toBeNull();
    expect(await useLink(handle.db, undefined, 'supporter_signin', clock)).toBeNull();
  });
});

describe('housekeeping', () => {
  it('removes sessions past their absolute expiry, links a day after expiry, day-old throttle windows', async () => {
    const live = await newSession(deps(), { kind: 'supporter', subjectId: 'sup_1', stage: 'active', userAgent: null });
    const done = await newSession(deps(), { kind: 'staff', subjectId: 'stf_1', stage: 'second_factor', userAgent: null });
    const link = await newLink(deps(), { purpose: 'supporter_signin', email: 'a@example.com', subjectId: 'sup_1', send: false });
    await handle.db.atomic([
      ...live.statements,
      ...done.statements,
      ...link.statements,
      ...countAttempt(handle.db, [{ key: 'k', rule: { limit: 1, windowMs: MIN } }], clock),
    ]);
    const later = clock + 86_400_000 + LINK_VALID_MS + 1;
    expect(await pruneIdentity(handle.db, later)).toEqual({ sessions: 1, links: 1, throttles: 1 });
    expect(await findSession(handle.db, live.tokenHash)).not.toBeNull();
  });
});
