import { describe, expect, it } from 'vitest';
import { can, emailFor, maskEmail } from './auth.permissions.js';

describe('permissions', () => {
  it('grow with the role', () => {
    expect([can('viewer', 'viewReports'), can('viewer', 'viewSupporterDetails'), can('viewer', 'refund'), can('viewer', 'manageStaff')]).toEqual([
      true,
      false,
      false,
      false,
    ]);
    expect([can('finance', 'viewSupporterDetails'), can('finance', 'exportData'), can('finance', 'refund'), can('finance', 'readAuditLog')]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect([can('admin', 'manageStaff'), can('admin', 'readAuditLog'), can('admin', 'refund')]).toEqual([true, true, true]);
  });

  it('mask supporters’ emails for viewers only', () => {
    expect(emailFor('viewer', 'jane.reader@example.com')).toBe('j•••@example.com');
    expect(emailFor('finance', 'jane.reader@example.com')).toBe('jane.reader@example.com');
    expect(maskEmail('not-an-email')).toBe('•••');
  });
});
