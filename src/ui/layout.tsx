import type { Child } from 'hono/jsx';
import { raw } from 'hono/html';
import { STYLES } from './styles.js';

export function Layout(props: { title: string; publication: string; children: Child; head?: Child; masthead?: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title}</title>
        {/* Raw: <style> is a raw-text element, so HTML escaping would corrupt the CSS ('Times New Roman' became &#39;…). */}
        <style>{raw(STYLES)}</style>
        {props.head}
      </head>
      <body>
        <header class="masthead">
          <a href="/" class="masthead__name">
            {props.publication}
          </a>
          {props.masthead}
        </header>
        <main>{props.children}</main>
        <footer class="site-footer">
          <p>{props.publication} is funded by its readers.</p>
        </footer>
      </body>
    </html>
  );
}

/** Renders a JSX page to a complete HTML document string. */
export function toHtml(node: unknown): string {
  return `<!doctype html>${String(node)}`;
}
