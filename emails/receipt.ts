// The receipt for a one-off gift, sent when its payment is recorded.
import { formatMoney } from '../src/lib/money.js';
import { accountLink, GIFT_REASON, receiptDetails } from './common.js';
import { emailLayout, formatDay, type MailSite, type RenderedEmail } from './layout.js';

export type ReceiptProps = {
  amountMinor: number;
  currency: string;
  /** ms; when Stripe took the payment */
  paidAt: number;
  /** the Stripe id of the payment, which staff can look up */
  receiptNumber: string;
  /** "Visa ending 4242", when the event said */
  paymentMethod?: string | null;
  /** where the dispatcher finds the card when paymentMethod is not known (mail.receipts.ts) */
  paymentIntentId?: string | null;
};

export function receiptEmail(props: ReceiptProps, site: MailSite): RenderedEmail {
  const amount = formatMoney(props.amountMinor, props.currency);
  const { html, text } = emailLayout(site, {
    preheader: `Your receipt for ${amount}`,
    paragraphs: [
      `Thank you. We have received your gift of ${amount}.`,
      'Readers like you keep our journalism free for everyone to read. Your support pays for reporting that takes time, and for the checks that make it stand up.',
    ],
    details: receiptDetails({ ...props, amount }, formatDay),
    links: [accountLink(site, 'See your gifts and receipts')],
    closing: ['Keep this email as your receipt.'],
    reason: GIFT_REASON(site),
  });
  return { subject: `Your receipt: ${amount} to ${site.publicationName}`, html, text };
}
