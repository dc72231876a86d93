// GET /account/statements/:year: the signed-in supporter's annual giving statement, one
// table per currency, as the yearly email sends it. Printable; only their own entries.
import { Hono } from 'hono';
import { z } from 'zod';
import { taxSentence } from '../../emails/statement.js';
import { formatDay } from '../../emails/layout.js';
import { privatePage, requireSupporter } from '../auth/auth.middleware.js';
import type { SupporterEnv } from '../deps.js';
import { buildStatements } from '../ledger/ledger.statements.js';
import { statementEntries } from '../ledger/ledger.statements.repo.js';
import { formatMoney } from '../lib/money.js';
import { parseInput } from '../lib/validate.js';
import { mailSite } from '../mail/mail.templates.js';
import { Layout, toHtml } from '../ui/layout.js';

const yearParam = z.object({
  year: z
    .string()
    .regex(/^\d{4}$/, 'must be a year like 2026')
    .transform(Number)
    .refine((y) => y >= 2000 && y <= 2100, 'must be a year from 2000 to 2100'),
});

const KIND = { gift: 'Gift', renewal: 'Regular gift', refund: 'Refund' } as const;

export function supporterStatementRoutes(): Hono<SupporterEnv> {
  const app = new Hono<SupporterEnv>();
  app.use(privatePage());

  app.get('/:year', requireSupporter(), async (c) => {
    const { supporter, deps } = c.var;
    const { year } = parseInput(yearParam, { year: c.req.param('year') }, 'That is not a statement year');
    const statements = buildStatements(year, await statementEntries(deps.db, year, supporter.email));
    const site = mailSite(deps.config);
    return c.html(
      toHtml(
        <Layout title={`Your ${year} giving statement | ${deps.config.publicationName}`} publication={deps.config.publicationName}>
          <h1>Your {year} giving statement</h1>
          <p>
            For {supporter.email}. Every payment you made in the calendar year {year} (UTC), refunds taken off.
          </p>
          <p>{taxSentence(site)}</p>
          {statements.length === 0 ? (
            <p>You made no gifts in {year}.</p>
          ) : (
            statements.map(({ props }) => (
              <section>
                <h2>In {props.currency.toUpperCase()}</h2>
                <table class="statement">
                  <thead>
                    <tr>
                      <th>Date</th>
                      <th>What</th>
                      <th>Receipt number</th>
                      <th>Amount</th>
                    </tr>
                  </thead>
                  <tbody>
                    {props.lines.map((l) => (
                      <tr>
                        <td>{formatDay(l.paidAt)}</td>
                        <td>{KIND[l.kind]}</td>
                        <td>{l.receiptNumber}</td>
                        <td>{formatMoney(l.amountMinor, props.currency)}</td>
                      </tr>
                    ))}
                  </tbody>
                  <tfoot>
                    <tr>
                      <th colspan={3}>Total for {year}</th>
                      <td>{formatMoney(props.totalMinor, props.currency)}</td>
                    </tr>
                  </tfoot>
                </table>
              </section>
            ))
          )}
          <p>
            <a href="/account">Back to your account</a>
          </p>
        </Layout>,
      ),
    );
  });

  return app;
}
