// The first payment of a recurring gift: a welcome, its receipt and when the next payment is.
import { formatMoney } from '../src/lib/money.js';
import { accountLink, GIFT_REASON, type Interval, KIND, perInterval, receiptDetails } from './common.js';
import { emailLayout, formatDay, type MailSite, type RenderedEmail } from './layout.js';

export type RecurringWelcomeProps = {
  amountMinor: number;
  currency: string;
  interval: Interval;
  /** ms */
  paidAt: number;
  receiptNumber: string;
  /** ms; the end of the period this payment covers, when known */
  nextPaymentAt: number | null;
  paymentMethod?: string | null;
  /** where the dispatcher finds the card when paymentMethod is not known (mail.receipts.ts) */
  paymentIntentId?: string | null;
};

export function recurringWelcomeEmail(props: RecurringWelcomeProps, site: MailSite): RenderedEmail {
  const every = perInterval(props.amountMinor, props.currency, props.interval);
  const details = receiptDetails({ ...props, amount: formatMoney(props.amountMinor, props.currency) }, formatDay);
  if (props.nextPaymentAt) details.push({ label: 'Next payment', value: `${formatDay(props.nextPaymentAt)} (${every})` });
  const { html, text } = emailLayout(site, {
    preheader: `Your ${KIND[props.interval]} gift of ${every} has started`,
    paragraphs: [
      `Welcome, and thank you. Your ${KIND[props.interval]} gift of ${every} has started, and we have received the first payment.`,
      'Regular gifts are what let us plan: they pay for the reporting that takes months, not days.',
    ],
    details,
    links: [accountLink(site, 'Change, pause or cancel at any time')],
    closing: ['Keep this email as your receipt for the first payment.'],
    reason: GIFT_REASON(site),
  });
  return { subject: `Welcome: your ${KIND[props.interval]} gift to ${site.publicationName}`, html, text };
}
