// Signing in and out: supporters by an emailed link, then signing out (either kind). Staff
// sign-in lives in auth.staff.routes.tsx and is mounted here, under the same private-page rule.
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { AppEnv } from '../deps.js';
import { readForm } from '../lib/validate.js';
import { askForLink, text } from './auth.ask.js';
import { staffAuthRoutes } from './auth.staff.routes.js';
import { auditStatement, requestOrigin } from './auth.audit.js';
import { peekLink, useLink } from './auth.links.js';
import { privatePage, requireSession, sameOrigin } from './auth.middleware.js';
import { deleteSession, deleteSessionsOf, findSupporter, findSupporterByEmail } from './auth.repo.js';
import { clearSessionCookie, issueSessionCookie, newSession, readSessionToken } from './auth.sessions.js';
import { askLinkPage, confirmLinkPage, linkExpiredPage } from './auth.views.js';

export function authRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const origin = sameOrigin();
  // scoped to these paths: mounted at the root, an unscoped middleware would reach every later route
  for (const path of ['/staff/*', '/signin', '/signin/*', '/signout', '/signout/*']) app.use(path, privatePage());
  app.route('/', staffAuthRoutes());

  // ---- supporters: sign in by emailed link

  app.get('/signin', (c) =>
    c.html(
      askLinkPage({
        publication: c.var.deps.config.publicationName,
        title: 'Sign in',
        intro: 'Enter the email address you gave with. We will email you a link that signs you in; no password needed.',
        action: '/signin',
      }),
    ),
  );

  app.post('/signin', origin, async (c) => {
    const deps = c.var.deps;
    return askForLink(
      c,
      'supporter_signin',
      async (address) => {
        const person = await findSupporterByEmail(deps.db, address);
        return person ? { subjectId: person.id, actor: `supporter:${person.id}`, action: 'signin.link_sent' as const } : null;
      },
      { title: 'Sign in', intro: 'Enter the email address you gave with.', action: '/signin' },
    );
  });

  app.get('/signin/link', async (c) => {
    const { db, now, config } = c.var.deps;
    const token = c.req.query('token');
    // a GET only shows a button: mail scanners that open links must not use up a single-use link
    if (!(await peekLink(db, token, 'supporter_signin', now())))
      return c.html(linkExpiredPage({ publication: config.publicationName, again: { href: '/signin', label: 'Email me a new link' } }), 400);
    return c.html(confirmLinkPage({ publication: config.publicationName, token: token! }));
  });

  app.post('/signin/link', origin, async (c) => {
    const deps = c.var.deps;
    const { db, now, config } = deps;
    const body = await readForm(c.req);
    const link = await useLink(db, text(body.token), 'supporter_signin', now());
    const person = link?.subjectId ? await findSupporter(db, link.subjectId) : null;
    if (!link || !person)
      return c.html(linkExpiredPage({ publication: config.publicationName, again: { href: '/signin', label: 'Email me a new link' } }), 400);
    const who = requestOrigin(c);
    const session = await newSession(deps, {
      kind: 'supporter',
      subjectId: person.id,
      stage: 'active',
      userAgent: who.userAgent,
      replacing: readSessionToken(c),
    });
    const actor = `supporter:${person.id}`;
    await db.atomic([...session.statements, auditStatement(db, { actor, action: 'signin.link_used', target: actor }, who, now())]);
    issueSessionCookie(c, session);
    return c.redirect('/account', 303);
  });

  // ---- signing out (either kind)

  app.post('/signout', requireSession(), async (c) => {
    const { db, now } = c.var.deps;
    const s = c.var.session;
    const actor = `${s.kind}:${s.subjectId}`;
    await db.atomic([
      deleteSession(db, s.tokenHash),
      auditStatement(db, { actor, action: 'signout', target: actor }, requestOrigin(c as Context<AppEnv>), now()),
    ]);
    clearSessionCookie(c as Context<AppEnv>);
    return c.redirect(s.kind === 'staff' ? '/staff/signin?notice=signed_out' : '/', 303);
  });

  app.post('/signout/everywhere', requireSession(), async (c) => {
    const { db, now } = c.var.deps;
    const s = c.var.session;
    const actor = `${s.kind}:${s.subjectId}`;
    await db.atomic([
      deleteSessionsOf(db, s.kind, s.subjectId),
      auditStatement(db, { actor, action: 'signout.everywhere', target: actor }, requestOrigin(c as Context<AppEnv>), now()),
    ]);
    clearSessionCookie(c as Context<AppEnv>);
    return c.redirect(s.kind === 'staff' ? '/staff/signin?notice=signed_out' : '/', 303);
  });

  return app;
}
