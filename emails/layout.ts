// The frame every email shares: a plain, readable HTML body and a text alternative.
import { escapeHtml } from '../src/lib/html.js';

export type RenderedEmail = { subject: string; html: string; text: string };

export type EmailLink = { href: string; label: string };

export function emailLayout(opts: { publication: string; preheader: string; paragraphs: string[]; footer: string; links?: EmailLink[] }): { html: string; text: string } {
  const p = (t: string) => `<p style="margin:0 0 16px">${escapeHtml(t)}</p>`;
  // a button for mail clients that show HTML; the text part already carries the bare URL
  const a = (l: EmailLink) =>
    `<p style="margin:0 0 16px"><a href="${escapeHtml(l.href)}" style="display:inline-block;background:#0b5cad;color:#fff;padding:12px 18px;border-radius:4px;text-decoration:none;font:600 16px/1 system-ui,sans-serif">${escapeHtml(l.label)}</a></p>`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(opts.publication)}</title></head>
<body style="margin:0;padding:0;background:#f3f1ec">
<span style="display:none;max-height:0;overflow:hidden">${escapeHtml(opts.preheader)}</span>
<div style="max-width:560px;margin:0 auto;padding:24px;font:16px/1.5 Georgia,serif;color:#1a1a1a;background:#fff">
<h1 style="font-size:22px;margin:0 0 16px;border-bottom:3px solid #1a1a1a;padding-bottom:8px">${escapeHtml(opts.publication)}</h1>
${[...opts.paragraphs.map(p), ...(opts.links ?? []).map(a)].join('\n')}
<p style="margin:24px 0 0;color:#555;font:13px/1.4 system-ui,sans-serif">${escapeHtml(opts.footer)}</p>
</div></body></html>`;
  const text = `${opts.publication}\n\n${opts.paragraphs.join('\n\n')}\n\n--\n${opts.footer}\n`;
  return { html, text };
}
