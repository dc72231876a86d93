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

/** A server-rendered page for an error a reader meets in the browser, instead of a JSON body. */
export function ErrorPage(props: ErrorPageProps) {
  const back = props.back ?? { href: '/', label: 'Back to the story' };
  return (
    <Layout title={`Error: ${props.title} | ${props.publication}`} publication={props.publication} head={props.head}>
      <section class="notice" role="alert">
        <h1>{props.title}</h1>
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
            If you contact us about this, please quote reference <code>{props.reference}</code>.
          </p>
        ) : null}
        <p>
          <a href={back.href}>{back.label}</a>
        </p>
      </section>
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
