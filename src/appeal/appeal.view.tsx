import { FREQUENCIES, type Frequency } from '../../db/schema.js';
import type { Config } from '../config.js';
import { currencyInfo } from '../lib/money.js';
import { Layout, toHtml } from '../ui/layout.js';
import { TURNSTILE_ORIGIN } from '../ui/security.js';

/** Cloudflare's own script for the Turnstile widget (it must come from their origin). */
export const TURNSTILE_SCRIPT = `${TURNSTILE_ORIGIN}/turnstile/v0/api.js`;
import { chooseAmount, FREQUENCY_LABELS, presetOptions, resolveCurrency, resolveFrequency } from './appeal.js';
import { DEMO_ARTICLE, type Article } from './appeal.article.js';
import { APPEAL_STYLES, ARTICLE_STYLES } from './appeal.styles.js';

export type AppealValues = {
  frequency?: string;
  amount?: string;
  currency?: string;
  email?: string;
  article?: string;
  campaign?: string;
  variant?: string;
  section?: string;
  /** 'fragment' when the form came from the CMS fragment: errors then show the appeal alone */
  origin?: string;
  /** the publisher's page the fragment was shown on; Checkout's cancel button returns there if allowed */
  return_to?: string;
};

type FieldName = 'frequency' | 'amount' | 'currency' | 'email' | 'article' | 'campaign' | 'variant' | 'section' | 'form';
export type FieldErrors = Partial<Record<FieldName, string>>;

export type AppealProps = {
  config: Config;
  currency: string;
  values?: AppealValues;
  errors?: FieldErrors;
  /** where the form posts; the fragment needs an absolute URL because it lives on other origins */
  action?: string;
  /** '_top' for the fragment: Stripe Checkout refuses to load inside a frame */
  target?: string;
  /** where /assets/ lives: empty on our own pages, our absolute URL in the fragment */
  assetBase?: string;
  /** a plain line above the form, e.g. that a cancelled checkout made no gift */
  notice?: string;
};

/** The stylesheets and script the appeal pages link to (served by ui/assets.ts, never inlined: see the CSP in ui/security.ts). */
export const APPEAL_ASSETS = {
  '/assets/appeal.css': APPEAL_STYLES,
  '/assets/article.css': ARTICLE_STYLES,
} as const;

export function AppealStyles(props: { base?: string; article?: boolean }) {
  const base = props.base ?? '';
  return (
    <>
      {props.article ? <link rel="stylesheet" href={`${base}/assets/article.css`} /> : null}
      <link rel="stylesheet" href={`${base}/assets/appeal.css`} />
    </>
  );
}

const AMOUNT_LEGENDS: Record<Frequency, string> = {
  one_off: 'Choose an amount',
  monthly: 'Choose an amount to give each month',
  annual: 'Choose an amount to give each year',
};

// Summary order follows the form, and each entry links to the control that fixes it.
// Hidden fields have nowhere to link to, so they are listed as text.
const SUMMARY_ORDER: FieldName[] = ['frequency', 'amount', 'currency', 'email', 'article', 'section', 'campaign', 'variant', 'form'];
const FIELD_TARGETS: Partial<Record<FieldName, string>> = {
  frequency: `appeal-frequency-${FREQUENCIES[0]}`,
  amount: 'appeal-amount-other',
  currency: 'appeal-currency',
  email: 'appeal-email',
};

const errorId = (field: FieldName) => `err-${field}`;

/** Joins ids for aria-describedby, leaving out the absent ones. */
const describedBy = (...ids: (string | false | undefined)[]) => ids.filter(Boolean).join(' ') || undefined;

function FieldError(props: { field: FieldName; errors: FieldErrors }) {
  const message = props.errors[props.field];
  return message ? (
    <p class="error" id={errorId(props.field)}>
      {message}
    </p>
  ) : null;
}

function ErrorSummary(props: { errors: FieldErrors; hasCurrencySelect: boolean }) {
  const fields = SUMMARY_ORDER.filter((f) => props.errors[f]);
  if (fields.length === 0) return null;
  // autofocus (with tabindex=-1) scrolls a re-rendered page straight to the problem,
  // which matters because the appeal sits below the fold and this works without script.
  return (
    <div class="appeal__summary" role="alert" tabindex={-1} autofocus aria-labelledby="appeal-summary-title">
      <p class="appeal__summary-title" id="appeal-summary-title">
        Please check your gift
      </p>
      <ul>
        {fields.map((f) => {
          const target = f === 'currency' && !props.hasCurrencySelect ? undefined : FIELD_TARGETS[f];
          return <li>{target ? <a href={`#${target}`}>{props.errors[f]}</a> : props.errors[f]}</li>;
        })}
      </ul>
    </div>
  );
}

/** What the enhancement script needs to swap the preset amounts without a round trip. */
function presetData(config: Config): string {
  // [value, label] pairs rather than objects: this rides in an attribute, where every quote costs six bytes.
  const currencies: Record<string, { symbol: string; presets: Record<string, [string, string][]> }> = {};
  for (const c of config.currencies) {
    currencies[c] = {
      symbol: currencyInfo(c).symbol.trim(),
      presets: Object.fromEntries(FREQUENCIES.map((f) => [f, presetOptions(config, c, f).map((p): [string, string] => [p.value, p.label])])),
    };
  }
  return JSON.stringify({ legends: AMOUNT_LEGENDS, currencies });
}

// Progressive enhancement only: without it the form posts the presets of the frequency
// it was rendered with, and the server prefers amount_other when it is filled in.
// Written as ES5 so it runs on any reader's browser; it is idempotent because a CMS
// page may include the fragment more than once.
export const ENHANCE_SCRIPT = `(function(){
var forms=document.querySelectorAll('form[data-appeal]:not([data-appeal-ready])');
for(var i=0;i<forms.length;i++)enhance(forms[i]);
function enhance(form){
  form.setAttribute('data-appeal-ready','');
  var data;try{data=JSON.parse(form.getAttribute('data-appeal'))}catch(e){return}
  var list=form.querySelector('[data-appeal-list]'),legend=form.querySelector('[data-appeal-legend]'),symbol=form.querySelector('[data-appeal-symbol]');
  var other=form.querySelector('input[name="amount_other"]'),currency=form.querySelector('[name="currency"]');
  if(!list||!currency)return;
  function amounts(){return list.querySelectorAll('input[name="amount"]')}
  function update(){
    var f=form.querySelector('input[name="frequency"]:checked');f=f?f.value:'monthly';
    var c=data.currencies[currency.value];if(!c)return;
    var presets=c.presets[f]||[],old=amounts(),at=-1;
    for(var j=0;j<old.length;j++)if(old[j].checked)at=j;
    if(at>=presets.length)at=presets.length-1;
    while(list.firstChild)list.removeChild(list.firstChild);
    for(var k=0;k<presets.length;k++){
      var item=document.createElement('div');item.className='appeal__choice';
      var input=document.createElement('input');input.type='radio';input.name='amount';input.id='appeal-amount-'+k;input.value=presets[k][0];input.checked=k===at;
      var label=document.createElement('label');label.htmlFor=input.id;label.textContent=presets[k][1];
      item.appendChild(input);item.appendChild(label);list.appendChild(item);
    }
    if(legend)legend.textContent=data.legends[f]||legend.textContent;
    if(symbol)symbol.textContent=c.symbol;
  }
  form.addEventListener('change',function(e){
    var t=e.target;
    if(t.name==='frequency'||t.name==='currency')update();
    else if(t.name==='amount'&&other)other.value='';
  });
  if(other)other.addEventListener('input',function(){
    if(other.value.replace(/\\s/g,'')==='')return;
    var r=amounts();for(var j=0;j<r.length;j++)r[j].checked=false;
  });
  var checked=form.querySelector('input[name="frequency"]:checked');
  if(legend&&checked)legend.textContent=data.legends[checked.value]||legend.textContent;
}
})();`;

/** The appeal box: copy from config, then the gift form. Works without JavaScript. */
export function AppealForm(props: AppealProps) {
  const { config } = props;
  const values = props.values ?? {};
  const errors = props.errors ?? {};
  const copy = config.appeal.copy;
  const currency = resolveCurrency(config, props.currency);
  const frequency = resolveFrequency(values.frequency);
  const presets = presetOptions(config, currency, frequency);
  // A missing amount means "fresh page" to chooseAmount, unless that is the very error we are showing.
  const choice = chooseAmount(presets, values.amount ?? (errors.amount ? '' : undefined), currency);
  const hasCurrencySelect = config.currencies.length > 1;
  const amountInvalid = Boolean(errors.amount);
  const turnstile = config.guard.turnstile;

  return (
    <section class="appeal" id="support" aria-labelledby="appeal-heading">
      <h2 class="appeal__heading" id="appeal-heading">
        {copy.heading}
      </h2>
      {copy.paragraphs.map((p) => (
        <p class="appeal__text">{p}</p>
      ))}
      {props.notice ? (
        <p class="appeal__notice" role="status">
          {props.notice}
        </p>
      ) : null}
      <form class="appeal__form" method="post" action={props.action ?? '/checkout'} target={props.target} data-appeal={presetData(config)}>
        <ErrorSummary errors={errors} hasCurrencySelect={hasCurrencySelect} />

        <fieldset class="appeal__frequency" aria-describedby={describedBy(errors.frequency && errorId('frequency'))}>
          <legend>How often would you like to give?</legend>
          <div class="appeal__choices">
            {FREQUENCIES.map((f) => (
              <div class="appeal__choice">
                <input type="radio" name="frequency" id={`appeal-frequency-${f}`} value={f} checked={f === frequency} />
                <label for={`appeal-frequency-${f}`}>{FREQUENCY_LABELS[f]}</label>
              </div>
            ))}
          </div>
          <FieldError field="frequency" errors={errors} />
        </fieldset>

        <fieldset class="appeal__amounts" aria-describedby={describedBy(amountInvalid && errorId('amount'))}>
          {/* Without script the reader may switch frequency after this renders, so the
              legend names no period until the script can keep it in step. */}
          <legend data-appeal-legend="">{AMOUNT_LEGENDS.one_off}</legend>
          <div class="appeal__choices" data-appeal-list="">
            {presets.map((p, i) => (
              <div class="appeal__choice">
                <input type="radio" name="amount" id={`appeal-amount-${i}`} value={p.value} checked={i === choice.checked} />
                <label for={`appeal-amount-${i}`}>{p.label}</label>
              </div>
            ))}
          </div>
          <div class="appeal__row">
            <div class="appeal__other">
              <label class="appeal__label" for="appeal-amount-other">
                Other amount
              </label>
              <div class={amountInvalid ? 'appeal__money appeal__money--invalid' : 'appeal__money'}>
                <span class="appeal__symbol" aria-hidden="true" data-appeal-symbol="">
                  {currencyInfo(currency).symbol.trim()}
                </span>
                <input
                  type="text"
                  name="amount_other"
                  id="appeal-amount-other"
                  inputmode="decimal"
                  autocomplete="off"
                  value={choice.other}
                  aria-invalid={amountInvalid ? 'true' : undefined}
                  aria-describedby={describedBy(amountInvalid && errorId('amount'))}
                />
              </div>
            </div>
            {hasCurrencySelect ? (
              <div class="appeal__currency">
                <label class="appeal__label" for="appeal-currency">
                  Currency
                </label>
                <select
                  name="currency"
                  id="appeal-currency"
                  aria-invalid={errors.currency ? 'true' : undefined}
                  aria-describedby={describedBy(errors.currency && errorId('currency'))}
                >
                  {config.currencies.map((c) => (
                    <option value={c} selected={c === currency}>
                      {`${c.toUpperCase()} ${currencyInfo(c).symbol.trim()}`}
                    </option>
                  ))}
                </select>
              </div>
            ) : (
              <input type="hidden" name="currency" value={currency} />
            )}
          </div>
          <FieldError field="amount" errors={errors} />
          {hasCurrencySelect ? <FieldError field="currency" errors={errors} /> : null}
        </fieldset>

        <div class="appeal__field">
          <label class="appeal__label" for="appeal-email">
            Email <span class="appeal__optional">(optional)</span>
          </label>
          <p class="appeal__hint" id="appeal-email-hint">
            We’ll send your receipt here and fill it in on the payment page for you.
          </p>
          <input
            type="email"
            name="email"
            id="appeal-email"
            autocomplete="email"
            spellcheck={false}
            value={values.email ?? ''}
            aria-invalid={errors.email ? 'true' : undefined}
            aria-describedby={describedBy('appeal-email-hint', errors.email && errorId('email'))}
          />
          <FieldError field="email" errors={errors} />
        </div>

        <input type="hidden" name="article" value={values.article ?? ''} />
        <input type="hidden" name="section" value={values.section ?? ''} />
        <input type="hidden" name="campaign" value={values.campaign ?? ''} />
        <input type="hidden" name="variant" value={values.variant ?? ''} />
        {values.origin === 'fragment' ? (
          <>
            <input type="hidden" name="origin" value="fragment" />
            <input type="hidden" name="return_to" value={values.return_to ?? ''} />
          </>
        ) : null}

        {/* the widget adds its token to the form as cf-turnstile-response */}
        {turnstile ? <div class="cf-turnstile appeal__turnstile" data-sitekey={turnstile.siteKey} /> : null}
        <button type="submit" class="appeal__submit">
          {copy.button}
        </button>
        {copy.reassurance ? <p class="appeal__reassurance">{copy.reassurance}</p> : null}
      </form>
      <script src={`${props.assetBase ?? ''}/assets/appeal.js`} defer />
      {turnstile ? <script src={TURNSTILE_SCRIPT} async defer /> : null}
    </section>
  );
}

/** The appeal alone, for a CMS to include in its own pages: no document, its own scoped styles. */
export function AppealFragment(props: AppealProps) {
  return (
    <>
      <AppealStyles base={props.config.publicUrl} />
      <AppealForm {...props} assetBase={props.config.publicUrl} values={{ ...props.values, origin: 'fragment' }} />
    </>
  );
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** "Tuesday 24 November 2026", in UTC so the page is the same wherever it is rendered. */
function formatPublished(iso: string): string {
  const d = new Date(iso);
  return `${DAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

function ArticleHeader(props: { article: Article }) {
  const a = props.article;
  return (
    <header>
      <p class="story__section">{a.section}</p>
      <h1 class="story__headline">{a.headline}</h1>
      <p class="story__standfirst">{a.standfirst}</p>
      <p class="story__meta">
        <span class="story__byline">By {a.byline}</span>
        <time datetime={a.published}>{formatPublished(a.published)}</time>
      </p>
    </header>
  );
}

/** Paragraphs before the appeal: readers who have got this far are invested in the story. */
const APPEAL_AFTER_PARAGRAPH = 3;

/** The demo article with the appeal placed inside the story, as news sites do. */
export function ArticlePage(props: AppealProps & { article?: Article }) {
  const article = props.article ?? DEMO_ARTICLE;
  const values: AppealValues = { ...props.values, article: props.values?.article ?? article.slug, section: props.values?.section ?? article.section };
  const hasErrors = Object.values(props.errors ?? {}).some(Boolean);
  const title = `${hasErrors ? 'Error: ' : ''}${article.headline} | ${props.config.publicationName}`;
  return (
    <Layout
      title={title}
      publication={props.config.publicationName}
      head={
        <>
          <meta name="description" content={article.standfirst} />
          <AppealStyles article />
        </>
      }
      masthead={
        <a class="masthead__support" href="#support">
          Support us
        </a>
      }
    >
      <article class="story">
        <ArticleHeader article={article} />
        <div class="story__body">
          {article.paragraphs.slice(0, APPEAL_AFTER_PARAGRAPH).map((p) => (
            <p>{p}</p>
          ))}
          <AppealForm {...props} values={values} />
          {article.paragraphs.slice(APPEAL_AFTER_PARAGRAPH).map((p) => (
            <p>{p}</p>
          ))}
        </div>
      </article>
    </Layout>
  );
}

/** The appeal on a page of its own: where a failed gift from the fragment goes back to. */
export function AppealPage(props: AppealProps) {
  const hasErrors = Object.values(props.errors ?? {}).some(Boolean);
  return (
    <Layout title={`${hasErrors ? 'Error: ' : ''}Support ${props.config.publicationName}`} publication={props.config.publicationName} head={<AppealStyles />}>
      <AppealForm {...props} />
    </Layout>
  );
}

export type RenderOptions = { currency?: string; values?: AppealValues; errors?: FieldErrors; notice?: string };

/** The demo article with the appeal, as a full document. Checkout re-renders it with form errors (status 400). */
export function renderArticlePage(config: Config, opts: RenderOptions = {}): string {
  const currency = resolveCurrency(config, opts.currency ?? opts.values?.currency);
  return toHtml(<ArticlePage config={config} currency={currency} values={opts.values} errors={opts.errors} notice={opts.notice} />);
}

/**
 * The appeal alone on a page. For a gift that started in the fragment on a CMS page,
 * this is a better place to show errors than our demo article, which the reader never saw.
 */
export function renderAppealPage(config: Config, opts: RenderOptions = {}): string {
  const currency = resolveCurrency(config, opts.currency ?? opts.values?.currency);
  return toHtml(<AppealPage config={config} currency={currency} values={opts.values} errors={opts.errors} notice={opts.notice} />);
}
