// Sends what the outbox holds. Rows were written in the same atomic write as the ledger
// change that caused them, so an email is never lost to a crash and never sent for a
// change that did not commit.
import type { Deps } from '../deps.js';
import { describeError } from '../lib/log.js';
import { claim, dueEmails, markRetry, markSent } from './mail.repo.js';
import { withPaymentMethod } from './mail.receipts.js';
import { mailSite, renderOutboxEmail } from './mail.templates.js';
import type { Transport } from './mail.transport.js';

/** Minutes to wait after each failed attempt; the last entry ends the retries. */
export const RETRY_MINUTES = [1, 5, 30, 120, 720, 1440] as const;
/** A claimed row that neither succeeds nor fails (a crash mid-send) is retried after this. */
const LEASE_MS = 5 * 60_000;

export type DispatchResult = { sent: number; failed: number };

export async function dispatchOutbox(deps: Pick<Deps, 'db' | 'now' | 'log' | 'config' | 'stripe'>, transport: Transport, limit = 50): Promise<DispatchResult> {
  const result: DispatchResult = { sent: 0, failed: 0 };
  const site = mailSite(deps.config);
  for (const row of await dueEmails(deps.db, deps.now(), limit)) {
    if (!(await claim(deps.db, row, deps.now() + LEASE_MS))) continue;
    try {
      const email = renderOutboxEmail(row.template, await withPaymentMethod(deps, row.template, row.props), site);
      await transport.send({ from: deps.config.mail.from, replyTo: deps.config.mail.replyTo, to: row.to, ...email, idempotencyKey: row.key });
      await markSent(deps.db, row.id, deps.now());
      result.sent += 1;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const attempt = row.attempts; // attempts before this one
      const giveUp = attempt >= RETRY_MINUTES.length;
      const wait = RETRY_MINUTES[Math.min(attempt, RETRY_MINUTES.length - 1)]! * 60_000;
      await markRetry(deps.db, row.id, deps.now() + wait, message, giveUp);
      // a transport's error can quote the recipient; the logger masks any address in it
      deps.log.warn(giveUp ? 'email failed for good' : 'email send failed; will retry', { email: row.id, template: row.template, error: describeError(err) });
      result.failed += 1;
    }
  }
  return result;
}
