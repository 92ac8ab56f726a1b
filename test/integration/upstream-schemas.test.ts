import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Employee } from '../../src/models/employee';
import type { TimeoffRequest } from '../../src/models/timeoff';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import {
  createPersonioSandbox,
  createTenant,
  openStorage,
  type Storage,
  startGateway,
  type Tenant,
  type TestGateway,
} from '../support/gateway';
import { send, UNPACED } from '../support/timeoff';

// biome-ignore lint/suspicious/noExplicitAny: Personio bodies are edited structurally.
type Body = any;

/**
 * The simulator's answers, edited on the way to the gateway the way Personio's own examples differ from
 * its schema: unread fields of other types must pass (and reach `remote_data` as sent); a read field of
 * the wrong type must end as 502 `provider_error` naming it.
 */
describe('upstream schemas end to end: unread fields pass, a wrong read field is a 502 naming it', () => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let gateway: TestGateway;
  let tenant: Tenant;
  /** Edits of the JSON answers to GET requests, by upstream path. */
  const edits = new Map<string, (body: Body) => void>();

  beforeAll(async () => {
    storage = await openStorage('postgres');
    sandbox = createPersonioSandbox({ employees: 20, seed: 5 });
    const fetch = async (request: Request) => {
      const response = await sandbox.fetch(request);
      const edit = edits.get(new URL(request.url).pathname);
      if (request.method !== 'GET' || !edit || response.status !== 200) return response;
      const body = await response.json();
      edit(body);
      return Response.json(body, { status: 200 });
    };
    const setup = await startGateway(storage, sandbox, undefined, { ...UNPACED, fetch });
    tenant = await createTenant(setup);
    gateway = await startGateway(storage, sandbox, tenant, { ...UNPACED, fetch });
  });

  afterAll(async () => {
    edits.clear();
    await storage?.close();
  });

  it('reads time-offs whose unread fields have other types, and returns them as sent in remote_data', async () => {
    edits.set('/v1/company/time-offs', (body) => {
      // As in Personio's own examples (REFERENCE §3.1), plus other unread fields of odd types.
      body.offset = '0,';
      body.limit = '200,';
      body.metadata.current_page = '1';
      for (const record of body.data) {
        record.type = 7;
        record.attributes.certificate = 5;
        record.attributes.time_off_type.attributes.category = ['x'];
        record.attributes.employee.attributes.first_name = 'plain';
      }
    });
    try {
      const reply = await send(
        gateway,
        tenant,
        'GET',
        '/unified/hris/timeoff-requests?limit=5&include_remote_data=true',
      );
      expect(reply.status).toBe(200);
      const requests = reply.body.result as TimeoffRequest[];
      expect(requests).toHaveLength(5);
      for (const request of requests) {
        expect(request.units).toBe('days');
        expect(request.timeoff_type?.name).toEqual(expect.any(String));
        expect(request.remote_data).toMatchObject({
          type: 7,
          attributes: {
            certificate: 5,
            time_off_type: { attributes: { category: ['x'] } },
            employee: { attributes: { first_name: 'plain' } },
          },
        });
      }
    } finally {
      edits.delete('/v1/company/time-offs');
    }
  });

  it('answers 502 provider_error naming a read time-off field of the wrong type', async () => {
    edits.set('/v1/company/time-offs', (body) => {
      body.data[0].attributes.start_date = 20260706;
    });
    try {
      const reply = await send(gateway, tenant, 'GET', '/unified/hris/timeoff-requests?limit=5');
      expect(reply.status).toBe(502);
      expect(reply.body.error.code).toBe('provider_error');
      expect(reply.body.error.message).toContain('`data.0.attributes.start_date`');
      expect(reply.body.error.details.upstream_status).toBe(200);
      expect(reply.body.error.details.issues[0].path).toBe('data.0.attributes.start_date');
      expect(reply.body.error.request_id).toBe(reply.headers.get('x-request-id'));
    } finally {
      edits.delete('/v1/company/time-offs');
    }
  });

  it('reads employees whose unread attributes have other shapes, keeping them in remote_data', async () => {
    edits.set('/v1/company/employees', (body) => {
      body.offset = '0,';
      body.metadata.current_page = 'first';
      for (const record of body.data) {
        record.type = null;
        record.attributes.fix_salary = 3000;
        record.attributes.holiday_calendar = 'Berlin';
        if (record.attributes.first_name) record.attributes.first_name.label = 12;
      }
    });
    try {
      const reply = await send(
        gateway,
        tenant,
        'GET',
        '/unified/hris/employees?limit=3&include_remote_data=true',
      );
      expect(reply.status).toBe(200);
      const employees = reply.body.result as Employee[];
      expect(employees).toHaveLength(3);
      for (const employee of employees) {
        expect(employee.first_name).toEqual(expect.any(String));
        expect(employee.remote_data).toMatchObject({
          type: null,
          attributes: { fix_salary: 3000, holiday_calendar: 'Berlin', first_name: { label: 12 } },
        });
      }
    } finally {
      edits.delete('/v1/company/employees');
    }
  });

  it('answers 502 provider_error naming a read employee attribute that is not an attribute object', async () => {
    edits.set('/v1/company/employees', (body) => {
      body.data[1].attributes.status = 'active';
    });
    try {
      const reply = await send(gateway, tenant, 'GET', '/unified/hris/employees?limit=3');
      expect(reply.status).toBe(502);
      expect(reply.body.error.code).toBe('provider_error');
      expect(reply.body.error.details.issues[0].path).toBe('data.1.attributes.status');
      expect(reply.body.error.message).toContain('`data.1.attributes.status`');
    } finally {
      edits.delete('/v1/company/employees');
    }
  });
});
