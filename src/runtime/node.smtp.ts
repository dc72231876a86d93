// SMTP on Node through nodemailer: a mail server of the publisher's own, or any relay.
import nodemailer from 'nodemailer';
import type { SmtpSettings } from '../config.js';
import type { Transport } from '../mail/mail.transport.js';

export function smtpTransport(settings: SmtpSettings): Transport {
  const mailer = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    // secure: TLS from the first byte; otherwise STARTTLS, which requireTLS makes mandatory
    secure: settings.security === 'tls',
    requireTLS: settings.security === 'starttls',
    ignoreTLS: settings.security === 'none',
    ...(settings.auth ? { auth: settings.auth } : {}),
    // a stalled server must fail the attempt so the outbox retries it later
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
  });
  return {
    name: 'smtp',
    async send(email) {
      await mailer.sendMail({
        from: email.from,
        to: email.to,
        ...(email.replyTo ? { replyTo: email.replyTo } : {}),
        subject: email.subject,
        text: email.text,
        html: email.html,
        // the outbox key, so a message delivered twice after a lost reply can be recognised
        headers: { 'X-Storyfund-Email': email.idempotencyKey },
      });
    },
  };
}
