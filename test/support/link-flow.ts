import type { App } from '../../src/app';

/** POST /link-tokens with an API key; the body as given (so tests can send invalid ones). */
export async function requestLinkToken(app: App, apiKey: string | null, body: unknown): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  return app.request('/link-tokens', { method: 'POST', headers, body: JSON.stringify(body) });
}

export async function createLinkToken(
  app: App,
  apiKey: string,
  body: Record<string, unknown>,
): Promise<{ link_token: string; url: string; expires_at: string }> {
  const response = await requestLinkToken(app, apiKey, body);
  if (response.status !== 201) throw new Error(`link token: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { result: { link_token: string; url: string; expires_at: string } })
    .result;
}

export interface Page {
  status: number;
  html: string;
  headers: Headers;
  url: string;
}

export type FormName = 'credentials' | 'recheck' | 'restart' | 'confirm';

/**
 * Drives the hosted link page the way a browser without JavaScript would: reads the forms of the current
 * page, posts them with the page's origin, and follows same-origin 303s. A redirect elsewhere (the
 * developer's redirect_uri) is returned as `redirectedTo`.
 */
export class LinkPageClient {
  page: Page | undefined;
  redirectedTo: string | undefined;

  constructor(
    private readonly app: App,
    private readonly headers: Record<string, string> = {},
    /** The gateway's PUBLIC_URL, where relative actions resolve before any page was opened. */
    private readonly baseUrl = 'http://127.0.0.1:8080',
  ) {}

  async open(url: string): Promise<Page> {
    const absolute = new URL(url, this.page?.url ?? this.baseUrl).toString();
    const response = await this.app.request(absolute, { headers: this.headers });
    return this.land(absolute, response);
  }

  hasForm(name: FormName): boolean {
    return this.forms().some((form) => form.action.endsWith(`/${name}`));
  }

  csrfToken(name: FormName = 'credentials'): string {
    const form = this.forms().find((candidate) => candidate.action.endsWith(`/${name}`));
    if (!form) throw new Error(`no ${name} form on the page:\n${this.page?.html}`);
    const token = /name="csrf_token" value="([^"]+)"/.exec(form.body)?.[1];
    if (!token) throw new Error('form has no csrf_token');
    return token;
  }

  /** Submits a form of the current page with the given fields (its CSRF token added unless given). */
  async submit(name: FormName, fields: Record<string, string> = {}, headers: Record<string, string> = {}) {
    const form = this.forms().find((candidate) => candidate.action.endsWith(`/${name}`));
    if (!form) throw new Error(`no ${name} form on the page (${this.page?.status}):\n${this.page?.html}`);
    return this.post(form.action, { csrf_token: this.csrfToken(name), ...fields }, headers);
  }

  async post(action: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
    const base = new URL(this.page?.url ?? this.baseUrl);
    const url = new URL(action, base).toString();
    const response = await this.app.request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: base.origin,
        'sec-fetch-site': 'same-origin',
        ...this.headers,
        ...headers,
      },
      body: new URLSearchParams(fields).toString(),
    });
    return this.land(url, response);
  }

  private async land(url: string, response: Response): Promise<Page> {
    if (response.status === 303) {
      const location = new URL(response.headers.get('location')!, url);
      if (location.origin === new URL(url).origin) return this.open(location.toString());
      this.redirectedTo = location.toString();
      this.page = { status: 303, html: '', headers: response.headers, url };
      return this.page;
    }
    this.page = { status: response.status, html: await response.text(), headers: response.headers, url };
    return this.page;
  }

  private forms(): { action: string; body: string }[] {
    const html = this.page?.html ?? '';
    return [...html.matchAll(/<form method="post" action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)].map(
      (match) => ({
        action: match[1]!,
        body: match[2]!,
      }),
    );
  }
}

/** The visible text of a page, for assertions about what the admin reads. */
export function pageText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}
