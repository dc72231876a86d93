import type { Child } from 'hono/jsx';

export function Layout(props: { title: string; publication: string; children: Child; head?: Child; masthead?: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title}</title>
        {/* linked, never inline: the Content-Security-Policy allows only this site's stylesheets */}
        <link rel="stylesheet" href="/assets/site.css" />
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
