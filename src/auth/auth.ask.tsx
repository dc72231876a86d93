// The shared "email me a link" form answer, for supporters' sign-in links and staff password links.
import type { Context } from 'hono';
import { z } from 'zod';
import type { Statement } from '../../db/db.js';
import type { AppEnv } from '../deps.js';
import { normalizeEmail } from '../lib/email.js';
import { fieldErrors, readForm } from '../lib/validate.js';
import { auditStatement, requestOrigin } from './auth.audit.js';
import { newLink } from './auth.links.js';
import { checkThrottles, countAttempt, THROTTLES, throttleKeys, waitText, type ThrottleCheck } from './auth.throttle.js';
import { askLinkPage, checkEmailPage } from './auth.views.js';

export const email = z
  .string({ error: 'Enter your email address' })
  .trim()
  .min(3, 'Enter your email address')
  .max(320, 'That email address is too long')
  .email('Enter an email address like name@example.org');

export const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * The shared "email me a link" answer: the same page whether or not the address has an
 * account and whether or not it is throttled, so the form reveals nothing about who is
 * registered. Only a throttled address (many asks from one place) is told to wait.
 */
export async function askForLink(
  c: Context<AppEnv>,
  purpose: 'supporter_signin' | 'staff_password',
  lookup: (address: string) => Promise<{ subjectId: string; actor: string; action: 'signin.link_sent' | 'staff.password_link_sent' } | null>,
  form: { title: string; intro: string; action: string },
) {
  const deps = c.var.deps;
  const { db, now, config } = deps;
  const body = await readForm(c.req);
  const parsed = z.object({ email }).safeParse(body);
  const page = { publication: config.publicationName, ...form };
  if (!parsed.success)
    return c.html(askLinkPage({ ...page, email: text(body.email), error: fieldErrors(parsed.error).email ?? 'Enter your email address' }), 400);
  const address = normalizeEmail(parsed.data.email);
  const who = requestOrigin(c);
  const byAddress: ThrottleCheck = { key: throttleKeys.linkAddress(who.ip), rule: THROTTLES.linkAddress };
  const byEmail: ThrottleCheck = { key: throttleKeys.linkEmail(address), rule: THROTTLES.linkEmail };
  const at = now();
  const fromHere = await checkThrottles(db, [byAddress], at);
  if (fromHere.blocked)
    return c.html(
      askLinkPage({ ...page, email: address, error: `Too many links asked for from here. Please wait ${waitText(fromHere.retryAfterMs)} and try again.` }),
      429,
    );
  const forEmail = await checkThrottles(db, [byEmail], at);
  const subject = forEmail.blocked ? null : await lookup(address);
  const statements: Statement[] = countAttempt(db, [byAddress, byEmail], at);
  if (subject) {
    const link = await newLink(deps, { purpose, email: address, subjectId: subject.subjectId });
    statements.push(...link.statements, auditStatement(db, { actor: subject.actor, action: subject.action, target: subject.actor }, who, at));
  }
  await db.atomic(statements);
  return c.html(checkEmailPage({ publication: config.publicationName }));
}
