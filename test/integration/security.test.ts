import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

interface ErrorEnvelope {
  error: {
    code: string;
    message: string;
    request_id: string;
    details?: { field: string | null; message: string }[];
  };
}

async function expectError(response: Response, status: number, code: string): Promise<ErrorEnvelope> {
  expect(response.status).toBe(status);
  const body = (await response.json()) as ErrorEnvelope;
  expect(body.error.code).toBe(code);
  expect(body.error.request_id).toMatch(/^req_[0-9A-Za-z]{22}$/);
  expect(response.headers.get('x-request-id')).toBe(body.error.request_id);
  return body;
}

describe('auth, tenancy, cursors and secrets (PostgreSQL + Redis)', () => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let gateway: TestGateway;
  let acme: Tenant;
  let globex: Tenant;

  beforeAll(async () => {
    storage = await openStorage('postgres');
    sandbox = createPersonioSandbox({ employees: 120, seed: 3 });
    const setup = await startGateway(storage, sandbox);
    acme = await createTenant(setup, SANDBOX_CREDENTIALS.full, 'Acme');
    globex = await createTenant(setup, SANDBOX_CREDENTIALS.full, 'Globex');
    gateway = await startGateway(storage, sandbox, acme);
  });

  afterAll(async () => {
    await storage?.close();
  });

  it('answers with a request id on success too', async () => {
    const response = await gateway.request('/unified/hris/employees?limit=1');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('refuses a missing, malformed, unknown or revoked API key with 401', async () => {
    await expectError(
      await gateway.request('/unified/hris/employees', { apiKey: null }),
      401,
      'unauthorized',
    );
    await expectError(
      await gateway.request('/unified/hris/employees', { apiKey: 'not-a-key' }),
      401,
      'unauthorized',
    );
    const forged = `sk_test_${'A'.repeat(32)}`;
    await expectError(
      await gateway.request('/unified/hris/employees', { apiKey: forged }),
      401,
      'unauthorized',
    );
    const { revokeApiKey, listApiKeys } = await import('../../src/db/queries/api-keys');
    const revoked = await createTenant(gateway, SANDBOX_CREDENTIALS.full, 'Revoked');
    const [key] = await listApiKeys(gateway.deps.db, { environmentId: revoked.environmentId });
    expect(
      await revokeApiKey(gateway.deps.db, {
        environmentId: revoked.environmentId,
        id: key!.id,
        now: new Date(),
      }),
    ).toBe(true);
    await expectError(
      await gateway.request('/unified/hris/employees', {
        apiKey: revoked.apiKey,
        linkedAccountId: revoked.linkedAccountId,
      }),
      401,
      'unauthorized',
    );
  });

  it('needs X-Linked-Account-Id (400) and hides other environments’ accounts (404)', async () => {
    const missing = await expectError(
      await gateway.request('/unified/hris/employees', { linkedAccountId: null }),
      400,
      'invalid_request',
    );
    expect(missing.error.details?.[0]?.field).toBe('X-Linked-Account-Id');
    await expectError(
      await gateway.request('/unified/hris/employees', { linkedAccountId: globex.linkedAccountId }),
      404,
      'not_found',
    );
    await expectError(
      await gateway.request(`/unified/hris/employees/${sandbox.employeeIds()[0]}`, {
        linkedAccountId: globex.linkedAccountId,
      }),
      404,
      'not_found',
    );
    await expectError(
      await gateway.request('/unified/hris/employees', { linkedAccountId: 'la_doesnotexist' }),
      404,
      'not_found',
    );
    // The other environment's own key reaches it.
    const own = await gateway.request('/unified/hris/employees?limit=1', {
      apiKey: globex.apiKey,
      linkedAccountId: globex.linkedAccountId,
    });
    expect(own.status).toBe(200);
  });

  it('names the field and the reason in validation errors', async () => {
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['limit=abc', 'limit'],
      ['employment_status=retired', 'employment_status'],
      ['updated_after=yesterday', 'updated_after'],
      ['include_remote_data=maybe', 'include_remote_data'],
    ] as const) {
      const body = await expectError(
        await gateway.request(`/unified/hris/employees?${query}`),
        400,
        'invalid_request',
      );
      expect(body.error.details?.[0]?.field).toBe(field);
      expect(body.error.message).toContain(field);
    }
  });

  it('refuses a tampered cursor and a cursor reused with other filters or another account', async () => {
    const first = await gateway.request('/unified/hris/employees?limit=5&employment_status=active');
    const { next_cursor: cursor } = (await first.json()) as { next_cursor: string };
    expect(cursor).toEqual(expect.any(String));

    const [payload, signature] = cursor.split('.');
    const decoded = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    decoded.s.offset = 0;
    const tamperedPayload = Buffer.from(JSON.stringify(decoded)).toString('base64url');
    const flipped = `${signature!.slice(0, -2)}${signature!.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const tampered of [
      `${tamperedPayload}.${signature}`,
      `${payload}.${flipped}`,
      'garbage',
      `${payload}`,
    ]) {
      const body = await expectError(
        await gateway.request(
          `/unified/hris/employees?limit=5&employment_status=active&cursor=${encodeURIComponent(tampered)}`,
        ),
        400,
        'invalid_request',
      );
      expect(body.error.details?.[0]?.field).toBe('cursor');
    }

    const withCursor = `cursor=${encodeURIComponent(cursor)}`;
    await expectError(
      await gateway.request(`/unified/hris/employees?limit=5&${withCursor}`),
      400,
      'invalid_request',
    );
    await expectError(
      await gateway.request(`/unified/hris/employees?limit=5&employment_status=leave&${withCursor}`),
      400,
      'invalid_request',
    );
    // The page size may change between pages; only the filters bind the cursor.
    const resized = await gateway.request(
      `/unified/hris/employees?limit=9&employment_status=active&${withCursor}`,
    );
    expect(resized.status).toBe(200);
    await expectError(
      await gateway.request(`/unified/hris/employees?limit=5&employment_status=active&${withCursor}`, {
        apiKey: globex.apiKey,
        linkedAccountId: globex.linkedAccountId,
      }),
      400,
      'invalid_request',
    );
  });

  it('stores no client secret and no Personio token in clear', async () => {
    await gateway.request('/unified/hris/employees?limit=1');
    const sql = postgres(storage.databaseUrl!, { max: 1, onnotice: () => {} });
    try {
      const rows =
        await sql`select row_to_json(linked_accounts)::text as row from linked_accounts where id = ${acme.linkedAccountId}`;
      expect(rows).toHaveLength(1);
      const row = rows[0]!.row as string;
      expect(row).not.toContain(SANDBOX_CREDENTIALS.full.clientSecret);
      expect(row).toContain('"credentials":"ey');
      const dump =
        await sql`select string_agg(row_to_json(t)::text, '\n') as text from (select * from linked_accounts) t`;
      expect(dump[0]!.text).not.toContain(SANDBOX_CREDENTIALS.full.clientSecret);
    } finally {
      await sql.end();
    }

    const redis = (gateway.deps.cache as unknown as { redis: import('ioredis').Redis }).redis;
    const keys = (await redis.call('KEYS', `${redis.options.keyPrefix}*`)) as string[];
    expect(keys.some((key) => key.includes('personio:token:'))).toBe(true);
    for (const key of keys) {
      const value = (await redis.call('GET', key)) as string | null;
      expect(value ?? '').not.toMatch(/papi-/);
      expect(value ?? '').not.toContain(SANDBOX_CREDENTIALS.full.clientSecret);
    }
  });

  it('marks the account needs_reauth when Personio refuses its credentials, and says so', async () => {
    const { encryptCredentials } = await import('../../src/providers/factory');
    const { linkedAccounts } = await import('../../src/db/schema');
    const { eq } = await import('drizzle-orm');
    const broken = await createTenant(gateway, SANDBOX_CREDENTIALS.full, 'Broken');
    const sealed = await encryptCredentials(gateway.deps.secretBox, {
      clientId: 'sandbox-full',
      clientSecret: 'rotated',
    });
    await gateway.deps.db
      .update(linkedAccounts)
      .set({ credentials: sealed.encryptedCredentials })
      .where(eq(linkedAccounts.id, broken.linkedAccountId));
    const init = { apiKey: broken.apiKey, linkedAccountId: broken.linkedAccountId };
    const first = await expectError(
      await gateway.request('/unified/hris/employees', init),
      424,
      'provider_unauthorized',
    );
    expect(JSON.stringify(first)).not.toContain('rotated');
    const again = await expectError(
      await gateway.request('/unified/hris/employees', init),
      424,
      'provider_unauthorized',
    );
    expect(again.error.message).toContain('link it again');
  });

  it('gives every response an X-Request-Id: lists, health, documents, errors', async () => {
    for (const path of ['/unified/hris/employees?limit=2', '/health', '/openapi.json', '/docs', '/nope']) {
      const response = await gateway.request(path);
      await response.arrayBuffer();
      expect(response.headers.get('x-request-id'), path).toMatch(/^req_[0-9A-Za-z]{22}$/);
    }
  });

  it('answers unknown routes with the envelope', async () => {
    await expectError(await gateway.request('/nope'), 404, 'not_found');
  });
});
