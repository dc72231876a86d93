// Every statement on the identity tables. Reads run at once; writes are returned as
// statements so a caller runs them in one atomic() with whatever else changes with them
// (audit rows, throttle counters, queued emails).
import { and, desc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db, Statement } from '../../db/db.js';
import {
  auditLog,
  sessions,
  staff,
  staffRecoveryCodes,
  supporters,
  throttles,
  verifications,
  type SessionKind,
  type StaffRole,
  type VerificationPurpose,
} from '../../db/schema.js';
import type { PasswordHash } from './auth.crypto.js';

export type StaffRow = typeof staff.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;
export type VerificationRow = typeof verifications.$inferSelect;
export type AuditRow = typeof auditLog.$inferSelect;
export type ThrottleRow = typeof throttles.$inferSelect;
export type SupporterRow = typeof supporters.$inferSelect;

// ---- staff

export async function findStaffByEmail(db: Db, email: string): Promise<StaffRow | null> {
  return (await db.orm.select().from(staff).where(eq(staff.email, email)).limit(1))[0] ?? null;
}

export async function findStaff(db: Db, id: string): Promise<StaffRow | null> {
  return (await db.orm.select().from(staff).where(eq(staff.id, id)).limit(1))[0] ?? null;
}

export async function listStaff(db: Db): Promise<StaffRow[]> {
  return db.orm.select().from(staff).orderBy(staff.email);
}

export function insertStaff(db: Db, row: { id: string; email: string; name: string; role: StaffRole; password: PasswordHash | null; now: number }): Statement {
  return db.orm.insert(staff).values({
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    passwordHash: row.password?.hash ?? null,
    passwordSalt: row.password?.salt ?? null,
    passwordIterations: row.password?.iterations ?? null,
    createdAt: row.now,
    updatedAt: row.now,
  });
}

export function setStaffPassword(db: Db, id: string, password: PasswordHash, now: number): Statement {
  return db.orm
    .update(staff)
    .set({ passwordHash: password.hash, passwordSalt: password.salt, passwordIterations: password.iterations, updatedAt: now })
    .where(eq(staff.id, id));
}

export function setStaffRole(db: Db, id: string, role: StaffRole, now: number): Statement {
  return db.orm.update(staff).set({ role, updatedAt: now }).where(eq(staff.id, id));
}

export function setStaffDisabled(db: Db, id: string, disabled: boolean, now: number): Statement {
  return db.orm.update(staff).set({ disabled, updatedAt: now }).where(eq(staff.id, id));
}

/**
 * A secret for enrolment (the stored form: sealed when a key is set); only trusted once
 * enrolment confirms a code from it. Written only over `replacing` (null: no secret yet), so
 * of two tabs starting enrolment together the first one's secret stays.
 */
export function setPendingTotpSecret(db: Db, id: string, stored: string, now: number, replacing: string | null = null): Statement {
  return db.orm
    .update(staff)
    .set({ totpSecret: stored, updatedAt: now })
    .where(and(eq(staff.id, id), isNull(staff.totpEnrolledAt), replacing === null ? isNull(staff.totpSecret) : eq(staff.totpSecret, replacing)));
}

/** The same secret stored again (sealed under the current key), unless it changed meanwhile. */
export function resealTotpSecret(db: Db, id: string, stored: string, was: string): Statement {
  return db.orm
    .update(staff)
    .set({ totpSecret: stored })
    .where(and(eq(staff.id, id), eq(staff.totpSecret, was)));
}

export function confirmTotp(db: Db, id: string, step: number, now: number): Statement {
  return db.orm.update(staff).set({ totpEnrolledAt: now, totpLastStep: step, updatedAt: now }).where(eq(staff.id, id));
}

/** Records the step just used; a concurrent use of the same step updates nothing. */
export function useTotpStep(db: Db, id: string, step: number) {
  return db.orm
    .update(staff)
    .set({ totpLastStep: step })
    .where(and(eq(staff.id, id), or(isNull(staff.totpLastStep), lt(staff.totpLastStep, step))))
    .returning({ id: staff.id });
}

export function replaceRecoveryCodes(db: Db, staffId: string, codeHashes: string[], now: number): Statement[] {
  return [
    db.orm.delete(staffRecoveryCodes).where(eq(staffRecoveryCodes.staffId, staffId)),
    ...codeHashes.map((codeHash) => db.orm.insert(staffRecoveryCodes).values({ codeHash, staffId, createdAt: now })),
  ];
}

/**
 * Forgets a second factor (secret, enrolment, last step used and recovery codes), so the
 * next sign-in enrols a new one: for staff who lost both their phone and their codes.
 */
export function clearSecondFactor(db: Db, id: string, now: number): Statement[] {
  return [
    db.orm.update(staff).set({ totpSecret: null, totpEnrolledAt: null, totpLastStep: null, updatedAt: now }).where(eq(staff.id, id)),
    db.orm.delete(staffRecoveryCodes).where(eq(staffRecoveryCodes.staffId, id)),
  ];
}

/** Marks an unused recovery code used; true when this call was the one that used it. */
export async function useRecoveryCode(db: Db, staffId: string, codeHash: string, now: number): Promise<boolean> {
  const used = await db.orm
    .update(staffRecoveryCodes)
    .set({ usedAt: now })
    .where(and(eq(staffRecoveryCodes.codeHash, codeHash), eq(staffRecoveryCodes.staffId, staffId), isNull(staffRecoveryCodes.usedAt)))
    .returning({ codeHash: staffRecoveryCodes.codeHash });
  return used.length === 1;
}

export async function unusedRecoveryCodes(db: Db, staffId: string): Promise<number> {
  const rows = await db.orm
    .select({ n: sql<number>`count(*)` })
    .from(staffRecoveryCodes)
    .where(and(eq(staffRecoveryCodes.staffId, staffId), isNull(staffRecoveryCodes.usedAt)));
  return rows[0]?.n ?? 0;
}

// ---- supporters (the table is the ledger's; identity only reads it)

export async function findSupporterByEmail(db: Db, email: string): Promise<SupporterRow | null> {
  return (await db.orm.select().from(supporters).where(eq(supporters.email, email)).limit(1))[0] ?? null;
}

export async function findSupporter(db: Db, id: string): Promise<SupporterRow | null> {
  return (await db.orm.select().from(supporters).where(eq(supporters.id, id)).limit(1))[0] ?? null;
}

// ---- sessions

export function insertSession(db: Db, row: typeof sessions.$inferInsert): Statement {
  return db.orm.insert(sessions).values(row);
}

export async function findSession(db: Db, tokenHash: string): Promise<SessionRow | null> {
  return (await db.orm.select().from(sessions).where(eq(sessions.tokenHash, tokenHash)).limit(1))[0] ?? null;
}

export function deleteSession(db: Db, tokenHash: string): Statement {
  return db.orm.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
}

export function deleteSessionsOf(db: Db, kind: SessionKind, subjectId: string): Statement {
  return db.orm.delete(sessions).where(and(eq(sessions.kind, kind), eq(sessions.subjectId, subjectId)));
}

export async function touchSession(db: Db, tokenHash: string, now: number): Promise<void> {
  await db.orm.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.tokenHash, tokenHash));
}

export async function countSessions(db: Db, kind: SessionKind, subjectId: string): Promise<number> {
  const rows = await db.orm
    .select({ n: sql<number>`count(*)` })
    .from(sessions)
    .where(and(eq(sessions.kind, kind), eq(sessions.subjectId, subjectId)));
  return rows[0]?.n ?? 0;
}

// ---- sign-in links

export function insertVerification(
  db: Db,
  row: { tokenHash: string; purpose: VerificationPurpose; email: string; subjectId: string | null; now: number; expiresAt: number },
): Statement {
  return db.orm
    .insert(verifications)
    .values({ tokenHash: row.tokenHash, purpose: row.purpose, email: row.email, subjectId: row.subjectId, createdAt: row.now, expiresAt: row.expiresAt });
}

/** The link if it can still be used (not used, not expired), without using it. */
export async function findUsableVerification(db: Db, tokenHash: string, purpose: VerificationPurpose, now: number): Promise<VerificationRow | null> {
  const rows = await db.orm
    .select()
    .from(verifications)
    .where(
      and(eq(verifications.tokenHash, tokenHash), eq(verifications.purpose, purpose), isNull(verifications.usedAt), sql`${verifications.expiresAt} > ${now}`),
    )
    .limit(1);
  return rows[0] ?? null;
}

/** Uses a link: one conditional update, so of two concurrent uses exactly one gets the row. */
export async function useVerification(db: Db, tokenHash: string, purpose: VerificationPurpose, now: number): Promise<VerificationRow | null> {
  const rows = await db.orm
    .update(verifications)
    .set({ usedAt: now })
    .where(
      and(eq(verifications.tokenHash, tokenHash), eq(verifications.purpose, purpose), isNull(verifications.usedAt), sql`${verifications.expiresAt} > ${now}`),
    )
    .returning();
  return rows[0] ?? null;
}

// ---- throttles

export async function readThrottles(db: Db, keys: string[]): Promise<ThrottleRow[]> {
  if (!keys.length) return [];
  return db.orm
    .select()
    .from(throttles)
    .where(or(...keys.map((k) => eq(throttles.key, k))));
}

/**
 * Counts one attempt against `key` in a fixed window: a window that started at or before
 * `staleBefore` is over, so the count starts again from this attempt. One upsert, the
 * same on SQLite and D1.
 */
export function hitThrottle(db: Db, key: string, now: number, staleBefore: number): Statement {
  const stale = sql`${throttles.windowStart} <= ${staleBefore}`;
  return db.orm
    .insert(throttles)
    .values({ key, windowStart: now, count: 1 })
    .onConflictDoUpdate({
      target: throttles.key,
      set: {
        count: sql`case when ${stale} then 1 else ${throttles.count} + 1 end`,
        windowStart: sql`case when ${stale} then ${now} else ${throttles.windowStart} end`,
      },
    });
}

/** Takes `key` if no one has: true for the first caller only (a once-per-window action). */
export async function claimThrottleKey(db: Db, key: string, now: number): Promise<boolean> {
  const rows = await db.orm.insert(throttles).values({ key, windowStart: now, count: 1 }).onConflictDoNothing().returning({ key: throttles.key });
  return rows.length === 1;
}

export function clearThrottle(db: Db, key: string): Statement {
  return db.orm.delete(throttles).where(eq(throttles.key, key));
}

// ---- audit log

export function insertAudit(db: Db, row: typeof auditLog.$inferInsert): Statement {
  return db.orm.insert(auditLog).values(row);
}

export async function recentAudit(db: Db, limit: number, before?: { at: number; id: string }): Promise<AuditRow[]> {
  const q = db.orm.select().from(auditLog);
  const filtered = before ? q.where(sql`(${auditLog.at}, ${auditLog.id}) < (${before.at}, ${before.id})`) : q;
  return filtered.orderBy(desc(auditLog.at), desc(auditLog.id)).limit(limit);
}

// ---- housekeeping

const DAY_MS = 86_400_000;

/**
 * Deletes what can no longer be used: sessions past their absolute expiry (idle ones go when
 * next presented, or here once absolute), links a day after they expired, throttle windows
 * a day old. Returns how many rows of each went.
 */
export async function pruneIdentity(db: Db, now: number): Promise<{ sessions: number; links: number; throttles: number }> {
  const s = await db.orm.delete(sessions).where(lt(sessions.expiresAt, now)).returning({ k: sessions.tokenHash });
  const v = await db.orm
    .delete(verifications)
    .where(lt(verifications.expiresAt, now - DAY_MS))
    .returning({ k: verifications.tokenHash });
  const t = await db.orm
    .delete(throttles)
    .where(lt(throttles.windowStart, now - DAY_MS))
    .returning({ k: throttles.key });
  return { sessions: s.length, links: v.length, throttles: t.length };
}
