import type { Child } from 'hono/jsx';
import { AppealForm, AppealStyles, type AppealValues } from '../appeal/appeal.view.js';
import type { Config } from '../config.js';
import type { PublicError } from '../lib/errors.js';
import { formatMoney, minorToMajorString } from '../lib/money.js';
import { ErrorPage } from '../ui/error-page.js';
import { Layout, toHtml } from '../ui/layout.js';

const FREQUENCY_WORDS: Record<string, string> = { one_off: 'one-off', monthly: 'monthly', annual: 'annual' };

export type ThankYouView =
  | { state: 'paid'; amountMinor: number; currency: string; frequency: string | null; email: string | null; signedIn?: string | null }
  | { state: 'pending'; amountMinor: number; currency: string; frequency: string | null }
  | { state: 'unpaid' };

export function thankYouHeadline(v: { amountMinor: number; currency: string; frequency: string | null }): string {
  const words = v.frequency ? FREQUENCY_WORDS[v.frequency] : undefined;
  return `Thank you for your ${formatMoney(v.amountMinor, v.currency)}${words ? ` ${words}` : ''} gift`;
}

export function renderThankYou(config: Config, view: ThankYouView): string {
  let body: Child;
  if (view.state === 'paid') {
    body = (
      <section class="notice">
        <h1>{thankYouHeadline(view)}</h1>
        <p>Your support keeps our reporting free for everyone to read.</p>
        {view.email ? <p>We will send a receipt to {view.email}.</p> : null}
        {view.signedIn ? (
          <p class="registered">
            <strong>Thank you for registering.</strong> You are signed in as {view.signedIn}, here and on every page of the site.
          </p>
        ) : null}
        {view.frequency && view.frequency !== 'one_off' ? (
          <p>
            You can change, pause or cancel your regular gift at any time in <a href="/account">your account</a>.
          </p>
        ) : (
          <p>
            Your receipt and every gift you make are in <a href="/account">your account</a>.
          </p>
        )}
        {view.frequency === 'one_off' ? (
          <p>
            Would you give {formatMoney(view.amountMinor, view.currency)} every month instead?{' '}
            <a
              class="button"
              href={`/?frequency=monthly&amount=${minorToMajorString(view.amountMinor, view.currency, { trim: true })}&currency=${view.currency}#support`}
            >
              Make it monthly
            </a>
          </p>
        ) : null}
        {view.signedIn ? null : (
          <p>
            <small>
              To see your gifts on another visit, sign in from <a href="/signin">the sign-in page</a> with the email you gave; we send a link.
            </small>
          </p>
        )}
        <p>
          <a href="/">Back to the story</a>
        </p>
      </section>
    );
  } else if (view.state === 'pending') {
    body = (
      <section class="notice">
        <h1>{thankYouHeadline(view)}</h1>
        <p>Your bank is still confirming the payment. We will email you as soon as it has gone through; there is nothing more you need to do.</p>
        <p>
          <a href="/">Back to the story</a>
        </p>
      </section>
    );
  } else {
    body = (
      <section class="notice">
        <h1>Your gift is not complete yet</h1>
        <p>We have not received a payment for this checkout. If you meant to give, you can start again.</p>
        <p>
          <a href="/#support">Back to the appeal</a>
        </p>
      </section>
    );
  }
  return toHtml(
    <Layout title={`Thank you | ${config.publicationName}`} publication={config.publicationName}>
      {body}
    </Layout>,
  );
}

export function renderMessagePage(config: Config, title: string, message: string): string {
  return toHtml(
    <Layout title={`${title} | ${config.publicationName}`} publication={config.publicationName}>
      <section class="notice">
        <h1>{title}</h1>
        <p>{message}</p>
        <p>
          <a href="/">Back to the story</a>
        </p>
      </section>
    </Layout>,
  );
}

/**
 * A checkout that failed after the form was valid (Stripe unreachable, or a fault of ours):
 * what happened, then the appeal again with everything the reader chose, so trying again
 * is one click. `back` is where they came from: the publisher's page for a fragment gift.
 */
export function renderCheckoutProblem(config: Config, view: { error: PublicError; values: AppealValues; currency: string; back: string }): string {
  return toHtml(
    <ErrorPage
      publication={config.publicationName}
      // the message says why (Stripe, or us); the heading says what it means for the gift
      title="Your gift has not started yet"
      message={view.error.message}
      reference={view.error.reference}
      back={{ href: view.back, label: 'Back to the story' }}
      head={<AppealStyles />}
    >
      <AppealForm config={config} currency={view.currency} values={view.values} />
    </ErrorPage>,
  );
}
