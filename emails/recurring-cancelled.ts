// A recurring gift ended: no further payments.
import { GIFT_REASON, type Interval, KIND, perInterval } from './common.js';
import { emailLayout, formatDay, type MailSite, type RenderedEmail, siteUrl } from './layout.js';

export type RecurringCancelledProps = {
  amountMinor: number;
  currency: string;
  interval: Interval;
  /** ms */
  endedAt: number;
};

export function recurringCancelledEmail(props: RecurringCancelledProps, site: MailSite): RenderedEmail {
  const every = perInterval(props.amountMinor, props.currency, props.interval);
  const { html, text } = emailLayout(site, {
    preheader: `Your ${KIND[props.interval]} gift has ended`,
    paragraphs: [
      `Your ${KIND[props.interval]} gift of ${every} was cancelled on ${formatDay(props.endedAt)}. We will not take any more payments.`,
      'Thank you for everything you gave. Our reporting stays free to read, and you are welcome back at any time.',
    ],
    links: [{ href: siteUrl(site, '/'), label: `Read ${site.publicationName}` }],
    reason: GIFT_REASON(site),
  });
  return { subject: `Your ${KIND[props.interval]} gift to ${site.publicationName} has ended`, html, text };
}
