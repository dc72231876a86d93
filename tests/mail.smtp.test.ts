// SMTP transport: a real round trip from the outbox, through nodemailer, to an SMTP server
// the test runs on loopback, whose received message is parsed back.
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { dispatchOutbox } from '../src/mail/mail.dispatch.js';
import { createTransport } from '../src/mail/mail.transport.js';
import { smtpTransport } from '../src/runtime/node.smtp.js';
import { buildTestContext, type TestContext } from './factories/deps.js';
import { buildCheckoutSession, buildEvent } from './factories/stripe.js';
import { startStripeMock } from './mocks/stripe-api.js';

const mock = startStripeMock();
afterAll(() => mock.close());

type Received = { mail: ParsedMail; envelopeFrom: string | false; envelopeTo: string[]; user: string | undefined };

/** A local SMTP server; `starttls: false` makes it one that cannot upgrade the connection. */
async function startSmtp(opts: { starttls: boolean }) {
  const received: Received[] = [];
  const server = new SMTPServer({
    // plain sign-in is allowed only because this server listens on loopback for the test
    allowInsecureAuth: true,
    authOptional: false,
    disabledCommands: opts.starttls ? [] : ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === 'mailer' && auth.password === 'pw-123456') cb(null, { user: auth.username });
      else cb(new Error('bad credentials'));
    },
    onData(stream, session, cb) {
      simpleParser(stream)
        .then((mail) => {
          received.push({
            mail,
            envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : false,
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            user: session.user as string | undefined,
          });
          cb();
        })
        .catch(cb);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { received, port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let t: TestContext;
let smtp: Awaited<ReturnType<typeof startSmtp>> | null = null;
beforeEach(() => {
  t = buildTestContext({ MAIL_REPLY_TO: 'help@news.example', MAIL_FROM: 'The Harbour Ledger <give@news.example>' });
});
afterEach(async () => {
  await t.cleanup();
  await smtp?.close();
  smtp = null;
  mock.server.resetHandlers();
});

async function payOneOff() {
  const session = buildCheckoutSession({ client_reference_id: null, amount_total: 1500, customer_details: { email: 'reader@example.com' } });
  expect((await t.app.request(t.webhook(buildEvent('checkout.session.completed', session)))).status).toBe(200);
  return session;
}

describe('the SMTP transport', () => {
  it('delivers the receipt with from, to, reply-to, subject and both parts', async () => {
    smtp = await startSmtp({ starttls: false });
    const session = await payOneOff();
    const transport = smtpTransport({ host: '127.0.0.1', port: smtp.port, security: 'none', auth: { user: 'mailer', pass: 'pw-123456' } });
    expect(await dispatchOutbox(t.deps, transport)).toEqual({ sent: 1, failed: 0 });
    expect(smtp.received).toHaveLength(1);
    const { mail, envelopeFrom, envelopeTo, user } = smtp.received[0]!;
    expect(user).toBe('mailer');
    expect(envelopeFrom).toBe('give@news.example');
    expect(envelopeTo).toEqual(['reader@example.com']);
    expect(mail.from?.value).toEqual([{ address: 'give@news.example', name: 'The Harbour Ledger' }]);
    expect(mail.replyTo?.value).toEqual([{ address: 'help@news.example', name: '' }]);
    expect(mail.subject).toBe('Your receipt: £15 to The Harbour Ledger');
    expect(mail.text).toMatch(new RegExp(`Receipt number: ${session.payment_intent}\\nDate: \\d{1,2} [A-Z][a-z]+ \\d{4}\\nAmount: £15\\n`));
    expect(mail.html).toContain('We have received your gift of £15.');
    expect(mail.html).toContain('href="http://localhost:8787/account"');
    expect(mail.headers.get('x-storyfund-email')).toBe(`receipt:payment:${session.payment_intent}`);
    expect(t.handle.sqlite.prepare('select status from outbox').all()).toEqual([{ status: 'sent' }]);
  });

  it('refuses to send over a server that cannot STARTTLS when STARTTLS is required, and the outbox retries', async () => {
    smtp = await startSmtp({ starttls: false });
    await payOneOff();
    const transport = smtpTransport({ host: '127.0.0.1', port: smtp.port, security: 'starttls', auth: { user: 'mailer', pass: 'pw-123456' } });
    expect(await dispatchOutbox(t.deps, transport)).toEqual({ sent: 0, failed: 1 });
    expect(smtp.received).toHaveLength(0);
    const row = t.handle.sqlite.prepare('select status, attempts, last_error from outbox').get() as { status: string; attempts: number; last_error: string };
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(row.last_error).toMatch(/STARTTLS/i);
    // the password never reaches the stored error
    expect(row.last_error).not.toContain('pw-123456');
  });

  it('is refused on a runtime without sockets, naming the setting', () => {
    const mail = loadConfig({ MAIL_TRANSPORT: 'smtp', SMTP_HOST: 'localhost', MAIL_FROM: 'a@news.example' }).mail;
    expect(() => createTransport(mail)).toThrow('MAIL_TRANSPORT=smtp works only on Node');
    expect(createTransport(mail, { smtp: smtpTransport }).name).toBe('smtp');
  });
});
