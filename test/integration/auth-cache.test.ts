import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listApiKeys, revokeApiKey } from '../../src/db/queries/api-keys';
import { setLinkedAccountStatus } from '../../src/db/queries/linked-accounts';
import { linkedAccounts } from '../../src/db/schema';
import { encryptCredentials } from '../../src/providers/factory';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import {
  createPersonioSandbox,
  createTenant,
  openStorage,
  type Storage,
  startGateway,
  type TestGateway,
} from '../support/gateway';

const TTL_MS = 5_000;

/**
 * API keys and linked accounts are cached per process for AUTH_CACHE_TTL_MS: a change made
 * elsewhere (the admin CLI, another gateway) takes effect here within that time, never later.
 */
describe('per-process auth cache (AUTH_CACHE_TTL_MS)', () => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let setup: TestGateway;
  let clock = Date.parse('2026-03-02T09:00:00Z');
  const now = () => new Date(clock);

  beforeAll(async () => {
    storage = await openStorage('pglite');
    sandbox = createPersonioSandbox({ employees: 20 });
    setup = await startGateway(storage, sandbox);
  });

  afterAll(async () => {
    await storage?.close();
  });

  async function revokeAll(environmentId: string) {
    for (const key of await listApiKeys(setup.deps.db, { environmentId })) {
      await revokeApiKey(setup.deps.db, { environmentId, id: key.id, now: now() });
    }
  }

  it('honours a revoked API key within the TTL and refuses it after', async () => {
    const tenant = await createTenant(setup, undefined, 'Revoked later');
    const gateway = await startGateway(storage, sandbox, tenant, {
      env: { AUTH_CACHE_TTL_MS: String(TTL_MS) },
      now,
    });
    expect((await gateway.request('/unified/hris/employees?limit=1')).status).toBe(200);
    await revokeAll(tenant.environmentId);

    clock += TTL_MS - 1;
    expect((await gateway.request('/unified/hris/employees?limit=1')).status).toBe(200);
    clock += 1;
    expect((await gateway.request('/unified/hris/employees?limit=1')).status).toBe(401);
  });

  it('refuses a revoked API key at once with AUTH_CACHE_TTL_MS=0', async () => {
    const tenant = await createTenant(setup, undefined, 'Revoked now');
    const gateway = await startGateway(storage, sandbox, tenant, { env: { AUTH_CACHE_TTL_MS: '0' }, now });
    expect((await gateway.request('/unified/hris/employees?limit=1')).status).toBe(200);
    await revokeAll(tenant.environmentId);
    expect((await gateway.request('/unified/hris/employees?limit=1')).status).toBe(401);
  });

  it('never caches an unknown key: a key works on its first request', async () => {
    const gateway = await startGateway(storage, sandbox, undefined, {
      env: { AUTH_CACHE_TTL_MS: String(TTL_MS) },
      now,
    });
    const tenant = await createTenant(setup, undefined, 'Created later');
    const init = { apiKey: tenant.apiKey, linkedAccountId: tenant.linkedAccountId };
    expect((await gateway.request('/unified/hris/employees?limit=1', init)).status).toBe(200);
  });

  it('honours a linked account disabled elsewhere within the TTL', async () => {
    const tenant = await createTenant(setup, undefined, 'Disabled later');
    const gateway = await startGateway(storage, sandbox, tenant, {
      env: { AUTH_CACHE_TTL_MS: String(TTL_MS) },
      now,
    });
    expect((await gateway.request('/unified/hris/employees?limit=1')).status).toBe(200);
    await setLinkedAccountStatus(setup.deps.db, {
      environmentId: tenant.environmentId,
      id: tenant.linkedAccountId,
      status: 'disabled',
      now: now(),
    });
    clock += TTL_MS;
    expect((await gateway.request('/unified/hris/employees?limit=1')).status).toBe(403);
  });

  it('uses the credentials a linked account has now once its row is read again', async () => {
    const tenant = await createTenant(setup, undefined, 'Linked again');
    const gateway = await startGateway(storage, sandbox, tenant, {
      env: { AUTH_CACHE_TTL_MS: String(TTL_MS) },
      now,
    });
    expect((await gateway.request('/unified/hris/employees?limit=1')).status).toBe(200);
    // Linked again elsewhere with credentials Personio refuses (a new ciphertext in the row).
    const sealed = await encryptCredentials(setup.deps.secretBox, {
      clientId: 'sandbox-full',
      clientSecret: 'not-the-secret',
    });
    await setup.deps.db
      .update(linkedAccounts)
      .set({ credentials: sealed.encryptedCredentials, credentialsKeyId: sealed.credentialsKeyId })
      .where(eq(linkedAccounts.id, tenant.linkedAccountId));

    expect((await gateway.request('/unified/hris/employees?limit=1')).status).toBe(200);
    clock += TTL_MS;
    expect((await gateway.request('/unified/hris/employees?limit=1')).status).toBe(424);
  });
});
