// Template name (as stored in the outbox) -> renderer. Props were validated when written.
import type { RenderedEmail } from '../../emails/layout.js';
import { receiptEmail, type ReceiptProps } from '../../emails/receipt.js';

export const TEMPLATES: Record<string, (props: Record<string, unknown>, queuedAt: number) => RenderedEmail> = {
  receipt: (props, queuedAt) => receiptEmail({ paidOn: new Date(queuedAt).toISOString().slice(0, 10), ...(props as ReceiptProps) }),
};

export function renderOutboxEmail(template: string, propsJson: string, queuedAt: number): RenderedEmail {
  const render = TEMPLATES[template];
  if (!render) throw new Error(`no email template named ${template}`);
  return render(JSON.parse(propsJson) as Record<string, unknown>, queuedAt);
}
