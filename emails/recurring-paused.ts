// Collection of a recurring gift was paused (Stripe's pause_collection).
import { accountLink, GIFT_REASON, type Interval, KIND, perInterval } from './common.js';
import { emailLayout, formatDay, type MailSite, type RenderedEmail } from './layout.js';

export type RecurringPausedProps = {
  amountMinor: number;
  currency: string;
  interval: Interval;
  /** ms; when payments resume by themselves, null until resumed by hand */
  resumesAt: number | null;
};

export function recurringPausedEmail(props: RecurringPausedProps, site: MailSite): RenderedEmail {
  const every = perInterval(props.amountMinor, props.currency, props.interval);
  const { html, text } = emailLayout(site, {
    preheader: `Your ${KIND[props.interval]} gift is paused`,
    paragraphs: [
      `Your ${KIND[props.interval]} gift of ${every} is paused: we will not take any payment while it is.`,
      props.resumesAt ? `It starts again by itself on ${formatDay(props.resumesAt)}.` : 'It stays paused until you resume it from your account.',
    ],
    links: [accountLink(site, 'Resume or change your gift')],
    reason: GIFT_REASON(site),
  });
  return { subject: `Your ${KIND[props.interval]} gift to ${site.publicationName} is paused`, html, text };
}
