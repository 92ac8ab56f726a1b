import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApiKey, listApiKeys, revokeApiKey } from '../../src/db/queries/api-keys';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import { redisKeyPrefix } from '../harness/databases';
import {
  createPersonioSandbox,
  createTenant,
  ENCRYPTION_KEY,
  openStorage,
  type Storage,
  startGateway,
  type Tenant,
} from '../support/gateway';
import { type LoopbackServer, serveFetch } from '../support/http-servers';
import { freePort, type RunningProcess, startProcess } from '../support/processes';
import { waitFor } from '../support/wait';

const ROOT = resolve(import.meta.dirname, '../..');
const WRANGLER = join(ROOT, 'node_modules/.bin/wrangler');

/** The settings a Workers deployment is given, as `--var` (secrets in production). */
function varArgs(vars: Record<string, string>): string[] {
  return Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]);
}

/** `wrangler dev` in local mode: the Worker in workerd on 127.0.0.1, no network, no Cloudflare account. */
async function startWorker(vars: Record<string, string>, persistDir: string) {
  const port = await freePort();
  const inspectorPort = await freePort();
  const worker = startProcess(
    WRANGLER,
    [
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--inspector-port',
      String(inspectorPort),
      '--persist-to',
      persistDir,
      '--show-interactive-dev-session=false',
      ...varArgs(vars),
    ],
    {
      // Offline: no usage metrics, no update check, no account.
      WRANGLER_SEND_METRICS: 'false',
      WRANGLER_LOG_PATH: join(persistDir, 'logs'),
      NO_UPDATE_NOTIFIER: '1',
      CI: '1',
    },
  );
  await worker.waitFor(/Ready on http:\/\/127\.0\.0\.1:\d+/, 150_000);
  return { worker, url: `http://127.0.0.1:${port}` };
}

describe('the Worker under wrangler dev (local workerd)', { timeout: 300_000 }, () => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let personio: LoopbackServer;
  let tenant: Tenant;
  let persistDir: string;
  let worker: RunningProcess | undefined;
  let url: string;
  let vars: Record<string, string>;

  beforeAll(async () => {
    storage = await openStorage('postgres');
    sandbox = createPersonioSandbox({ employees: 25, seed: 9 });
    personio = await serveFetch(sandbox.fetch);
    const env = { PERSONIO_BASE_URL: `${personio.url}/v1` };
    // The Node gateway migrates the database and links the account; the Worker serves it.
    const setup = await startGateway(storage, sandbox, undefined, { env });
    tenant = await createTenant(setup);
    persistDir = await mkdtemp(join(tmpdir(), 'roster-wrangler-'));
    vars = {
      DATABASE_URL: storage.databaseUrl!,
      REDIS_URL: inject('redisUrl'),
      REDIS_KEY_PREFIX: `roster:${redisKeyPrefix()}`,
      ENCRYPTION_KEY,
      PUBLIC_URL: 'https://hr-gateway.example.com',
      PERSONIO_BASE_URL: `${personio.url}/v1`,
      LOG_LEVEL: 'warn',
      // Long enough that only an app kept between requests can still know a key revoked meanwhile.
      AUTH_CACHE_TTL_MS: '300000',
    };
    ({ worker, url } = await startWorker(vars, persistDir));
  }, 240_000);

  afterAll(async () => {
    await worker?.stop();
    await personio?.close();
    await storage?.close();
    if (persistDir) await rm(persistDir, { recursive: true, force: true });
  });

  const headers = () => ({
    authorization: `Bearer ${tenant.apiKey}`,
    'x-linked-account-id': tenant.linkedAccountId,
  });

  it('serves unified calls from the shared database, Redis and the simulator', async () => {
    const response = await fetch(`${url}/unified/hris/employees?limit=5`, { headers: headers() });
    expect(response.status, await response.clone().text()).toBe(200);
    const body = (await response.json()) as { result: { id: string }[]; next_cursor: string | null };
    expect(body.result.map((employee) => employee.id)).toEqual(sandbox.employeeIds().slice(0, 5).map(String));
    expect(body.next_cursor).toEqual(expect.any(String));
    const next = await fetch(
      `${url}/unified/hris/employees?limit=5&cursor=${encodeURIComponent(body.next_cursor!)}`,
      {
        headers: headers(),
      },
    );
    expect(next.status).toBe(200);
    expect(
      ((await next.json()) as { result: { id: string }[] }).result.map((employee) => employee.id),
    ).toEqual(sandbox.employeeIds().slice(5, 10).map(String));
  });

  it('proxies a Personio call', async () => {
    const response = await fetch(`${url}/proxy/company/employees?limit=3`, { headers: headers() });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: unknown[] };
    expect(body.data).toHaveLength(3);
  });

  it('issues link tokens whose URL is on PUBLIC_URL', async () => {
    const response = await fetch(`${url}/link-tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ end_user: { origin_id: 'workers-customer' } }),
    });
    expect(response.status, await response.clone().text()).toBe(201);
    const { result } = (await response.json()) as { result: { link_token: string; url: string } };
    expect(result.url).toBe(`https://hr-gateway.example.com/link/${result.link_token}`);
  });

  it('serves the same /openapi.json every time and shares the Personio token through Redis', async () => {
    const first = await fetch(`${url}/openapi.json`);
    const second = await fetch(`${url}/openapi.json`);
    expect(first.status).toBe(200);
    expect(await second.text()).toBe(await first.text());
    // Tokens live in Redis: a run of calls makes at most the one exchange the first call made.
    sandbox.resetStats();
    for (let index = 0; index < 3; index++) {
      expect((await fetch(`${url}/unified/hris/timeoff-types`, { headers: headers() })).status).toBe(200);
    }
    expect(sandbox.stats.byRoute['POST /v1/auth'] ?? 0).toBe(0);
  });

  it('builds the app once per isolate: what it learnt on one request is there on the next', async () => {
    const { secret } = await createApiKey(storage.database.db, {
      environmentId: tenant.environmentId,
      mode: 'test',
      name: 'isolate',
    });
    const asKey = { authorization: `Bearer ${secret}`, 'x-linked-account-id': tenant.linkedAccountId };
    expect((await fetch(`${url}/unified/hris/timeoff-types`, { headers: asKey })).status).toBe(200);
    const [key] = (await listApiKeys(storage.database.db, { environmentId: tenant.environmentId })).filter(
      (row) => row.name === 'isolate',
    );
    await revokeApiKey(storage.database.db, {
      environmentId: tenant.environmentId,
      id: key!.id,
      now: new Date(),
    });
    // An app rebuilt for every request would look the key up again and refuse it; this one remembers it
    // for AUTH_CACHE_TTL_MS, as a Node process does.
    expect((await fetch(`${url}/unified/hris/timeoff-types`, { headers: asKey })).status).toBe(200);
  });

  it('writes request logs through the request’s own connection', async () => {
    const reply = await fetch(`${url}/unified/hris/timeoff-types`, { headers: headers() });
    const requestId = reply.headers.get('x-request-id')!;
    const log = await waitFor(async () => {
      const response = await fetch(`${url}/request-logs?limit=50`, {
        headers: { authorization: `Bearer ${tenant.apiKey}` },
      });
      const body = (await response.json()) as {
        result: { id: string; route: string; upstream: unknown[] }[];
      };
      return body.result.find((entry) => entry.id === requestId);
    }, 'the Worker’s request log');
    expect(log.route).toBe('/unified/hris/timeoff-types');
    expect(log.upstream.length).toBeGreaterThan(0);
  });

  it('refuses to serve without REDIS_URL, ENCRYPTION_KEY or PUBLIC_URL, naming them', async () => {
    const { REDIS_URL: _redis, PUBLIC_URL: _public, ENCRYPTION_KEY: _key, ...partial } = vars;
    const broken = await startWorker(partial, await mkdtemp(join(tmpdir(), 'roster-wrangler-broken-')));
    try {
      const response = await fetch(`${broken.url}/unified/hris/employees`, { headers: headers() });
      expect(response.status).toBe(500);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('internal');
      for (const name of ['REDIS_URL', 'ENCRYPTION_KEY', 'PUBLIC_URL'])
        expect(body.error.message).toContain(name);
      expect(body.error.message).not.toContain(storage.databaseUrl!);
    } finally {
      await broken.worker.stop();
    }
  });
});
