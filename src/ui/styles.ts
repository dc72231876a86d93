// Shared page styles, inlined so a page is one request and works offline.
export const STYLES = `
:root{--ink:#1a1a1a;--muted:#555;--accent:#0b5cad;--accent-ink:#fff;--bg:#fff;--panel:#f3f1ec;--error:#b00020;--rule:#dcd8cf;--serif:Georgia,'Times New Roman',serif;--sans:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}
*{box-sizing:border-box}
body{margin:0;font:18px/1.6 var(--serif);color:var(--ink);background:var(--bg)}
main{max-width:44rem;margin:0 auto;padding:1rem}
a{color:var(--accent)}
:focus-visible{outline:3px solid #f2b705;outline-offset:2px}
.masthead{border-bottom:3px solid var(--ink);padding:.75rem 1rem;display:flex;flex-wrap:wrap;align-items:center;justify-content:center;gap:.5rem 1.5rem;text-align:center}
.masthead__name{font:700 1.75rem/1.2 var(--serif);color:var(--ink);text-decoration:none}
.site-footer{max-width:44rem;margin:2rem auto;padding:1rem;color:var(--muted);font:14px/1.5 var(--sans);border-top:1px solid #ddd}
.error{color:var(--error);font:600 15px/1.4 var(--sans)}
main:has(.mail-parts),main:has(.mail-list){max-width:76rem}
.mail-list{border-collapse:collapse;width:100%;font:14px/1.4 var(--sans)}
.mail-list th,.mail-list td{border-bottom:1px solid var(--rule);padding:.35rem .5rem;text-align:left;vertical-align:top}
.mail-headers{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;font:15px/1.4 var(--sans)}
.mail-headers dt{color:var(--muted)}
.mail-headers dd{margin:0}
.mail-parts{display:flex;gap:16px;flex-wrap:wrap;align-items:flex-start}
.mail-part{flex:1 1 360px}
.mail-part--html{flex-basis:480px}
.mail-frame{width:100%;height:720px;border:1px solid #ccc}
.mail-text{white-space:pre-wrap;border:1px solid #ccc;padding:12px;font:13px/1.5 ui-monospace,monospace}
.visually-hidden{position:absolute!important;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
button,.button{font:600 16px/1 var(--sans);background:var(--accent);color:var(--accent-ink);border:0;border-radius:4px;padding:.8rem 1.2rem;cursor:pointer;text-decoration:none;display:inline-block}

.auth{max-width:28rem;margin:0 auto}
.stack{display:flex;flex-direction:column;gap:.9rem;margin:1rem 0}
.stack label{display:flex;flex-direction:column;gap:.25rem;font:600 15px/1.4 var(--sans)}
.stack input{font:16px/1.4 var(--sans);padding:.55rem .6rem;border:1px solid #888;border-radius:4px}
.stack select{font:16px/1.4 var(--sans);padding:.45rem .5rem;border:1px solid #888;border-radius:4px;max-width:100%}
.stack fieldset{display:flex;flex-direction:column;gap:.6rem;border:1px solid var(--rule);border-radius:4px;padding:.6rem .9rem .9rem;font:15px/1.4 var(--sans)}
.stack legend{font-weight:600;padding:0 .3rem}
.stack label:has(>input[type=radio]),.stack label:has(>input[type=checkbox]){flex-direction:row;align-items:center;gap:.5rem}
.notice{background:var(--panel);padding:.6rem .8rem;border-left:4px solid var(--accent);font:15px/1.4 var(--sans)}
.qr svg{width:220px;height:220px;display:block}
.codes{columns:2;font:16px/1.8 ui-monospace,monospace;padding-left:1.2rem}
.staff-bar{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center;font:15px/1.4 var(--sans)}
.staff-bar form{display:inline}
.link-button{background:none;color:var(--accent);padding:0;text-decoration:underline;font:inherit}
table.audit{border-collapse:collapse;width:100%;font:14px/1.4 var(--sans)}
table.audit th,table.audit td{border-bottom:1px solid var(--rule);padding:.3rem .4rem;text-align:left;vertical-align:top}
main:has(.finance){max-width:76rem}
.finance-nav,.periods{display:flex;flex-wrap:wrap;gap:1rem;font:600 15px/1.4 var(--sans);margin:.5rem 0}
.periods a[aria-current=page]{color:var(--ink);text-decoration:none;border-bottom:3px solid var(--accent)}
.filters{display:flex;flex-wrap:wrap;gap:.6rem 1rem;align-items:flex-end;font:14px/1.4 var(--sans);margin:1rem 0}
.filters label{display:flex;flex-direction:column;gap:.2rem;font-weight:600}
.filters input,.filters select{font:14px/1.3 var(--sans);padding:.35rem .4rem;border:1px solid #888;border-radius:4px;max-width:12rem}
.filters .invalid input{border-color:var(--error)}
.filters button{padding:.5rem .9rem;font-size:14px}
.filters .notice{flex-basis:100%}
.export{font:15px/1.4 var(--sans)}
table.data{border-collapse:collapse;width:100%;font:14px/1.4 var(--sans);margin:.5rem 0 1rem}
table.data th,table.data td{border-bottom:1px solid var(--rule);padding:.3rem .5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
table.data thead th{border-bottom:2px solid var(--ink);white-space:nowrap}
table.data .num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.data .neg{color:var(--error)}
.health{font:600 15px/1.4 var(--sans);padding:.4rem .7rem;border-left:4px solid var(--muted);background:var(--panel)}
.health--ok{border-color:#2e7d32}
.health--drift{border-color:var(--error);color:var(--error)}
.hint{color:var(--muted);font:14px/1.4 var(--sans)}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;font:15px/1.5 var(--sans)}
.facts dt{font-weight:600}
.facts dd{margin:0}
.chart{margin:1rem 0}
.chart svg{width:100%;height:auto;max-height:260px;display:block}
.chart figcaption{font:13px/1.4 var(--sans);color:var(--muted)}
.chart__one-off{fill:#0b5cad}
.chart__recurring{fill:#f2a541}
.chart__axis{font:11px var(--sans);fill:#555}
.key{display:inline-block;width:.8rem;height:.8rem;vertical-align:middle}
.key--one-off{background:#0b5cad}
.key--recurring{background:#f2a541}
`;
