// A single-use link: a supporter signing in, or a member of staff setting a password.
import { emailLayout, type RenderedEmail } from './layout.js';

export type SignInLinkProps = {
  publicationName: string;
  /** absolute URL holding the one-time token */
  url: string;
  purpose: 'supporter_signin' | 'staff_password';
  /** minutes the link stays valid */
  validMinutes: number;
};

export function signInLinkEmail(props: SignInLinkProps): RenderedEmail {
  const staff = props.purpose === 'staff_password';
  const subject = staff ? `Set your staff password for ${props.publicationName}` : `Your sign-in link for ${props.publicationName}`;
  const action = staff ? 'set your password' : 'sign in';
  const { html, text } = emailLayout({
    publication: props.publicationName,
    preheader: `Your link to ${action}, valid for ${props.validMinutes} minutes`,
    paragraphs: [
      `Use this link to ${action}. It works once and for ${props.validMinutes} minutes.`,
      props.url,
      'If you did not ask for it, you can ignore this email: nothing changes until the link is used.',
    ],
    links: [{ href: props.url, label: staff ? 'Set your password' : 'Sign in' }],
    footer: `You asked ${props.publicationName} for this link. We never ask for your password by email.`,
  });
  return { subject, html, text };
}
