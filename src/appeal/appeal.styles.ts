// Every appeal rule is scoped under .appeal and brings its own variables and fonts, so
// the fragment looks the same inside a CMS page whose styles we do not control.
export const APPEAL_STYLES = `
.appeal{--appeal-accent:#0b5cad;--appeal-accent-dark:#084a8c;--appeal-ink:#1a1a1a;--appeal-muted:#555;--appeal-panel:#f6f3ec;--appeal-rule:#cfc8ba;--appeal-error:#b00020;--appeal-focus:#f2b705;
  margin:2rem 0;padding:1.25rem 1.25rem 1.5rem;background:var(--appeal-panel);border-top:4px solid var(--appeal-accent);color:var(--appeal-ink);font:17px/1.55 Georgia,'Times New Roman',serif;text-align:left}
.appeal *{box-sizing:border-box}
.appeal__heading{font:700 1.6rem/1.2 Georgia,'Times New Roman',serif;margin:0 0 .75rem;color:var(--appeal-ink)}
.appeal__text{margin:0 0 .75rem}
.appeal__form{margin:1.25rem 0 0;font:16px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}
.appeal fieldset{border:0;margin:0 0 1.25rem;padding:0;min-width:0}
.appeal legend,.appeal__label{display:block;font-weight:700;margin:0 0 .5rem;padding:0}
.appeal__optional{font-weight:400;color:var(--appeal-muted)}
.appeal__choices{display:grid;grid-template-columns:repeat(auto-fit,minmax(5rem,1fr));gap:.5rem}
.appeal__frequency .appeal__choices{grid-template-columns:repeat(3,1fr)}
.appeal__choice{position:relative}
.appeal__choice input{position:absolute;top:0;left:0;width:1px;height:1px;margin:0;opacity:0}
.appeal__choice label{display:block;text-align:center;padding:.75rem .4rem;border:2px solid var(--appeal-rule);border-radius:6px;background:#fff;cursor:pointer;font-weight:600}
.appeal__choice label:hover{border-color:var(--appeal-accent)}
.appeal__choice input:checked+label{background:var(--appeal-accent);border-color:var(--appeal-accent);color:#fff}
.appeal__choice input:focus-visible+label{outline:3px solid var(--appeal-focus);outline-offset:2px}
.appeal__row{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:.75rem;align-items:flex-end}
.appeal__other{flex:1 1 11rem}
.appeal__currency{flex:0 1 9rem}
.appeal__money{display:flex;align-items:center;border:2px solid var(--appeal-rule);border-radius:6px;background:#fff}
.appeal__money:focus-within{outline:3px solid var(--appeal-focus);outline-offset:2px;border-color:var(--appeal-accent)}
.appeal__money--invalid{border-color:var(--appeal-error)}
.appeal__symbol{padding:0 0 0 .7rem;color:var(--appeal-muted);font-weight:600;white-space:nowrap}
.appeal input[type=text],.appeal input[type=email],.appeal select{display:block;width:100%;font:inherit;font-size:16px;padding:.65rem .7rem;border:2px solid var(--appeal-rule);border-radius:6px;background:#fff;color:var(--appeal-ink);margin:0}
.appeal input[type=text]:focus-visible,.appeal input[type=email]:focus-visible,.appeal select:focus-visible{outline:3px solid var(--appeal-focus);outline-offset:2px;border-color:var(--appeal-accent)}
.appeal__money input[type=text]{border:0;padding-left:.3rem;outline:none}
.appeal [aria-invalid=true]{border-color:var(--appeal-error)}
.appeal__field{margin:0 0 1.25rem}
.appeal__hint{margin:0 0 .5rem;color:var(--appeal-muted);font-size:14px}
.appeal__submit{display:block;width:100%;font:700 17px/1 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;background:var(--appeal-accent);color:#fff;border:0;border-radius:999px;padding:1rem 2rem;cursor:pointer}
.appeal__submit:hover{background:var(--appeal-accent-dark)}
.appeal__submit:focus-visible{outline:3px solid var(--appeal-focus);outline-offset:2px}
.appeal__reassurance{margin:.75rem 0 0;color:var(--appeal-muted);font-size:14px;text-align:center}
.appeal .error{margin:.5rem 0 0;color:var(--appeal-error);font:600 15px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}
.appeal__summary{margin:0 0 1.25rem;padding:1rem 1.25rem;border:3px solid var(--appeal-error);background:#fff}
.appeal__summary:focus{outline:3px solid var(--appeal-focus);outline-offset:2px}
.appeal__summary-title{margin:0 0 .5rem;font-size:1.1rem;font-weight:700}
.appeal__summary ul{margin:0;padding-left:1.2rem}
.appeal__summary a{color:var(--appeal-error);font-weight:600}
@media (min-width:40rem){.appeal{padding:1.75rem 2rem 2rem}.appeal__heading{font-size:1.9rem}}
`;

export const ARTICLE_STYLES = `
.masthead__support{font:700 15px/1 var(--sans);color:var(--ink);background:#f2b705;border-radius:999px;padding:.55rem 1rem;text-decoration:none}
.masthead__support:hover{background:#e0a800}
.story{margin:1rem 0 0}
.story__section{font:700 14px/1 var(--sans);text-transform:uppercase;letter-spacing:.06em;color:var(--accent);margin:0}
.story__headline{font:700 2.1rem/1.15 var(--serif);margin:.6rem 0 .75rem;letter-spacing:-.01em}
.story__standfirst{font-size:1.2rem;line-height:1.45;color:#333;margin:0 0 1rem}
.story__meta{display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:0 0 1.5rem;padding:.6rem 0;border-top:1px solid var(--rule);border-bottom:1px solid var(--rule);font:14px/1.4 var(--sans);color:var(--muted)}
.story__byline{font-weight:700;color:var(--ink)}
.story__body p{margin:0 0 1.1rem}
@media (min-width:40rem){.story__headline{font-size:2.6rem}}
.appeal .appeal__notice{background:#fff;border-left:4px solid var(--appeal-accent);padding:.5rem .75rem;margin:.75rem 0;font-weight:600}
`;
