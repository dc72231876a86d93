import type { Child } from 'hono/jsx';
import { Layout, toHtml } from './layout.js';

export type ErrorPageProps = {
  publication: string;
  title: string;
  message: string;
  /** field name -> what is wrong with it, listed under the message */
  fields?: Record<string, string>;
  /** the request's id: quoted to staff, it finds this request's lines in the logs */
  reference?: string;
  /** where the reader can go from here; the home page when not given */
  back?: { href: string; label: string };
  head?: Child;
  /** what the reader can do about it, such as the form they sent, filled in again */
  children?: Child;
};

/**
 * The notice itself: the message, each bad field, the reference and the way back. Readers'
 * error pages and staff pages (finance.layout.tsx) frame it differently.
 */
export function ErrorNotice(props: {
  heading?: string;
  message: string;
  fields?: Record<string, string>;
  /** the request's id, quoted as readers or staff need it */
  reference?: string;
  audience: 'reader' | 'staff';
  back: { href: string; label: string };
}) {
  return (
    <section class="notice" role="alert">
      {props.heading ? <h1>{props.heading}</h1> : null}
      <p>{props.message}</p>
      {props.fields && Object.keys(props.fields).length ? (
        <ul>
          {Object.entries(props.fields).map(([name, problem]) => (
            <li>
              {name}: {problem}
            </li>
          ))}
        </ul>
      ) : null}
      {props.reference ? (
        <p class="notice__reference">
          {props.audience === 'staff' ? 'Reference ' : 'If you contact us about this, please quote reference '}
          <code>{props.reference}</code>
          {props.audience === 'staff' ? ': it finds this request in the logs.' : '.'}
        </p>
      ) : null}
      <p>
        <a href={props.back.href}>{props.back.label}</a>
      </p>
    </section>
  );
}

/** A server-rendered page for an error a reader meets in the browser, instead of a JSON body. */
export function ErrorPage(props: ErrorPageProps) {
  const back = props.back ?? { href: '/', label: 'Back to the story' };
  return (
    <Layout title={`Error: ${props.title} | ${props.publication}`} publication={props.publication} head={props.head}>
      <ErrorNotice heading={props.title} message={props.message} fields={props.fields} back={back} reference={props.reference} audience="reader" />
      {props.children}
    </Layout>
  );
}

export function renderErrorPage(props: ErrorPageProps): string {
  return toHtml(<ErrorPage {...props} />);
}

/** The heading for an error status, in the reader's words. */
export function errorTitle(status: number): string {
  if (status === 404) return 'We could not find that page';
  if (status === 401) return 'Please sign in first';
  if (status === 403) return 'This page is not open to you';
  if (status === 429) return 'Please wait a little';
  if (status === 502) return 'We could not reach our payment provider';
  if (status >= 500) return 'Something went wrong on our side';
  return 'We could not use what was sent';
}
