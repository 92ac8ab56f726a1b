import type { ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPersonioSandbox, SANDBOX_CREDENTIALS } from '../../src/sandbox/personio/index';
import { deleteJson, everything, getAuthed, postForm } from './absence-client';
import { ABSENCE_ERRATA, withoutOffsetTypo } from './personio-absence-errata';
import {
  buildValidators,
  describeErrors,
  type Json,
  loadSpec,
  officialExample,
  PERSONNEL_ERRATA,
  PERSONNEL_SPEC_FILE,
  patchedSpec,
} from './personio-openapi';
import { tokenFor } from './sandbox-client';

const rawSpec = loadSpec(PERSONNEL_SPEC_FILE);
const spec = patchedSpec(rawSpec, [...PERSONNEL_ERRATA, ...ABSENCE_ERRATA]);
const validators = buildValidators(spec, 'personio-absences');
const unpatched = buildValidators(rawSpec, 'personio-absences-unpatched');

const validate = {
  types: validators.forOperation('/company/time-off-types', 'get', '200'),
  timeOffs: validators.forOperation('/company/time-offs', 'get', '200'),
  timeOff: validators.forOperation('/company/time-offs/{id}', 'get', '200'),
  timeOff404: validators.forOperation('/company/time-offs/{id}', 'get', '404'),
  createTimeOff: validators.forOperation('/company/time-offs', 'post', '200'),
  createTimeOff400: validators.forOperation('/company/time-offs', 'post', '400'),
  createTimeOff404: validators.forOperation('/company/time-offs', 'post', '404'),
  createTimeOff422: validators.forOperation('/company/time-offs', 'post', '422'),
  deleteTimeOff: validators.forOperation('/company/time-offs/{id}', 'delete', '200'),
  deleteTimeOff400: validators.forOperation('/company/time-offs/{id}', 'delete', '400'),
  deleteTimeOff404: validators.forOperation('/company/time-offs/{id}', 'delete', '404'),
  periods: validators.forOperation('/company/absence-periods', 'get', '200'),
  createPeriod: validators.forOperation('/company/absence-periods', 'post', '201'),
  createPeriod404: validators.forOperation('/company/absence-periods', 'post', '404'),
  createPeriod422: validators.forOperation('/company/absence-periods', 'post', '422'),
  deletePeriod: validators.forOperation('/company/absence-periods/{id}', 'delete', '200'),
  deletePeriod400: validators.forOperation('/company/absence-periods/{id}', 'delete', '400'),
  deletePeriod404: validators.forOperation('/company/absence-periods/{id}', 'delete', '404'),
  balance: validators.forOperation('/company/employees/{employee_id}/absences/balance', 'get', '200'),
  balance404: validators.forOperation('/company/employees/{employee_id}/absences/balance', 'get', '404'),
};

function expectValid(validator: ValidateFunction, body: unknown): void {
  const valid = validator(body);
  expect(valid, describeErrors(validator)).toBe(true);
}

const sandbox = createPersonioSandbox({ employees: 60, seed: 11 });
let token = '';
beforeAll(async () => {
  token = await tokenFor(sandbox, SANDBOX_CREDENTIALS.full);
});

describe('absence errata', () => {
  it('A1: the unpatched list schemas reject the official list examples; patched they accept them', () => {
    for (const path of ['/company/time-offs', '/company/absence-periods']) {
      const example = withoutOffsetTypo(officialExample(rawSpec, path, 'get', '200'));
      const raw = unpatched.forOperation(path, 'get', '200');
      expect(raw(example)).toBe(false);
      expect(describeErrors(raw)).toContain('/data must be object');
      expectValid(validators.forOperation(path, 'get', '200'), example);
    }
  });

  it('the official list examples really carry the offset/limit typo, which the validators reject', () => {
    const example = officialExample(rawSpec, '/company/time-offs', 'get', '200');
    expect(example.offset).toBe('0,');
    expect(validate.timeOffs(example)).toBe(false);
  });

  it('A2: the create time-off example fits only the single envelope', () => {
    const example = officialExample(rawSpec, '/company/time-offs', 'post', '200');
    expect(unpatched.forOperation('/company/time-offs', 'post', '200')(example)).toBe(false);
    expectValid(validate.createTimeOff, example);
  });

  it('A3: the create absence-period example sends data as an array, which neither schema allows', () => {
    const example = officialExample(rawSpec, '/company/absence-periods', 'post', '201');
    expect(Array.isArray(example.data)).toBe(true);
    expect(unpatched.forOperation('/company/absence-periods', 'post', '201')(example)).toBe(false);
    expect(validate.createPeriod(example)).toBe(false);
    expectValid(validate.createPeriod, { ...example, data: example.data[0] });
  });

  it('A4: the wrapped absence_type of the examples is accepted only with the erratum', () => {
    const example = withoutOffsetTypo(officialExample(rawSpec, '/company/absence-periods', 'get', '200'));
    const onlyA1 = buildValidators(
      patchedSpec(rawSpec, ABSENCE_ERRATA.slice(0, 1)),
      'personio-absences-a1',
    ).forOperation('/company/absence-periods', 'get', '200');
    expect(onlyA1(example)).toBe(false);
    expect(describeErrors(onlyA1)).toContain("absence_type must have required property 'id'");
    expectValid(validate.periods, example);
  });

  it('errata refuse to apply when their target node changed', () => {
    const drifted = structuredClone(rawSpec);
    drifted.components.schemas.HourlyAbsence.properties.absence_type = { type: 'object' };
    expect(() => patchedSpec(drifted, ABSENCE_ERRATA)).toThrow(/A4-absence-type-is-wrapped/);
    const moved = structuredClone(rawSpec);
    moved.paths['/company/time-offs'].post.responses['200'].content['application/json'].schema = {
      $ref: '#/components/schemas/AbsencePeriodResponse',
    };
    expect(() => patchedSpec(moved, ABSENCE_ERRATA)).toThrow(/A2-create-time-off-response-wrapped-twice/);
  });
});

describe('GET /v1/company/time-off-types', () => {
  it('matches the spec, with the later configuration fields, for every page', async () => {
    for (const query of ['', '?limit=3', '?limit=3&offset=3', '?offset=7']) {
      const { status, body } = await getAuthed(sandbox, `/company/time-off-types${query}`, token);
      expect(status).toBe(200);
      expectValid(validate.types, body);
    }
    const { body } = await getAuthed(sandbox, '/company/time-off-types', token);
    expect(body.data[0].attributes).toHaveProperty('half_day_requests_enabled');
    expect(new Set(body.data.map((type: Json) => type.attributes.unit))).toEqual(new Set(['day', 'hour']));
  });
});

describe('GET /v1/company/time-offs', () => {
  it.each([
    ['unfiltered', ''],
    ['second page', '?limit=50&offset=1'],
    ['window', '?start_date=2026-01-01&end_date=2026-03-31'],
    ['updated window', '?updated_from=2025-06-01&updated_to=2025-12-31'],
    ['employees', '?employees[]=1001&employees[]=1002'],
    ['empty', '?start_date=2040-01-01'],
  ])('%s matches AbsencePeriodsResponse', async (_name, query) => {
    const { status, body } = await getAuthed(sandbox, `/company/time-offs${query}`, token);
    expect(status).toBe(200);
    expectValid(validate.timeOffs, body);
  });

  it('the limited credential gets a valid list too', async () => {
    const limited = await tokenFor(sandbox, SANDBOX_CREDENTIALS.limited);
    const { body } = await getAuthed(sandbox, '/company/time-offs?limit=5', limited);
    expectValid(validate.timeOffs, body);
    // Whitelisted: id, first_name, last_name, email, status; the embedded employee keeps to them.
    expect(Object.keys(body.data[0].attributes.employee.attributes).sort()).toEqual([
      'email',
      'first_name',
      'id',
      'last_name',
    ]);
  });

  it('one time-off and an unknown id match their schemas', async () => {
    const [first] = await everything(sandbox, '/company/time-offs', token);
    const found = await getAuthed(sandbox, `/company/time-offs/${first.attributes.id}`, token);
    expect(found.status).toBe(200);
    expectValid(validate.timeOff, found.body);
    const missing = await getAuthed(sandbox, '/company/time-offs/99999999', token);
    expect(missing.status).toBe(404);
    expectValid(validate.timeOff404, missing.body);
  });
});

describe('writes on /v1/company/time-offs', () => {
  const employeeId = () => String(sandbox.employeeIds()[5]);

  it('create, then delete, match their schemas; errors match theirs', async () => {
    const created = await postForm(sandbox, '/company/time-offs', token, {
      employee_id: employeeId(),
      time_off_type_id: '301',
      start_date: '2030-03-04',
      end_date: '2030-03-06',
      half_day_start: '0',
      half_day_end: '1',
      comment: 'Spec test',
    });
    expect(created.status).toBe(200);
    expectValid(validate.createTimeOff, created.body);
    expect(created.body.data.attributes).toMatchObject({ days_count: 2.5, created_by: 'API' });

    const overlapping = await postForm(sandbox, '/company/time-offs', token, {
      employee_id: employeeId(),
      time_off_type_id: '301',
      start_date: '2030-03-05',
      end_date: '2030-03-05',
      half_day_start: '0',
      half_day_end: '0',
    });
    expect(overlapping.status).toBe(400);
    expectValid(validate.createTimeOff400, overlapping.body);

    const unknownType = await postForm(sandbox, '/company/time-offs', token, {
      employee_id: employeeId(),
      time_off_type_id: '999',
      start_date: '2030-04-01',
      end_date: '2030-04-01',
      half_day_start: '0',
      half_day_end: '0',
    });
    expect(unknownType.status).toBe(404);
    expectValid(validate.createTimeOff404, unknownType.body);

    const invalid = await postForm(sandbox, '/company/time-offs', token, { employee_id: employeeId() });
    expect(invalid.status).toBe(422);
    expectValid(validate.createTimeOff422, invalid.body);
    expect(Object.keys(invalid.body.error.error_data)).toEqual(
      expect.arrayContaining([
        'time_off_type_id',
        'start_date',
        'end_date',
        'half_day_start',
        'half_day_end',
      ]),
    );

    const id = created.body.data.attributes.id;
    const deleted = await deleteJson(sandbox, `/company/time-offs/${id}`, token);
    expect(deleted.status).toBe(200);
    expectValid(validate.deleteTimeOff, deleted.body);
    const again = await deleteJson(sandbox, `/company/time-offs/${id}`, token);
    expect(again.status).toBe(404);
    expectValid(validate.deleteTimeOff404, again.body);
    const invalidId = await deleteJson(sandbox, '/company/time-offs/abc', token);
    expect(invalidId.status).toBe(400);
    expectValid(validate.deleteTimeOff400, invalidId.body);
  });
});

describe('/v1/company/absence-periods', () => {
  it.each([
    ['unfiltered', ''],
    ['second page', '?limit=20&offset=1'],
    ['window', '?start_date=2026-01-01&end_date=2026-03-31'],
    ['updated_from', '?updated_from=2025-10-01T00:00:00'],
    ['absence type', '?absence_types[]=7a3e5c1b-9d2f-4e8a-b6c4-1f0d3e5a7b92'],
  ])('%s matches HourlyAbsencePeriodsResponse', async (_name, query) => {
    const { status, body } = await getAuthed(sandbox, `/company/absence-periods${query}`, token);
    expect(status).toBe(200);
    expect(body.data.length).toBeGreaterThan(0);
    expectValid(validate.periods, body);
  });

  it('create (partial day and whole days), then delete, match their schemas', async () => {
    const partial = await postForm(sandbox, '/company/absence-periods', token, {
      employee_id: String(sandbox.employeeIds()[7]),
      time_off_type_id: '306',
      start_date: '2030-05-06',
      end_date: '2030-05-06',
      start_time: '09:30',
      end_time: '11:00',
    });
    expect(partial.status).toBe(201);
    expectValid(validate.createPeriod, partial.body);
    expect(partial.body.data.attributes).toMatchObject({
      effective_duration: 90,
      start: '2030-05-06T07:30:00.000Z',
      end: '2030-05-06T09:00:00.000Z',
    });

    const days = await postForm(sandbox, '/company/absence-periods', token, {
      employee_id: String(sandbox.employeeIds()[7]),
      time_off_type_id: '305',
      start_date: '2030-05-07',
      end_date: '2030-05-08',
      half_day_end: '1',
    });
    expect(days.status).toBe(201);
    expectValid(validate.createPeriod, days.body);
    expect(days.body.data.attributes.effective_duration).toBe(480 + 240);

    const unknownType = await postForm(sandbox, '/company/absence-periods', token, {
      employee_id: String(sandbox.employeeIds()[7]),
      time_off_type_id: '301',
      start_date: '2030-05-09',
      end_date: '2030-05-09',
      start_time: '09:00',
      end_time: '10:00',
    });
    expect(unknownType.status).toBe(404);
    expectValid(validate.createPeriod404, unknownType.body);

    const noTimes = await postForm(sandbox, '/company/absence-periods', token, {
      employee_id: String(sandbox.employeeIds()[7]),
      time_off_type_id: '306',
      start_date: '2030-05-09',
      end_date: '2030-05-09',
    });
    expect(noTimes.status).toBe(422);
    expectValid(validate.createPeriod422, noTimes.body);

    const id = partial.body.data.attributes.id;
    const deleted = await deleteJson(sandbox, `/company/absence-periods/${id}`, token);
    expect(deleted.status).toBe(200);
    expectValid(validate.deletePeriod, deleted.body);
    const again = await deleteJson(sandbox, `/company/absence-periods/${id}`, token);
    expect(again.status).toBe(404);
    expectValid(validate.deletePeriod404, again.body);
    const invalidId = await deleteJson(sandbox, '/company/absence-periods/12345', token);
    expect(invalidId.status).toBe(400);
    expectValid(validate.deletePeriod400, invalidId.body);
  });
});

describe('GET /v1/company/employees/{employee_id}/absences/balance', () => {
  it('matches EmployeeAbsenceBalance, and the unknown-employee 404 its schema', async () => {
    for (const id of sandbox.employeeIds().slice(0, 5)) {
      const { status, body } = await getAuthed(sandbox, `/company/employees/${id}/absences/balance`, token);
      expect(status).toBe(200);
      expectValid(validate.balance, body);
    }
    const missing = await getAuthed(sandbox, '/company/employees/999999/absences/balance', token);
    expect(missing.status).toBe(404);
    expectValid(validate.balance404, missing.body);
  });
});

describe('the absence validators reject malformed bodies', () => {
  it.each([
    ['data is an object', (body: Json) => (body.data = body.data[0])],
    ['metadata lacks total_pages', (body: Json) => delete body.metadata.total_pages],
    ['an id is a string', (body: Json) => (body.data[0].attributes.id = String(body.data[0].attributes.id))],
    ['days_count is a string', (body: Json) => (body.data[0].attributes.days_count = '3')],
    ['half_day_start is a string', (body: Json) => (body.data[0].attributes.half_day_start = 'false')],
  ])('time-offs: %s', async (_name, change) => {
    const { body } = await getAuthed(sandbox, '/company/time-offs?limit=2', token);
    expectValid(validate.timeOffs, body);
    change(body);
    expect(validate.timeOffs(body)).toBe(false);
  });

  it.each([
    ['effective_duration is a string', (body: Json) => (body.data[0].attributes.effective_duration = '60')],
    ['start is not a date-time', (body: Json) => (body.data[0].attributes.start = '2026-01-01')],
    ['a breakdown lacks its date', (body: Json) => delete body.data[0].attributes.breakdowns[0].date],
    ['absence_type is bare', (body: Json) => (body.data[0].attributes.absence_type = { id: 'x' })],
  ])('absence periods: %s', async (_name, change) => {
    const { body } = await getAuthed(sandbox, '/company/absence-periods?limit=2', token);
    expectValid(validate.periods, body);
    change(body);
    expect(validate.periods(body)).toBe(false);
  });
});
