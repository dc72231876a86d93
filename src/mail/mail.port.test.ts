import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateNodeDb, openNodeDb, type NodeDb } from '../../db/node.js';
import { signInLinkEmail } from '../../emails/signin-link.js';
import { createMailPort } from './mail.port.js';
import { renderOutboxEmail } from './mail.templates.js';

let handle: NodeDb;
beforeEach(() => {
  handle = openNodeDb(':memory:');
  migrateNodeDb(handle);
});
afterEach(() => handle.close());

const NOW = Date.parse('2026-11-30T10:00:00Z');
const SITE = { publicationName: 'The Harbour Ledger', publicUrl: 'https://support.example.org', taxDeductible: false };
const props = { url: 'https://support.example.org/signin/link?token=abc&x=<y>', purpose: 'supporter_signin' as const, validMinutes: 15 };

describe('the mail port', () => {
  it('queues a typed email as one statement of the caller, once per key', async () => {
    const mail = createMailPort(() => NOW);
    const email = { key: 'link:1', template: 'signin_link' as const, to: 'reader@example.com', props };
    await handle.db.atomic([mail.queue(email), mail.queue(email)]);
    const rows = handle.sqlite.prepare('select "key", template, to_address, props, status, next_attempt_at from outbox').all();
    expect(rows).toEqual([
      { key: 'link:1', template: 'signin_link', to_address: 'reader@example.com', props: JSON.stringify(props), status: 'pending', next_attempt_at: NOW },
    ]);
    expect(renderOutboxEmail('signin_link', JSON.stringify(props), SITE).subject).toBe('Your sign-in link for The Harbour Ledger');
  });

  it("fixes each template's props by its name", () => {
    const mail = createMailPort(() => NOW);
    // @ts-expect-error a receipt's props are not a sign-in link's
    mail.queue({ key: 'k', template: 'signin_link', to: 'a@example.com', props: { amountMinor: 100, currency: 'gbp', paidAt: NOW, receiptNumber: 'pi_1' } });
    // @ts-expect-error no such template
    mail.queue({ key: 'k', template: 'newsletter', to: 'a@example.com', props: {} });
    expect(() => renderOutboxEmail('newsletter', '{}', SITE)).toThrow('no email template named newsletter');
  });
});

describe('the sign-in link email', () => {
  it('carries the link in both parts, escaped in the HTML', () => {
    const e = signInLinkEmail(props, SITE);
    expect(e.text).toContain(props.url);
    expect(e.text).toContain('It works once and for 15 minutes.');
    expect(e.html).toContain('href="https://support.example.org/signin/link?token=abc&#38;x=&#60;y&#62;"');
    expect(e.html).not.toContain('<y>');
  });

  it('says what it is for: staff setting a password', () => {
    const e = signInLinkEmail({ ...props, purpose: 'staff_password' }, SITE);
    expect(e.subject).toBe('Set your staff password for The Harbour Ledger');
    expect(e.text).toContain('set your password');
  });
});
