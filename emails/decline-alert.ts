// To the admins: many payments declined in a short time, the usual sign of someone testing
// stolen card numbers through the appeal.
import { emailLayout, type RenderedEmail } from './layout.js';

export type DeclineAlertProps = {
  publicationName: string;
  declines: number;
  windowMinutes: number;
  /** what the appeal now does about it, in a sentence */
  response: string;
};

export function declineAlertEmail(props: DeclineAlertProps): RenderedEmail {
  const subject = `Many declined payments at ${props.publicationName}: possible card testing`;
  const { html, text } = emailLayout({
    publication: props.publicationName,
    preheader: `${props.declines} declined payments within ${props.windowMinutes} minutes`,
    paragraphs: [
      `Stripe has reported ${props.declines} declined payments within ${props.windowMinutes} minutes. A run of declines like this often means someone is testing stolen card numbers through the appeal.`,
      props.response,
      "Look at the Payments page of Stripe's dashboard (Radar shows blocked and declined attempts). This email is sent at most once per window.",
    ],
    links: [],
    footer: `Sent to the administrators of ${props.publicationName}'s Storyfund.`,
  });
  return { subject, html, text };
}
