import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/db/queries/api-keys';
import { createEnvironment } from '../../src/db/queries/environments';
import { findIntegration, registerProvider } from '../../src/providers/registry';
import { createServices } from '../../src/services';
import { type FakeHrisCompany, fakeHrisDefinition } from '../support/fake-hris/definition';
import {
  type Backend,
  createPersonioSandbox,
  openStorage,
  type Storage,
  startGateway,
  type TestGateway,
} from '../support/gateway';
import { createLinkToken, LinkPageClient } from '../support/link-flow';

const company: FakeHrisCompany = {
  apiToken: 'fake-token-1',
  subdomain: 'initech',
  readable: new Set(['given_name', 'family_name', 'mail']),
  people: [
    { id: 'p-1', given: 'Ada', family: 'Lovelace', mail: 'ada@initech.example', title: 'Engineer' },
    { id: 'p-2', given: 'Grace', family: 'Hopper', mail: 'grace@initech.example', title: 'Admiral' },
    { id: 'p-3', given: 'Alan', family: 'Turing', mail: 'alan@initech.example', title: 'Researcher' },
  ],
  calls: [],
};

// A second provider joins through the registry alone: no generic file knows it.
if (!findIntegration('fake-hris')) registerProvider(fakeHrisDefinition(company));

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe.each<Backend>(['pglite', 'postgres'])('a second provider from the registry (%s)', (backend) => {
  let storage: Storage;
  let gateway: TestGateway;
  let apiKey: string;

  beforeAll(async () => {
    company.apiToken = 'fake-token-1';
    storage = await openStorage(backend);
    gateway = await startGateway(storage, createPersonioSandbox({ employees: 10, seed: 3 }));
    const services = await createServices(gateway.deps);
    const environment = await createEnvironment(services.db, { name: 'Initech', mode: 'test' });
    apiKey = (await createApiKey(services.db, { environmentId: environment.id, mode: 'test', name: 'test' }))
      .secret;
  });

  afterAll(async () => {
    await storage?.close();
  });

  const call = (path: string, linkedAccountId?: string, init: { method?: string; body?: unknown } = {}) =>
    gateway.request(path, {
      apiKey,
      linkedAccountId: linkedAccountId ?? null,
      method: init.method,
      ...(init.body === undefined
        ? {}
        : { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }),
    });

  let linked = 0;
  async function linkThroughThePage(): Promise<string> {
    // A new end user each time: the same one on the same company would be asked to update or add.
    const { url } = await createLinkToken(gateway.app, apiKey, {
      end_user: { origin_id: `initech-${++linked}`, organization_name: 'Initech' },
      allowed_origins: ['https://app.example.com'],
      integration: 'fake-hris',
    });
    const browser = new LinkPageClient(gateway.app);

    const form = await browser.open(url);
    expect(form.status).toBe(200);
    expect(text(form.html)).toContain('Connect your Fake HR account');
    expect(text(form.html)).toContain("Initech 's Fake HR account");
    expect(form.html).toMatch(/<label for="subdomain">Company subdomain<\/label>/);
    expect(form.html).toMatch(/<label for="api_token">API token<\/label>/);
    expect(form.html).toMatch(/<input type="password" id="api_token" name="api_token"/);
    expect(form.html).toContain('<code>role_title</code>');
    expect(form.html).not.toContain('client_id');
    expect(form.html).not.toContain('Personio');

    const wrong = await browser.submit('credentials', { subdomain: 'initech', api_token: 'not-the-token' });
    expect(wrong.status).toBe(422);
    expect(text(wrong.html)).toContain('Fake HR did not accept these credentials');
    expect(wrong.html).toContain('value="initech"');
    expect(wrong.html).not.toContain('not-the-token');

    const review = await browser.submit('credentials', { subdomain: 'initech', api_token: company.apiToken });
    expect(review.status).toBe(200);
    expect(text(review.html)).toContain('4 of 5 employee fields can be filled');
    expect(text(review.html)).toMatch(/Job title Role title role_title/);
    expect(text(review.html)).toContain('Scope in Fake HR');
    expect(review.html).not.toContain(company.apiToken);

    // The page that posts the id to the opener says which provider was connected.
    const done = await browser.submit('confirm');
    expect(done.status).toBe(200);
    expect(text(done.html)).toContain('Fake HR is connected');
    const linkedAccountId = /"linked_account_id":"(la_\w+)"/.exec(done.html)?.[1] ?? '';
    expect(linkedAccountId).toMatch(/^la_/);
    return linkedAccountId;
  }

  it('links through the hosted page with its own credential fields, then serves unified employees', async () => {
    const linkedAccountId = await linkThroughThePage();

    const account = await call(`/linked-accounts/${linkedAccountId}`);
    expect(account.status).toBe(200);
    const { result } = (await account.json()) as {
      result: { integration: string; status: string; field_coverage: { unavailable: unknown[] } };
    };
    expect(result.integration).toBe('fake-hris');
    expect(result.status).toBe('active');
    expect(result.field_coverage.unavailable).toEqual([
      { field: 'job_title', remote_fields: ['role_title'] },
    ]);

    const first = await call('/unified/hris/employees?limit=2', linkedAccountId);
    expect(first.status).toBe(200);
    const page = (await first.json()) as { result: Record<string, unknown>[]; next_cursor: string | null };
    expect(page.result.map((employee) => employee.display_name)).toEqual(['Ada Lovelace', 'Grace Hopper']);
    expect(page.result[0]).toMatchObject({ id: 'p-1', work_email: 'ada@initech.example', job_title: null });
    expect(page.next_cursor).not.toBeNull();
    const second = await call(
      `/unified/hris/employees?limit=2&cursor=${encodeURIComponent(page.next_cursor!)}`,
      linkedAccountId,
    );
    const rest = (await second.json()) as { result: { id: string }[]; next_cursor: string | null };
    expect(rest.result.map((employee) => employee.id)).toEqual(['p-3']);
    expect(rest.next_cursor).toBeNull();

    const one = await call('/unified/hris/employees/p-2', linkedAccountId);
    expect(one.status).toBe(200);
    expect(((await one.json()) as { result: { last_name: string } }).result.last_name).toBe('Hopper');
    expect((await call('/unified/hris/employees/p-9', linkedAccountId)).status).toBe(404);
  });

  it('refuses what the provider does not declare: writes, balances and the proxy', async () => {
    const linkedAccountId = await linkThroughThePage();
    const balances = await call('/unified/hris/timeoff-balances?employee_id=p-1', linkedAccountId);
    expect(balances.status).toBe(422);
    expect(((await balances.json()) as { error: { code: string } }).error.code).toBe('unprocessable');
    const proxied = await call('/proxy/people', linkedAccountId);
    expect(proxied.status).toBe(422);
    expect(((await proxied.json()) as { error: { message: string } }).error.message).toContain('Fake HR');
  });

  it('marks the account needs_reauth when the provider says credentials_rejected, by kind alone', async () => {
    const linkedAccountId = await linkThroughThePage();
    company.apiToken = 'rotated-token';
    try {
      const refused = await call('/unified/hris/employees', linkedAccountId);
      expect(refused.status).toBe(424);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
        'provider_unauthorized',
      );
      const account = await call(`/linked-accounts/${linkedAccountId}`);
      expect(((await account.json()) as { result: { status: string } }).result.status).toBe('needs_reauth');
    } finally {
      company.apiToken = 'fake-token-1';
    }
  });
});
