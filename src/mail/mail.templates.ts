// Template name (as stored in the outbox) -> renderer. The map fixes each template's props
// type, so queueing an email with the wrong props does not compile.
import type { RenderedEmail } from '../../emails/layout.js';
import { declineAlertEmail, type DeclineAlertProps } from '../../emails/decline-alert.js';
import { receiptEmail, type ReceiptProps } from '../../emails/receipt.js';
import { signInLinkEmail, type SignInLinkProps } from '../../emails/signin-link.js';

export const EMAIL_TEMPLATES = {
  receipt: (props: ReceiptProps, queuedAt: number) => receiptEmail({ paidOn: new Date(queuedAt).toISOString().slice(0, 10), ...props }),
  signin_link: (props: SignInLinkProps) => signInLinkEmail(props),
  decline_alert: (props: DeclineAlertProps) => declineAlertEmail(props),
} satisfies Record<string, (props: never, queuedAt: number) => RenderedEmail>;

export type TemplateName = keyof typeof EMAIL_TEMPLATES;
export type TemplateProps = { [K in TemplateName]: Parameters<(typeof EMAIL_TEMPLATES)[K]>[0] };

function isTemplateName(name: string): name is TemplateName {
  return Object.hasOwn(EMAIL_TEMPLATES, name);
}

export function renderOutboxEmail(template: string, propsJson: string, queuedAt: number): RenderedEmail {
  if (!isTemplateName(template)) throw new Error(`no email template named ${template}`);
  // props were typed when the row was written (mail.port.ts)
  const render = EMAIL_TEMPLATES[template] as (props: unknown, queuedAt: number) => RenderedEmail;
  return render(JSON.parse(propsJson), queuedAt);
}
