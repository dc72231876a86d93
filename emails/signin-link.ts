// A single-use link: a supporter signing in, or a member of staff setting a password.
import { emailLayout, type MailSite, type RenderedEmail } from './layout.js';

export type SignInLinkProps = {
  /** absolute URL holding the one-time token */
  url: string;
  purpose: 'supporter_signin' | 'staff_password';
  /** minutes the link stays valid */
  validMinutes: number;
};

export function signInLinkEmail(props: SignInLinkProps, site: MailSite): RenderedEmail {
  const staff = props.purpose === 'staff_password';
  const subject = staff ? `Set your staff password for ${site.publicationName}` : `Your sign-in link for ${site.publicationName}`;
  const action = staff ? 'set your password' : 'sign in';
  const { html, text } = emailLayout(site, {
    preheader: `Your link to ${action}, valid for ${props.validMinutes} minutes`,
    paragraphs: [`Use this link to ${action}. It works once and for ${props.validMinutes} minutes.`],
    links: [{ href: props.url, label: staff ? 'Set your password' : 'Sign in' }],
    closing: ['If you did not ask for it, you can ignore this email: nothing changes until the link is used.'],
    reason: `You asked ${site.publicationName} for this link. We never ask for your password by email.`,
    audience: staff ? 'staff' : 'supporter',
  });
  return { subject, html, text };
}
