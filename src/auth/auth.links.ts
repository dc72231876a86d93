// Single-use links sent by email: a supporter signing in, a member of staff setting or
// resetting a password. One mechanism: a random token in the URL, only its hash stored,
// 15 minutes to use it, used at most once.
import type { Db, Statement } from '../../db/db.js';
import type { VerificationPurpose } from '../../db/schema.js';
import type { Config } from '../config.js';
import type { MailPort } from '../mail/mail.port.js';
import { randomToken, sha256Hex } from './auth.crypto.js';
import { findUsableVerification, insertVerification, useVerification, type VerificationRow } from './auth.repo.js';

export const LINK_VALID_MS = 15 * 60_000;

const PATHS: Record<VerificationPurpose, string> = {
  supporter_signin: '/signin/link',
  staff_password: '/staff/password',
};

export type NewLink = { url: string; statements: Statement[] };

/**
 * A new link for `email`: the statements store its hash and, unless `send` is false (the
 * CLI prints the link instead), queue the email that carries it.
 */
export async function newLink(
  deps: { db: Db; config: Config; now: () => number; mail: MailPort },
  link: { purpose: VerificationPurpose; email: string; subjectId: string | null; send?: boolean },
): Promise<NewLink> {
  const token = randomToken();
  const tokenHash = await sha256Hex(token);
  const now = deps.now();
  const url = `${deps.config.publicUrl}${PATHS[link.purpose]}?token=${token}`;
  const statements: Statement[] = [
    insertVerification(deps.db, { tokenHash, purpose: link.purpose, email: link.email, subjectId: link.subjectId, now, expiresAt: now + LINK_VALID_MS }),
  ];
  if (link.send !== false) {
    statements.push(
      deps.mail.queue({
        // the hash is unique per link and reveals nothing of the token
        key: `link:${tokenHash}`,
        template: 'signin_link',
        to: link.email,
        props: { url, purpose: link.purpose, validMinutes: LINK_VALID_MS / 60_000 },
      }),
    );
  }
  return { url, statements };
}

/** Tokens are URL-safe base64 of 32 bytes; anything else is not worth a lookup. */
function plausible(token: string | undefined): token is string {
  return typeof token === 'string' && /^[A-Za-z0-9_-]{43}$/.test(token);
}

/** The link behind `token` if it can still be used; does not use it (a page showing a form). */
export async function peekLink(db: Db, token: string | undefined, purpose: VerificationPurpose, now: number): Promise<VerificationRow | null> {
  if (!plausible(token)) return null;
  return findUsableVerification(db, await sha256Hex(token), purpose, now);
}

/** Uses the link behind `token`: its row the first time within 15 minutes, null ever after. */
export async function useLink(db: Db, token: string | undefined, purpose: VerificationPurpose, now: number): Promise<VerificationRow | null> {
  if (!plausible(token)) return null;
  return useVerification(db, await sha256Hex(token), purpose, now);
}
