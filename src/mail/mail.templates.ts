// Template name (as stored in the outbox) -> renderer. The map fixes each template's props
// type, so queueing an email with the wrong props does not compile. Site details (name,
// public URL, tax wording) come from settings when the email is rendered, not from props.
import { type DeclineAlertProps, declineAlertEmail } from '../../emails/decline-alert.js';
import type { MailSite, RenderedEmail } from '../../emails/layout.js';
import { type PaymentFailedProps, paymentFailedEmail } from '../../emails/payment-failed.js';
import { type ReceiptProps, receiptEmail } from '../../emails/receipt.js';
import { type RecurringCancelledProps, recurringCancelledEmail } from '../../emails/recurring-cancelled.js';
import { type RecurringChangedProps, recurringChangedEmail } from '../../emails/recurring-changed.js';
import { type RecurringPausedProps, recurringPausedEmail } from '../../emails/recurring-paused.js';
import { type RecurringResumedProps, recurringResumedEmail } from '../../emails/recurring-resumed.js';
import { type RecurringWelcomeProps, recurringWelcomeEmail } from '../../emails/recurring-welcome.js';
import { type RefundProps, refundEmail } from '../../emails/refund.js';
import { type RenewalReceiptProps, renewalReceiptEmail } from '../../emails/renewal-receipt.js';
import { type SignInLinkProps, signInLinkEmail } from '../../emails/signin-link.js';
import { type StatementProps, statementEmail } from '../../emails/statement.js';
import type { Config } from '../config.js';

export const EMAIL_TEMPLATES = {
  receipt: (props: ReceiptProps, site: MailSite) => receiptEmail(props, site),
  recurring_welcome: (props: RecurringWelcomeProps, site: MailSite) => recurringWelcomeEmail(props, site),
  renewal_receipt: (props: RenewalReceiptProps, site: MailSite) => renewalReceiptEmail(props, site),
  payment_failed: (props: PaymentFailedProps, site: MailSite) => paymentFailedEmail(props, site),
  recurring_changed: (props: RecurringChangedProps, site: MailSite) => recurringChangedEmail(props, site),
  recurring_paused: (props: RecurringPausedProps, site: MailSite) => recurringPausedEmail(props, site),
  recurring_resumed: (props: RecurringResumedProps, site: MailSite) => recurringResumedEmail(props, site),
  recurring_cancelled: (props: RecurringCancelledProps, site: MailSite) => recurringCancelledEmail(props, site),
  refund: (props: RefundProps, site: MailSite) => refundEmail(props, site),
  signin_link: (props: SignInLinkProps, site: MailSite) => signInLinkEmail(props, site),
  statement: (props: StatementProps, site: MailSite) => statementEmail(props, site),
  decline_alert: (props: DeclineAlertProps, site: MailSite) => declineAlertEmail(props, site),
} satisfies Record<string, (props: never, site: MailSite) => RenderedEmail>;

export type TemplateName = keyof typeof EMAIL_TEMPLATES;
export type TemplateProps = { [K in TemplateName]: Parameters<(typeof EMAIL_TEMPLATES)[K]>[0] };

export function mailSite(config: Pick<Config, 'publicationName' | 'publicUrl' | 'taxDeductible'>): MailSite {
  return { publicationName: config.publicationName, publicUrl: config.publicUrl, taxDeductible: config.taxDeductible };
}

function isTemplateName(name: string): name is TemplateName {
  return Object.hasOwn(EMAIL_TEMPLATES, name);
}

export function renderOutboxEmail(template: string, propsJson: string, site: MailSite): RenderedEmail {
  if (!isTemplateName(template)) throw new Error(`no email template named ${template}`);
  // props were typed when the row was written (mail.port.ts)
  const render = EMAIL_TEMPLATES[template] as (props: unknown, site: MailSite) => RenderedEmail;
  return render(JSON.parse(propsJson), site);
}
