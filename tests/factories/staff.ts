// Staff accounts and signed-in sessions for tests, built through the app's own modules.
import { staff, type StaffRole } from '../../db/schema.js';
import { eq } from 'drizzle-orm';
import { hashPassword } from '../../src/auth/auth.crypto.js';
import { insertStaff } from '../../src/auth/auth.repo.js';
import { newSession } from '../../src/auth/auth.sessions.js';
import { sealTotpSecret } from '../../src/auth/auth.secrets.js';
import { newTotpSecret } from '../../src/auth/auth.totp.js';
import type { Deps } from '../../src/deps.js';

export type Staff = {
  id: string;
  email: string;
  name: string;
  role: StaffRole;
  /** plain text; null: no password yet (a set-password link is pending) */
  password: string | null;
  disabled: boolean;
  /** base32; null: not enrolled */
  totpSecret: string | null;
};

let n = 0;

export function buildStaff(overrides: Partial<Staff> = {}): Staff {
  n += 1;
  const role = overrides.role ?? 'viewer';
  return {
    id: `stf_test${String(n).padStart(6, '0')}`,
    email: `staff${n}@example.org`,
    name: `Staff Member ${n}`,
    role,
    password: 'a long enough password',
    disabled: false,
    totpSecret: role === 'viewer' ? null : newTotpSecret(),
    ...overrides,
  };
}

/**
 * Writes a built staff member to the database (password hashed, TOTP enrolled when given a
 * secret, sealed as the app seals it when the config has a key).
 */
export async function insertStaffRow(deps: Pick<Deps, 'db' | 'now'> & Partial<Pick<Deps, 'config'>>, s: Staff): Promise<Staff> {
  const now = deps.now();
  const stored = s.totpSecret ? await sealTotpSecret(deps.config?.staffSecrets ?? null, s.id, s.totpSecret) : null;
  await deps.db.atomic([
    insertStaff(deps.db, { id: s.id, email: s.email, name: s.name, role: s.role, password: s.password ? await hashPassword(s.password) : null, now }),
    deps.db.orm
      .update(staff)
      .set({ disabled: s.disabled, totpSecret: stored, totpEnrolledAt: s.totpSecret ? now : null })
      .where(eq(staff.id, s.id)),
  ]);
  return s;
}

export type SignedIn = { cookie: string; csrf: string };

/** A live session as if the person had signed in with every factor, straight into the database. */
export async function sessionFor(deps: Pick<Deps, 'db' | 'now' | 'config'>, kind: 'staff' | 'supporter', subjectId: string): Promise<SignedIn> {
  const s = await newSession(deps, { kind, subjectId, stage: 'active', userAgent: 'test' });
  await deps.db.atomic(s.statements);
  return { cookie: `storyfund_session=${s.token}`, csrf: s.csrfToken };
}
