// A paused recurring gift collects again.
import { accountLink, GIFT_REASON, type Interval, KIND, perInterval } from './common.js';
import { emailLayout, formatDay, type MailSite, type RenderedEmail } from './layout.js';

export type RecurringResumedProps = {
  amountMinor: number;
  currency: string;
  interval: Interval;
  /** ms, when known */
  nextPaymentAt: number | null;
};

export function recurringResumedEmail(props: RecurringResumedProps, site: MailSite): RenderedEmail {
  const every = perInterval(props.amountMinor, props.currency, props.interval);
  const { html, text } = emailLayout(site, {
    preheader: `Your ${KIND[props.interval]} gift has resumed`,
    paragraphs: [
      `Welcome back. Your ${KIND[props.interval]} gift of ${every} has resumed.`,
      ...(props.nextPaymentAt ? [`The next payment is on ${formatDay(props.nextPaymentAt)}.`] : []),
    ],
    links: [accountLink(site)],
    reason: GIFT_REASON(site),
  });
  return { subject: `Your ${KIND[props.interval]} gift to ${site.publicationName} has resumed`, html, text };
}
