// What each staff role may do, in one place, for pages and APIs to ask rather than compare
// role names themselves.
import type { StaffRole } from '../../db/schema.js';
import { roleAtLeast } from './auth.middleware.js';

export const PERMISSIONS = {
  /** reports and lists */
  viewReports: 'viewer',
  /** supporters' emails and details unmasked */
  viewSupporterDetails: 'finance',
  exportData: 'finance',
  refund: 'finance',
  /** a supporter's data download and erasure, on their request */
  handlePrivacyRequests: 'finance',
  manageStaff: 'admin',
  readAuditLog: 'admin',
} as const satisfies Record<string, StaffRole>;

export type Permission = keyof typeof PERMISSIONS;

export function can(role: StaffRole, permission: Permission): boolean {
  return roleAtLeast(role, PERMISSIONS[permission]);
}

/** "j•••@example.org": enough to tell supporters apart in a list, not enough to write to them. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '•••';
  return `${email[0]}•••${email.slice(at)}`;
}

/** The email as this role may see it. */
export function emailFor(role: StaffRole, email: string): string {
  return can(role, 'viewSupporterDetails') ? email : maskEmail(email);
}
