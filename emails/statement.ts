// A supporter's giving in one calendar year and one currency, for their records (and a
// tax return where gifts count).
import { formatMoney } from '../src/lib/money.js';
import { accountLink, GIFT_REASON } from './common.js';
import { emailLayout, formatDay, type MailSite, type RenderedEmail, siteUrl } from './layout.js';

export type StatementLine = { paidAt: number; amountMinor: number; kind: 'gift' | 'renewal' | 'refund'; receiptNumber: string };

export type StatementProps = {
  year: number;
  currency: string;
  /** net of refunds */
  totalMinor: number;
  lines: StatementLine[];
};

const KIND_LABEL: Record<StatementLine['kind'], string> = { gift: 'Gift', renewal: 'Regular gift', refund: 'Refund' };

export function taxSentence(site: MailSite): string {
  return site.taxDeductible
    ? `Gifts to ${site.publicationName} are tax-deductible. Keep this statement for your tax return.`
    : `Gifts to ${site.publicationName} are not tax-deductible. This statement is for your records.`;
}

export function statementEmail(props: StatementProps, site: MailSite): RenderedEmail {
  const total = formatMoney(props.totalMinor, props.currency);
  const { html, text } = emailLayout(site, {
    preheader: `You gave ${total} in ${props.year}`,
    paragraphs: [
      `Thank you for your support in ${props.year}. Here is every payment you made to ${site.publicationName} in ${props.currency.toUpperCase()} that year.`,
      taxSentence(site),
    ],
    details: [
      ...props.lines.map((l) => ({
        label: formatDay(l.paidAt),
        value: `${KIND_LABEL[l.kind]} ${formatMoney(l.amountMinor, props.currency)} (${l.receiptNumber})`,
      })),
      { label: `Total for ${props.year}`, value: total },
    ],
    links: [{ href: siteUrl(site, `/account/statements/${props.year}`), label: 'See this statement online' }, accountLink(site)],
    reason: `${GIFT_REASON(site)} We send a statement once a year.`,
  });
  return { subject: `Your ${props.year} giving statement from ${site.publicationName}`, html, text };
}
