// A signed-in supporter's own pages. For now: who is signed in and signing out; gifts and
// their management grow here on top of requireSupporter.
import { Hono } from 'hono';
import { privatePage, requireSupporter } from '../auth/auth.middleware.js';
import { Csrf } from '../auth/auth.views.js';
import type { SupporterEnv } from '../deps.js';
import { Layout, toHtml } from '../ui/layout.js';

export function supporterRoutes(): Hono<SupporterEnv> {
  const app = new Hono<SupporterEnv>();
  app.use(privatePage());

  app.get('/', requireSupporter(), (c) => {
    const { supporter, session, deps } = c.var;
    return c.html(
      toHtml(
        <Layout title={`Your account | ${deps.config.publicationName}`} publication={deps.config.publicationName}>
          <h1>Your account</h1>
          <p>Signed in as {supporter.email}.</p>
          <form method="post" action="/signout">
            <Csrf token={session.csrfToken} />
            <button type="submit">Sign out</button>
          </form>
          <form method="post" action="/signout/everywhere">
            <Csrf token={session.csrfToken} />
            <button type="submit" class="link-button">
              Sign out on every device
            </button>
          </form>
        </Layout>,
      ),
    );
  });

  return app;
}
