import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Employee } from '../../src/models/employee';
import type { TimeoffRequest } from '../../src/models/timeoff';
import { findIntegration, registerProvider } from '../../src/providers/registry';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import { createServices } from '../../src/services';
import { linkAccount } from '../../src/services/linking';
import { type FakeHrisCompany, fakeHrisDefinition } from '../support/fake-hris/definition';
import {
  createPersonioSandbox,
  createTenant,
  openStorage,
  SANDBOX_CREDENTIALS,
  type Storage,
  type Tenant,
  type TestGateway,
} from '../support/gateway';
import { type HttpGateway, serveGateway } from '../support/http-gateway';

/** A provider that reads employees and absences but cannot write or report balances. */
const readOnlyCompany: FakeHrisCompany = {
  apiToken: 'fake-token-mcp',
  subdomain: 'initech',
  readable: new Set(['given_name', 'family_name', 'mail']),
  people: [
    { id: 'p-1', given: 'Ada', family: 'Lovelace', mail: 'ada@initech.example', title: 'Engineer' },
    { id: 'p-2', given: 'Grace', family: 'Hopper', mail: 'grace@initech.example', title: 'Admiral' },
  ],
  calls: [],
};
if (!findIntegration('fake-hris')) registerProvider(fakeHrisDefinition(readOnlyCompany));

const POST_TIME_OFFS = 'POST /v1/company/time-offs';
const WINDOW = { start_date: '2026-03-01', end_date: '2026-05-31' };

describe('MCP server at /mcp', () => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let gateway: HttpGateway;
  let tenant: Tenant;
  const clients: Client[] = [];
  /** The simulator reads this list on every token exchange, so a test can change a secret "in Personio". */
  const personioCredentials = [
    { ...SANDBOX_CREDENTIALS.full },
    { ...SANDBOX_CREDENTIALS.full, clientId: 'rotating', clientSecret: 'rotating-secret' },
  ];

  beforeAll(async () => {
    storage = await openStorage('postgres');
    sandbox = createPersonioSandbox({ employees: 12, seed: 5, credentials: personioCredentials });
    gateway = await serveGateway(storage, sandbox);
    tenant = await createTenant({ deps: gateway.deps } as TestGateway);
  });

  afterAll(async () => {
    for (const client of clients) await client.close();
    await gateway?.close();
    await storage?.close();
  });

  async function connect(headers: Record<string, string> = auth()): Promise<Client> {
    const client = new Client({ name: 'roster-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL('/mcp', gateway.url), { requestInit: { headers } }),
    );
    clients.push(client);
    return client;
  }

  function auth(linkedAccountId = tenant.linkedAccountId) {
    return { authorization: `Bearer ${tenant.apiKey}`, 'x-linked-account-id': linkedAccountId };
  }

  /** A tool's JSON answer; fails the test when the tool reports an error. */
  async function call<Result>(client: Client, name: string, args: Record<string, unknown> = {}) {
    const answer = await client.callTool({ name, arguments: args });
    const text = (answer.content as { type: string; text: string }[])[0]!.text;
    if (answer.isError) throw new Error(`${name} failed: ${text}`);
    return JSON.parse(text) as Result;
  }

  async function callError(client: Client, name: string, args: Record<string, unknown> = {}) {
    const answer = await client.callTool({ name, arguments: args });
    expect(answer.isError).toBe(true);
    return JSON.parse((answer.content as { text: string }[])[0]!.text) as {
      error: { code: string; message: string; request_id: string; details?: unknown };
    };
  }

  async function rest<Body>(path: string, init: RequestInit = {}): Promise<Body> {
    const response = await fetch(new URL(path, gateway.url), {
      ...init,
      headers: { ...auth(), 'content-type': 'application/json', ...(init.headers ?? {}) },
    });
    expect(response.status, await response.clone().text()).toBeLessThan(300);
    return (await response.json()) as Body;
  }

  async function restWalk<Item>(path: string): Promise<Item[]> {
    const items: Item[] = [];
    let cursor: string | null = null;
    do {
      const separator = path.includes('?') ? '&' : '?';
      const page: { result: Item[]; next_cursor: string | null } = await rest(
        cursor ? `${path}${separator}cursor=${encodeURIComponent(cursor)}` : path,
      );
      items.push(...page.result);
      cursor = page.next_cursor;
    } while (cursor);
    return items;
  }

  it('initializes and lists the unified operations as tools with descriptions', async () => {
    const client = await connect();
    expect(client.getServerVersion()).toMatchObject({ name: 'roster' });
    expect(client.getInstructions()).toContain(tenant.linkedAccountId);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      'create_timeoff_request',
      'find_employees',
      'get_employee',
      'list_absences',
      'list_timeoff_balances',
      'list_timeoff_types',
    ]);
    for (const tool of tools) expect(tool.description?.length).toBeGreaterThan(40);
    const absences = tools.find((tool) => tool.name === 'list_absences')!;
    expect(absences.inputSchema.required).toEqual(expect.arrayContaining(['start_date', 'end_date']));
    expect(absences.annotations?.readOnlyHint).toBe(true);
    expect(tools.find((tool) => tool.name === 'create_timeoff_request')?.annotations?.readOnlyHint).toBe(
      false,
    );
  });

  it('finds employees by email, name and status, and gets one', async () => {
    const client = await connect();
    const everyone = await restWalk<Employee>('/unified/hris/employees?limit=200');
    const target = everyone[4]!;

    const byEmail = await call<{ result: Employee[] }>(client, 'find_employees', {
      email: target.work_email,
    });
    expect(byEmail.result.map((employee) => employee.id)).toEqual([target.id]);

    const byName = await call<{ result: Employee[]; next_cursor: string | null }>(client, 'find_employees', {
      name: target.last_name!.toUpperCase(),
    });
    expect(byName.result.map((employee) => employee.id)).toContain(target.id);
    expect(byName.next_cursor).toBeNull();
    for (const employee of byName.result) {
      expect(`${employee.first_name} ${employee.last_name}`.toLowerCase()).toContain(
        target.last_name!.toLowerCase(),
      );
    }

    const active = await call<{ result: Employee[] }>(client, 'find_employees', {
      employment_status: ['active'],
      limit: 100,
    });
    expect(active.result.map((employee) => employee.id)).toEqual(
      everyone.filter((employee) => employee.employment_status === 'active').map((employee) => employee.id),
    );

    const one = await call<{ result: Employee }>(client, 'get_employee', { employee_id: target.id });
    expect(one.result).toEqual(target);

    const missing = await callError(client, 'get_employee', { employee_id: '999999999' });
    expect(missing.error).toMatchObject({ code: 'not_found', request_id: expect.stringMatching(/^req_/) });
  });

  it('says who is absent in a date range, as the REST list does', async () => {
    const client = await connect();
    const expected = await restWalk<TimeoffRequest>(
      `/unified/hris/timeoff-requests?start_date=${WINDOW.start_date}&end_date=${WINDOW.end_date}&status=approved,requested&limit=200`,
    );
    expect(expected.length).toBeGreaterThan(0);
    const seen: TimeoffRequest[] = [];
    let cursor: string | null = null;
    do {
      const page: { result: TimeoffRequest[]; next_cursor: string | null } = await call(
        client,
        'list_absences',
        {
          ...WINDOW,
          limit: 7,
          ...(cursor ? { cursor } : {}),
        },
      );
      expect(page.result.length).toBeLessThanOrEqual(7);
      seen.push(...page.result);
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(expected);
    expect(seen.some((absence) => absence.timeoff_type !== null)).toBe(true);

    const reversed = await callError(client, 'list_absences', {
      start_date: '2026-05-01',
      end_date: '2026-04-01',
    });
    expect(reversed.error.code).toBe('invalid_request');
  });

  it('lists balances and time-off types', async () => {
    const client = await connect();
    const employeeId = String(sandbox.employeeIds()[1]);
    const balances = await call<{ result: unknown[] }>(client, 'list_timeoff_balances', {
      employee_id: employeeId,
    });
    expect(balances.result.length).toBeGreaterThan(0);
    expect(balances.result).toEqual(
      (await rest<{ result: unknown[] }>(`/unified/hris/timeoff-balances?employee_id=${employeeId}`)).result,
    );
    const types = await call<{ result: { id: string }[] }>(client, 'list_timeoff_types');
    expect(types.result).toEqual(
      (await rest<{ result: unknown[] }>('/unified/hris/timeoff-types?limit=200')).result,
    );
  });

  it('creates a time-off request that needs approval, once per idempotency key', async () => {
    const client = await connect();
    sandbox.resetStats();
    const input = {
      employee_id: String(sandbox.employeeIds()[3]),
      timeoff_type_id: '301',
      start_date: '2034-02-06',
      end_date: '2034-02-07',
      employee_note: 'Family visit',
      idempotency_key: 'mcp-create-1',
    };
    const created = await call<{ result: TimeoffRequest; replayed: boolean }>(
      client,
      'create_timeoff_request',
      input,
    );
    expect(created).toMatchObject({
      replayed: false,
      result: {
        status: 'requested',
        start_date: '2034-02-06',
        end_date: '2034-02-07',
        employee_note: 'Family visit',
      },
    });
    const again = await call<{ result: TimeoffRequest; replayed: boolean }>(
      client,
      'create_timeoff_request',
      input,
    );
    expect(again).toMatchObject({ replayed: true, result: { id: created.result.id } });
    expect(sandbox.stats.byRoute[POST_TIME_OFFS]).toBe(1);
    const stored = await rest<{ result: TimeoffRequest }>(
      `/unified/hris/timeoff-requests/${created.result.id}`,
    );
    expect(stored.result.status).toBe('requested');

    const conflict = await callError(client, 'create_timeoff_request', { ...input, end_date: '2034-02-08' });
    expect(conflict.error.code).toBe('conflict');
  });

  it('refuses a request without an API key, with a wrong key, and without a linked account', async () => {
    await expect(connect({ 'x-linked-account-id': tenant.linkedAccountId })).rejects.toThrow(
      /"code":"unauthorized"/,
    );
    await expect(
      connect({ authorization: 'Bearer sk_test_not-a-key', 'x-linked-account-id': tenant.linkedAccountId }),
    ).rejects.toThrow(/"code":"unauthorized"/);
    await expect(connect({ authorization: `Bearer ${tenant.apiKey}` })).rejects.toThrow(
      /"code":"invalid_request"/,
    );

    const raw = await fetch(new URL('/mcp', gateway.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(raw.status).toBe(401);
    expect(await raw.json()).toMatchObject({
      error: { code: 'unauthorized', request_id: expect.any(String) },
    });
  });

  it('gives an account that hides absence details no absence details', async () => {
    const settings = (hide: boolean) =>
      rest(`/linked-accounts/${tenant.linkedAccountId}`, {
        method: 'PATCH',
        body: JSON.stringify({ settings: { hide_absence_details: hide } }),
      });
    await settings(true);
    try {
      const client = await connect();
      expect(client.getInstructions()).toContain('hides absence details');
      const { tools } = await client.listTools();
      const absencesTool = tools.find((tool) => tool.name === 'list_absences')!;
      expect(Object.keys(absencesTool.inputSchema.properties ?? {})).not.toContain('timeoff_type_id');

      const absences = await call<{ result: TimeoffRequest[] }>(client, 'list_absences', {
        ...WINDOW,
        limit: 200,
      });
      expect(absences.result.length).toBeGreaterThan(0);
      for (const absence of absences.result) {
        expect(absence.timeoff_type).toBeNull();
        expect(absence.employee_note).toBeNull();
        expect(absence).not.toHaveProperty('remote_data', expect.anything());
      }
      // The note written by the earlier test is not revealed by replaying its write either.
      const replay = await call<{ result: TimeoffRequest }>(client, 'create_timeoff_request', {
        employee_id: String(sandbox.employeeIds()[3]),
        timeoff_type_id: '301',
        start_date: '2034-02-06',
        end_date: '2034-02-07',
        employee_note: 'Family visit',
        idempotency_key: 'mcp-create-1',
      });
      expect(replay.result).toMatchObject({ timeoff_type: null, employee_note: null });

      const balances = await callError(client, 'list_timeoff_balances', {
        employee_id: String(sandbox.employeeIds()[1]),
      });
      expect(balances.error).toMatchObject({
        code: 'forbidden',
        details: { setting: 'hide_absence_details' },
      });
    } finally {
      await settings(false);
    }
  });

  it('marks the account needs_reauth when Personio refuses its credentials during a tool call', async () => {
    const rotating = await createTenant(
      { deps: gateway.deps } as TestGateway,
      { clientId: 'rotating', clientSecret: 'rotating-secret' },
      'Rotating',
    );
    const client = await connect({
      ...auth(rotating.linkedAccountId),
      authorization: `Bearer ${rotating.apiKey}`,
    });
    expect((await call<{ result: unknown[] }>(client, 'list_timeoff_types')).result.length).toBeGreaterThan(
      0,
    );
    personioCredentials[1] = { ...personioCredentials[1]!, clientSecret: 'changed-in-personio' };
    sandbox.expireTokens();

    const refused = await callError(client, 'find_employees', { limit: 1 });
    expect(refused.error.code).toBe('provider_unauthorized');
    const account = await fetch(new URL(`/linked-accounts/${rotating.linkedAccountId}`, gateway.url), {
      headers: { authorization: `Bearer ${rotating.apiKey}` },
    });
    expect(((await account.json()) as { result: { status: string } }).result.status).toBe('needs_reauth');
  });

  it('offers only the operations the provider of the account supports: no writes where it cannot write', async () => {
    const services = await createServices(gateway.deps);
    const account = await linkAccount(services, {
      environmentId: tenant.environmentId,
      integration: 'fake-hris',
      credentials: { subdomain: 'initech', api_token: 'fake-token-mcp' },
      originId: 'initech',
    });
    const client = await connect(auth(account.id));
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      'find_employees',
      'get_employee',
      'list_absences',
      'list_timeoff_types',
    ]);
    const found = await call<{ result: Employee[] }>(client, 'find_employees', { name: 'hop' });
    expect(found.result.map((employee) => employee.id)).toEqual(['p-2']);
    const refused = await client.callTool({ name: 'create_timeoff_request', arguments: {} });
    expect(refused.isError).toBe(true);
  });
});
