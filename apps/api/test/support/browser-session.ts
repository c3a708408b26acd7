import type { TestApi } from './harness';

export interface PageReply {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are JSON that the assertions check
  body: any;
}

/**
 * A browser's side of the session, over plain HTTP: it keeps the cookies the API sets and
 * sends them back, follows no redirects, and reads the CSRF token from the sign-in form.
 */
export function browserSession(
  api: Pick<TestApi, 'baseUrl'>,
  /** Sent with every request, e.g. what a TLS-terminating proxy adds. */
  defaults: { headers?: Record<string, string> } = {},
) {
  const cookies = new Map<string, string>();

  function remember(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const expired = attributes.some(
        (a) =>
          /^max-age=0$/i.test(a) || (/^expires=/i.test(a) && Date.parse(a.slice(8)) < Date.now()),
      );
      if (expired || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
  }

  async function request(
    method: string,
    url: string,
    init: {
      form?: Record<string, string>;
      json?: unknown;
      headers?: Record<string, string>;
      cookies?: boolean;
    } = {},
  ): Promise<PageReply> {
    const headers: Record<string, string> = { ...defaults.headers, ...init.headers };
    if (init.cookies !== false && cookies.size > 0) {
      headers.cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    }
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    } else if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    const response = await fetch(`${api.baseUrl}${url}`, {
      method,
      headers,
      body,
      redirect: 'manual',
    });
    remember(response);
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {}
    return { status: response.status, headers: response.headers, text, body: parsed };
  }

  /** The CSRF token of the sign-in form the API renders. */
  function formToken(html: string): string {
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    if (!token) throw new Error(`no CSRF token in the form: ${html.slice(0, 300)}`);
    return token;
  }

  /** Opens /login and submits the form, as a person would. */
  async function signIn(username: string, password: string, next?: string) {
    const form = await request('GET', `/login${next ? `?next=${encodeURIComponent(next)}` : ''}`);
    return request('POST', '/login', {
      form: {
        username,
        password,
        _csrf: formToken(form.text),
        ...(next !== undefined && { next }),
      },
    });
  }

  /** The CSRF token the page gets from GET /v1/session. */
  async function csrfToken(): Promise<string> {
    const session = await request('GET', '/v1/session');
    if (session.status !== 200) throw new Error(`not signed in: ${session.text}`);
    return session.body.csrfToken;
  }

  return { cookies, request, signIn, csrfToken, formToken };
}
