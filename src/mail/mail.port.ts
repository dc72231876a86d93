// Queueing an email: one statement for the outbox, run inside the caller's atomic() write,
// so the email exists if and only if the change that causes it commits. Any feature can
// queue one (the ledger's receipts, sign-in links); the dispatcher sends it later.
import type { Statement } from '../../db/db.js';
import { queueEmailStatement } from './mail.repo.js';
import type { TemplateName, TemplateProps } from './mail.templates.js';

export { queueEmailStatement };

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

export function createMailPort(now: () => number): MailPort {
  return { queue: (email) => queueEmailStatement(email, now()) };
}
