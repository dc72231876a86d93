// The frame every email shares: a plain, readable HTML body with inline styles (mail
// clients drop <style> blocks) and a text part that says the same thing. Links are always
// absolute, built from the public URL, because an email is read far from the site.
import { escapeHtml } from '../src/lib/html.js';

export type RenderedEmail = { subject: string; html: string; text: string };

/** What every email knows about the site that sends it; settings, not stored props. */
export type MailSite = {
  publicationName: string;
  /** absolute, no trailing slash */
  publicUrl: string;
  /** whether the publisher's gifts are tax-deductible (TAX_DEDUCTIBLE) */
  taxDeductible: boolean;
};

export type EmailLink = { href: string; label: string };
/** One "label: value" line, kept on its own line in both parts. */
export type EmailDetail = { label: string; value: string };

/** An absolute link to a path on the site. */
export function siteUrl(site: MailSite, path: string): string {
  return `${site.publicUrl}${path.startsWith('/') ? path : `/${path}`}`;
}

/** "30 November 2026": dates in emails are calendar days in UTC, the ledger's day. */
export function formatDay(ms: number): string {
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(ms));
}

export function emailLayout(
  site: MailSite,
  opts: {
    preheader: string;
    paragraphs: string[];
    details?: EmailDetail[];
    links?: EmailLink[];
    /** after the links: what to do if something is wrong */
    closing?: string[];
    /** why the reader got this email, in the footer */
    reason: string;
    /** staff emails point to the staff sign-in; supporters' to theirs, with their gifts */
    audience?: 'supporter' | 'staff';
  },
): { html: string; text: string } {
  const p = (t: string) => `<p style="margin:0 0 16px">${escapeHtml(t)}</p>`;
  // a button for mail clients that show HTML; the text part carries the bare URL
  const a = (l: EmailLink) =>
    `<p style="margin:0 0 16px"><a href="${escapeHtml(l.href)}" style="display:inline-block;background:#0b5cad;color:#ffffff;padding:12px 18px;border-radius:4px;text-decoration:none;font:600 16px/1 system-ui,sans-serif">${escapeHtml(l.label)}</a></p>`;
  const details = opts.details?.length
    ? `<table role="presentation" style="border-collapse:collapse;margin:0 0 16px;width:100%">${opts.details
        .map(
          (d) =>
            `<tr><td style="padding:4px 12px 4px 0;color:#555;font:14px/1.4 system-ui,sans-serif;vertical-align:top;white-space:nowrap">${escapeHtml(d.label)}</td><td style="padding:4px 0;font:600 15px/1.4 system-ui,sans-serif">${escapeHtml(d.value)}</td></tr>`,
        )
        .join('')}</table>`
    : '';
  const staff = opts.audience === 'staff';
  const signin = siteUrl(site, staff ? '/staff/signin' : '/signin');
  const signinLine = staff ? 'Staff sign-in' : 'Sign in to see and manage your gifts';
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(site.publicationName)}</title></head>
<body style="margin:0;padding:0;background:#f3f1ec">
<span style="display:none;max-height:0;overflow:hidden">${escapeHtml(opts.preheader)}</span>
<div style="max-width:560px;margin:0 auto;padding:24px;font:16px/1.5 Georgia,serif;color:#1a1a1a;background:#ffffff">
<h1 style="font-size:22px;margin:0 0 16px;border-bottom:3px solid #1a1a1a;padding-bottom:8px">${escapeHtml(site.publicationName)}</h1>
${opts.paragraphs.map(p).join('\n')}
${details}
${(opts.links ?? []).map(a).join('\n')}
${(opts.closing ?? []).map(p).join('\n')}
<p style="margin:24px 0 0;color:#555;font:13px/1.4 system-ui,sans-serif">${escapeHtml(opts.reason)}</p>
<p style="margin:8px 0 0;color:#555;font:13px/1.4 system-ui,sans-serif">${escapeHtml(signinLine)}: <a href="${escapeHtml(signin)}" style="color:#0b5cad">${escapeHtml(signin)}</a></p>
</div></body></html>`;
  const blocks = [
    site.publicationName,
    ...opts.paragraphs,
    ...(opts.details?.length ? [opts.details.map((d) => `${d.label}: ${d.value}`).join('\n')] : []),
    ...(opts.links ?? []).map((l) => `${l.label}: ${l.href}`),
    ...(opts.closing ?? []),
  ];
  const text = `${blocks.join('\n\n')}\n\n--\n${opts.reason}\n${signinLine}: ${signin}\n`;
  return { html, text };
}
