// `npm run cli -- staff …`: staff accounts from the operator's shell. Each command is a
// function of parsed values and its dependencies; STAFF_COMMANDS files them in the CLI's table.
import type { Db } from '../../db/db.js';
import { migrateNodeDb, openNodeDb } from '../../db/node.js';
import { STAFF_ROLES, type StaffRole } from '../../db/schema.js';
import { auditStatement, type RequestOrigin } from '../auth/auth.audit.js';
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../auth/auth.crypto.js';
import { LINK_VALID_MS, newLink } from '../auth/auth.links.js';
import { clearSecondFactor, deleteSessionsOf, findStaffByEmail, insertStaff, listStaff, resealTotpSecret } from '../auth/auth.repo.js';
import { openTotpSecret, sealTotpSecret } from '../auth/auth.secrets.js';
import { staffChangeStatements } from '../auth/auth.staff.js';
import { API_TOKEN_NAME_MAX, apiTokenExpiry, apiTokenState, newApiToken, revokeApiTokenStatements } from '../auth/auth.tokens.js';
import { listApiTokens } from '../auth/auth.tokens.repo.js';
import { AppError } from '../lib/errors.js';
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

/** For staff who lost both their authenticator and their recovery codes: they enrol again at their next sign-in. */
export async function staffResetSecondFactor(deps: StaffCliDeps, args: { email?: string }): Promise<number> {
  const email = parseEmail(args.email);
  const person = await findStaffByEmail(deps.db, email);
  if (!person) throw new StaffCliError(`no staff account for ${email}`);
  const now = deps.now();
  await deps.db.atomic([
    ...clearSecondFactor(deps.db, person.id, now),
    deleteSessionsOf(deps.db, 'staff', person.id),
    auditStatement(deps.db, { actor: 'cli', action: 'staff.second_factor_reset', target: `staff:${person.id}` }, CLI, now),
  ]);
  deps.out(
    `Reset the second factor of ${email}: their authenticator and recovery codes no longer work and their sessions have ended.\n` +
      (person.role === 'viewer' ? '' : 'They set up a new authenticator at their next sign-in, after their password.\n'),
  );
  return EXIT.ok;
}

/**
 * Seals every stored TOTP secret under the current STAFF_SECRETS_KEY (secrets in plain text
 * or under STAFF_SECRETS_KEY_PREVIOUS), so the previous key can be retired without waiting
 * for each person to sign in. Exits 1 if any secret cannot be read (it names whose).
 */
export async function staffSecretsReseal(deps: StaffCliDeps): Promise<number> {
  const keys = deps.config.staffSecrets;
  if (!keys) throw new StaffCliError('STAFF_SECRETS_KEY is not set: there is no key to seal secrets under');
  let resealed = 0;
  let current = 0;
  const unreadable: string[] = [];
  for (const person of await listStaff(deps.db)) {
    if (!person.totpSecret) continue;
    const opened = await openTotpSecret(keys, person.id, person.totpSecret);
    if (!opened.ok) {
      unreadable.push(`${person.email}: ${opened.message}`);
      continue;
    }
    if (!opened.reseal) {
      current++;
      continue;
    }
    const now = deps.now();
    const sealed = await sealTotpSecret(keys, person.id, opened.secret);
    await deps.db.atomic([
      // written only over the value read, so a sign-in that changed it meanwhile wins
      resealTotpSecret(deps.db, person.id, sealed, person.totpSecret),
      auditStatement(deps.db, { actor: 'cli', action: 'staff.secrets_resealed', target: `staff:${person.id}` }, CLI, now),
    ]);
    resealed++;
  }
  deps.out(`Sealed ${resealed} second-factor secret(s) under the current key; ${current} already were.\n`);
  if (!unreadable.length) {
    deps.out('STAFF_SECRETS_KEY_PREVIOUS is no longer needed by any stored secret.\n');
    return EXIT.ok;
  }
  deps.out(`${unreadable.length} cannot be read (reset their second factor with 'staff reset-second-factor'):\n${unreadable.join('\n')}\n`);
  return EXIT.failed;
}

const isoOrDash = (ms: number | null) => (ms == null ? '-' : new Date(ms).toISOString().replace('.000Z', 'Z'));

/** Prints the token once; only its hash is stored. */
export async function staffTokenCreate(deps: StaffCliDeps, args: { email?: string; name?: string; expires?: string }): Promise<number> {
  const email = parseEmail(args.email);
  const name = args.name?.trim() ?? '';
  if (!name) throw new StaffCliError('--name is required: what the token is for ("BI dashboard")');
  if (name.length > API_TOKEN_NAME_MAX) throw new StaffCliError(`--name must be at most ${API_TOKEN_NAME_MAX} characters`);
  const now = deps.now();
  let expiresAt: number | null = null;
  if (args.expires !== undefined) {
    const expiry = apiTokenExpiry(args.expires, now);
    if (!expiry.ok) throw new StaffCliError(`--expires ${expiry.reason} (got ${args.expires})`);
    expiresAt = expiry.expiresAt;
  }
  const owner = await findStaffByEmail(deps.db, email);
  if (!owner) throw new StaffCliError(`no staff account for ${email}`);
  if (owner.disabled) throw new StaffCliError(`${email} is disabled; a token for them could not be used`);
  const made = await newApiToken(deps.db, owner, { name, expiresAt }, { actor: 'cli', origin: CLI }, now);
  await deps.db.atomic(made.statements);
  deps.out(
    `Created API token ${made.id} "${name}" for ${email} (acts as their role, now ${owner.role})${expiresAt ? `, valid until ${isoOrDash(expiresAt)}` : ''}.\n` +
      'Copy it now; it is not stored and cannot be shown again:\n' +
      `${made.token}\n`,
  );
  return EXIT.ok;
}

export async function staffTokenList(deps: StaffCliDeps, args: { email?: string }): Promise<number> {
  let staffId: string | undefined;
  if (args.email !== undefined) {
    const email = parseEmail(args.email);
    const owner = await findStaffByEmail(deps.db, email);
    if (!owner) throw new StaffCliError(`no staff account for ${email}`);
    staffId = owner.id;
  }
  const rows = await listApiTokens(deps.db, { staffId });
  if (!rows.length) {
    deps.out('No API tokens. Make one with: npm run cli -- staff token create --email E --name N\n');
    return EXIT.ok;
  }
  const now = deps.now();
  const lines = rows.map((r) =>
    [r.id, r.name, r.staffEmail, isoOrDash(r.createdAt), isoOrDash(r.lastUsedAt), isoOrDash(r.expiresAt), apiTokenState(r, now)].join('\t'),
  );
  deps.out(`${['id', 'name', 'owner', 'created', 'last used', 'expires', 'status'].join('\t')}\n${lines.join('\n')}\n`);
  return EXIT.ok;
}

export async function staffTokenRevoke(deps: StaffCliDeps, args: { id?: string }): Promise<number> {
  const id = args.id ?? '';
  if (!/^tok_[A-Za-z0-9]{1,60}$/.test(id)) throw new StaffCliError(`a token id starts with tok_ (got '${id}'); 'staff token list' shows them`);
  let statements: Awaited<ReturnType<typeof revokeApiTokenStatements>>;
  try {
    statements = await revokeApiTokenStatements(deps.db, id, { actor: 'cli', origin: CLI }, deps.now());
  } catch (err) {
    // unknown or already revoked: the operator's mistake, shown as one
    if (err instanceof AppError) throw new StaffCliError(err.message);
    throw err;
  }
  await deps.db.atomic(statements);
  deps.out(`Revoked API token ${id}; it no longer opens the API.\n`);
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
    name: 'staff token create',
    summary: 'make an API token for a staff member (printed once, stored hashed)',
    description: [
      'The token reads the finance JSON API (/finance/api/…) with Authorization: Bearer <token>,',
      "acting with its owner's role at the time of each request. It stops working when revoked,",
      'when it expires, or when its owner is disabled.',
    ].join('\n'),
    options: {
      email: EMAIL,
      name: { type: 'string', value: 'N', description: 'what the token is for, shown in lists and the audit log' },
      expires: { type: 'string', value: 'YYYY-MM-DD', description: 'the last day (UTC) it works; default: no expiry' },
    },
    examples: ['npm run -s cli -- staff token create --email analyst@example.org --name "BI dashboard" --expires 2027-06-30'],
    async run({ values, io }) {
      parseEmail(values.email);
      return withStaffDeps(io, (deps) => staffTokenCreate(deps, { email: values.email, name: values.name, expires: values.expires }));
    },
  }),
  defineCommand({
    name: 'staff token list',
    summary: 'list API tokens: id, name, owner, created, last used, expiry, status (never the tokens)',
    options: { email: { type: 'string', value: 'E', description: "only this staff member's tokens" } },
    async run({ values, io }) {
      if (values.email !== undefined) parseEmail(values.email);
      return withStaffDeps(io, (deps) => staffTokenList(deps, { email: values.email }));
    },
  }),
  defineCommand({
    name: 'staff token revoke',
    summary: 'revoke an API token at once',
    args: [{ name: 'tok_…', description: "the token's id, from 'staff token list'", required: true }],
    examples: ['npm run cli -- staff token revoke tok_01jd…'],
    async run({ args, io }) {
      return withStaffDeps(io, (deps) => staffTokenRevoke(deps, { id: args[0] }));
    },
  }),
  defineCommand({
    name: 'staff reset-second-factor',
    summary: 'forget a second factor and its recovery codes (ends their sessions; they enrol again)',
    description: 'For someone who lost both their authenticator and their recovery codes. Audited.',
    options: { email: EMAIL },
    async run({ values, io }) {
      parseEmail(values.email);
      return withStaffDeps(io, (deps) => staffResetSecondFactor(deps, { email: values.email }));
    },
  }),
  defineCommand({
    name: 'staff secrets reseal',
    summary: 'seal every second-factor secret under the current STAFF_SECRETS_KEY',
    description: [
      'After rotating STAFF_SECRETS_KEY (the old one moved to STAFF_SECRETS_KEY_PREVIOUS), this seals every',
      'secret still under the previous key, or stored before keys were set, under the new one, so the',
      'previous key can be removed. Exits 1 and names any secret it cannot read.',
    ].join('\n'),
    async run({ io }) {
      return withStaffDeps(io, (deps) => staffSecretsReseal(deps));
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
