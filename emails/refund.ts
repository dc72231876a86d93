// A refund of a gift, sent when Stripe records it.
import { formatMoney } from '../src/lib/money.js';
import { accountLink, GIFT_REASON } from './common.js';
import { emailLayout, formatDay, type MailSite, type RenderedEmail } from './layout.js';

export type RefundProps = {
  amountMinor: number;
  currency: string;
  /** ms */
  refundedAt: number;
  refundId: string;
  /** the receipt number of the payment refunded, when known */
  receiptNumber: string | null;
};

export function refundEmail(props: RefundProps, site: MailSite): RenderedEmail {
  const amount = formatMoney(props.amountMinor, props.currency);
  const { html, text } = emailLayout(site, {
    preheader: `We have refunded ${amount}`,
    paragraphs: [`We have refunded ${amount} to the card you paid with. Banks usually take 5 to 10 days to show it.`],
    details: [
      { label: 'Refund', value: props.refundId },
      { label: 'Date', value: formatDay(props.refundedAt) },
      { label: 'Amount', value: amount },
      ...(props.receiptNumber ? [{ label: 'For receipt', value: props.receiptNumber }] : []),
    ],
    links: [accountLink(site, 'See your gifts')],
    reason: GIFT_REASON(site),
  });
  return { subject: `Your refund of ${amount} from ${site.publicationName}`, html, text };
}
