// Changes to staff accounts, the same from the CLI and from an admin's page: each returns
// the statements of the change, the end of the person's sessions where it matters, and
// its audit row, for one atomic() write.
import type { Db, Statement } from '../../db/db.js';
import type { StaffRole } from '../../db/schema.js';
import { auditStatement, type RequestOrigin } from './auth.audit.js';
import { deleteSessionsOf, setStaffDisabled, setStaffRole, type StaffRow } from './auth.repo.js';

export type StaffChange = { kind: 'role'; role: StaffRole } | { kind: 'disabled'; disabled: boolean };

export function staffChangeStatements(db: Db, person: StaffRow, change: StaffChange, by: { actor: string; origin: RequestOrigin }, now: number): Statement[] {
  const target = `staff:${person.id}`;
  if (change.kind === 'role') {
    // a session carries no role (it is read per request), but ending them makes the person
    // sign in again, and a new finance or admin role asks for a second factor at that sign-in
    return [
      setStaffRole(db, person.id, change.role, now),
      deleteSessionsOf(db, 'staff', person.id),
      auditStatement(db, { actor: by.actor, action: 'staff.role_changed', target, details: { from: person.role, to: change.role } }, by.origin, now),
    ];
  }
  return [
    setStaffDisabled(db, person.id, change.disabled, now),
    ...(change.disabled ? [deleteSessionsOf(db, 'staff', person.id)] : []),
    auditStatement(db, { actor: by.actor, action: change.disabled ? 'staff.disabled' : 'staff.enabled', target }, by.origin, now),
  ];
}
