// Every email rendered from fixture props: subject, amounts per currency (two-decimal GBP,
// zero-decimal JPY), absolute links, and a text part that says the same as the HTML.
import { describe, expect, it } from 'vitest';
import type { MailSite, RenderedEmail } from './layout.js';
import { failureAdvice, paymentFailedEmail } from './payment-failed.js';
import { receiptEmail } from './receipt.js';
import { recurringCancelledEmail } from './recurring-cancelled.js';
import { recurringChangedEmail } from './recurring-changed.js';
import { recurringPausedEmail } from './recurring-paused.js';
import { recurringResumedEmail } from './recurring-resumed.js';
import { recurringWelcomeEmail } from './recurring-welcome.js';
import { refundEmail } from './refund.js';
import { renewalReceiptEmail } from './renewal-receipt.js';
import { signInLinkEmail } from './signin-link.js';
import { statementEmail } from './statement.js';

const SITE: MailSite = { publicationName: 'The Harbour Ledger', publicUrl: 'https://support.harbour.example', taxDeductible: false };
const PAID = Date.parse('2026-11-30T09:15:00Z');
const NEXT = Date.parse('2026-12-30T09:15:00Z');

/** Every href in the HTML part. */
const hrefs = (html: string) => [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replace(/&#38;/g, '&'));

function expectShared(e: RenderedEmail) {
  // absolute links only, all on the site, the footer's sign-in link among them
  const links = hrefs(e.html);
  expect(links.length).toBeGreaterThan(0);
  for (const l of links) expect(l).toMatch(/^https:\/\/support\.harbour\.example\//);
  expect(links).toContain('https://support.harbour.example/signin');
  expect(e.text).toContain('Sign in to see and manage your gifts: https://support.harbour.example/signin\n');
  expect(e.text).toContain('You get this email because you gave to The Harbour Ledger with this address.');
  // a text part, not HTML
  expect(e.text).not.toMatch(/<[a-z]/i);
  expect(e.html).not.toContain('example.org');
  expect(e.text).not.toContain('example.org');
}

describe('one-off receipt', () => {
  it('puts receipt number, date, amount and method on their own lines', () => {
    const e = receiptEmail({ amountMinor: 1050, currency: 'gbp', paidAt: PAID, receiptNumber: 'pi_3MtwBwLkdIwHu7ix', paymentMethod: 'Visa ending 4242' }, SITE);
    expect(e.subject).toBe('Your receipt: £10.50 to The Harbour Ledger');
    expect(e.text).toContain('Receipt number: pi_3MtwBwLkdIwHu7ix\nDate: 30 November 2026\nAmount: £10.50\nPaid with: Visa ending 4242');
    expect(e.html).toContain('>Date</td><td style="padding:4px 0;font:600 15px/1.4 system-ui,sans-serif">30 November 2026</td>');
    expect(hrefs(e.html)).toContain('https://support.harbour.example/account');
    expectShared(e);
  });

  it('formats yen without decimals and leaves out an unknown method', () => {
    const e = receiptEmail({ amountMinor: 3000, currency: 'jpy', paidAt: PAID, receiptNumber: 'pi_jp' }, SITE);
    expect(e.subject).toBe('Your receipt: ¥3,000 to The Harbour Ledger');
    expect(e.text).toContain('Amount: ¥3,000');
    expect(e.text).not.toContain('Paid with');
    expectShared(e);
  });
});

describe('recurring welcome and renewal', () => {
  it('welcomes a monthly gift with the next payment date', () => {
    const e = recurringWelcomeEmail({ amountMinor: 500, currency: 'gbp', interval: 'month', paidAt: PAID, receiptNumber: 'in_1', nextPaymentAt: NEXT }, SITE);
    expect(e.subject).toBe('Welcome: your monthly gift to The Harbour Ledger');
    expect(e.text).toContain('Your monthly gift of £5 a month has started');
    expect(e.text).toContain('Receipt number: in_1\nDate: 30 November 2026\nAmount: £5\nNext payment: 30 December 2026 (£5 a month)');
    expect(e.text).toContain('Change, pause or cancel at any time: https://support.harbour.example/account');
    expectShared(e);
  });

  it('a renewal receipt in yen, annual', () => {
    const e = renewalReceiptEmail(
      { amountMinor: 12000, currency: 'jpy', interval: 'year', paidAt: PAID, receiptNumber: 'in_2', nextPaymentAt: Date.parse('2027-11-30T00:00:00Z') },
      SITE,
    );
    expect(e.subject).toBe('Your receipt: ¥12,000, annual gift to The Harbour Ledger');
    expect(e.text).toContain('Amount: ¥12,000\nNext payment: 30 November 2027 (¥12,000 a year)');
    expectShared(e);
  });
});

describe('payment failed', () => {
  it('asks for a new card when the card expired', () => {
    const e = paymentFailedEmail({ amountMinor: 500, currency: 'gbp', interval: 'month', declineCode: 'expired_card', nextPaymentAttemptAt: NEXT }, SITE);
    expect(e.subject).toBe('Your monthly gift to The Harbour Ledger: payment failed');
    expect(e.text).toContain('We could not take the £5 payment for your monthly gift: the card on file has expired.');
    expect(e.text).toContain('Update your card: https://support.harbour.example/account');
    expectShared(e);
  });

  it('a declined card also needs a new card', () => {
    expect(failureAdvice('card_declined')).toBe('update_card');
    expect(failureAdvice('generic_decline')).toBe('update_card');
    expect(failureAdvice(null)).toBe('update_card');
    const e = paymentFailedEmail({ amountMinor: 500, currency: 'gbp', interval: 'month', declineCode: 'card_declined', nextPaymentAttemptAt: null }, SITE);
    expect(e.text).toContain('the bank declined the card');
    expect(e.text).toContain('Update your card: https://support.harbour.example/account');
  });

  it('says when Stripe retries after insufficient funds', () => {
    expect(failureAdvice('insufficient_funds')).toBe('wait');
    const e = paymentFailedEmail(
      { amountMinor: 300, currency: 'jpy', interval: 'month', declineCode: 'insufficient_funds', nextPaymentAttemptAt: Date.parse('2026-12-03T10:00:00Z') },
      SITE,
    );
    expect(e.text).toContain('We could not take the ¥300 payment');
    expect(e.text).toContain('You do not need to do anything: we will try again on 3 December 2026.');
    expect(e.text).not.toContain('Update your card');
    expectShared(e);
  });
});

describe('recurring gift changes', () => {
  it('changed amount and interval: was and now', () => {
    const e = recurringChangedEmail(
      { amountMinor: 800, currency: 'gbp', interval: 'month', previous: { amountMinor: 6000, currency: 'gbp', interval: 'year' }, nextPaymentAt: NEXT },
      SITE,
    );
    expect(e.subject).toBe('Your monthly gift is now £8 a month');
    expect(e.text).toContain('Was: £60 a year\nNow: £8 a month\nNext payment: 30 December 2026');
    expectShared(e);
  });

  it('paused, until a date or until resumed', () => {
    const until = pausedText(Date.parse('2027-02-01T00:00:00Z'));
    expect(until.subject).toBe('Your monthly gift to The Harbour Ledger is paused');
    expect(until.text).toContain('Your monthly gift of ¥500 a month is paused');
    expect(until.text).toContain('It starts again by itself on 1 February 2027.');
    expect(pausedText(null).text).toContain('It stays paused until you resume it from your account.');
    expectShared(until);
  });

  it('resumed, with the next payment', () => {
    const e = recurringResumedEmail({ amountMinor: 500, currency: 'gbp', interval: 'month', nextPaymentAt: NEXT }, SITE);
    expect(e.subject).toBe('Your monthly gift to The Harbour Ledger has resumed');
    expect(e.text).toContain('The next payment is on 30 December 2026.');
    expectShared(e);
  });

  it('cancelled: no more payments', () => {
    const e = recurringCancelledEmail({ amountMinor: 6000, currency: 'gbp', interval: 'year', endedAt: PAID }, SITE);
    expect(e.subject).toBe('Your annual gift to The Harbour Ledger has ended');
    expect(e.text).toContain('Your annual gift of £60 a year was cancelled on 30 November 2026. We will not take any more payments.');
    expectShared(e);
  });
});

function pausedText(resumesAt: number | null) {
  return recurringPausedEmail({ amountMinor: 500, currency: 'jpy', interval: 'month', resumesAt }, SITE);
}

describe('refund', () => {
  it('names the refund, its amount and the receipt it reverses', () => {
    const e = refundEmail({ amountMinor: 1050, currency: 'gbp', refundedAt: PAID, refundId: 're_1', receiptNumber: 'pi_1' }, SITE);
    expect(e.subject).toBe('Your refund of £10.50 from The Harbour Ledger');
    expect(e.text).toContain('Refund: re_1\nDate: 30 November 2026\nAmount: £10.50\nFor receipt: pi_1');
    expectShared(e);
    expect(refundEmail({ amountMinor: 1000, currency: 'jpy', refundedAt: PAID, refundId: 're_2', receiptNumber: null }, SITE).text).toContain('Amount: ¥1,000');
  });
});

describe('annual statement', () => {
  const props = {
    year: 2026,
    currency: 'gbp',
    totalMinor: 1000,
    lines: [
      { paidAt: Date.parse('2026-01-30T00:00:00Z'), amountMinor: 500, kind: 'gift' as const, receiptNumber: 'in_a' },
      { paidAt: Date.parse('2026-02-28T00:00:00Z'), amountMinor: 500, kind: 'renewal' as const, receiptNumber: 'in_b' },
    ],
  };

  it('lists each payment and the total, and says gifts are not tax-deductible', () => {
    const e = statementEmail(props, SITE);
    expect(e.subject).toBe('Your 2026 giving statement from The Harbour Ledger');
    expect(e.text).toContain('30 January 2026: Gift £5 (in_a)\n28 February 2026: Regular gift £5 (in_b)\nTotal for 2026: £10');
    expect(e.text).toContain('Gifts to The Harbour Ledger are not tax-deductible.');
    expect(hrefs(e.html)).toContain('https://support.harbour.example/account/statements/2026');
    expectShared(e);
  });

  it('says they are when the setting says so, in yen too', () => {
    const e = statementEmail(
      { ...props, currency: 'jpy', totalMinor: 24000, lines: [{ paidAt: PAID, amountMinor: 24000, kind: 'gift', receiptNumber: 'pi_y' }] },
      { ...SITE, taxDeductible: true },
    );
    expect(e.text).toContain('Gifts to The Harbour Ledger are tax-deductible.');
    expect(e.text).toContain('Total for 2026: ¥24,000');
    expect(e.html).toContain('¥24,000');
  });
});

describe('sign-in link', () => {
  it('shares the layout and its footer', () => {
    const e = signInLinkEmail({ url: 'https://support.harbour.example/signin/link?token=abc', purpose: 'supporter_signin', validMinutes: 15 }, SITE);
    expect(e.subject).toBe('Your sign-in link for The Harbour Ledger');
    expect(e.text).toContain('Sign in: https://support.harbour.example/signin/link?token=abc');
    expect(hrefs(e.html)).toEqual(['https://support.harbour.example/signin/link?token=abc', 'https://support.harbour.example/signin']);
    expect(e.text).toContain('You asked The Harbour Ledger for this link.');
  });

  it("a staff member's link points the footer to the staff sign-in", () => {
    const e = signInLinkEmail({ url: 'https://support.harbour.example/staff/password?token=abc', purpose: 'staff_password', validMinutes: 15 }, SITE);
    expect(hrefs(e.html)).toEqual(['https://support.harbour.example/staff/password?token=abc', 'https://support.harbour.example/staff/signin']);
    expect(e.text).toContain('Staff sign-in: https://support.harbour.example/staff/signin\n');
    expect(e.text).not.toContain('manage your gifts');
  });
});
