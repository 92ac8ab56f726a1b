import { and, eq } from 'drizzle-orm';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { getLinkedAccount } from '../../src/db/queries/linked-accounts';
import { linkedAccounts, linkTokens } from '../../src/db/schema';
import { linkedAccountTokenKey } from '../../src/providers/factory';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import {
  createPersonioSandbox,
  createTenant,
  openStorage,
  SANDBOX_CREDENTIALS,
  type Storage,
  startGateway,
  type Tenant,
  type TestGateway,
} from '../support/gateway';
import { createLinkToken, LinkPageClient, pageText, requestLinkToken } from '../support/link-flow';

const FULL = {
  client_id: SANDBOX_CREDENTIALS.full.clientId,
  client_secret: SANDBOX_CREDENTIALS.full.clientSecret,
};
const LIMITED = {
  client_id: SANDBOX_CREDENTIALS.limited.clientId,
  client_secret: SANDBOX_CREDENTIALS.limited.clientSecret,
};
const WRONG_SECRET = 'wrong-secret-Zq81';

interface ErrorEnvelope {
  error: { code: string; message: string; details?: { field: string | null; message: string }[] };
}

describe('hosted link flow (PostgreSQL + Redis)', () => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let gateway: TestGateway;
  let acme: Tenant;
  let globex: Tenant;
  const logLines: string[] = [];

  beforeAll(async () => {
    storage = await openStorage('postgres');
    sandbox = createPersonioSandbox({ employees: 60, seed: 11 });
    const setup = await startGateway(storage, sandbox);
    acme = await createTenant(setup, SANDBOX_CREDENTIALS.full, 'Acme');
    globex = await createTenant(setup, SANDBOX_CREDENTIALS.full, 'Globex');
    // Tests below change accounts in the database directly, as another process would: no lookup cache here.
    gateway = await startGateway(storage, sandbox, acme, { env: { AUTH_CACHE_TTL_MS: '0' } });
    // The same gateway, with every log line kept: the secret and the link token must never appear in one.
    gateway.app = await createApp({
      ...gateway.deps,
      logger: {
        debug: (message, fields) => logLines.push(JSON.stringify({ message, ...fields })),
        info: (message, fields) => logLines.push(JSON.stringify({ message, ...fields })),
        warn: (message, fields) => logLines.push(JSON.stringify({ message, ...fields })),
        error: (message, fields) => logLines.push(JSON.stringify({ message, ...fields })),
      },
    });
  });

  afterAll(async () => {
    await storage?.close();
  });

  const accountsOf = (environmentId: string, originId: string) =>
    gateway.deps.db
      .select()
      .from(linkedAccounts)
      .where(and(eq(linkedAccounts.environmentId, environmentId), eq(linkedAccounts.originId, originId)));

  const tokenRow = async (token: string) => {
    const id = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).jti as string;
    const [row] = await gateway.deps.db.select().from(linkTokens).where(eq(linkTokens.id, id));
    return row!;
  };

  async function expectApiError(response: Response, status: number, code: string, field?: string) {
    expect(response.status).toBe(status);
    const body = (await response.json()) as ErrorEnvelope;
    expect(body.error.code).toBe(code);
    if (field !== undefined) expect(body.error.details?.map((detail) => detail.field)).toContain(field);
    return body;
  }

  describe('POST /link-tokens', () => {
    it('returns a signed token, its page URL and an expiry of 30 minutes by default', async () => {
      const before = Date.now();
      const result = await createLinkToken(gateway.app, acme.apiKey, {
        end_user: { origin_id: 'customer-1' },
      });
      expect(result.link_token.split('.')).toHaveLength(3);
      expect(result.url).toBe(`http://127.0.0.1:8080/link/${result.link_token}`);
      const lifetime = Date.parse(result.expires_at) - before;
      expect(lifetime).toBeGreaterThan(1795_000);
      expect(lifetime).toBeLessThan(1805_000);
      const header = JSON.parse(Buffer.from(result.link_token.split('.')[0]!, 'base64url').toString());
      expect(header.alg).toBe('HS256');
    });

    it('accepts a lifetime of up to 7 days', async () => {
      const result = await createLinkToken(gateway.app, acme.apiKey, {
        end_user: { origin_id: 'customer-1' },
        expires_in: 604_800,
      });
      expect(Date.parse(result.expires_at) - Date.now()).toBeGreaterThan(604_000_000);
      await expectApiError(
        await requestLinkToken(gateway.app, acme.apiKey, {
          end_user: { origin_id: 'c' },
          expires_in: 604_801,
        }),
        400,
        'invalid_request',
        'expires_in',
      );
    });

    it('names the field and the reason for invalid requests', async () => {
      const cases: [unknown, string][] = [
        [{}, 'end_user'],
        [{ end_user: {} }, 'end_user.origin_id'],
        [{ end_user: { origin_id: 'c', email: 'not-an-email' } }, 'end_user.email'],
        [{ end_user: { origin_id: 'c' }, redirect_uri: 'http://app.example.com/done' }, 'redirect_uri'],
        [{ end_user: { origin_id: 'c' }, redirect_uri: 'https://app.example.com/done#frag' }, 'redirect_uri'],
        [{ end_user: { origin_id: 'c' }, redirect_uri: 'javascript:alert(1)' }, 'redirect_uri'],
        [
          { end_user: { origin_id: 'c' }, allowed_origins: ['https://app.example.com/path'] },
          'allowed_origins.0',
        ],
        [{ end_user: { origin_id: 'c' }, allowed_origins: ['http://app.example.com'] }, 'allowed_origins.0'],
        [{ end_user: { origin_id: 'c' }, linked_account_id: 'nope' }, 'linked_account_id'],
      ];
      for (const [body, field] of cases) {
        const error = await expectApiError(
          await requestLinkToken(gateway.app, acme.apiKey, body),
          400,
          'invalid_request',
          field,
        );
        expect(error.error.message.length).toBeGreaterThan(10);
      }
      const ok = await createLinkToken(gateway.app, acme.apiKey, {
        end_user: { origin_id: 'c' },
        redirect_uri: 'http://localhost:3000/done',
        allowed_origins: ['http://127.0.0.1:5173', 'https://app.example.com/'],
      });
      expect((await tokenRow(ok.link_token)).allowedOrigins).toEqual([
        'http://127.0.0.1:5173',
        'https://app.example.com',
      ]);
    });

    it('needs an API key, and refuses another environment’s linked account or the sandbox when it is off', async () => {
      await expectApiError(
        await requestLinkToken(gateway.app, null, { end_user: { origin_id: 'c' } }),
        401,
        'unauthorized',
      );
      await expectApiError(
        await requestLinkToken(gateway.app, acme.apiKey, {
          end_user: { origin_id: 'globex-customer' },
          linked_account_id: globex.linkedAccountId,
        }),
        404,
        'not_found',
      );
      await expectApiError(
        await requestLinkToken(gateway.app, acme.apiKey, {
          end_user: { origin_id: 'someone-else' },
          linked_account_id: acme.linkedAccountId,
        }),
        400,
        'invalid_request',
        'end_user.origin_id',
      );
      await expectApiError(
        await requestLinkToken(gateway.app, acme.apiKey, {
          end_user: { origin_id: 'c' },
          integration: 'personio-sandbox',
        }),
        422,
        'unprocessable',
      );
    });
  });

  describe('the page', () => {
    it('links an account: wrong credentials store nothing, coverage names what to whitelist, confirm redirects', async () => {
      const { url, link_token: token } = await createLinkToken(gateway.app, acme.apiKey, {
        end_user: { origin_id: 'customer-flow', organization_name: 'Flow GmbH', email: 'hr@flow.example' },
        redirect_uri: 'https://app.example.com/personio/done?tab=hr',
        state: 'session-42',
      });
      const browser = new LinkPageClient(gateway.app);

      const form = await browser.open(url);
      expect(form.status).toBe(200);
      expect(form.headers.get('content-type')).toMatch(/^text\/html/);
      expect(pageText(form.html)).toMatch(/Flow GmbH ?'s Personio account/);
      expect(form.html).toMatch(/<label for="client_id">Client ID<\/label>/);
      expect(form.html).toMatch(/<label for="client_secret">Client secret<\/label>/);
      expect(pageText(form.html)).toContain('Settings → API credentials');
      expect(form.html).toContain('<code>position</code>');

      const wrong = await browser.submit('credentials', {
        client_id: FULL.client_id,
        client_secret: WRONG_SECRET,
      });
      expect(wrong.status).toBe(422);
      expect(pageText(wrong.html)).toContain('Personio did not accept this client ID and secret');
      expect(wrong.html).toContain(`value="${FULL.client_id}"`);
      expect(wrong.html).not.toContain(WRONG_SECRET);
      expect(browser.hasForm('credentials')).toBe(true);
      expect(await accountsOf(acme.environmentId, 'customer-flow')).toHaveLength(0);
      expect((await tokenRow(token)).session).toBeNull();

      const coverage = await browser.submit('credentials', LIMITED);
      expect(coverage.status).toBe(200);
      const text = pageText(coverage.html);
      expect(text).toContain('5 of 22 employee fields can be filled');
      expect(text).toMatch(/Job title Position position/);
      expect(text).toMatch(/Manager \(supervisor\) Supervisor supervisor/);
      expect(coverage.html).not.toContain(LIMITED.client_secret);
      expect(browser.hasForm('recheck')).toBe(true);
      expect(browser.hasForm('confirm')).toBe(true);
      expect(await accountsOf(acme.environmentId, 'customer-flow')).toHaveLength(0);
      const pending = await tokenRow(token);
      expect(JSON.stringify(pending.session)).not.toContain(LIMITED.client_secret);
      expect((pending.session as { sealed_credentials: string }).sealed_credentials.split('.')).toHaveLength(
        5,
      );

      // Reloading shows the review again; re-checking measures again.
      expect(pageText((await browser.open(url)).html)).toContain('5 of 22');
      const rechecked = await browser.submit('recheck');
      expect(rechecked.status).toBe(200);
      expect(pageText(rechecked.html)).toContain('5 of 22');

      await browser.submit('confirm');
      const redirect = new URL(browser.redirectedTo!);
      expect(`${redirect.origin}${redirect.pathname}`).toBe('https://app.example.com/personio/done');
      expect(redirect.searchParams.get('tab')).toBe('hr');
      expect(redirect.searchParams.get('state')).toBe('session-42');
      const linkedAccountId = redirect.searchParams.get('linked_account_id')!;
      expect(linkedAccountId).toMatch(/^la_/);
      expect(browser.page!.headers.get('referrer-policy')).toBe('same-origin');

      const [stored] = await accountsOf(acme.environmentId, 'customer-flow');
      expect(stored!.id).toBe(linkedAccountId);
      expect(stored!.organizationName).toBe('Flow GmbH');
      expect(stored!.email).toBe('hr@flow.example');
      expect(stored!.credentials).toMatch(/^ey/);
      expect(JSON.stringify(stored)).not.toContain(LIMITED.client_secret);
      expect(stored!.fieldCoverage?.available).toEqual([
        'first_name',
        'last_name',
        'display_name',
        'work_email',
        'employment_status',
      ]);
      expect(stored!.companyFingerprint).toMatch(/^v1:[0-9a-f]{32}$/);
      const consumed = await tokenRow(token);
      expect(consumed.consumedAt).not.toBeNull();
      expect(consumed.session).toBeNull();

      const employees = await gateway.request('/unified/hris/employees?limit=3', { linkedAccountId });
      expect(employees.status).toBe(200);
      const { result } = (await employees.json()) as { result: { first_name: string; job_title: null }[] };
      expect(result).toHaveLength(3);
      expect(result[0]!.first_name).toEqual(expect.any(String));
      expect(result[0]!.job_title).toBeNull();

      // Replay: the token is used up, for the page and for every form.
      const replay = await browser.open(url);
      expect(replay.status).toBe(410);
      expect(pageText(replay.html)).toContain('This link has already been used');
      expect(replay.html).not.toContain('<form');
      const again = await new LinkPageClient(gateway.app).post(`/link/${token}/confirm`, { csrf_token: 'x' });
      expect(again.status).toBe(410);
      expect(await accountsOf(acme.environmentId, 'customer-flow')).toHaveLength(1);
    });

    it('posts the id to the allowed origins only, from a page with no redirect when none was asked', async () => {
      const { url } = await createLinkToken(gateway.app, acme.apiKey, {
        end_user: { origin_id: 'customer-popup' },
        allowed_origins: ['https://app.example.com', 'http://localhost:5173'],
        state: '</script><script>alert(1)</script>',
      });
      const browser = new LinkPageClient(gateway.app);
      await browser.open(url);
      await browser.submit('credentials', FULL);
      expect(pageText(browser.page!.html)).toContain('22 of 22');
      const done = await browser.submit('confirm');
      expect(done.status).toBe(200);
      const [account] = await accountsOf(acme.environmentId, 'customer-popup');
      const script = /<script nonce="[^"]+">([\s\S]*?)<\/script>/.exec(done.html)![1]!;
      const data = JSON.parse(/const result = (.*);\n/.exec(script)![1]!);
      expect(data).toEqual({
        message: {
          type: 'roster:linked',
          linked_account_id: account!.id,
          state: '</script><script>alert(1)</script>',
        },
        origins: ['https://app.example.com', 'http://localhost:5173'],
        redirect: null,
      });
      expect(script).not.toContain('</script');
      expect(script).toContain('target.postMessage(result.message, origin)');
      const csp = done.headers.get('content-security-policy')!;
      expect(csp).toContain('frame-ancestors https://app.example.com http://localhost:5173');
    });

    it('sends a strict Content-Security-Policy and no-store, referrer and framing headers', async () => {
      const { url } = await createLinkToken(gateway.app, acme.apiKey, {
        end_user: { origin_id: 'customer-headers' },
        redirect_uri: 'https://app.example.com/done',
      });
      const page = await new LinkPageClient(gateway.app).open(url);
      const csp = page.headers.get('content-security-policy')!;
      const nonce = /script-src 'nonce-([0-9A-Za-z]+)'/.exec(csp)![1]!;
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain(`style-src 'nonce-${nonce}'`);
      expect(csp).toContain("form-action 'self' https://app.example.com;");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("base-uri 'none'");
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(page.headers.get('referrer-policy')).toBe('same-origin');
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      // Every inline block carries this response's nonce; nothing is loaded from elsewhere.
      for (const tag of page.html.match(/<(script|style)[^>]*>/g)!) expect(tag).toContain(`nonce="${nonce}"`);
      expect(page.html).not.toMatch(/\s(src|href)="https?:/);
      expect(page.html).not.toMatch(/\sstyle="/);
      expect(page.html).not.toMatch(/\son[a-z]+="/);
      const second = await new LinkPageClient(gateway.app).open(url);
      expect(second.headers.get('content-security-policy')).not.toContain(nonce);
    });
  });

  describe('refused tokens', () => {
    const expectNoForm = (page: { html: string }) => {
      expect(page.html).not.toContain('<form');
      expect(page.html).not.toContain('client_secret');
    };

    it('refuses forged, tampered and unknown tokens with a clear page and no form', async () => {
      const { link_token: token } = await createLinkToken(gateway.app, acme.apiKey, {
        end_user: { origin_id: 'customer-forged' },
      });
      const [header, payload, signature] = token.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      const otherKey = new Uint8Array(32).fill(7);
      const forgedWithOtherKey = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .sign(otherKey);
      const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${payload}.`;
      const longer = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 86_400 })).toString(
        'base64url',
      );
      const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
      for (const forged of [
        'garbage',
        `${header}.${payload}.${flipped}`,
        `${header}.${longer}.${signature}`,
        forgedWithOtherKey,
        unsigned,
        'a'.repeat(3000),
      ]) {
        const page = await new LinkPageClient(gateway.app).open(`/link/${forged}`);
        expect(page.status).toBe(404);
        expect(pageText(page.html)).toContain('This link is not valid');
        expectNoForm(page);
        const post = await gateway.app.request(`/link/${forged}/credentials`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(FULL).toString(),
        });
        expect(post.status).toBe(404);
      }
      expect(await accountsOf(acme.environmentId, 'customer-forged')).toHaveLength(0);
    });

    it('refuses an expired token, on the page and on submit', async () => {
      const { url, link_token: token } = await createLinkToken(gateway.app, acme.apiKey, {
        end_user: { origin_id: 'customer-expired' },
        expires_in: 60,
      });
      const browser = new LinkPageClient(gateway.app);
      await browser.open(url);
      const csrf = browser.csrfToken();
      const later = await createApp({ ...gateway.deps, now: () => new Date(Date.now() + 61_000) });
      const page = await new LinkPageClient(later).open(url);
      expect(page.status).toBe(410);
      expect(pageText(page.html)).toContain('This link has expired');
      expectNoForm(page);
      const late = await new LinkPageClient(later).post(`/link/${token}/credentials`, {
        csrf_token: csrf,
        ...FULL,
      });
      expect(late.status).toBe(410);
      expect(await accountsOf(acme.environmentId, 'customer-expired')).toHaveLength(0);

      // Expired by the row too, even while the JWT still verifies (clock skew between processes).
      const [row] = await gateway.deps.db
        .update(linkTokens)
        .set({ expiresAt: new Date(Date.now() - 1000) })
        .where(eq(linkTokens.id, (await tokenRow(token)).id))
        .returning();
      expect(row).toBeDefined();
      expect((await new LinkPageClient(gateway.app).open(url)).status).toBe(410);
    });
  });

  describe('CSRF and rate limits', () => {
    it('refuses posts without the CSRF token, with a stale one, or from another site', async () => {
      const { url, link_token: token } = await createLinkToken(gateway.app, acme.apiKey, {
        end_user: { origin_id: 'customer-csrf' },
      });
      const browser = new LinkPageClient(gateway.app);
      await browser.open(url);
      const initialCsrf = browser.csrfToken();
      const action = `/link/${token}/credentials`;

      const missing = await new LinkPageClient(gateway.app).open(url).then(() => browser.post(action, FULL));
      expect(missing.status).toBe(403);
      expect(pageText(missing.html)).toContain('This page is out of date');
      expect((await browser.open(url)).status).toBe(200);
      const wrong = await browser.post(action, { ...FULL, csrf_token: `${initialCsrf.slice(0, -2)}xx` });
      expect(wrong.status).toBe(403);
      await browser.open(url);
      const crossSite = await browser.post(
        action,
        { ...FULL, csrf_token: initialCsrf },
        {
          origin: 'https://evil.example',
        },
      );
      expect(crossSite.status).toBe(403);
      expect(pageText(crossSite.html)).toContain('Request refused');
      await browser.open(url);
      const fetchMetadata = await browser.post(
        action,
        { ...FULL, csrf_token: initialCsrf },
        {
          'sec-fetch-site': 'cross-site',
        },
      );
      expect(fetchMetadata.status).toBe(403);
      expect(await accountsOf(acme.environmentId, 'customer-csrf')).toHaveLength(0);

      // Once the flow moved on, the first step's form is stale; so is a review form after starting over.
      await browser.open(url);
      await browser.submit('credentials', FULL);
      const reviewCsrf = browser.csrfToken('confirm');
      const stale = await browser.post(action, { ...FULL, csrf_token: initialCsrf });
      expect(stale.status).toBe(403);
      await browser.open(url);
      await browser.submit('restart');
      expect(browser.hasForm('credentials')).toBe(true);
      const afterRestart = await browser.post(`/link/${token}/confirm`, { csrf_token: reviewCsrf });
      expect(afterRestart.status).toBe(403);
      expect((await tokenRow(token)).consumedAt).toBeNull();
      expect(JSON.stringify((await tokenRow(token)).session)).not.toContain('sealed_credentials');
    });

    it('rate-limits credential submissions per link token', async () => {
      const { url } = await createLinkToken(gateway.app, acme.apiKey, {
        end_user: { origin_id: 'customer-rl' },
      });
      const browser = new LinkPageClient(gateway.app);
      await browser.open(url);
      for (let attempt = 1; attempt <= 10; attempt++) {
        const page = await browser.submit('credentials', {
          client_id: FULL.client_id,
          client_secret: `guess-${attempt}`,
        });
        expect(page.status).toBe(422);
      }
      const blocked = await browser.submit('credentials', FULL);
      expect(blocked.status).toBe(429);
      expect(blocked.headers.get('retry-after')).toBe('900');
      expect(pageText(blocked.html)).toContain('Too many attempts');
      expect(await accountsOf(acme.environmentId, 'customer-rl')).toHaveLength(0);

      // Another token has its own budget.
      const other = await createLinkToken(gateway.app, acme.apiKey, {
        end_user: { origin_id: 'customer-rl' },
      });
      const fresh = new LinkPageClient(gateway.app);
      await fresh.open(other.url);
      expect((await fresh.submit('credentials', FULL)).status).toBe(200);
    });
  });

  describe('the same company again', () => {
    async function linkThroughPage(body: Record<string, unknown>, credentials: typeof FULL, choice?: string) {
      const { url } = await createLinkToken(gateway.app, acme.apiKey, {
        redirect_uri: 'https://app.example.com/done',
        ...body,
      });
      const browser = new LinkPageClient(gateway.app);
      await browser.open(url);
      await browser.submit('credentials', credentials);
      if (choice !== undefined) await browser.submit('confirm', { choice });
      else await browser.submit('confirm');
      return browser;
    }

    it("labels a connection with the admin's name for it (suggesting Personio's), and names it in the choice", async () => {
      const first = await gateway.request('/unified/hris/employees?limit=1');
      const companyName: string = (await first.json()).result[0].legal_entity.name;
      const { url } = await createLinkToken(gateway.app, acme.apiKey, {
        end_user: { origin_id: 'customer-label' },
        redirect_uri: 'https://app.example.com/done',
      });
      const browser = new LinkPageClient(gateway.app);
      await browser.open(url);
      const review = await browser.submit('credentials', FULL);
      expect(review.html).toContain(`name="label" value="${companyName}"`);
      expect(pageText(review.html)).toContain('Access rights');
      await browser.submit('confirm', { label: '  Acme Munich ' });
      const id = new URL(browser.redirectedTo!).searchParams.get('linked_account_id')!;
      const stored = await (await gateway.request(`/linked-accounts/${id}`)).json();
      expect(stored.result.label).toBe('Acme Munich');
      expect(stored.result.resource_access.timeoff_requests).toEqual({ read: true, write: true });
      // The check's v2 detection is carried through the page to the stored account.
      expect(stored.result.capabilities).toMatchObject({ personio_v2: true });

      const again = await createLinkToken(gateway.app, acme.apiKey, {
        end_user: { origin_id: 'customer-label' },
        redirect_uri: 'https://app.example.com/done',
      });
      const second = new LinkPageClient(gateway.app);
      await second.open(again.url);
      const choice = pageText((await second.submit('credentials', FULL)).html);
      expect(choice).toMatch(/This Personio company is already connected Acme Munich\s*, connected on/);

      const patch = (label: unknown) =>
        gateway.request(`/linked-accounts/${id}`, {
          method: 'PATCH',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ label }),
        });
      expect((await (await patch('Acme HQ')).json()).result.label).toBe('Acme HQ');
      expect((await (await patch(null)).json()).result.label).toBeNull();
      const empty = await patch('');
      expect(empty.status).toBe(400);
      expect((await empty.json()).error.details[0].field).toBe('label');
      // Linked without the page (the admin CLI's path): Personio's company name.
      const listed = await (await gateway.request(`/linked-accounts/${acme.linkedAccountId}`)).json();
      expect(listed.result.label).toBe(companyName);
    });

    it('asks whether to update the existing account or add one: never overwrites or duplicates silently', async () => {
      const first = await linkThroughPage({ end_user: { origin_id: 'customer-dup' } }, FULL);
      const firstId = new URL(first.redirectedTo!).searchParams.get('linked_account_id')!;

      const { url } = await createLinkToken(gateway.app, acme.apiKey, {
        end_user: { origin_id: 'customer-dup' },
        redirect_uri: 'https://app.example.com/done',
      });
      const browser = new LinkPageClient(gateway.app);
      await browser.open(url);
      const review = await browser.submit('credentials', LIMITED);
      const text = pageText(review.html);
      expect(text).toContain('This Personio company is already connected');
      expect(text).toContain(firstId);
      expect(review.html).toMatch(/<input type="radio" name="choice" value="reconnect" required>/);

      const unanswered = await browser.submit('confirm');
      expect(unanswered.status).toBe(422);
      expect(pageText(unanswered.html)).toContain('Choose whether to update the existing connection');
      expect(await accountsOf(acme.environmentId, 'customer-dup')).toHaveLength(1);

      await browser.submit('confirm', { choice: 'reconnect' });
      expect(new URL(browser.redirectedTo!).searchParams.get('linked_account_id')).toBe(firstId);
      const [updated, ...others] = await accountsOf(acme.environmentId, 'customer-dup');
      expect(others).toHaveLength(0);
      expect(updated!.fieldCoverage?.available).toHaveLength(5);

      const separate = await linkThroughPage({ end_user: { origin_id: 'customer-dup' } }, FULL, 'new');
      const secondId = new URL(separate.redirectedTo!).searchParams.get('linked_account_id')!;
      expect(secondId).not.toBe(firstId);
      expect(await accountsOf(acme.environmentId, 'customer-dup')).toHaveLength(2);

      // Another end user linking the same company is not asked.
      const elsewhere = await linkThroughPage({ end_user: { origin_id: 'customer-dup-2' } }, FULL);
      expect(elsewhere.redirectedTo).toContain('linked_account_id=la_');
    });

    it('reconnects in place with a token naming the account: new credentials, active again, old token dropped', async () => {
      const { deps } = gateway;
      const linked = await linkThroughPage({ end_user: { origin_id: 'customer-reauth' } }, LIMITED);
      const id = new URL(linked.redirectedTo!).searchParams.get('linked_account_id')!;
      expect((await gateway.request('/unified/hris/employees?limit=1', { linkedAccountId: id })).status).toBe(
        200,
      );
      const before = (await getLinkedAccount(deps.db, { environmentId: acme.environmentId, id }))!;
      const oldTokenKey = `personio:token:${await linkedAccountTokenKey({ id, credentials: before.credentials! })}`;
      expect(await deps.cache.get(oldTokenKey)).not.toBeNull();
      await deps.db.update(linkedAccounts).set({ status: 'needs_reauth' }).where(eq(linkedAccounts.id, id));
      const refused = await gateway.request('/unified/hris/employees?limit=1', { linkedAccountId: id });
      expect(refused.status).toBe(424);

      const { url } = await createLinkToken(gateway.app, acme.apiKey, {
        end_user: { origin_id: 'customer-reauth' },
        linked_account_id: id,
        redirect_uri: 'https://app.example.com/done',
      });
      const browser = new LinkPageClient(gateway.app);
      const page = await browser.open(url);
      expect(pageText(page.html)).toContain('Reconnect Personio');
      const review = await browser.submit('credentials', FULL);
      expect(review.html).not.toContain('name="choice"');
      await browser.submit('confirm');
      expect(new URL(browser.redirectedTo!).searchParams.get('linked_account_id')).toBe(id);

      const after = (await getLinkedAccount(deps.db, { environmentId: acme.environmentId, id }))!;
      expect(after.status).toBe('active');
      expect(after.credentials).not.toBe(before.credentials);
      expect(after.fieldCoverage?.unavailable).toEqual([]);
      expect(after.createdAt).toEqual(before.createdAt);
      expect(await deps.cache.get(oldTokenKey)).toBeNull();
      expect(await accountsOf(acme.environmentId, 'customer-reauth')).toHaveLength(1);
      const employees = await gateway.request('/unified/hris/employees?limit=1', { linkedAccountId: id });
      expect(employees.status).toBe(200);
      const [employee] = ((await employees.json()) as { result: { job_title: string | null }[] }).result;
      expect(employee!.job_title).toEqual(expect.any(String));
    });
  });

  describe('reconnect edge cases', () => {
    it('warns when a reconnect brings credentials of another Personio company', async () => {
      const { url: firstUrl } = await createLinkToken(gateway.app, acme.apiKey, {
        end_user: { origin_id: 'customer-moved' },
        redirect_uri: 'https://app.example.com/done',
      });
      const first = new LinkPageClient(gateway.app);
      await first.open(firstUrl);
      await first.submit('credentials', FULL);
      await first.submit('confirm');
      const id = new URL(first.redirectedTo!).searchParams.get('linked_account_id')!;

      // Another company: the same simulator with every employee id shifted, so its lowest id differs.
      const otherCompany: PersonioSandbox = {
        ...sandbox,
        fetch: async (request) => {
          const response = await sandbox.fetch(request);
          if (request.method !== 'GET' || !new URL(request.url).pathname.endsWith('/company/employees')) {
            return response;
          }
          const body = (await response.json()) as { data: { attributes: { id: { value: number } } }[] };
          for (const employee of body.data) employee.attributes.id.value += 5_000_000;
          return Response.json(body, { status: response.status });
        },
      };
      const elsewhere = await startGateway(storage, otherCompany, acme);
      const { url } = await createLinkToken(elsewhere.app, acme.apiKey, {
        end_user: { origin_id: 'customer-moved' },
        linked_account_id: id,
      });
      const browser = new LinkPageClient(elsewhere.app);
      await browser.open(url);
      const review = await browser.submit('credentials', FULL);
      expect(pageText(review.html)).toContain('Different Personio company?');

      // Without a reconnect token, another company for the same end user is simply a new account.
      const fresh = await createLinkToken(elsewhere.app, acme.apiKey, {
        end_user: { origin_id: 'customer-moved' },
      });
      const newcomer = new LinkPageClient(elsewhere.app);
      await newcomer.open(fresh.url);
      const plain = await newcomer.submit('credentials', FULL);
      expect(plain.html).not.toContain('name="choice"');
      expect(pageText(plain.html)).not.toContain('Different Personio company?');
    });

    it('stops a pending reconnect when its account is deleted, and drops what the flow held', async () => {
      const { url: firstUrl } = await createLinkToken(gateway.app, acme.apiKey, {
        end_user: { origin_id: 'customer-deleted' },
        redirect_uri: 'https://app.example.com/done',
      });
      const first = new LinkPageClient(gateway.app);
      await first.open(firstUrl);
      await first.submit('credentials', FULL);
      await first.submit('confirm');
      const id = new URL(first.redirectedTo!).searchParams.get('linked_account_id')!;

      const { url, link_token: token } = await createLinkToken(gateway.app, acme.apiKey, {
        end_user: { origin_id: 'customer-deleted' },
        linked_account_id: id,
      });
      const browser = new LinkPageClient(gateway.app);
      await browser.open(url);
      await browser.submit('credentials', LIMITED);
      expect((await tokenRow(token)).session).not.toBeNull();
      const deleted = await gateway.app.request(`/linked-accounts/${id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${acme.apiKey}` },
      });
      expect(deleted.status).toBe(200);
      expect((await tokenRow(token)).session).toBeNull();
      const page = await browser.open(url);
      expect(page.status).toBe(410);
      expect(pageText(page.html)).toContain('This connection no longer exists');
      expect(page.html).not.toContain('<form');
    });

    it('refuses an oversized form', async () => {
      const { url, link_token: token } = await createLinkToken(gateway.app, acme.apiKey, {
        end_user: { origin_id: 'customer-big' },
      });
      const browser = new LinkPageClient(gateway.app);
      await browser.open(url);
      const page = await browser.post(`/link/${token}/credentials`, {
        csrf_token: browser.csrfToken(),
        client_id: 'x'.repeat(20_000),
        client_secret: 'y',
      });
      expect(page.status).toBe(413);
    });
  });

  it('never logs the client secret or a link token', async () => {
    const all = logLines.join('\n');
    expect(all).toContain('/link/{token}');
    for (const secret of [FULL.client_secret, LIMITED.client_secret, WRONG_SECRET])
      expect(all).not.toContain(secret);
    expect(all).not.toMatch(/eyJ[0-9A-Za-z_-]{10,}\./);
  });
});
