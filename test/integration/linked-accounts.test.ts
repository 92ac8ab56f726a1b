import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLinkedAccount } from '../../src/db/queries/linked-accounts';
import { linkedAccountTokenKey } from '../../src/providers/factory';
import type { PersonioSandbox, SandboxCredential } from '../../src/sandbox/personio';
import { createServices } from '../../src/services';
import { linkPersonioAccount } from '../../src/services/linking';
import {
  type Backend,
  createPersonioSandbox,
  createTenant,
  openStorage,
  SANDBOX_CREDENTIALS,
  type Storage,
  startGateway,
  type Tenant,
  type TestGateway,
} from '../support/gateway';

interface LinkedAccountBody {
  id: string;
  integration: string;
  status: string;
  end_user: { origin_id: string; organization_name: string | null; email: string | null };
  field_coverage: {
    available: string[];
    unavailable: { field: string; remote_fields: string[] }[];
  } | null;
  settings: { hide_absence_details: boolean };
  created_at: string;
  updated_at: string;
  last_used_at: string | null;
}

interface ErrorEnvelope {
  error: { code: string; message: string; request_id: string; details?: unknown };
}

describe.each<Backend>(['pglite', 'postgres'])('linked accounts management API (%s)', (backend) => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  /** The simulator reads this list on every token exchange, so a test can rotate a secret "in Personio". */
  const personioCredentials: SandboxCredential[] = [
    { ...SANDBOX_CREDENTIALS.full },
    { ...SANDBOX_CREDENTIALS.limited },
  ];
  let gateway: TestGateway;
  let acme: Tenant;
  let globex: Tenant;

  beforeAll(async () => {
    storage = await openStorage(backend);
    sandbox = createPersonioSandbox({ employees: 30, seed: 5, credentials: personioCredentials });
    const setup = await startGateway(storage, sandbox);
    acme = await createTenant(setup, SANDBOX_CREDENTIALS.full, 'Acme');
    globex = await createTenant(setup, SANDBOX_CREDENTIALS.full, 'Globex');
    gateway = await startGateway(storage, sandbox, acme);
  });

  afterAll(async () => {
    await storage?.close();
  });

  async function call(
    method: string,
    path: string,
    options: { apiKey?: string | null; body?: unknown } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = {};
    const apiKey = options.apiKey === undefined ? acme.apiKey : options.apiKey;
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    return gateway.app.request(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  }

  async function expectError(response: Response, status: number, code: string): Promise<ErrorEnvelope> {
    expect(response.status).toBe(status);
    const body = (await response.json()) as ErrorEnvelope;
    expect(body.error.code).toBe(code);
    expect(body.error.request_id).toMatch(/^req_/);
    return body;
  }

  async function link(
    originId: string,
    credentials = SANDBOX_CREDENTIALS.full,
    environmentId = acme.environmentId,
  ) {
    return linkPersonioAccount(await createServices(gateway.deps), {
      environmentId,
      integration: 'personio',
      credentials,
      originId,
      organizationName: `${originId} Ltd`,
      email: `hr@${originId}.example`,
    });
  }

  it('gets an account with its end user, coverage and timestamps, never its credentials', async () => {
    const response = await call('GET', `/linked-accounts/${acme.linkedAccountId}`);
    expect(response.status).toBe(200);
    const text = await response.clone().text();
    const { result } = (await response.json()) as { result: LinkedAccountBody };
    expect(result).toMatchObject({
      id: acme.linkedAccountId,
      integration: 'personio',
      status: 'active',
      end_user: { origin_id: 'acme-customer', organization_name: null, email: null },
      settings: { hide_absence_details: false },
      last_used_at: null,
    });
    expect(result.field_coverage?.available).toContain('job_title');
    expect(result.field_coverage?.unavailable).toEqual([]);
    expect(Date.parse(result.created_at)).not.toBeNaN();
    expect(Object.keys(result)).not.toContain('credentials');
    expect(text).not.toContain(SANDBOX_CREDENTIALS.full.clientSecret);
    expect(text).not.toContain('"ey');
    expect(text).not.toContain('fingerprint');

    expect((await gateway.request('/unified/hris/employees?limit=1')).status).toBe(200);
    const used = (await (await call('GET', `/linked-accounts/${acme.linkedAccountId}`)).json()) as {
      result: LinkedAccountBody;
    };
    expect(Date.parse(used.result.last_used_at!)).not.toBeNaN();
  });

  it('shows what a limited credential cannot read and which attributes to whitelist', async () => {
    const limited = await link('limited-customer', SANDBOX_CREDENTIALS.limited);
    const { result } = (await (await call('GET', `/linked-accounts/${limited.id}`)).json()) as {
      result: LinkedAccountBody;
    };
    expect(result.field_coverage?.available).toEqual([
      'first_name',
      'last_name',
      'display_name',
      'work_email',
      'employment_status',
    ]);
    expect(result.field_coverage?.unavailable).toContainEqual({
      field: 'job_title',
      remote_fields: ['position'],
    });
    expect(result.field_coverage?.unavailable).toContainEqual({
      field: 'date_of_birth',
      remote_fields: ['date_of_birth'],
    });
  });

  it('lists newest first, filters by origin_id and status, and pages with a cursor bound to the filters', async () => {
    const created = [];
    for (let index = 0; index < 5; index++) created.push(await link('paged-customer'));
    await link('other-customer');

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query = `origin_id=paged-customer&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const response = await call('GET', `/linked-accounts?${query}`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { result: LinkedAccountBody[]; next_cursor: string | null };
      expect(body.result.length).toBeLessThanOrEqual(2);
      seen.push(...body.result.map((account) => account.id));
      for (const account of body.result) expect(account.end_user.origin_id).toBe('paged-customer');
      cursor = body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(created.map((account) => account.id).reverse());

    const all = (await (await call('GET', '/linked-accounts?limit=200')).json()) as {
      result: LinkedAccountBody[];
    };
    expect(all.result.map((account) => account.id)).toContain(acme.linkedAccountId);
    expect(all.result.map((account) => account.id)).not.toContain(globex.linkedAccountId);
    const times = all.result.map((account) => Date.parse(account.created_at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    const first = (await (await call('GET', '/linked-accounts?origin_id=paged-customer&limit=2')).json()) as {
      next_cursor: string;
    };
    await expectError(
      await call(
        'GET',
        `/linked-accounts?origin_id=other-customer&limit=2&cursor=${encodeURIComponent(first.next_cursor)}`,
      ),
      400,
      'invalid_request',
    );
    const globexCursor = await gateway.app.request(
      `/linked-accounts?origin_id=paged-customer&limit=2&cursor=${encodeURIComponent(first.next_cursor)}`,
      { headers: { authorization: `Bearer ${globex.apiKey}` } },
    );
    await expectError(globexCursor, 400, 'invalid_request');

    const needsReauth = (await (await call('GET', '/linked-accounts?status=needs_reauth')).json()) as {
      result: LinkedAccountBody[];
    };
    expect(needsReauth.result.every((account) => account.status === 'needs_reauth')).toBe(true);
    const invalid = await expectError(
      await call('GET', '/linked-accounts?status=broken'),
      400,
      'invalid_request',
    );
    expect(invalid.error.message).toContain('status');
    await expectError(await call('GET', '/linked-accounts?limit=0'), 400, 'invalid_request');
  });

  it('updates settings with PATCH and refuses unknown or mistyped ones', async () => {
    const account = await link('settings-customer');
    const response = await call('PATCH', `/linked-accounts/${account.id}`, {
      body: { settings: { hide_absence_details: true } },
    });
    expect(response.status).toBe(200);
    const { result } = (await response.json()) as { result: LinkedAccountBody };
    expect(result.settings).toEqual({
      hide_absence_details: true,
      sync_enabled: true,
      sync_interval_minutes: 15,
      sync_full_interval_minutes: 60,
      sync_window_days_back: 400,
      sync_window_days_ahead: 730,
      personio_api_version: 'v1',
      sync_balances_interval_minutes: 1440,
      default_source: 'live',
    });
    const stored = await getLinkedAccount(gateway.deps.db, {
      environmentId: acme.environmentId,
      id: account.id,
    });
    expect(stored!.settings).toEqual({ hide_absence_details: true });

    const unchanged = await call('PATCH', `/linked-accounts/${account.id}`, { body: { settings: {} } });
    expect(
      ((await unchanged.json()) as { result: LinkedAccountBody }).result.settings.hide_absence_details,
    ).toBe(true);

    for (const body of [
      { settings: { hide_absence_details: 'yes' } },
      { settings: { color: 'blue' } },
      { status: 'active' },
      {},
    ]) {
      await expectError(
        await call('PATCH', `/linked-accounts/${account.id}`, { body }),
        400,
        'invalid_request',
      );
    }
  });

  it('re-validates: needs_reauth when Personio refuses the credential, unified calls say so, active again once fixed', async () => {
    const account = await link('rotating-customer');
    const ok = await call('POST', `/linked-accounts/${account.id}/check`);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { result: LinkedAccountBody }).result.status).toBe('active');

    // The admin rotates the secret in Personio: old tokens die with it.
    const index = personioCredentials.findIndex((credential) => credential.clientId === 'sandbox-full');
    personioCredentials[index] = { ...SANDBOX_CREDENTIALS.full, clientSecret: 'rotated-in-personio' };
    sandbox.expireTokens();
    try {
      const refused = await call('POST', `/linked-accounts/${account.id}/check`);
      expect(refused.status).toBe(200);
      const { result } = (await refused.json()) as { result: LinkedAccountBody };
      expect(result.status).toBe('needs_reauth');
      const unified = await expectError(
        await gateway.request('/unified/hris/employees?limit=1', { linkedAccountId: account.id }),
        424,
        'provider_unauthorized',
      );
      expect(unified.error.message).toMatch(/rejected the credentials.*link it again/);
      expect(unified.error.details).toEqual({ linked_account_status: 'needs_reauth' });
      const listed = (await (await call('GET', '/linked-accounts?status=needs_reauth')).json()) as {
        result: LinkedAccountBody[];
      };
      expect(listed.result.map((entry) => entry.id)).toContain(account.id);
    } finally {
      personioCredentials[index] = { ...SANDBOX_CREDENTIALS.full };
    }
    const restored = await call('POST', `/linked-accounts/${account.id}/check`);
    expect(((await restored.json()) as { result: LinkedAccountBody }).result.status).toBe('active');
    expect(
      (await gateway.request('/unified/hris/employees?limit=1', { linkedAccountId: account.id })).status,
    ).toBe(200);
  });

  it('deletes: credentials erased, cached token dropped, and the id is gone everywhere', async () => {
    const account = await link('leaving-customer');
    expect(
      (await gateway.request('/unified/hris/employees?limit=1', { linkedAccountId: account.id })).status,
    ).toBe(200);
    const tokenKey = `personio:token:${await linkedAccountTokenKey({ id: account.id, credentials: account.credentials! })}`;
    expect(await gateway.deps.cache.get(tokenKey)).not.toBeNull();

    const response = await call('DELETE', `/linked-accounts/${account.id}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ result: { id: account.id, deleted: true } });
    expect(await gateway.deps.cache.get(tokenKey)).toBeNull();
    const rows = await gateway.deps.db.query.linkedAccounts.findFirst({
      where: (table, { eq }) => eq(table.id, account.id),
    });
    expect(rows!.credentials).toBeNull();
    expect(rows!.credentialsKeyId).toBeNull();
    expect(rows!.deletedAt).not.toBeNull();

    await expectError(await call('GET', `/linked-accounts/${account.id}`), 404, 'not_found');
    await expectError(await call('DELETE', `/linked-accounts/${account.id}`), 404, 'not_found');
    await expectError(await call('POST', `/linked-accounts/${account.id}/check`), 404, 'not_found');
    await expectError(
      await gateway.request('/unified/hris/employees', { linkedAccountId: account.id }),
      404,
      'not_found',
    );
    const listed = (await (await call('GET', '/linked-accounts?origin_id=leaving-customer')).json()) as {
      result: unknown[];
    };
    expect(listed.result).toEqual([]);
  });

  it('answers 404 on every management route for another environment’s account, and changes nothing', async () => {
    const foreign = globex.linkedAccountId;
    await expectError(await call('GET', `/linked-accounts/${foreign}`), 404, 'not_found');
    await expectError(
      await call('PATCH', `/linked-accounts/${foreign}`, {
        body: { settings: { hide_absence_details: true } },
      }),
      404,
      'not_found',
    );
    await expectError(await call('POST', `/linked-accounts/${foreign}/check`), 404, 'not_found');
    await expectError(await call('DELETE', `/linked-accounts/${foreign}`), 404, 'not_found');
    await expectError(await call('GET', '/linked-accounts/la_doesnotexist'), 404, 'not_found');
    await expectError(await call('GET', '/linked-accounts/not-an-id'), 404, 'not_found');

    const untouched = await getLinkedAccount(gateway.deps.db, {
      environmentId: globex.environmentId,
      id: foreign,
    });
    expect(untouched!.deletedAt).toBeNull();
    expect(untouched!.credentials).not.toBeNull();
    expect(untouched!.settings).toEqual({});
    const own = await call('GET', `/linked-accounts/${foreign}`, { apiKey: globex.apiKey });
    expect(own.status).toBe(200);
  });

  it('needs an API key on every management route', async () => {
    const id = acme.linkedAccountId;
    for (const [method, path] of [
      ['GET', '/linked-accounts'],
      ['GET', `/linked-accounts/${id}`],
      ['PATCH', `/linked-accounts/${id}`],
      ['DELETE', `/linked-accounts/${id}`],
      ['POST', `/linked-accounts/${id}/check`],
      ['POST', '/link-tokens'],
    ] as const) {
      await expectError(await call(method, path, { apiKey: null }), 401, 'unauthorized');
      await expectError(
        await call(method, path, { apiKey: `sk_test_${'B'.repeat(32)}` }),
        401,
        'unauthorized',
      );
    }
    expect(
      (await getLinkedAccount(gateway.deps.db, { environmentId: acme.environmentId, id }))!.deletedAt,
    ).toBeNull();
  });
});
