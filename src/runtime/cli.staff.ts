// `npm run cli -- staff …`: staff accounts from the operator's shell. Each command is a
// function of parsed values and its dependencies; STAFF_COMMANDS files them in the CLI's table.
import type { Db } from '../../db/db.js';
import { migrateNodeDb, openNodeDb } from '../../db/node.js';
import { STAFF_ROLES, type StaffRole } from '../../db/schema.js';
import { auditStatement, type RequestOrigin } from '../auth/auth.audit.js';
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../auth/auth.crypto.js';
import { LINK_VALID_MS, newLink } from '../auth/auth.links.js';
import { findStaffByEmail, insertStaff, listStaff } from '../auth/auth.repo.js';
import { staffChangeStatements } from '../auth/auth.staff.js';
import { type Config, loadConfig } from '../config.js';
import { normalizeEmail } from '../lib/email.js';
import { newId } from '../lib/ids.js';
import { createMailPort, type MailPort } from '../mail/mail.port.js';
import { type CliCommand, type CliIo, defineCommand, EXIT, UsageError } from './cli.kit.js';

export type StaffCliDeps = { db: Db; config: Config; now: () => number; mail: MailPort; out: (text: string) => void };

/** What the CLI is, in the audit log: the operator at the machine, not a person signed in. */
const CLI: RequestOrigin = { ip: null, userAgent: 'storyfund-cli' };

/** A bad value for a staff command: the CLI shows it with the command's usage and exits 64. */
export class StaffCliError extends UsageError {}

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
  await deps.db.atomic([
    insertStaff(deps.db, { id, email, name, role, password, now }),
    ...(link?.statements ?? []),
    auditStatement(deps.db, { actor: 'cli', action: 'staff.created', target: `staff:${id}`, details: { role, password: password ? 'set' : 'link' } }, CLI, now),
  ]);
  deps.out(`Added ${name} <${email}> as ${role}.\n`);
  if (link) deps.out(`Send them this link to set their password (works once, for ${LINK_VALID_MS / 60_000} minutes):\n${link.url}\n`);
  return EXIT.ok;
}

export async function staffList(deps: StaffCliDeps): Promise<number> {
  const rows = await listStaff(deps.db);
  if (!rows.length) {
    deps.out('No staff accounts yet. Add one with: npm run cli -- staff add --email E --role admin\n');
    return EXIT.ok;
  }
  const lines = rows.map((r) =>
    [r.email, r.name, r.role, r.passwordHash ? 'password' : 'no password', r.totpEnrolledAt ? 'totp' : '-', r.disabled ? 'DISABLED' : 'active'].join('\t'),
  );
  deps.out(`${['email', 'name', 'role', 'password', '2nd factor', 'status'].join('\t')}\n${lines.join('\n')}\n`);
  return EXIT.ok;
}

export async function staffDisable(deps: StaffCliDeps, args: { email?: string }): Promise<number> {
  const email = parseEmail(args.email);
  const person = await findStaffByEmail(deps.db, email);
  if (!person) throw new StaffCliError(`no staff account for ${email}`);
  const now = deps.now();
  await deps.db.atomic(staffChangeStatements(deps.db, person, { kind: 'disabled', disabled: true }, { actor: 'cli', origin: CLI }, now));
  deps.out(`Disabled ${email}; their sessions have ended.\n`);
  return EXIT.ok;
}

export async function staffSetRole(deps: StaffCliDeps, args: { email?: string; role?: string }): Promise<number> {
  const email = parseEmail(args.email);
  const role = parseRole(args.role);
  const person = await findStaffByEmail(deps.db, email);
  if (!person) throw new StaffCliError(`no staff account for ${email}`);
  const now = deps.now();
  await deps.db.atomic(staffChangeStatements(deps.db, person, { kind: 'role', role }, { actor: 'cli', origin: CLI }, now));
  deps.out(`${email} is now ${role}${role !== 'viewer' && !person.totpEnrolledAt ? ' (they will set up a second factor at their next sign-in)' : ''}.\n`);
  return EXIT.ok;
}

const EMAIL = { type: 'string', value: 'E', description: "the staff member's email address" } as const;
const ROLE = {
  type: 'string',
  value: STAFF_ROLES.join('|'),
  description: "viewer: reports and lists; finance: also supporters' details, exports, refunds; admin: also staff and the audit log",
} as const;

/** Opens the database (migrated), runs one staff command, closes it. */
async function withStaffDeps(io: CliIo, fn: (deps: StaffCliDeps) => Promise<number>): Promise<number> {
  const config = loadConfig(io.env);
  const handle = openNodeDb(config.databasePath);
  try {
    migrateNodeDb(handle);
    const now = () => Date.now();
    return await fn({ db: handle.db, config, now, mail: createMailPort(now), out: (text) => void io.out.write(text) });
  } finally {
    await handle.close();
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text;
}

export const STAFF_COMMANDS: readonly CliCommand[] = [
  defineCommand({
    name: 'staff add',
    summary: 'add a staff account (prints a one-time link to set the password)',
    description: [
      `Without --password-stdin it prints a link, valid ${LINK_VALID_MS / 60_000} minutes and built from PUBLIC_URL, where the person sets their own password.`,
      'finance and admin also set up an authenticator app (TOTP) at their first sign-in.',
    ].join('\n'),
    options: {
      email: EMAIL,
      role: ROLE,
      name: { type: 'string', value: 'N', description: 'display name (default: the part of the email before @)' },
      'password-stdin': {
        type: 'boolean',
        description: `read the password (${PASSWORD_MIN_LENGTH}+ characters) from standard input, never from the command line`,
      },
    },
    examples: [
      'npm run cli -- staff add --email admin@example.org --role admin --name "Ada Admin"',
      'printf %s "$PW" | npm run cli -- staff add --email v@example.org --role viewer --password-stdin',
    ],
    async run({ values, io }) {
      // checked before a setting is read or the database opened
      parseEmail(values.email);
      parseRole(values.role);
      const password = values['password-stdin'] ? (await readAll(io.stdin)).replace(/\r?\n$/, '') : undefined;
      return withStaffDeps(io, (deps) => staffAdd(deps, { email: values.email, role: values.role, name: values.name, password }));
    },
  }),
  defineCommand({
    name: 'staff list',
    summary: 'list staff accounts with role, password, second factor and status',
    async run({ io }) {
      return withStaffDeps(io, (deps) => staffList(deps));
    },
  }),
  defineCommand({
    name: 'staff disable',
    summary: 'disable an account and end its sessions',
    options: { email: EMAIL },
    async run({ values, io }) {
      parseEmail(values.email);
      return withStaffDeps(io, (deps) => staffDisable(deps, { email: values.email }));
    },
  }),
  defineCommand({
    name: 'staff set-role',
    summary: "change a role (ends the person's sessions)",
    options: { email: EMAIL, role: ROLE },
    async run({ values, io }) {
      parseEmail(values.email);
      parseRole(values.role);
      return withStaffDeps(io, (deps) => staffSetRole(deps, { email: values.email, role: values.role }));
    },
  }),
];
