// GET /dev/mail: the emails Storyfund would have sent, for development (preview transport
// only; never mounted in production). Each email shows its HTML and text parts side by side.
import { Hono } from 'hono';
import type { AppEnv } from '../deps.js';
import { Layout, toHtml } from '../ui/layout.js';
import { findEmail, recentEmails } from './mail.repo.js';
import { withPaymentMethod } from './mail.receipts.js';
import { mailSite, renderOutboxEmail } from './mail.templates.js';

export function mailPreviewRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // supporters' addresses and sign-in links: never kept by a browser or proxy
  app.use(async (c, next) => {
    await next();
    c.header('cache-control', 'no-store');
  });

  app.get('/', async (c) => {
    const { db, config } = c.var.deps;
    const site = mailSite(config);
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
                      <a href={`/dev/mail/${r.id}`}>{renderOutboxEmail(r.template, r.props, site).subject}</a>
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
    const { db, config } = c.var.deps;
    const row = await findEmail(db, c.req.param('id'));
    if (!row) return c.json({ error: 'No such email' }, 404);
    // as the dispatcher sends it, with the card asked of Stripe (here usually the sandbox)
    const email = renderOutboxEmail(row.template, await withPaymentMethod(c.var.deps, row.template, row.props), mailSite(config));
    const format = c.req.query('format');
    if (format === 'text') return c.text(`To: ${row.to}\nSubject: ${email.subject}\n\n${email.text}`);
    // the email's own document, for the frame below (it carries its own inline styles)
    if (format === 'html') {
      // an email is styled inline (mail clients drop stylesheets) and never needs script; the
      // preview page beside it frames it, so framing is allowed from this site only
      c.header(
        'content-security-policy',
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data: https:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'",
      );
      c.header('x-frame-options', 'SAMEORIGIN');
      return c.html(email.html);
    }
    return c.html(
      toHtml(
        <Layout title={`${email.subject} | Email preview`} publication={config.publicationName}>
          <p>
            <a href="/dev/mail">All emails</a>
          </p>
          <h1>{email.subject}</h1>
          <dl class="mail-headers">
            <dt>From</dt>
            <dd>{config.mail.from}</dd>
            <dt>Reply-To</dt>
            <dd>{config.mail.replyTo ?? '(none)'}</dd>
            <dt>To</dt>
            <dd>{row.to}</dd>
            <dt>Status</dt>
            <dd>{row.status}</dd>
          </dl>
          <div class="mail-parts">
            <section class="mail-part mail-part--html">
              <h2>HTML</h2>
              {/* sandboxed without scripts: the frame shows the email, it runs nothing */}
              <iframe title="HTML part" class="mail-frame" sandbox="" src={`/dev/mail/${row.id}?format=html`} />
            </section>
            <section class="mail-part">
              <h2>Text</h2>
              <pre class="mail-text">{email.text}</pre>
            </section>
          </div>
        </Layout>,
      ),
    );
  });

  return app;
}
