// Staff sign-in: a password, then a TOTP code (or a recovery code) for finance and admin, and
// the emailed (or CLI-printed) links staff use to set or reset a password.
import type { Context } from 'hono';
import { Hono } from 'hono';
import { z } from 'zod';
import type { Statement } from '../../db/db.js';
import type { AppEnv, Deps } from '../deps.js';
import { timingSafeEqualText } from '../lib/crypto.js';
import { normalizeEmail } from '../lib/email.js';
import { fieldErrors, readForm } from '../lib/validate.js';
import { askForLink, email, text } from './auth.ask.js';
import { auditStatement, requestOrigin } from './auth.audit.js';
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, PBKDF2_ITERATIONS, sha256Hex, verifyPassword } from './auth.crypto.js';
import { peekLink, useLink } from './auth.links.js';
import { CSRF_FIELD, needsSecondFactor, safeNext, sameOrigin } from './auth.middleware.js';
import {
  confirmTotp,
  deleteSessionsOf,
  findStaff,
  findStaffByEmail,
  replaceRecoveryCodes,
  resealTotpSecret,
  setPendingTotpSecret,
  setStaffPassword,
  useRecoveryCode,
  useTotpStep,
  type StaffRow,
} from './auth.repo.js';
import { openTotpSecret, sealTotpSecret } from './auth.secrets.js';
import { issueSessionCookie, loadSession, newSession, readSessionToken } from './auth.sessions.js';
import { checkThrottles, countAttempt, resetThrottle, THROTTLES, throttleKeys, waitText, type ThrottleCheck } from './auth.throttle.js';
import { newRecoveryCodes, newTotpSecret, normalizeRecoveryCode, totpQrSvg, totpUri, verifyTotp } from './auth.totp.js';
import { askLinkPage, enrolPage, linkExpiredPage, recoveryCodesPage, secondFactorPage, setPasswordPage, staffSignInPage } from './auth.views.js';

/** One answer for a wrong email and a wrong password, so neither can be told apart. */
export const WRONG_CREDENTIALS = 'That email and password do not match an account that can sign in.';

/** The stored TOTP secret cannot be read (key missing, rotated away, or the value altered): recovery codes still work. */
export const SECRET_UNREADABLE =
  "Your authenticator code cannot be checked: this server cannot read your second-factor key. Sign in with one of your recovery codes, or ask an administrator to look at the server's settings.";

/** An enrolment whose pending key could not be read was given a new one. */
export const ENROLMENT_RESTARTED = 'Your set-up key had to be replaced. Scan the new QR code (or type the new key) and enter the code your app shows.';

export const tooManyAttempts = (waitMs: number) =>
  `Too many failed attempts. For your account's safety, sign-in is paused: please wait ${waitText(waitMs)} and try again.`;

const signInSchema = z.object({
  email,
  password: z.string({ error: 'Enter your password' }).min(1, 'Enter your password').max(PASSWORD_MAX_LENGTH, 'That password is too long'),
});

const passwordSchema = z
  .object({
    token: z.string().max(100),
    password: z
      .string({ error: 'Choose a password' })
      .min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters`)
      .max(PASSWORD_MAX_LENGTH, `Use at most ${PASSWORD_MAX_LENGTH} characters`),
    confirm: z.string({ error: 'Type the password again' }),
  })
  .refine((v) => v.password === v.confirm, { path: ['confirm'], message: 'The two passwords differ' });

const passwordOf = (s: StaffRow) =>
  s.passwordHash && s.passwordSalt && s.passwordIterations ? { hash: s.passwordHash, salt: s.passwordSalt, iterations: s.passwordIterations } : null;

export function staffAuthRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const origin = sameOrigin();

  // ---- staff: password

  app.get('/staff/signin', (c) => {
    const notice = { password_set: 'Your password is set. Sign in with it now.', signed_out: 'You are signed out.' }[c.req.query('notice') ?? ''] ?? null;
    return c.html(staffSignInPage({ publication: c.var.deps.config.publicationName, next: safeNext(c.req.query('next'), '/finance'), notice }));
  });

  app.post('/staff/signin', origin, async (c) => {
    const deps = c.var.deps;
    const { db, now } = deps;
    const body = await readForm(c.req);
    const next = safeNext(text(body.next), '/finance');
    const render = (status: 400 | 401 | 429, error: string, typed?: string) =>
      c.html(staffSignInPage({ publication: deps.config.publicationName, next, error, email: typed ?? text(body.email) }), status);
    const parsed = signInSchema.safeParse(body);
    if (!parsed.success) return render(400, Object.values(fieldErrors(parsed.error)).join(' '));
    const address = normalizeEmail(parsed.data.email);
    const who = requestOrigin(c);
    const checks: ThrottleCheck[] = [
      { key: throttleKeys.staffAccount(address), rule: THROTTLES.account },
      { key: throttleKeys.address(who.ip), rule: THROTTLES.address },
    ];
    const before = await checkThrottles(db, checks, now());
    if (before.blocked) return render(429, tooManyAttempts(before.retryAfterMs));

    const person = await findStaffByEmail(db, address);
    // always one PBKDF2 run, whether or not the account exists or has a password
    const matches = await verifyPassword(parsed.data.password, person ? passwordOf(person) : null);
    if (!matches || !person || person.disabled) {
      const at = now();
      const reason = !person ? 'unknown_email' : person.disabled ? 'disabled' : person.passwordHash ? 'wrong_password' : 'no_password_yet';
      await db.atomic([
        ...countAttempt(db, checks, at),
        auditStatement(db, { actor: null, action: 'signin.failed', target: person ? `staff:${person.id}` : null, details: { reason } }, who, at),
      ]);
      const after = await checkThrottles(db, checks, at);
      return after.blocked ? render(429, tooManyAttempts(after.retryAfterMs)) : render(401, WRONG_CREDENTIALS);
    }

    const stage = needsSecondFactor(person.role) ? 'second_factor' : 'active';
    const session = await newSession(deps, { kind: 'staff', subjectId: person.id, stage, userAgent: who.userAgent, replacing: readSessionToken(c) });
    const at = now();
    const statements: Statement[] = [...session.statements];
    // a hash made with fewer iterations than today's is made again while the password is at hand
    if ((person.passwordIterations ?? 0) < PBKDF2_ITERATIONS) statements.push(setStaffPassword(db, person.id, await hashPassword(parsed.data.password), at));
    if (stage === 'active')
      statements.push(
        resetThrottle(db, checks[0]!.key),
        auditStatement(db, { actor: `staff:${person.id}`, action: 'signin', target: `staff:${person.id}`, details: { factors: 'password' } }, who, at),
      );
    await db.atomic(statements);
    issueSessionCookie(c, session);
    return c.redirect(stage === 'active' ? next : `/staff/signin/second-factor?next=${encodeURIComponent(next)}`, 303);
  });

  // ---- staff: second factor (enrolment at first sign-in, then a code each time)

  /** The half-signed-in staff member (right password, code still to come), or null. */
  async function pendingStaff(c: Context<AppEnv>) {
    const session = await loadSession(c);
    if (session?.kind !== 'staff' || session.stage !== 'second_factor') return null;
    const person = await findStaff(c.var.deps.db, session.subjectId);
    if (!person || person.disabled) return null;
    return { session, person };
  }

  async function enrolmentSecret(deps: Deps, person: StaffRow): Promise<string> {
    const keys = deps.config.staffSecrets;
    let stored = person.totpSecret;
    // each round reads the stored secret or writes a new one over what it found
    for (let round = 0; round < 3; round++) {
      if (stored) {
        const opened = await openTotpSecret(keys, person.id, stored);
        if (opened.ok) return opened.secret;
        // not trusted until a code confirms it, so a pending secret that cannot be read is replaced
        deps.log.warn('pending second-factor secret unreadable; a new one is issued', { staff: person.id, reason: opened.reason });
      }
      const sealed = await sealTotpSecret(keys, person.id, newTotpSecret());
      await deps.db.atomic([setPendingTotpSecret(deps.db, person.id, sealed, deps.now(), stored)]);
      // re-read: a second tab may have written its own secret first, and the page must show the stored one
      stored = (await findStaff(deps.db, person.id))?.totpSecret ?? null;
    }
    throw new Error('no readable pending second-factor secret could be stored');
  }

  async function secondFactorForm(
    c: Context<AppEnv>,
    p: NonNullable<Awaited<ReturnType<typeof pendingStaff>>>,
    next: string,
    error: string | null,
    status: 200 | 400 | 401 | 429,
  ) {
    const { config } = c.var.deps;
    if (p.person.totpEnrolledAt) return c.html(secondFactorPage({ publication: config.publicationName, csrf: p.session.csrfToken, next, error }), status);
    const secret = await enrolmentSecret(c.var.deps, p.person);
    const uri = totpUri(secret, p.person.email, config.publicationName);
    return c.html(enrolPage({ publication: config.publicationName, csrf: p.session.csrfToken, next, error, secret, qrSvg: totpQrSvg(uri) }), status);
  }

  app.get('/staff/signin/second-factor', async (c) => {
    const p = await pendingStaff(c);
    if (!p) return c.redirect('/staff/signin', 303);
    return secondFactorForm(c, p, safeNext(c.req.query('next'), '/finance'), null, 200);
  });

  app.post('/staff/signin/second-factor', origin, async (c) => {
    const deps = c.var.deps;
    const { db, now } = deps;
    const p = await pendingStaff(c);
    if (!p) return c.redirect('/staff/signin', 303);
    const body = await readForm(c.req);
    const next = safeNext(text(body.next), '/finance');
    const { person, session } = p;
    if (!(await timingSafeEqualText(text(body[CSRF_FIELD]) ?? '', session.csrfToken)))
      return secondFactorForm(c, p, next, 'This form has expired. Please enter the code again.', 400);
    const who = requestOrigin(c);
    const checks: ThrottleCheck[] = [
      { key: throttleKeys.secondFactor(person.id), rule: THROTTLES.account },
      { key: throttleKeys.address(who.ip), rule: THROTTLES.address },
    ];
    const before = await checkThrottles(db, checks, now());
    if (before.blocked) return secondFactorForm(c, p, next, tooManyAttempts(before.retryAfterMs), 429);
    const code = (text(body.code) ?? '').slice(0, 64);
    const at = now();
    const enrolled = person.totpEnrolledAt !== null;
    const keys = deps.config.staffSecrets;
    const stored = person.totpSecret;
    const opened = stored ? await openTotpSecret(keys, person.id, stored) : null;
    // names the setting at fault, never a key or a secret
    if (opened && !opened.ok) deps.log.error('second-factor secret unreadable', { staff: person.id, reason: opened.reason, problem: opened.message });

    let factor: 'totp' | 'recovery_code' | null = null;
    let step: number | null = null;
    if (opened?.ok) {
      step = verifyTotp(opened.secret, code, at, enrolled ? person.totpLastStep : null);
      if (step !== null && enrolled && (await useTotpStep(db, person.id, step)).length === 1) factor = 'totp';
      if (step !== null && !enrolled) factor = 'totp';
    }
    if (!factor && enrolled && (await useRecoveryCode(db, person.id, await sha256Hex(normalizeRecoveryCode(code)), at))) factor = 'recovery_code';

    if (!factor) {
      await db.atomic([
        ...countAttempt(db, checks, at),
        auditStatement(db, { actor: null, action: 'signin.second_factor_failed', target: `staff:${person.id}` }, who, at),
      ]);
      const after = await checkThrottles(db, checks, at);
      const why =
        opened && !opened.ok
          ? enrolled
            ? SECRET_UNREADABLE
            : ENROLMENT_RESTARTED
          : 'That code is not right, or was already used. Check the app and try again.';
      return secondFactorForm(c, p, next, after.blocked ? tooManyAttempts(after.retryAfterMs) : why, after.blocked ? 429 : 401);
    }

    const active = await newSession(deps, { kind: 'staff', subjectId: person.id, stage: 'active', userAgent: who.userAgent, replacing: readSessionToken(c) });
    const actor = `staff:${person.id}`;
    const statements: Statement[] = [...active.statements, resetThrottle(db, checks[0]!.key), resetThrottle(db, throttleKeys.staffAccount(person.email))];
    let codes: string[] = [];
    if (!enrolled) {
      codes = newRecoveryCodes();
      const hashes = await Promise.all(codes.map((k) => sha256Hex(normalizeRecoveryCode(k))));
      statements.push(
        confirmTotp(db, person.id, step!, at),
        ...replaceRecoveryCodes(db, person.id, hashes, at),
        auditStatement(db, { actor, action: 'staff.totp_enrolled', target: actor }, who, at),
      );
    }
    if (factor === 'recovery_code') statements.push(auditStatement(db, { actor, action: 'signin.recovery_code_used', target: actor }, who, at));
    // plain text from before sealing, or sealed under the previous key: sealed again under the current one
    if (opened?.ok && opened.reseal && stored) statements.push(resealTotpSecret(db, person.id, await sealTotpSecret(keys, person.id, opened.secret), stored));
    statements.push(auditStatement(db, { actor, action: 'signin', target: actor, details: { factors: `password+${factor}` } }, who, at));
    await db.atomic(statements);
    issueSessionCookie(c, active);
    if (!enrolled) return c.html(recoveryCodesPage({ publication: deps.config.publicationName, codes, next }));
    return c.redirect(next, 303);
  });

  // ---- staff: set or reset a password through an emailed (or CLI-printed) link

  app.get('/staff/password', async (c) => {
    const { db, now, config } = c.var.deps;
    const token = c.req.query('token');
    const link = await peekLink(db, token, 'staff_password', now());
    if (!link)
      return c.html(linkExpiredPage({ publication: config.publicationName, again: { href: '/staff/password/reset', label: 'Ask for a new link' } }), 400);
    return c.html(setPasswordPage({ publication: config.publicationName, token: token!, email: link.email }));
  });

  app.post('/staff/password', origin, async (c) => {
    const deps = c.var.deps;
    const { db, now, config } = deps;
    const body = await readForm(c.req);
    const expired = () =>
      c.html(linkExpiredPage({ publication: config.publicationName, again: { href: '/staff/password/reset', label: 'Ask for a new link' } }), 400);
    const parsed = passwordSchema.safeParse(body);
    if (!parsed.success) {
      const link = await peekLink(db, text(body.token), 'staff_password', now());
      if (!link) return expired();
      return c.html(
        setPasswordPage({
          publication: config.publicationName,
          token: text(body.token)!,
          email: link.email,
          error: 'Please check the highlighted fields',
          fields: fieldErrors(parsed.error),
        }),
        400,
      );
    }
    // hash before using the link, so a slow hash cannot leave a used link and no password
    const password = await hashPassword(parsed.data.password);
    const link = await useLink(db, parsed.data.token, 'staff_password', now());
    const person = link?.subjectId ? await findStaff(db, link.subjectId) : null;
    if (!link || !person || person.disabled) return expired();
    const at = now();
    const actor = `staff:${person.id}`;
    // a new password ends every session: whoever knew the old one is signed out
    await db.atomic([
      setStaffPassword(db, person.id, password, at),
      deleteSessionsOf(db, 'staff', person.id),
      auditStatement(db, { actor, action: 'staff.password_set', target: actor }, requestOrigin(c), at),
    ]);
    return c.redirect('/staff/signin?notice=password_set', 303);
  });

  app.get('/staff/password/reset', (c) =>
    c.html(
      askLinkPage({
        publication: c.var.deps.config.publicationName,
        title: 'Set or reset your password',
        intro: 'Enter the email address of your staff account. We will email you a link to set a new password.',
        action: '/staff/password/reset',
      }),
    ),
  );

  app.post('/staff/password/reset', origin, async (c) => {
    const deps = c.var.deps;
    return askForLink(
      c,
      'staff_password',
      async (address) => {
        const person = await findStaffByEmail(deps.db, address);
        return person && !person.disabled ? { subjectId: person.id, actor: `staff:${person.id}`, action: 'staff.password_link_sent' as const } : null;
      },
      { title: 'Set or reset your password', intro: 'Enter the email address of your staff account.', action: '/staff/password/reset' },
    );
  });

  return app;
}
