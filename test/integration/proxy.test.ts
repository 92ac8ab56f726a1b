import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/db/queries/api-keys';
import { createEnvironment } from '../../src/db/queries/environments';
import { createLinkedAccount } from '../../src/db/queries/linked-accounts';
import { encryptCredentials } from '../../src/providers/factory';
import { nodeTransport } from '../../src/runtime/node-transport';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import { solidPng } from '../../src/sandbox/personio/profile-pictures';
import {
  createPersonioSandbox,
  createTenant,
  openStorage,
  type Storage,
  startGateway,
  type Tenant,
  type TestGateway,
} from '../support/gateway';
import {
  type LoopbackServer,
  type RecordedRequest,
  recordingServer,
  serveFetch,
} from '../support/http-servers';
import { rawRequest } from '../support/raw-http';

/** Both ways a gateway reaches Personio: WHATWG fetch (Workers, tests) and the Node entry's undici transport. */
const TRANSPORTS = ['fetch', 'node'] as const;
type TransportName = (typeof TRANSPORTS)[number];

function outbound(name: TransportName) {
  if (name === 'fetch')
    return { options: { fetch: (request: Request) => fetch(request) }, close: async () => {} };
  const transport = nodeTransport();
  return { options: { transport }, close: () => transport.close() };
}

describe.each(TRANSPORTS)('proxy over %s: hostile paths never leave the Personio host', (transportName) => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let personio: LoopbackServer;
  let bystander: LoopbackServer & { requests: RecordedRequest[] };
  let gatewayServer: LoopbackServer;
  let tenant: Tenant;
  let transport: ReturnType<typeof outbound>;

  beforeAll(async () => {
    storage = await openStorage('pglite');
    sandbox = createPersonioSandbox({ employees: 20 });
    personio = await serveFetch(sandbox.fetch);
    // A second loopback server that counts every hit: no proxied request may ever reach it.
    bystander = await recordingServer((_request, response) => response.end('bystander'));
    const env = { PERSONIO_BASE_URL: `${personio.url}/v1` };
    transport = outbound(transportName);
    const setup = await startGateway(storage, null, undefined, { env, ...transport.options });
    tenant = await createTenant(setup);
    const gateway = await startGateway(storage, null, tenant, { env, ...transport.options });
    gatewayServer = await serveFetch(gateway.app.fetch);
  });

  afterAll(async () => {
    await transport?.close();
    await gatewayServer?.close();
    await personio?.close();
    await bystander?.close();
    await storage?.close();
  });

  const hostile = (target: string) => [
    `http://${target}/`,
    `https://${target}/company`,
    `HTTP://${target}`,
    `ftp://${target}/`,
    `/${target}/`,
    `//${target}/x`,
    `\\\\${target}/`,
    `%5c%5c${target}/`,
    `%5C${target}`,
    `%2f%2f${target}/`,
    `%2F%2F${target}%2F`,
    `%252f%252f${target}/`,
    `%25252f%25252f${target}`,
    `@${target}/`,
    `company@${target}/`,
    `company%40${target}`,
    `;@${target}/`,
    `..%2f..%2f..%2f${target}`,
    `%2e%2e/%2e%2e/${target}`,
    `%252e%252e/${target}`,
    `.%2e/.%2e/${target}`,
    `%2e/company`,
    `company/./employees`,
    `company/..%2f..%2f${target}`,
    `company/%2e%2e%2f%2e%2e%2f${target}`,
    `company%2f%2f..%2f..%2f..%2f${target}`,
    `company/%5c..%5c..%5c${target}`,
    `v1/..%2f..%2f${target}`,
    `v2/%2e%2e/%2e%2e/${target}`,
    `http:%2f%2f${target}`,
    `http%3a%2f%2f${target}`,
    `${target}`,
    `[::1]:${target.split(':')[1]}/`,
    `company%0d%0aHost:%20${target}`,
    `company%0aX-Forwarded-Host:${target}`,
    `company%00${target}`,
    `%09${target}`,
    `company%23@${target}`,
    `company%3f@${target}`,
    `%u002e%u002e/${target}`,
    `%c0%ae%c0%ae/${target}`,
    `%e0%80%ae%e0%80%ae/${target}`,
    `%zz/${target}`,
    ``,
    `v1/`,
    `v2`,
  ];

  it('refuses at least 40 hostile paths, and the bystander server is never hit', async () => {
    const target = `127.0.0.1:${bystander.port}`;
    const corpus = hostile(target);
    expect(corpus.length).toBeGreaterThanOrEqual(40);
    const headers = {
      Authorization: `Bearer ${tenant.apiKey}`,
      'X-Linked-Account-Id': tenant.linkedAccountId,
    };
    const outcomes: { path: string; status: number; source: string | undefined }[] = [];
    for (const path of corpus) {
      const answer = await rawRequest(gatewayServer.port, `/proxy/${path}`, headers);
      outcomes.push({
        path,
        status: answer.status,
        source: answer.headers.match(/x-roster-source: (\w+)/i)?.[1],
      });
    }
    // Also as an absolute-form request target and with a hostile Host header.
    const absolute = await rawRequest(
      gatewayServer.port,
      `http://${target}/proxy/company/employees`,
      headers,
    );
    outcomes.push({
      path: 'absolute-form',
      status: absolute.status,
      source: absolute.headers.match(/x-roster-source: (\w+)/i)?.[1],
    });

    expect(bystander.requests).toEqual([]);
    // Refused by the gateway, or already by Node's HTTP parser (a raw `\` in the request line).
    const refused = outcomes.filter(
      (outcome) => outcome.status === 400 && (outcome.source === 'gateway' || outcome.source === undefined),
    );
    // Paths that the URL parser already resolves (`/proxy/%2e%2e/x` → `/x`) never reach the proxy: 404.
    const unrouted = outcomes.filter((outcome) => outcome.status === 404 && outcome.source === 'gateway');
    const passed = outcomes.filter((outcome) => outcome.source === 'upstream');
    expect(refused.length).toBeGreaterThanOrEqual(38);
    const unexplained = outcomes.filter((outcome) => ![...refused, ...unrouted, ...passed].includes(outcome));
    expect(unexplained).toEqual([]);
    // What did pass went to the simulator's own host: the URL parser turns `company/./employees` into `company/employees`.
    for (const outcome of passed)
      expect(['company/./employees', '%2e/company', 'absolute-form']).toContain(outcome.path);
  });

  it('still proxies a legitimate request through the same server', async () => {
    const answer = await rawRequest(gatewayServer.port, '/proxy/company/employees?limit=2', {
      Authorization: `Bearer ${tenant.apiKey}`,
      'X-Linked-Account-Id': tenant.linkedAccountId,
    });
    expect(answer.status).toBe(200);
    expect(answer.headers).toMatch(/x-roster-source: upstream/i);
    expect(answer.headers).not.toMatch(/^authorization:/im);
    expect(answer.body).toContain('"success":true');
  });
});

describe.each(TRANSPORTS)('proxy over %s: requests and responses arrive unchanged', (transportName) => {
  let transport: ReturnType<typeof outbound>;
  let storage: Storage;
  let echo: LoopbackServer & { requests: RecordedRequest[] };
  let gateway: TestGateway;
  let gatewayTenant: Tenant;
  let failuresBeforeSuccess = 0;
  let performedWrites = 0;

  beforeAll(async () => {
    storage = await openStorage('pglite');
    // A Personio stand-in that issues a token and echoes everything else.
    echo = await recordingServer((request, response) => {
      const path = request.target.split('?')[0];
      if (path === '/v1/auth') {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ success: true, data: { token: 'papi-echo', expires_in: 86400 } }));
        return;
      }
      if (path === '/v1/company/flaky-write') {
        if (failuresBeforeSuccess > 0) {
          failuresBeforeSuccess--;
          response.statusCode = 503;
          response.end(JSON.stringify({ success: false, error: { code: 503, message: 'busy' } }));
          return;
        }
        performedWrites++;
      }
      if (path === '/v1/company/slow-write') {
        performedWrites++;
        setTimeout(() => response.end('{"ok":true}'), 600);
        return;
      }
      if (path === '/v1/company/compressed') {
        const json = JSON.stringify({
          success: true,
          data: { compressed: request.headers['accept-encoding'] ?? null },
        });
        response.setHeader('content-type', 'application/json');
        if (String(request.headers['accept-encoding'] ?? '').includes('gzip')) {
          response.setHeader('content-encoding', 'gzip');
          response.end(gzipSync(json));
        } else response.end(json);
        return;
      }
      if (path === '/v1/company/teapot') {
        response.statusCode = 418;
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ success: false, error: { code: 418, message: 'I am a teapot' } }));
        return;
      }
      response.setHeader('content-type', request.headers['content-type'] ?? 'application/octet-stream');
      response.setHeader('authorization', 'Bearer papi-echo');
      response.setHeader('set-cookie', 'session=upstream');
      response.setHeader('x-upstream', 'yes');
      response.statusCode = request.method === 'POST' ? 201 : 200;
      response.end(request.body);
    });
    const env = { PERSONIO_BASE_URL: `${echo.url}/v1` };
    transport = outbound(transportName);
    const setup = await startGateway(storage, null, undefined, { env, ...transport.options });
    const environment = await createEnvironment(setup.deps.db, { name: 'Echo', mode: 'test' });
    const { secret } = await createApiKey(setup.deps.db, {
      environmentId: environment.id,
      mode: 'test',
      name: 't',
    });
    const linkedAccount = await createLinkedAccount(setup.deps.db, {
      environmentId: environment.id,
      integration: 'personio',
      originId: 'echo',
      ...(await encryptCredentials(setup.deps.secretBox, {
        clientId: 'echo-id',
        clientSecret: 'echo-secret',
      })),
    });
    gatewayTenant = { environmentId: environment.id, apiKey: secret, linkedAccountId: linkedAccount.id };
    gateway = await startGateway(storage, null, gatewayTenant, { env, ...transport.options });
  });

  afterAll(async () => {
    await transport?.close();
    await echo?.close();
    await storage?.close();
  });

  const lastUpstream = () => echo.requests.at(-1)!;

  it('forwards GET with repeated query keys exactly as sent', async () => {
    const query = 'start_date=2026-01-01&end_date=2026-01-31&employees[]=1&employees[]=2&employees%5B%5D=3';
    const response = await gateway.request(`/proxy/company/attendances?${query}`);
    expect(response.status).toBe(200);
    expect(lastUpstream()).toMatchObject({ method: 'GET', target: `/v1/company/attendances?${query}` });
  });

  it.each(['POST', 'PATCH', 'DELETE', 'PUT'])('forwards %s bodies byte for byte', async (method) => {
    const body = JSON.stringify({ attendances: [{ employee: 1, date: '2026-01-02', comment: 'Grüße ✓' }] });
    const response = await gateway.request('/proxy/company/attendances/42', {
      method,
      body,
      headers: { 'content-type': 'application/json; charset=utf-8', 'x-custom': 'kept' },
    });
    expect(response.status).toBe(method === 'POST' ? 201 : 200);
    expect(await response.text()).toBe(body);
    const upstream = lastUpstream();
    expect(upstream.method).toBe(method);
    expect(upstream.body.toString('utf8')).toBe(body);
    expect(upstream.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(upstream.headers['x-custom']).toBe('kept');
  });

  it('forwards binary bodies unchanged both ways', async () => {
    const bytes = randomBytes(256 * 1024);
    const response = await gateway.request('/proxy/company/documents', {
      method: 'POST',
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(response.status).toBe(201);
    expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
    expect(lastUpstream().body.equals(bytes)).toBe(true);
  });

  it('injects Personio auth and identity headers, and drops the caller’s own credentials', async () => {
    await gateway.request('/proxy/company/employees', {
      headers: { cookie: 'a=b', connection: 'x-drop', 'x-drop': '1' },
    });
    const headers = lastUpstream().headers;
    expect(headers.authorization).toBe('Bearer papi-echo');
    expect(headers['x-personio-app-id']).toBe('ROSTER');
    expect(headers.cookie).toBeUndefined();
    expect(headers['x-linked-account-id']).toBeUndefined();
    expect(headers['x-drop']).toBeUndefined();
    expect(JSON.stringify(headers)).not.toContain('sk_test_');
  });

  it('applies the same header policy to the raw header list of a real HTTP request', async () => {
    // Over a socket, the Node adapter hands the proxy the parser's raw list (names as sent, repeats kept).
    const server = await serveFetch(gateway.app.fetch);
    try {
      const answer = await rawRequest(server.port, '/proxy/company/employees', {
        Authorization: `Bearer ${gatewayTenant.apiKey}`,
        'X-Linked-Account-Id': gatewayTenant.linkedAccountId,
        'X-Custom-Thing': 'kept',
        'Accept-Language': 'de',
        'accept-language': 'en',
        Cookie: 'a=b',
        Connection: 'X-Drop',
        'X-Drop': '1',
        'X-Roster-Debug': '1',
        'CF-Ray': 'abc',
        'X-Forwarded-For': '203.0.113.9',
        'Idempotency-Key': 'k1',
        TE: 'trailers',
      });
      expect(answer.status).toBe(200);
      const headers = lastUpstream().headers;
      expect(headers['x-custom-thing']).toBe('kept');
      expect(headers['accept-language']).toBe('de, en');
      expect(headers.authorization).toBe('Bearer papi-echo');
      expect(headers['x-personio-app-id']).toBe('ROSTER');
      for (const dropped of [
        'cookie',
        'x-drop',
        'x-roster-debug',
        'cf-ray',
        'x-forwarded-for',
        'x-linked-account-id',
        'idempotency-key',
        'te',
      ]) {
        expect(headers[dropped], dropped).toBeUndefined();
      }
      expect(JSON.stringify(headers)).not.toContain('sk_test_');
    } finally {
      await server.close();
    }
  });

  it('returns safe upstream headers, never the token or cookies, and marks the source', async () => {
    const response = await gateway.request('/proxy/company/employees');
    expect(response.headers.get('x-upstream')).toBe('yes');
    expect(response.headers.get('authorization')).toBeNull();
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(response.headers.get('x-roster-source')).toBe('upstream');
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('returns compressed answers intact: as sent (node) or decoded (fetch), headers matching the body', async () => {
    const response = await gateway.request('/proxy/company/compressed', {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(response.status).toBe(200);
    const bytes = Buffer.from(await response.arrayBuffer());
    const encoding = response.headers.get('content-encoding');
    // fetch decodes on its own, so its answer arrives decoded; the node transport passes the bytes on.
    expect(encoding).toBe(transportName === 'node' ? 'gzip' : null);
    const text = encoding === 'gzip' ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
    expect(JSON.parse(text)).toEqual({ success: true, data: { compressed: 'gzip' } });
    const length = response.headers.get('content-length');
    if (length !== null) expect(Number(length)).toBe(bytes.byteLength);
  });

  it('passes upstream errors through untouched, marked as upstream', async () => {
    const response = await gateway.request('/proxy/company/teapot');
    expect(response.status).toBe(418);
    expect(response.headers.get('x-roster-source')).toBe('upstream');
    expect(await response.json()).toEqual({ success: false, error: { code: 418, message: 'I am a teapot' } });
  });

  it('retries a write with an Idempotency-Key through 5xx and performs it exactly once', async () => {
    failuresBeforeSuccess = 3;
    performedWrites = 0;
    const response = await gateway.request('/proxy/company/flaky-write', {
      method: 'POST',
      body: '{"n":1}',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'write-1' },
    });
    expect(response.status).toBe(201);
    expect(performedWrites).toBe(1);
  });

  it('replays a keyed write from the first answer without writing again; another body is a conflict', async () => {
    failuresBeforeSuccess = 2;
    performedWrites = 0;
    const send = (body: string) =>
      gateway.request('/proxy/company/flaky-write?x=1', {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'idempotency-key': 'write-replay' },
      });
    const first = await send('{"n":3}');
    expect(first.status).toBe(201);
    expect(await first.text()).toBe('{"n":3}');
    const replay = await send('{"n":3}');
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.headers.get('x-upstream')).toBe('yes');
    expect(await replay.text()).toBe('{"n":3}');
    expect(performedWrites).toBe(1);

    const conflict = await send('{"n":4}');
    expect(conflict.status).toBe(409);
    expect(((await conflict.json()) as { error: { code: string } }).error.code).toBe('conflict');
    expect(performedWrites).toBe(1);
  });

  it('keeps an unknown outcome under the key: no second write, the same answer on replay', async () => {
    const hurried = await startGateway(storage, null, gatewayTenant, {
      env: {
        PERSONIO_BASE_URL: `${echo.url}/v1`,
        UPSTREAM_TIMEOUT_MS: '200',
        UPSTREAM_RETRY_BUDGET_MS: '2000',
      },
      fetch: (request) => fetch(request),
    });
    performedWrites = 0;
    const send = () =>
      hurried.request('/proxy/company/slow-write', {
        method: 'POST',
        body: '{"n":5}',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'slow-1' },
      });
    const first = await send();
    expect(first.status).toBe(504);
    expect(((await first.json()) as { error: { code: string } }).error.code).toBe('provider_timeout');
    const replay = await send();
    expect(replay.status).toBe(504);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(performedWrites).toBe(1);
  });

  it('frees the key of a keyed write that failed upstream', async () => {
    const send = () =>
      gateway.request('/proxy/company/teapot', {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'teapot-1' },
      });
    expect((await send()).status).toBe(418);
    const again = await send();
    expect(again.status).toBe(418);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
  });

  it('does not retry a write without an Idempotency-Key', async () => {
    failuresBeforeSuccess = 1;
    performedWrites = 0;
    const response = await gateway.request('/proxy/company/flaky-write', {
      method: 'POST',
      body: '{"n":2}',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('x-roster-source')).toBe('upstream');
    expect(performedWrites).toBe(0);
  });
});

describe('proxy: binary responses from the simulator', () => {
  it('returns a profile picture byte for byte', async () => {
    const storage = await openStorage('pglite');
    try {
      const sandbox = createPersonioSandbox({ employees: 10 });
      const setup = await startGateway(storage, sandbox);
      const tenant = await createTenant(setup);
      const gateway = await startGateway(storage, sandbox, tenant);
      const [id] = sandbox.employeeIds();
      const response = await gateway.request(`/proxy/company/employees/${id}/profile-picture/64`);
      if (response.status === 404) throw new Error('seeded employee without picture; pick another');
      expect(response.headers.get('content-type')).toBe('image/png');
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(solidPng(64, id!));
    } finally {
      await storage.close();
    }
  });
});

describe('proxy: absence endpoints stay closed while the account hides absence details', () => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let gateway: TestGateway;
  let gatewayServer: LoopbackServer;
  let tenant: Tenant;

  beforeAll(async () => {
    storage = await openStorage('postgres');
    sandbox = createPersonioSandbox({ employees: 20 });
    const options = { env: { AUTH_CACHE_TTL_MS: '0' } };
    const setup = await startGateway(storage, sandbox, undefined, options);
    tenant = await createTenant(setup);
    gateway = await startGateway(storage, sandbox, tenant, options);
    gatewayServer = await serveFetch(gateway.app.fetch);
  });

  afterAll(async () => {
    await gatewayServer?.close();
    await storage?.close();
  });

  const hideAbsenceDetails = async (hidden: boolean) => {
    const reply = await gateway.request(`/linked-accounts/${tenant.linkedAccountId}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ settings: { hide_absence_details: hidden } }),
      linkedAccountId: null,
    });
    expect(reply.status).toBe(200);
  };
  const get = (path: string) =>
    rawRequest(gatewayServer.port, `/proxy/${path}`, {
      Authorization: `Bearer ${tenant.apiKey}`,
      'X-Linked-Account-Id': tenant.linkedAccountId,
    });
  /** Routes the simulator saw besides the token exchange. */
  const reached = () => Object.keys(sandbox.stats.byRoute).filter((route) => !route.endsWith('/auth'));

  // Sent byte for byte; each names an absence endpoint once decoded and normalised.
  const CLOSED = [
    'company/time-offs',
    'company/time%2Doffs',
    'company/time%2doffs?limit=1',
    'company/%74ime-offs',
    'company/%74%69%6d%65%2d%6f%66%66%73',
    'company/time%252Doffs',
    'company%2Ftime-offs',
    'company/absence%2Dperiods',
    'company/absence-periods/e2a4c9d0-55b1-4c1e-8d7a-2f3b4c5d6e7f',
    'Company/Time-Offs',
    'company/TIME-OFFS/1',
    'company/x/../time-offs',
    'company/x/%2e%2e/time-offs',
    'company/./time-offs',
    'v1/company/time%2Doffs',
    '%76%31/company/time-offs',
    'v2/absence-periods',
    'v2/absence%2Dperiods/e2a4c9d0-55b1-4c1e-8d7a-2f3b4c5d6e7f/breakdowns',
    'company/employees/1/absences/balance',
    'company/employees/1/%61bsences/balance',
    'company/custom-reports/reports/1',
  ];
  // Refused as paths (`//`, a trailing `/`, `..` the URL parser cannot resolve): 400 before any policy.
  const REFUSED = [
    'company//time-offs',
    'company/time-offs/',
    'company/time-offs%2F',
    'company%2F%2Ftime-offs',
    'company/x/..%2Ftime-offs',
  ];

  it('refuses every spelling of an absence endpoint with 403, and none reaches Personio', async () => {
    await hideAbsenceDetails(true);
    sandbox.resetStats();
    const outcomes = [];
    const messages = new Set<string>();
    for (const path of CLOSED) {
      const answer = await get(path);
      const error = answer.status === 403 ? JSON.parse(answer.body).error : null;
      outcomes.push({
        path,
        status: answer.status,
        source: answer.headers.match(/x-roster-source: (\w+)/i)?.[1],
        code: error?.code,
        setting: error?.details?.setting,
      });
      if (error) messages.add(error.message);
    }
    expect(outcomes).toEqual(
      CLOSED.map((path) => ({
        path,
        status: 403,
        source: 'gateway',
        code: 'forbidden',
        setting: 'hide_absence_details',
      })),
    );
    // Why, and how to change it.
    for (const message of messages) expect(message).toContain('PATCH /linked-accounts/{id}');
    for (const path of REFUSED) {
      const answer = await get(path);
      expect({ path, status: answer.status }).toEqual({ path, status: 400 });
    }
    expect(reached()).toEqual([]);
  });

  it('keeps the type catalogue and other endpoints open while details are hidden', async () => {
    await hideAbsenceDetails(true);
    for (const path of [
      'company/time-off-types',
      'company/employees?limit=1',
      'company/time%2Doff%2Dtypes',
    ]) {
      const answer = await get(path);
      expect({ path, status: answer.status }).toEqual({ path, status: 200 });
      expect(answer.headers).toMatch(/x-roster-source: upstream/i);
    }
  });

  it('sends Personio the canonical path: an encoded absence path reaches time-offs once the setting is off', async () => {
    await hideAbsenceDetails(false);
    sandbox.resetStats();
    const answer = await get('company/time%2Doffs?limit=1');
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('"TimeOffPeriod"');
    expect(reached()).toEqual(['GET /v1/company/time-offs']);
  });
});
