// A cookie-keeping client for in-process requests (app.request), behaving like a browser
// on this site: it sends its cookie back, says it wants HTML, and names its origin on posts.

export const ORIGIN = 'http://localhost:8787';

export type Client = {
  cookie: string;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  post(path: string, fields: Record<string, string>, headers?: Record<string, string>): Promise<Response>;
};

export function browserClient(app: { request(input: string, init?: RequestInit): Response | Promise<Response> }, start = ''): Client {
  const c: Client = {
    cookie: start,
    async get(path, headers = {}) {
      return keep(await app.request(`${ORIGIN}${path}`, { headers: { accept: 'text/html', ...(c.cookie ? { cookie: c.cookie } : {}), ...headers } }));
    },
    async post(path, fields, headers = {}) {
      return keep(
        await app.request(`${ORIGIN}${path}`, {
          method: 'POST',
          headers: {
            accept: 'text/html',
            'content-type': 'application/x-www-form-urlencoded',
            origin: ORIGIN,
            ...(c.cookie ? { cookie: c.cookie } : {}),
            ...headers,
          },
          body: new URLSearchParams(fields).toString(),
        }),
      );
    },
  };
  const keep = (res: Response): Response => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const value = pair!.slice(pair!.indexOf('=') + 1);
      c.cookie = /max-age=0/i.test(line) || value === '' ? '' : pair!;
    }
    return res;
  };
  return c;
}

/** The value of a hidden form field on a page. */
export function field(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`no field ${name} on the page`);
  return m[1]!;
}
