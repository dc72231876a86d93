// Queueing an email: one statement for the outbox, run inside the caller's atomic() write,
// so the email exists if and only if the change that causes it commits. Any feature can
// queue one (the ledger's receipts, sign-in links); the dispatcher sends it later.
import type { Statement } from '../../db/db.js';
import { sqlTemplate } from '../../db/sql.js';
import { newId } from '../lib/ids.js';
import type { TemplateName, TemplateProps } from './mail.templates.js';

export type QueuedEmail<T extends TemplateName> = {
  /** one email per cause ("receipt:payment:pi_…"): a second queueing with the same key is dropped */
  key: string;
  template: T;
  to: string;
  props: TemplateProps[T];
};

export type MailPort = {
  /** the outbox insert for this email; run it with atomic() beside the change that causes it */
  queue<T extends TemplateName>(email: QueuedEmail<T>): Statement;
};

const insertEmail = sqlTemplate`
  insert into outbox (id, "key", template, to_address, props, status, attempts, next_attempt_at, created_at)
  values (${'id'}, ${'key'}, ${'template'}, ${'to'}, ${'props'}, 'pending', 0, ${'now'}, ${'now'})
  on conflict do nothing`;

export function queueEmailStatement<T extends TemplateName>(email: QueuedEmail<T>, now: number): Statement {
  return insertEmail.bind({ id: newId('eml', now), key: email.key, template: email.template, to: email.to, props: JSON.stringify(email.props), now });
}

export function createMailPort(now: () => number): MailPort {
  return { queue: (email) => queueEmailStatement(email, now()) };
}
