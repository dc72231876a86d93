// GET /dev/mail: the emails Storyfund would have sent, for development (preview transport
// only; never mounted in production).
import { Hono } from 'hono';
import type { AppEnv } from '../deps.js';
import { Layout, toHtml } from '../ui/layout.js';
import { findEmail, recentEmails } from './mail.repo.js';
import { renderOutboxEmail } from './mail.templates.js';

export function mailPreviewRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // supporters' addresses and sign-in links: never kept by a browser or proxy
  app.use(async (c, next) => {
    await next();
    c.header('cache-control', 'no-store');
  });

  app.get('/', async (c) => {
    const { db, config } = c.var.deps;
    const rows = await recentEmails(db, 100);
    return c.html(
      toHtml(
        <Layout title={`Email preview | ${config.publicationName}`} publication={config.publicationName}>
          <h1>Email preview</h1>
          <p>Development only: these emails are kept here instead of being sent (MAIL_TRANSPORT=preview).</p>
          {rows.length === 0 ? (
            <p>No emails yet. Give a gift on the sandbox and its receipt appears here.</p>
          ) : (
            <table class="mail-list">
              <thead>
                <tr>
                  <th>Queued</th>
                  <th>To</th>
                  <th>Subject</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr>
                    <td>{new Date(r.createdAt).toISOString().replace('T', ' ').slice(0, 19)}</td>
                    <td>{r.to}</td>
                    <td>
                      <a href={`/dev/mail/${r.id}`}>{renderOutboxEmail(r.template, r.props, r.createdAt).subject}</a>
                    </td>
                    <td>{r.status}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Layout>,
      ),
    );
  });

  app.get('/:id', async (c) => {
    const row = await findEmail(c.var.deps.db, c.req.param('id'));
    if (!row) return c.json({ error: 'No such email' }, 404);
    const email = renderOutboxEmail(row.template, row.props, row.createdAt);
    if (c.req.query('format') === 'text') return c.text(`To: ${row.to}\nSubject: ${email.subject}\n\n${email.text}`);
    // an email is styled inline (mail clients drop stylesheets); it never needs script
    c.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data: https:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    return c.html(email.html);
  });

  return app;
}
