// To the admins: many payments declined in a short time, the usual sign of someone testing
// stolen card numbers through the appeal.
import { emailLayout, type MailSite, type RenderedEmail } from './layout.js';

export type DeclineAlertProps = {
  /** kept for alerts queued before the site's name came from settings; the settings win */
  publicationName?: string;
  declines: number;
  windowMinutes: number;
  /** what the appeal now does about it, in a sentence */
  response: string;
};

export function declineAlertEmail(props: DeclineAlertProps, site: MailSite): RenderedEmail {
  const subject = `Many declined payments at ${site.publicationName}: possible card testing`;
  const { html, text } = emailLayout(site, {
    preheader: `${props.declines} declined payments within ${props.windowMinutes} minutes`,
    paragraphs: [
      `Stripe has reported ${props.declines} declined payments within ${props.windowMinutes} minutes. A run of declines like this often means someone is testing stolen card numbers through the appeal.`,
      props.response,
      "Look at the Payments page of Stripe's dashboard (Radar shows blocked and declined attempts). This email is sent at most once per window.",
    ],
    reason: `Sent to the administrators of ${site.publicationName}'s Storyfund.`,
    audience: 'staff',
  });
  return { subject, html, text };
}
