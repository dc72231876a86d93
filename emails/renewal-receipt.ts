// Each later payment of a recurring gift.
import { formatMoney } from '../src/lib/money.js';
import { accountLink, GIFT_REASON, type Interval, KIND, perInterval, receiptDetails } from './common.js';
import { emailLayout, formatDay, type MailSite, type RenderedEmail } from './layout.js';

export type RenewalReceiptProps = {
  amountMinor: number;
  currency: string;
  interval: Interval;
  /** ms */
  paidAt: number;
  receiptNumber: string;
  /** ms, when known */
  nextPaymentAt: number | null;
  paymentMethod?: string | null;
  /** where the dispatcher finds the card when paymentMethod is not known (mail.receipts.ts) */
  paymentIntentId?: string | null;
};

export function renewalReceiptEmail(props: RenewalReceiptProps, site: MailSite): RenderedEmail {
  const amount = formatMoney(props.amountMinor, props.currency);
  const every = perInterval(props.amountMinor, props.currency, props.interval);
  const details = receiptDetails({ ...props, amount }, formatDay);
  if (props.nextPaymentAt) details.push({ label: 'Next payment', value: `${formatDay(props.nextPaymentAt)} (${every})` });
  const { html, text } = emailLayout(site, {
    preheader: `Receipt for your ${KIND[props.interval]} gift of ${amount}`,
    paragraphs: [`Thank you for your ${KIND[props.interval]} gift. We have received ${amount}.`],
    details,
    links: [accountLink(site)],
    closing: ['Keep this email as your receipt.'],
    reason: GIFT_REASON(site),
  });
  return { subject: `Your receipt: ${amount}, ${KIND[props.interval]} gift to ${site.publicationName}`, html, text };
}
