// The recurring gift's amount or interval changed (from the account or in Stripe).
import { accountLink, GIFT_REASON, type Interval, KIND, perInterval } from './common.js';
import { emailLayout, formatDay, type MailSite, type RenderedEmail } from './layout.js';

export type RecurringChangedProps = {
  amountMinor: number;
  currency: string;
  interval: Interval;
  previous: { amountMinor: number; currency: string; interval: Interval };
  /** ms; the first payment at the new amount, when known */
  nextPaymentAt: number | null;
};

export function recurringChangedEmail(props: RecurringChangedProps, site: MailSite): RenderedEmail {
  const now = perInterval(props.amountMinor, props.currency, props.interval);
  const before = perInterval(props.previous.amountMinor, props.previous.currency, props.previous.interval);
  const { html, text } = emailLayout(site, {
    preheader: `Your regular gift is now ${now}`,
    paragraphs: [`Your regular gift to ${site.publicationName} has changed. Thank you for keeping it going.`],
    details: [
      { label: 'Was', value: before },
      { label: 'Now', value: now },
      ...(props.nextPaymentAt ? [{ label: 'Next payment', value: formatDay(props.nextPaymentAt) }] : []),
    ],
    links: [accountLink(site)],
    closing: ['If you did not make this change, reply to this email or sign in to check your account.'],
    reason: GIFT_REASON(site),
  });
  return { subject: `Your ${KIND[props.interval]} gift is now ${now}`, html, text };
}
