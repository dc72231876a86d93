// How an email leaves: chosen by config. The preview and HTTP transports are
// runtime-neutral (fetch only); SMTP needs sockets, so the Node runtime supplies it.
import type { Config } from '../config.js';
import { ConfigError } from '../config.js';

export type OutgoingEmail = { from: string; replyTo: string | null; to: string; subject: string; html: string; text: string; idempotencyKey: string };
export type Transport = { name: string; send(email: OutgoingEmail): Promise<void> };

/** Development: nothing leaves the machine; emails are read at /dev/mail. */
export const previewTransport: Transport = { name: 'preview', send: async () => {} };

/**
 * An HTTP email API taking JSON { from, to, reply_to, subject, html, text } with a bearer
 * token (Resend's shape, which several providers and relays accept). The idempotency key
 * keeps a retried send from being delivered twice where the provider honours it.
 */
export function httpTransport(url: string, token: string): Transport {
  return {
    name: 'http',
    async send(email) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': email.idempotencyKey },
        body: JSON.stringify({
          from: email.from,
          to: [email.to],
          ...(email.replyTo ? { reply_to: email.replyTo } : {}),
          subject: email.subject,
          html: email.html,
          text: email.text,
        }),
      });
      if (!res.ok) throw new Error(`email API answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    },
  };
}

export type SmtpFactory = (settings: Extract<Config['mail'], { transport: 'smtp' }>['smtp']) => Transport;

/**
 * The transport the settings ask for. `smtp` is given by runtimes that can open sockets
 * (Node); where it is absent (Workers) MAIL_TRANSPORT=smtp is a configuration error.
 */
export function createTransport(mail: Config['mail'], runtime: { smtp?: SmtpFactory } = {}): Transport {
  switch (mail.transport) {
    case 'http':
      return httpTransport(mail.httpUrl, mail.httpToken);
    case 'smtp':
      if (!runtime.smtp) throw new ConfigError(['MAIL_TRANSPORT=smtp works only on Node; on Workers use MAIL_TRANSPORT=http (an email API)']);
      return runtime.smtp(mail.smtp);
    default:
      return previewTransport;
  }
}
