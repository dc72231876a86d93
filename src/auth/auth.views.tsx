// The sign-in pages: plain forms that work without JavaScript.
import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import { Layout, toHtml } from '../ui/layout.js';
import { CSRF_FIELD } from './auth.middleware.js';

type Base = { publication: string };

function Page(props: Base & { title: string; children: Child }) {
  // token-bearing pages must not leak the token to another site through Referer
  return toHtml(
    <Layout title={`${props.title} | ${props.publication}`} publication={props.publication} head={<meta name="referrer" content="no-referrer" />}>
      <section class="auth">
        <h1>{props.title}</h1>
        {props.children}
      </section>
    </Layout>,
  );
}

function Message(props: { error?: string | null; notice?: string | null }) {
  return (
    <>
      {props.error ? (
        <p class="error" role="alert">
          {props.error}
        </p>
      ) : null}
      {props.notice ? (
        <p class="notice" role="status">
          {props.notice}
        </p>
      ) : null}
    </>
  );
}

export function Csrf(props: { token: string }) {
  return <input type="hidden" name={CSRF_FIELD} value={props.token} />;
}

export function staffSignInPage(p: Base & { email?: string; next: string; error?: string | null; notice?: string | null }): string {
  return Page({
    ...p,
    title: 'Staff sign-in',
    children: (
      <>
        <Message error={p.error} notice={p.notice} />
        <form method="post" action="/staff/signin" class="stack">
          <input type="hidden" name="next" value={p.next} />
          <label>
            Email
            <input type="email" name="email" autocomplete="username" required value={p.email ?? ''} />
          </label>
          <label>
            Password
            <input type="password" name="password" autocomplete="current-password" required />
          </label>
          <button type="submit">Sign in</button>
        </form>
        <p>
          <a href="/staff/password/reset">Set or reset your password</a>
        </p>
      </>
    ),
  });
}

export function secondFactorPage(p: Base & { csrf: string; next: string; error?: string | null }): string {
  return Page({
    ...p,
    title: 'Enter your code',
    children: (
      <>
        <Message error={p.error} />
        <p>Open your authenticator app and enter the 6-digit code it shows for this site. Lost your phone? Enter one of your recovery codes instead.</p>
        <form method="post" action="/staff/signin/second-factor" class="stack">
          <Csrf token={p.csrf} />
          <input type="hidden" name="next" value={p.next} />
          <label>
            Code
            <input name="code" autocomplete="one-time-code" inputmode="numeric" required />
          </label>
          <button type="submit">Continue</button>
        </form>
      </>
    ),
  });
}

export function enrolPage(p: Base & { csrf: string; next: string; qrSvg: string; secret: string; error?: string | null }): string {
  const grouped = p.secret.replace(/(.{4})/g, '$1 ').trim();
  return Page({
    ...p,
    title: 'Set up your second factor',
    children: (
      <>
        <Message error={p.error} />
        <p>Your role reaches supporters' details and money, so signing in takes a code from an authenticator app as well as your password.</p>
        <ol>
          <li>Scan this code with your authenticator app (or type the key below into it).</li>
          <li>Enter the 6-digit code the app shows.</li>
        </ol>
        <figure class="qr" aria-label="QR code for your authenticator app">
          {raw(p.qrSvg)}
        </figure>
        <p>
          Key: <code id="totp-secret">{grouped}</code>
        </p>
        <form method="post" action="/staff/signin/second-factor" class="stack">
          <Csrf token={p.csrf} />
          <input type="hidden" name="next" value={p.next} />
          <label>
            Code from the app
            <input name="code" autocomplete="one-time-code" inputmode="numeric" required />
          </label>
          <button type="submit">Turn on and continue</button>
        </form>
      </>
    ),
  });
}

export function recoveryCodesPage(p: Base & { codes: string[]; next: string }): string {
  return Page({
    ...p,
    title: 'Your recovery codes',
    children: (
      <>
        <p>
          Your second factor is on. Keep these codes somewhere safe, away from your phone: each one signs you in once if you lose the app. They are shown only
          now.
        </p>
        <ul class="codes">
          {p.codes.map((code) => (
            <li>
              <code>{code}</code>
            </li>
          ))}
        </ul>
        <p>
          <a class="button" href={p.next}>
            I have saved them, continue
          </a>
        </p>
      </>
    ),
  });
}

export function setPasswordPage(p: Base & { token: string; email: string; error?: string | null; fields?: Record<string, string> }): string {
  return Page({
    ...p,
    title: 'Set your password',
    children: (
      <>
        <Message error={p.error} />
        <form method="post" action="/staff/password" class="stack">
          <input type="hidden" name="token" value={p.token} />
          <input type="hidden" name="email" autocomplete="username" value={p.email} />
          <p>For {p.email}. At least 12 characters; a few unrelated words make a good one.</p>
          <label>
            New password
            <input type="password" name="password" autocomplete="new-password" minlength={12} required />
          </label>
          {p.fields?.password ? <p class="error">{p.fields.password}</p> : null}
          <label>
            The same again
            <input type="password" name="confirm" autocomplete="new-password" required />
          </label>
          {p.fields?.confirm ? <p class="error">{p.fields.confirm}</p> : null}
          <button type="submit">Set password</button>
        </form>
      </>
    ),
  });
}

export function linkExpiredPage(p: Base & { again: { href: string; label: string } }): string {
  return Page({
    ...p,
    title: 'This link no longer works',
    children: (
      <>
        <p>Links work once, for 15 minutes. This one has been used or has expired.</p>
        <p>
          <a href={p.again.href}>{p.again.label}</a>
        </p>
      </>
    ),
  });
}

export function askLinkPage(p: Base & { title: string; intro: string; action: string; email?: string; error?: string | null; notice?: string | null }): string {
  return Page({
    ...p,
    children: (
      <>
        <Message error={p.error} notice={p.notice} />
        <p>{p.intro}</p>
        <form method="post" action={p.action} class="stack">
          <label>
            Email
            <input type="email" name="email" autocomplete="email" required value={p.email ?? ''} />
          </label>
          <button type="submit">Email me a link</button>
        </form>
      </>
    ),
  });
}

export function checkEmailPage(p: Base): string {
  return Page({
    ...p,
    title: 'Check your email',
    children: (
      <p>
        If that address has an account with us, we have sent it a link. It works once, for 15 minutes. Nothing arrived? Check your spam folder, or ask again in
        a few minutes.
      </p>
    ),
  });
}

export function confirmLinkPage(p: Base & { token: string }): string {
  return Page({
    ...p,
    title: 'Sign in',
    children: (
      <form method="post" action="/signin/link" class="stack">
        <input type="hidden" name="token" value={p.token} />
        <p>Press the button to finish signing in on this device.</p>
        <button type="submit">Sign in</button>
      </form>
    ),
  });
}
