import { and, asc, desc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Db, Statement } from '../../db/db.js';
import { outbox } from '../../db/schema.js';
import { sqlTemplate } from '../../db/sql.js';
import { newId } from '../lib/ids.js';
import type { QueuedEmail } from './mail.port.js';
import type { TemplateName } from './mail.templates.js';

export type OutboxRow = typeof outbox.$inferSelect;

export async function dueEmails(db: Db, now: number, limit: number): Promise<OutboxRow[]> {
  return db.orm
    .select()
    .from(outbox)
    .where(and(eq(outbox.status, 'pending'), lte(outbox.nextAttemptAt, now)))
    .orderBy(asc(outbox.nextAttemptAt))
    .limit(limit);
}

/** Claims a row for one sender: the attempt count acts as a version, so two dispatchers never send it twice. */
export async function claim(db: Db, row: OutboxRow, leaseUntil: number): Promise<boolean> {
  const claimed = await db.orm
    .update(outbox)
    .set({ attempts: sql`${outbox.attempts} + 1`, nextAttemptAt: leaseUntil })
    .where(and(eq(outbox.id, row.id), eq(outbox.status, 'pending'), eq(outbox.attempts, row.attempts)))
    .returning({ id: outbox.id });
  return claimed.length === 1;
}

export async function markSent(db: Db, id: string, now: number): Promise<void> {
  await db.orm.update(outbox).set({ status: 'sent', sentAt: now, lastError: null }).where(eq(outbox.id, id));
}

export async function markRetry(db: Db, id: string, nextAttemptAt: number, error: string, giveUp: boolean): Promise<void> {
  await db.orm
    .update(outbox)
    .set({ status: giveUp ? 'failed' : 'pending', nextAttemptAt, lastError: error.slice(0, 1000) })
    .where(eq(outbox.id, id));
}

export async function recentEmails(db: Db, limit: number): Promise<OutboxRow[]> {
  return db.orm.select().from(outbox).orderBy(desc(outbox.createdAt), desc(outbox.id)).limit(limit);
}

export async function findEmail(db: Db, id: string): Promise<OutboxRow | null> {
  const rows = await db.orm.select().from(outbox).where(eq(outbox.id, id)).limit(1);
  return rows[0] ?? null;
}

// Queued on the webhook path (receipts) for every payment, so written once as SQL (db/sql.ts).
const insertEmail = sqlTemplate`
  insert into outbox (id, "key", template, to_address, props, status, attempts, next_attempt_at, created_at)
  values (${'id'}, ${'key'}, ${'template'}, ${'to'}, ${'props'}, 'pending', 0, ${'now'}, ${'now'})
  on conflict do nothing`;

/** The outbox insert of one email, for the caller's atomic() write (mail.port.ts). */
export function queueEmailStatement<T extends TemplateName>(email: QueuedEmail<T>, now: number): Statement {
  return insertEmail.bind({ id: newId('eml', now), key: email.key, template: email.template, to: email.to, props: JSON.stringify(email.props), now });
}

/** Which of these keys the outbox already holds. */
export async function queuedKeys(db: Db, keys: readonly string[]): Promise<Set<string>> {
  if (!keys.length) return new Set();
  const rows = await db.orm
    .select({ key: outbox.key })
    .from(outbox)
    .where(inArray(outbox.key, [...keys]));
  return new Set(rows.map((r) => r.key));
}
