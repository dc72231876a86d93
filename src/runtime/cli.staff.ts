// `npm run cli -- staff …`: staff accounts from the operator's shell. Each command takes
// parsed values and its dependencies, so it runs the same under any argument parser.
import { atomic, type Db } from '../../db/db.js';
import { STAFF_ROLES, type StaffRole } from '../../db/schema.js';
import { auditStatement, type RequestOrigin } from '../auth/auth.audit.js';
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../auth/auth.crypto.js';
import { LINK_VALID_MS, newLink } from '../auth/auth.links.js';
import { findStaffByEmail, insertStaff, listStaff } from '../auth/auth.repo.js';
import { staffChangeStatements } from '../auth/auth.staff.js';
import type { Config } from '../config.js';
import { normalizeEmail } from '../lib/email.js';
import { newId } from '../lib/ids.js';
import type { MailPort } from '../mail/mail.port.js';

export type StaffCliDeps = { db: Db; config: Config; now: () => number; mail: MailPort; out: (text: string) => void };

/** What the CLI is, in the audit log: the operator at the machine, not a person signed in. */
const CLI: RequestOrigin = { ip: null, userAgent: 'storyfund-cli' };

export class StaffCliError extends Error {}

export const STAFF_USAGE = {
  add: `Usage: npm run cli -- staff add --email E --role viewer|finance|admin [--name N] [--password-stdin]

Creates a staff account. Without --password-stdin it prints a one-time link (valid ${LINK_VALID_MS / 60_000} minutes,
built from PUBLIC_URL) where the person sets their own password. finance and admin also
set up an authenticator app (TOTP) at their first sign-in.
  --password-stdin   read the password from standard input (at least ${PASSWORD_MIN_LENGTH} characters)`,
  list: `Usage: npm run cli -- staff list

Lists staff accounts: email, name, role, whether a password and second factor are set, disabled.`,
  disable: `Usage: npm run cli -- staff disable --email E

Disables an account and ends its sessions; it can no longer sign in.`,
  'set-role': `Usage: npm run cli -- staff set-role --email E --role viewer|finance|admin

Changes a role and ends the person's sessions, so the new role applies from their next sign-in.`,
} as const;

export function parseRole(role: string | undefined): StaffRole {
  if (!role) throw new StaffCliError(`--role is required (one of ${STAFF_ROLES.join(', ')})`);
  if (!(STAFF_ROLES as readonly string[]).includes(role)) throw new StaffCliError(`--role must be one of ${STAFF_ROLES.join(', ')} (got ${role})`);
  return role as StaffRole;
}

function parseEmail(email: string | undefined): string {
  if (!email) throw new StaffCliError('--email is required');
  const e = normalizeEmail(email);
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e)) throw new StaffCliError(`--email must be an email address (got ${email})`);
  return e;
}

export async function staffAdd(deps: StaffCliDeps, args: { email?: string; role?: string; name?: string; password?: string }): Promise<number> {
  const email = parseEmail(args.email);
  const role = parseRole(args.role);
  if (args.password !== undefined && (args.password.length < PASSWORD_MIN_LENGTH || args.password.length > PASSWORD_MAX_LENGTH)) {
    throw new StaffCliError(`the password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`);
  }
  if (await findStaffByEmail(deps.db, email)) throw new StaffCliError(`a staff account for ${email} already exists`);
  const name = args.name?.trim() || email.split('@')[0]!;
  const now = deps.now();
  const id = newId('stf', now);
  const password = args.password !== undefined ? await hashPassword(args.password) : null;
  const link = password ? null : await newLink(deps, { purpose: 'staff_password', email, subjectId: id, send: false });
  await atomic(deps.db, [
    insertStaff(deps.db, { id, email, name, role, password, now }),
    ...(link?.statements ?? []),
    auditStatement(deps.db, { actor: 'cli', action: 'staff.created', target: `staff:${id}`, details: { role, password: password ? 'set' : 'link' } }, CLI, now),
  ]);
  deps.out(`Added ${name} <${email}> as ${role}.\n`);
  if (link) deps.out(`Send them this link to set their password (works once, for ${LINK_VALID_MS / 60_000} minutes):\n${link.url}\n`);
  return 0;
}

export async function staffList(deps: StaffCliDeps): Promise<number> {
  const rows = await listStaff(deps.db);
  if (!rows.length) {
    deps.out('No staff accounts yet. Add one with: npm run cli -- staff add --email E --role admin\n');
    return 0;
  }
  const lines = rows.map((r) => [r.email, r.name, r.role, r.passwordHash ? 'password' : 'no password', r.totpEnrolledAt ? 'totp' : '-', r.disabled ? 'DISABLED' : 'active'].join('\t'));
  deps.out(`${['email', 'name', 'role', 'password', '2nd factor', 'status'].join('\t')}\n${lines.join('\n')}\n`);
  return 0;
}

export async function staffDisable(deps: StaffCliDeps, args: { email?: string }): Promise<number> {
  const email = parseEmail(args.email);
  const person = await findStaffByEmail(deps.db, email);
  if (!person) throw new StaffCliError(`no staff account for ${email}`);
  const now = deps.now();
  await atomic(deps.db, staffChangeStatements(deps.db, person, { kind: 'disabled', disabled: true }, { actor: 'cli', origin: CLI }, now));
  deps.out(`Disabled ${email}; their sessions have ended.\n`);
  return 0;
}

export async function staffSetRole(deps: StaffCliDeps, args: { email?: string; role?: string }): Promise<number> {
  const email = parseEmail(args.email);
  const role = parseRole(args.role);
  const person = await findStaffByEmail(deps.db, email);
  if (!person) throw new StaffCliError(`no staff account for ${email}`);
  const now = deps.now();
  await atomic(deps.db, staffChangeStatements(deps.db, person, { kind: 'role', role }, { actor: 'cli', origin: CLI }, now));
  deps.out(`${email} is now ${role}${role !== 'viewer' && !person.totpEnrolledAt ? ' (they will set up a second factor at their next sign-in)' : ''}.\n`);
  return 0;
}
