// Wording shared by the gift emails: amounts per currency, intervals, the account link.
import { formatMoney } from '../src/lib/money.js';
import { type EmailDetail, type MailSite, siteUrl } from './layout.js';

export type Interval = 'month' | 'year';

/** "£5 a month", "¥3,000 a year" */
export function perInterval(amountMinor: number, currency: string, interval: Interval): string {
  return `${formatMoney(amountMinor, currency)} ${interval === 'month' ? 'a month' : 'a year'}`;
}

export const KIND: Record<Interval, string> = { month: 'monthly', year: 'annual' };

/** The lines of a payment receipt, each on its own line in both parts. */
export function receiptDetails(
  r: { receiptNumber: string; paidAt: number; amount: string; paymentMethod?: string | null },
  formatDay: (ms: number) => string,
): EmailDetail[] {
  return [
    { label: 'Receipt number', value: r.receiptNumber },
    { label: 'Date', value: formatDay(r.paidAt) },
    { label: 'Amount', value: r.amount },
    ...(r.paymentMethod ? [{ label: 'Paid with', value: r.paymentMethod }] : []),
  ];
}

export const accountLink = (site: MailSite, label = 'Manage your gifts') => ({ href: siteUrl(site, '/account'), label });

/** Why a supporter gets the gift emails, in the footer. */
export const GIFT_REASON = (site: MailSite) => `You get this email because you gave to ${site.publicationName} with this address.`;
