import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { ERROR_CODES } from '../../src/errors';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import { createServices } from '../../src/services';
import { linkPersonioAccount } from '../../src/services/linking';
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
import { createLinkToken } from '../support/link-flow';
import {
  namesLinkedAccount,
  type Operation,
  operations,
  parametersOf,
  requestBodySchema,
  type Schema,
} from '../support/openapi';
import {
  anyString,
  contentType,
  fuzzJsonBody,
  fuzzValue,
  headerValue,
  type KnownValues,
  schemaValue,
  wellFormed,
} from '../support/openapi-arbitraries';
import { UNPACED } from '../support/timeoff';

/** How many generated requests one run sends (FUZZ_RUNS to change it, FUZZ_SEED to replay a run). */
const RUNS = Number(process.env.FUZZ_RUNS ?? 2_500);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

interface FuzzRequest {
  kind: 'api' | 'link-page' | 'unknown';
  label: string;
  /** Generated with a valid key, account, parameters and body: the gateway should mostly say yes. */
  wellFormed?: boolean;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const describeRequest = (request: FuzzRequest) =>
  `${request.method} ${request.path}\nheaders: ${JSON.stringify(request.headers)}\nbody: ${JSON.stringify(request.body?.slice(0, 500))}`;

/** A path segment as a client would send it: encoded, or sometimes raw (slashes, dots, percent signs). */
const pathSegment = (value: unknown, encoded: boolean) =>
  fc.oneof(
    { weight: 5, arbitrary: fc.constant(encodeURIComponent(wellFormed(String(value)))) },
    { weight: encoded ? 0 : 1, arbitrary: fc.constant(wellFormed(String(value)).replace(/[#?\s]/g, '')) },
  );

/** Personio paths the simulator serves, for the proxy's `{path}`. */
const PERSONIO_PATHS = [
  'company/employees',
  'company/employees/attributes',
  'company/time-off-types',
  'company/time-offs',
  'company/attendances',
  'company/absence-periods',
  'v2/persons',
];

/**
 * Every operation of openapi/openapi.json, the hosted link page and paths that match nothing, with random
 * and edge values for every parameter, header and body, against the app in-process. The gateway may refuse
 * anything, but never with a 5xx, always in the error envelope (a page on the link routes), and never by
 * logging an error. 2xx bodies are checked against the document by the shared helper.
 */
describe('fuzzing every route from the OpenAPI document (PostgreSQL + Redis)', () => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let gateway: TestGateway;
  let acme: Tenant;
  let globex: Tenant;
  let known: KnownValues;
  let linkTokens: string[];
  const errorLogs: string[] = [];
  /** Personio's own 5xx, passed through by the proxy as it must: reported, not a gateway failure. */
  const upstreamFailures: string[] = [];

  beforeAll(async () => {
    storage = await openStorage('postgres');
    // No faults: any 5xx is the gateway's own.
    sandbox = createPersonioSandbox({ employees: 12, seed: 17 });
    const setup = await startGateway(storage, sandbox, undefined, UNPACED);
    acme = await createTenant(setup, SANDBOX_CREDENTIALS.full, 'Acme');
    globex = await createTenant(setup, SANDBOX_CREDENTIALS.full, 'Globex');
    // Wrong keys are part of the fuzz; the failure budget (its own suite) would turn most later calls into 429s.
    gateway = await startGateway(storage, sandbox, acme, {
      ...UNPACED,
      env: { ...UNPACED.env, AUTH_FAILURE_LIMIT: '0' },
    });
    const record = (level: string) => (message: string, fields?: Record<string, unknown>) => {
      if (level === 'error') errorLogs.push(JSON.stringify({ message, ...fields }));
    };
    gateway.app = await createApp({
      ...gateway.deps,
      logger: { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') },
    });

    const services = await createServices(gateway.deps);
    // Accounts the fuzz may update, check and delete; Acme's own account stays to carry unified calls.
    const spare = await Promise.all(
      ['spare-1', 'spare-2', 'spare-3', 'spare-4'].map((originId) =>
        linkPersonioAccount(services, {
          environmentId: acme.environmentId,
          integration: 'personio',
          credentials: SANDBOX_CREDENTIALS.limited,
          originId,
        }),
      ),
    );
    const page = async (path: string) => {
      const response = await gateway.request(path);
      expect(response.status, path).toBe(200);
      return (await response.json()) as { result: { id: string }[]; next_cursor: string | null };
    };
    const employees = await page('/unified/hris/employees?limit=5');
    const types = await page('/unified/hris/timeoff-types');
    const requests = await page('/unified/hris/timeoff-requests?limit=5');
    const linkedAccountIds = [...spare.map((account) => account.id), globex.linkedAccountId];
    known = {
      employee_id: employees.result.map((employee) => employee.id),
      timeoff_type_id: types.result.map((type) => type.id),
      id: [...employees.result, ...requests.result].map((item) => item.id),
      linked_account: linkedAccountIds,
      linked_account_id: linkedAccountIds,
      cursor: [employees.next_cursor, requests.next_cursor].filter((cursor): cursor is string =>
        Boolean(cursor),
      ),
      origin_id: ['acme-customer', 'spare-1'],
    };
    linkTokens = [];
    for (const originId of ['fuzz-1', 'fuzz-2']) {
      linkTokens.push(
        (await createLinkToken(gateway.app, acme.apiKey, { end_user: { origin_id: originId } })).link_token,
      );
    }
  });

  afterAll(async () => {
    await storage?.close();
  });

  function authorization(): fc.Arbitrary<string | undefined> {
    return fc.oneof(
      { weight: 16, arbitrary: fc.constant(`Bearer ${acme.apiKey}`) },
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constant(`Bearer ${globex.apiKey}`) },
      { weight: 1, arbitrary: fc.constant(`Bearer sk_test_${'Z'.repeat(32)}`) },
      { weight: 1, arbitrary: headerValue },
    );
  }

  /**
   * A request for one operation. `wellFormed`: every value as the document describes it (ids that exist
   * where known), a valid key and account, so the request reaches the handler; otherwise anything goes, in
   * any parameter, header or body.
   */
  function operationRequest(operation: Operation, wellFormedOnly: boolean): fc.Arbitrary<FuzzRequest> {
    const value = (schema: Schema | undefined, name: string) =>
      wellFormedOnly ? schemaValue(schema, known, name) : fuzzValue(schema, known, name);
    const pathParameters = parametersOf(operation, 'path');
    const path = fc
      .tuple(
        ...pathParameters.map((parameter) => {
          if (parameter.name === 'path') {
            const personioPath = fc.constantFrom(...PERSONIO_PATHS);
            return (wellFormedOnly ? personioPath : fc.oneof(personioPath, anyString)).map((raw) =>
              wellFormed(raw),
            );
          }
          const raw = namesLinkedAccount(parameter)
            ? fc.oneof(
                { weight: 4, arbitrary: fc.constantFrom(...known.linked_account!) },
                { weight: wellFormedOnly ? 0 : 1, arbitrary: anyString },
              )
            : value(parameter.schema, parameter.name);
          return raw.chain((segment) => pathSegment(segment, wellFormedOnly));
        }),
      )
      .map((values) => {
        let index = 0;
        return operation.path.replace(/\{[^}]+\}/g, () => values[index++] as string);
      });
    const query = fc
      .tuple(
        ...parametersOf(operation, 'query').map((parameter) =>
          // A cursor is bound to the filters it came with: a well-formed request starts without one.
          wellFormedOnly && parameter.name === 'cursor'
            ? fc.constant(null)
            : fc.option(fc.tuple(fc.constant(parameter.name), value(parameter.schema, parameter.name)), {
                freq: wellFormedOnly ? 3 : 2,
              }),
        ),
        wellFormedOnly ? fc.constant(null) : fc.option(fc.tuple(anyString, anyString), { freq: 4 }),
      )
      .map((pairs) => {
        const search = new URLSearchParams();
        for (const pair of pairs) {
          if (!pair) continue;
          const [name, item] = pair as [string, unknown];
          search.append(
            wellFormed(name),
            wellFormed(String(typeof item === 'object' ? JSON.stringify(item) : item)),
          );
        }
        return search.size ? `?${search}` : '';
      });
    const headerParameters = parametersOf(operation, 'header');
    const headers = fc
      .tuple(
        wellFormedOnly ? fc.constant(`Bearer ${acme.apiKey}`) : authorization(),
        ...headerParameters.map((parameter) => {
          if (namesLinkedAccount(parameter)) {
            return wellFormedOnly
              ? fc.constant(acme.linkedAccountId)
              : fc.oneof(
                  { weight: 8, arbitrary: fc.constant(acme.linkedAccountId) },
                  { weight: 1, arbitrary: fc.constant(undefined) },
                  { weight: 1, arbitrary: fc.constantFrom(...known.linked_account!) },
                  { weight: 1, arbitrary: headerValue },
                );
          }
          const good = fc.oneof(
            schemaValue(parameter.schema).map((item) => String(item)),
            fc.uuid(),
          );
          return fc.option(wellFormedOnly ? good : fc.oneof(good, headerValue));
        }),
      )
      .map(([auth, ...values]) => {
        const result: Record<string, string> = {};
        if (auth !== undefined) result.authorization = auth;
        headerParameters.forEach((parameter, index) => {
          if (values[index] !== undefined && values[index] !== null)
            result[parameter.name] = String(values[index]);
        });
        return result;
      });
    const bodySchema = requestBodySchema(operation);
    const method = wellFormedOnly
      ? fc.constant(operation.method)
      : fc.oneof(
          { weight: 6, arbitrary: fc.constant(operation.method) },
          { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
        );
    const body = wellFormedOnly
      ? bodySchema
        ? schemaValue(bodySchema, known).map((json) => [JSON.stringify(json), 'application/json'] as const)
        : fc.constant(null)
      : fc.option(
          fc.tuple(
            bodySchema ? fuzzJsonBody(bodySchema, known) : fc.oneof(fuzzJsonBody(undefined), anyString),
            fc.oneof(
              { weight: 4, arbitrary: fc.constant('application/json') },
              { weight: 1, arbitrary: fc.constant(undefined) },
              { weight: 3, arbitrary: contentType },
            ),
          ),
          { freq: bodySchema ? 12 : 3 },
        );
    return fc.record({ path, query, headers, method, body }).map(({ path, query, headers, method, body }) => {
      const request: FuzzRequest = {
        kind: 'api',
        label: `${operation.method} ${operation.path}`,
        wellFormed: wellFormedOnly,
        method,
        path: path + query,
        headers,
      };
      if (body && method !== 'GET' && method !== 'HEAD') {
        request.body = body[0];
        if (body[1] !== undefined) request.headers['content-type'] = body[1];
      }
      return request;
    });
  }

  function linkPageRequest(): fc.Arbitrary<FuzzRequest> {
    const token = fc.oneof(
      fc.constantFrom(...linkTokens),
      anyString.map((value) => encodeURIComponent(wellFormed(value))),
    );
    const suffix = fc.oneof(
      fc.constantFrom(
        '',
        '/',
        '/credentials',
        '/recheck',
        '/restart',
        '/confirm',
        '/credentials/x',
        '/../link',
      ),
      anyString.map((value) => `/${encodeURIComponent(wellFormed(value))}`),
    );
    const form = fc
      .dictionary(fc.constantFrom('csrf_token', 'client_id', 'client_secret', 'choice', 'x'), anyString, {
        maxKeys: 4,
      })
      .map((fields) =>
        new URLSearchParams(Object.entries(fields).map(([k, v]) => [k, wellFormed(v)])).toString(),
      );
    return fc
      .record({
        prefix: fc.constantFrom('/link/', '/link', '/link//'),
        token,
        suffix,
        method: fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom('GET', 'POST') },
          { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
        ),
        contentType: fc.option(fc.oneof(fc.constant('application/x-www-form-urlencoded'), contentType)),
        origin: fc.option(fc.constantFrom('http://127.0.0.1:8080', 'https://evil.example', 'null')),
        fetchSite: fc.option(fc.constantFrom('same-origin', 'cross-site', 'none')),
        body: fc.oneof(form, anyString, fc.constant('x'.repeat(20_000))),
      })
      .map((parts) => {
        const headers: Record<string, string> = {};
        if (parts.contentType) headers['content-type'] = parts.contentType;
        if (parts.origin) headers.origin = parts.origin;
        if (parts.fetchSite) headers['sec-fetch-site'] = parts.fetchSite;
        const request: FuzzRequest = {
          kind: 'link-page',
          label: 'link page',
          method: parts.method,
          path: `${parts.prefix}${parts.token}${parts.suffix}`,
          headers,
        };
        if (parts.method !== 'GET' && parts.method !== 'HEAD') request.body = wellFormed(parts.body);
        return request;
      });
  }

  function unknownRouteRequest(): fc.Arbitrary<FuzzRequest> {
    return fc
      .record({
        method: fc.constantFrom(...METHODS),
        segments: fc.array(
          fc.oneof(
            fc.constantFrom(
              'unified',
              'hris',
              'employees',
              'proxy',
              'linked-accounts',
              'link-tokens',
              'docs',
              '..',
              '%2e%2e',
              '',
            ),
            anyString,
          ),
          { minLength: 1, maxLength: 4 },
        ),
        auth: authorization(),
      })
      .map(({ method, segments, auth }) => ({
        kind: 'unknown' as const,
        label: 'other path',
        method,
        path: `/${segments.map((segment) => encodeURIComponent(wellFormed(segment))).join('/')}`,
        headers: auth ? { authorization: auth } : ({} as Record<string, string>),
      }));
  }

  const wellFormedCount = { sent: 0, succeeded: 0, unauthorized: 0 };

  async function check(request: FuzzRequest, statuses: Map<string, Map<number, number>>) {
    let response: Response;
    try {
      response = await gateway.app.request(request.path, {
        method: request.method,
        headers: request.headers,
        body: request.body,
      });
    } catch (error) {
      // The document check of the shared helper throws; so would a request the app failed to answer.
      throw new Error(`${describeRequest(request)}\n${error instanceof Error ? error.stack : String(error)}`);
    }
    const text = request.method === 'HEAD' ? '' : await response.text();
    const where = `${describeRequest(request)}\n→ ${response.status} ${response.headers.get('content-type')}: ${text.slice(0, 500)}`;
    if (request.wellFormed) {
      wellFormedCount.sent++;
      if (response.status < 300) wellFormedCount.succeeded++;
      if (response.status === 401) wellFormedCount.unauthorized++;
    }
    const byStatus = statuses.get(request.label) ?? new Map<number, number>();
    byStatus.set(response.status, (byStatus.get(response.status) ?? 0) + 1);
    statuses.set(request.label, byStatus);

    const upstream = response.headers.get('x-roster-source') === 'upstream';
    if (upstream && response.status >= 500) upstreamFailures.push(where);
    if (!upstream) expect(response.status, where).toBeLessThan(500);
    expect(response.headers.get('x-request-id'), where).toMatch(/^req_[0-9A-Za-z]{22}$/);
    expect(errorLogs, where).toEqual([]);
    if (response.status < 400 || upstream || request.method === 'HEAD') return;
    if (request.kind === 'link-page' && /^text\/html/.test(response.headers.get('content-type') ?? '')) {
      expect(text, where).toContain('<h1');
      return;
    }
    expect(response.headers.get('content-type'), where).toMatch(/^application\/json/);
    const envelope = JSON.parse(text) as {
      error?: { code?: string; message?: unknown; request_id?: unknown };
    };
    expect(Object.keys(envelope), where).toEqual(['error']);
    const code = envelope.error?.code as keyof typeof ERROR_CODES;
    expect(Object.keys(ERROR_CODES), where).toContain(code);
    expect(ERROR_CODES[code].status, where).toBe(response.status);
    expect(typeof envelope.error?.message === 'string' && envelope.error.message.length > 0, where).toBe(
      true,
    );
    expect(envelope.error?.request_id, where).toBe(response.headers.get('x-request-id'));
  }

  it(`answers ${RUNS} generated requests without a 5xx, each error in the envelope`, {
    timeout: 240_000,
  }, async () => {
    const statuses = new Map<string, Map<number, number>>();
    wellFormedCount.sent = 0;
    wellFormedCount.succeeded = 0;
    wellFormedCount.unauthorized = 0;
    const request = fc.oneof(
      {
        weight: 12,
        arbitrary: fc
          .tuple(fc.constantFrom(...operations), fc.boolean())
          .chain(([operation, wellFormedOnly]) => operationRequest(operation, wellFormedOnly)),
      },
      { weight: 2, arbitrary: linkPageRequest() },
      { weight: 1, arbitrary: unknownRouteRequest() },
    );
    let sent = 0;
    const started = performance.now();
    try {
      await fc.assert(
        fc.asyncProperty(request, async (generated) => {
          sent++;
          await check(generated, statuses);
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: process.env.FUZZ_SHRINK !== '1' },
      );
    } catch (error) {
      // fast-check keeps the failed assertion (request and answer) as the cause.
      const cause = (error as Error).cause;
      throw new Error(
        `Fuzzing failed; replay with FUZZ_SEED=${SEED} (FUZZ_SHRINK=1 to shrink).\n${(error as Error).message}\n${
          cause instanceof Error ? cause.message : ''
        }`,
      );
    }
    const summary = [...statuses].map(
      ([label, byStatus]) =>
        `${label}: ${[...byStatus].map(([status, count]) => `${status}×${count}`).join(' ')}`,
    );
    console.log(
      `fuzz seed ${SEED}: ${sent} requests in ${Math.round(performance.now() - started)} ms\n${summary.join('\n')}`,
      upstreamFailures.length
        ? `\nPersonio (the simulator) answered 5xx:\n${upstreamFailures.join('\n\n')}`
        : '',
    );
    expect(sent).toBeGreaterThanOrEqual(RUNS);
    // About 40% of the requests are well-formed (valid key, account, parameters, body): the fuzz must get past
    // auth and validation, not only bounce. Counted on those alone: none is refused as unauthenticated, and about
    // a fifth answer 2xx (most others name ids that do not exist: 404). The bound sits far below what any seed
    // gives (±0.013 at 1,000 requests), so it catches a generator that stopped reaching handlers, not bad luck.
    console.log(`well-formed: ${wellFormedCount.succeeded} of ${wellFormedCount.sent} answered 2xx`);
    expect(wellFormedCount.sent).toBeGreaterThan(RUNS / 5);
    expect(wellFormedCount.unauthorized).toBe(0);
    expect(wellFormedCount.succeeded / wellFormedCount.sent).toBeGreaterThan(0.1);
  });
});

describe('unknown link page paths', () => {
  let storage: Storage;
  let gateway: TestGateway;
  const errorLogs: string[] = [];

  beforeAll(async () => {
    storage = await openStorage('pglite');
    const sandbox = createPersonioSandbox({ employees: 10 });
    const setup = await startGateway(storage, sandbox);
    gateway = setup;
    gateway.app = await createApp({
      ...setup.deps,
      logger: {
        debug: () => {},
        info: () => {},
        warn: () => {},
        error: (message, fields) => errorLogs.push(JSON.stringify({ message, ...fields })),
      },
    });
  });

  afterAll(async () => {
    await storage?.close();
  });

  it.each([
    ['POST', '/link/anything'],
    ['POST', '/link/anything/else'],
    ['POST', '/link/anything/credentials/more'],
    ['GET', '/link/anything/else'],
    ['PUT', '/link/anything'],
    ['DELETE', '/link/anything/confirm'],
    ['POST', '/link'],
    ['GET', '/link/'],
  ])('answers %s %s with a 404 page, not a 500 or JSON', async (method, path) => {
    const response = await gateway.app.request(path, {
      method,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: method === 'GET' ? undefined : 'client_id=a&client_secret=b',
    });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    const html = await response.text();
    expect(html).toContain('This page does not exist');
    expect(html).not.toContain('<form');
    expect(errorLogs).toEqual([]);
  });
});
