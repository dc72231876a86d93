// How an email leaves: chosen by config. Runtime-neutral (fetch only), so the same
// transports work on Node and Workers.
import type { Config } from '../config.js';

export type OutgoingEmail = { from: string; to: string; subject: string; html: string; text: string; idempotencyKey: string };
export type Transport = { name: string; send(email: OutgoingEmail): Promise<void> };

/** Development: nothing leaves the machine; emails are read at /dev/mail. */
export const previewTransport: Transport = { name: 'preview', send: async () => {} };

/**
 * An HTTP email API taking JSON { from, to, subject, html, text } with a bearer token
 * (Resend's shape, which several providers and relays accept). The idempotency key keeps
 * a retried send from being delivered twice where the provider honours it.
 */
export function httpTransport(url: string, token: string): Transport {
  return {
    name: 'http',
    async send(email) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': email.idempotencyKey },
        body: JSON.stringify({ from: email.from, to: [email.to], subject: email.subject, html: email.html, text: email.text }),
      });
      if (!res.ok) throw new Error(`email API answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    },
  };
}

export function createTransport(mail: Config['mail']): Transport {
  return mail.transport === 'http' ? httpTransport(mail.httpUrl, mail.httpToken) : previewTransport;
}
