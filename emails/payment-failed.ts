// A recurring gift's payment failed. What the reader can do depends on why: a card that
// expired or was declined needs a new card; a lack of funds only needs time, because Stripe
// tries again (https://docs.stripe.com/billing/revenue-recovery/smart-retries).
import { formatMoney } from '../src/lib/money.js';
import { GIFT_REASON, type Interval, KIND } from './common.js';
import { emailLayout, formatDay, type MailSite, type RenderedEmail, siteUrl } from './layout.js';

export type PaymentFailedProps = {
  amountMinor: number;
  currency: string;
  interval: Interval;
  /** Stripe's decline code, or its error code when the bank gave none */
  declineCode: string | null;
  /** ms; from the invoice's next_payment_attempt, null when Stripe will not retry */
  nextPaymentAttemptAt: number | null;
};

/** https://docs.stripe.com/declines/codes */
const WAIT_CODES = new Set(['insufficient_funds', 'processing_error', 'try_again_later', 'issuer_not_available', 'withdrawal_count_limit_exceeded']);

export type FailureAdvice = 'update_card' | 'wait';

export function failureAdvice(declineCode: string | null): FailureAdvice {
  return declineCode && WAIT_CODES.has(declineCode) ? 'wait' : 'update_card';
}

const WHY: Record<string, string> = {
  expired_card: 'the card on file has expired',
  insufficient_funds: 'the bank said there were not enough funds',
  lost_card: 'the card was reported lost',
  stolen_card: 'the card was reported stolen',
  incorrect_cvc: 'the card’s security code did not match',
  incorrect_number: 'the card number was not accepted',
};

export function paymentFailedEmail(props: PaymentFailedProps, site: MailSite): RenderedEmail {
  const amount = formatMoney(props.amountMinor, props.currency);
  const why = (props.declineCode && WHY[props.declineCode]) ?? 'the bank declined the card';
  const retry = props.nextPaymentAttemptAt ? formatDay(props.nextPaymentAttemptAt) : null;
  const advice = failureAdvice(props.declineCode);
  const paragraphs = [`We could not take the ${amount} payment for your ${KIND[props.interval]} gift: ${why}.`];
  if (advice === 'wait') {
    paragraphs.push(
      retry
        ? `You do not need to do anything: we will try again on ${retry}.`
        : 'We will not try this payment again. You can give again, or update your card, from your account.',
    );
  } else {
    paragraphs.push(`To keep your gift going, please update your card.${retry ? ` We will try again on ${retry} with the card we then hold.` : ''}`);
  }
  const { html, text } = emailLayout(site, {
    preheader: `Your ${amount} payment did not go through`,
    paragraphs,
    details: retry ? [{ label: 'Next attempt', value: retry }] : [],
    links: [{ href: siteUrl(site, '/account'), label: advice === 'wait' ? 'See your gift' : 'Update your card' }],
    reason: GIFT_REASON(site),
  });
  return { subject: `Your ${KIND[props.interval]} gift to ${site.publicationName}: payment failed`, html, text };
}
