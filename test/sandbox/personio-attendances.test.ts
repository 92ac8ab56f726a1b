import { isDeepStrictEqual } from 'node:util';
import type { ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPersonioSandbox, SANDBOX_CREDENTIALS } from '../../src/sandbox/personio/index';
import { deleteJson, getAuthed, postForm } from './absence-client';
import {
  buildValidators,
  describeErrors,
  type Erratum,
  type Json,
  loadSpec,
  PERSONNEL_SPEC_FILE,
  patchedSpec,
} from './personio-openapi';
import { bearer, tokenFor } from './sandbox-client';

const ATTENDANCE_ERRATA: readonly Erratum[] = [
  {
    id: 'T1-attendance-list-data-is-array',
    kind: 'spec-bug',
    why: 'AttendancePeriodsResponse is allOf[Response, …] like EmployeesResponse (E1): `data` object vs array.',
    apply(spec) {
      const allOf = spec.components.schemas.AttendancePeriodsResponse?.allOf;
      if (!isDeepStrictEqual(allOf?.[0], { $ref: '#/components/schemas/Response' })) {
        throw new Error('Erratum T1 no longer matches the spec; re-check it.');
      }
      allOf[0] = {
        type: 'object',
        required: ['success', 'data'],
        properties: { success: { type: 'boolean' }, data: {} },
      };
    },
  },
  {
    id: 'T2-attendance-error-msg-nullable',
    kind: 'spec-bug',
    why: "The 400 example's stored rows carry `error_msg: null`, which the schema's `type: string` refuses.",
    apply(spec) {
      const row =
        spec.components.schemas.AttendanceCreateUpdate400ErrorResponse.properties.error.properties
          .detailed_message.items.properties;
      if (row.error_msg?.type !== 'string')
        throw new Error('Erratum T2 no longer matches the spec; re-check it.');
      row.error_msg.nullable = true;
    },
  },
];

const spec = patchedSpec(loadSpec(PERSONNEL_SPEC_FILE), ATTENDANCE_ERRATA);
const validators = buildValidators(spec, 'personio-attendances');
const validate = {
  list: validators.forOperation('/company/attendances', 'get', '200'),
  create: validators.forOperation('/company/attendances', 'post', '200'),
  create400: validators.forOperation('/company/attendances', 'post', '400'),
  update: validators.forOperation('/company/attendances/{id}', 'patch', '200'),
  update404: validators.forOperation('/company/attendances/{id}', 'patch', '404'),
  remove: validators.forOperation('/company/attendances/{id}', 'delete', '200'),
  remove404: validators.forOperation('/company/attendances/{id}', 'delete', '404'),
};

function expectValid(validator: ValidateFunction, body: unknown): void {
  expect(validator(body), describeErrors(validator)).toBe(true);
}

const sandbox = createPersonioSandbox({ employees: 40, seed: 12 });
let token = '';
beforeAll(async () => {
  token = await tokenFor(sandbox, SANDBOX_CREDENTIALS.full);
});

async function send(method: 'POST' | 'PATCH', path: string, body: unknown) {
  const response = await sandbox.fetch(
    new Request(`http://sandbox.test/v1${path}`, {
      method,
      headers: { authorization: bearer(token), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
  return { status: response.status, body: (await response.json()) as Json };
}

describe('attendances', () => {
  it('lists seeded attendances in a window as the spec describes, paged by record offset', async () => {
    const all = await getAuthed(
      sandbox,
      '/company/attendances?start_date=2025-12-01&end_date=2026-01-31',
      token,
    );
    expect(all.status).toBe(200);
    expectValid(validate.list, all.body);
    expect(all.body.data.length).toBeGreaterThan(100);
    // Without includePending only confirmed periods come back.
    expect(new Set(all.body.data.map((item: Json) => item.attributes.status))).toEqual(
      new Set(['confirmed']),
    );
    const withPending = await getAuthed(
      sandbox,
      '/company/attendances?start_date=2025-12-01&end_date=2026-01-31&includePending=true',
      token,
    );
    expect(withPending.body.metadata.total_elements).toBeGreaterThan(all.body.metadata.total_elements);

    const second = await getAuthed(
      sandbox,
      '/company/attendances?start_date=2025-12-01&end_date=2026-01-31&limit=5&offset=5',
      token,
    );
    expect(second.body.data.map((item: Json) => item.id)).toEqual(
      all.body.data.slice(5, 10).map((item: Json) => item.id),
    );
    const one = sandbox.employeeIds()[2]!;
    const filtered = await getAuthed(
      sandbox,
      `/company/attendances?start_date=2026-01-05&end_date=2026-01-09&employees[]=${one}`,
      token,
    );
    for (const item of filtered.body.data) {
      expect(item.attributes.employee).toBe(one);
      expect(item.attributes.date >= '2026-01-05' && item.attributes.date <= '2026-01-09').toBe(true);
    }
  });

  it('requires start_date and end_date', async () => {
    const missing = await getAuthed(sandbox, '/company/attendances?start_date=2026-01-01', token);
    expect(missing.status).toBe(400);
    expect(missing.body.success).toBe(false);
  });

  it('creates, updates and deletes periods; an overlap is refused with the per-row report', async () => {
    const employee = sandbox.employeeIds()[30]!;
    const created = await send('POST', '/company/attendances', {
      attendances: [
        {
          employee,
          date: '2027-03-01',
          start_time: '09:00',
          end_time: '17:30',
          break: 30,
          comment: 'Release',
          project_id: 9101,
        },
        { employee, date: '2027-03-02', start_time: '08:00', end_time: null, break: 0 },
      ],
      skip_approval: false,
    });
    expect(created.status).toBe(200);
    expectValid(validate.create, created.body);
    const [first, second] = created.body.data.id as number[];
    const listed = await getAuthed(
      sandbox,
      `/company/attendances?start_date=2027-03-01&end_date=2027-03-02&employees[]=${employee}&includePending=true`,
      token,
    );
    expectValid(validate.list, listed.body);
    expect(
      listed.body.data.map((item: Json) => [item.id, item.attributes.status, item.attributes.end_time]),
    ).toEqual([
      [first, 'pending', '17:30'],
      [second, 'pending', null],
    ]);
    expect(listed.body.data[0].attributes.project).toEqual({
      id: 9101,
      type: 'Project',
      attributes: { name: 'Internal', active: true },
    });

    const overlap = await send('POST', '/company/attendances', {
      attendances: [{ employee, date: '2027-03-01', start_time: '17:00', end_time: '19:00', break: 0 }],
    });
    expect(overlap.status).toBe(400);
    expectValid(validate.create400, overlap.body);
    expect(overlap.body.error.detailed_message[0]).toMatchObject({
      success: false,
      error_msg: 'Existing overlapping attendances periods',
      id: null,
    });

    const updated = await send('PATCH', `/company/attendances/${second}`, { end_time: '16:00', break: 45 });
    expect(updated.status).toBe(200);
    expectValid(validate.update, updated.body);
    const clash = await send('PATCH', `/company/attendances/${second}`, { date: '2027-03-01' });
    expect(clash.status).toBe(400);
    const unknown = await send('PATCH', '/company/attendances/999', { break: 10 });
    expect(unknown.status).toBe(404);
    expectValid(validate.update404, unknown.body);

    const removed = await deleteJson(sandbox, `/company/attendances/${first}`, token);
    expect(removed.status).toBe(200);
    expectValid(validate.remove, removed.body);
    const again = await deleteJson(sandbox, `/company/attendances/${first}`, token);
    expect(again.status).toBe(404);
    expectValid(validate.remove404, again.body);
    const after = await getAuthed(
      sandbox,
      `/company/attendances?start_date=2027-03-01&end_date=2027-03-02&employees[]=${employee}&includePending=true`,
      token,
    );
    expect(
      after.body.data.map((item: Json) => [item.id, item.attributes.end_time, item.attributes.break]),
    ).toEqual([[second, '16:00', 45]]);
  });

  it('accepts the form encoding the spec documents', async () => {
    const employee = sandbox.employeeIds()[31]!;
    const created = await postForm(sandbox, '/company/attendances', token, {
      'attendances[][employee]': String(employee),
      'attendances[][date]': '2027-04-01',
      'attendances[][start_time]': '10:00',
      'attendances[][end_time]': '12:00',
      'attendances[][break]': '0',
    });
    expect(created.status).toBe(200);
    expect(created.body.data.id).toHaveLength(1);
  });
});
