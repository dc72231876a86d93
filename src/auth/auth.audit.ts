// The audit log: who did what, to what, when, from where. Each row is a statement run in
// the same atomic() write as the change it records, so the log and the data cannot disagree.
import type { Context } from 'hono';
import type { Db, Statement } from '../../db/db.js';
import type { AppEnv } from '../deps.js';
import { newId } from '../lib/ids.js';
import { insertAudit } from './auth.repo.js';

export const AUDIT_ACTIONS = [
  'signin',
  'signin.failed',
  'signin.second_factor_failed',
  'signin.recovery_code_used',
  'signin.link_sent',
  'signin.link_used',
  'signout',
  'signout.everywhere',
  'staff.created',
  'staff.password_set',
  'staff.password_link_sent',
  'staff.totp_enrolled',
  'staff.second_factor_reset',
  'staff.secrets_resealed',
  'staff.role_changed',
  'staff.disabled',
  'staff.enabled',
  'staff.api_token_created',
  'staff.api_token_revoked',
  'supporter.gift_changed',
  'supporter.data_exported',
  'supporter.erased',
  'finance.export',
  'finance.export_finished',
  'gift.refund_requested',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Where a request came from, as the runtime knows it (the address may be unknown). */
export type RequestOrigin = { ip: string | null; userAgent: string | null };

export function requestOrigin(c: Context<AppEnv>): RequestOrigin {
  return { ip: c.var.deps.clientAddress(c), userAgent: c.req.header('user-agent')?.slice(0, 300) ?? null };
}

export type AuditEntry = {
  /** "staff:<id>", "supporter:<id>", "cli", or null when nobody is known yet */
  actor: string | null;
  action: AuditAction;
  target?: string | null;
  details?: Record<string, string | number | boolean | null>;
};

export function auditStatement(db: Db, entry: AuditEntry, origin: RequestOrigin, now: number): Statement {
  return insertAudit(db, {
    id: newId('aud', now),
    actor: entry.actor,
    action: entry.action,
    target: entry.target ?? null,
    at: now,
    ip: origin.ip,
    userAgent: origin.userAgent,
    details: JSON.stringify(entry.details ?? {}),
  });
}
