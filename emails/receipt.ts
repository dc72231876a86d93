// Sent for every recorded payment: the first gift and each renewal.
import { formatMoney } from '../src/lib/money.js';
import { emailLayout, type RenderedEmail } from './layout.js';

export type ReceiptProps = {
  publicationName: string;
  amountMinor: number;
  currency: string;
  frequency: 'one_off' | 'monthly' | 'annual';
  /** ISO date of the payment, when known */
  paidOn?: string;
  reference?: string;
};

const EVERY = { one_off: '', monthly: ' a month', annual: ' a year' } as const;

export function receiptEmail(props: ReceiptProps): RenderedEmail {
  const amount = formatMoney(props.amountMinor, props.currency);
  const kind = props.frequency === 'one_off' ? 'gift' : `${props.frequency} gift`;
  const subject = `Thank you for your ${amount} ${kind} to ${props.publicationName}`;
  const paragraphs = [
    `Thank you. We have received your ${amount} ${kind}.`,
    'Readers like you keep our journalism free for everyone to read. Your support pays for reporting that takes time, and for the checks that make it stand up.',
    `Amount: ${amount}${EVERY[props.frequency]}${props.paidOn ? `\nDate: ${props.paidOn}` : ''}${props.reference ? `\nReference: ${props.reference}` : ''}`,
  ];
  if (props.frequency !== 'one_off') paragraphs.push('You can change or cancel your regular gift at any time; reply to this email and we will help.');
  const { html, text } = emailLayout({
    publication: props.publicationName,
    preheader: `Your ${amount} ${kind}: receipt`,
    paragraphs,
    footer: `This is your receipt from ${props.publicationName}. Keep it for your records.`,
  });
  return { subject, html, text };
}
