import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import days from '../../../test/fixtures/personio/absence-period-days.json';
import employeeFull from '../../../test/fixtures/personio/employee-full.json';
import timeOff from '../../../test/fixtures/personio/time-off.json';
import { MemoryCache } from '../../cache/memory';
import { base64url } from '../../crypto/encoding';
import { randomBytes } from '../../crypto/random';
import { createSecretBox } from '../../crypto/secret-box';
import { ApiError, ERROR_CODES } from '../../errors';
import type { TimeoffType } from '../../models/timeoff';
import { fetchTransport } from '../http';
import { PersonioClient } from './client';
import { employeeFieldCoverage } from './mappers/coverage';
import { mapEmployee } from './mappers/employee';
import { mapAbsencePeriod, mapBalance, mapTimeOffPeriod, mapTimeoffType } from './mappers/timeoff';
import { AttributeListSchema, EmployeeListSchema, EmployeeResponseSchema } from './schemas';
import {
  AbsencePeriodListSchema,
  BalanceListSchema,
  TimeOffListSchema,
  TimeOffResponseSchema,
  TimeOffTypeListSchema,
} from './timeoff-schemas';
import { PersonioTokenManager } from './token-manager';

/**
 * The rule for every upstream schema: a field the gateway does not read may hold a value of any type
 * (the page is accepted, the mapping is unchanged, and the field reaches `remote_data` as sent); a
 * field it reads with a value of the wrong type fails the answer with 502 `provider_error` naming it.
 */

const TOKEN = 'papi-upstream-schemas-test';

/** A client whose Personio answers every resource call with `body` (and /auth with `auth`). */
async function clientAnswering(body: unknown, auth: unknown = { success: true, data: { token: TOKEN } }) {
  const fetch = async (request: Request) =>
    Response.json(new URL(request.url).pathname.endsWith('/auth') ? auth : body);
  return new PersonioClient({
    baseUrl: 'https://personio.test/v1',
    transport: fetchTransport(fetch),
    credentials: { clientId: 'id', clientSecret: 'secret' },
    tokens: new PersonioTokenManager(
      new MemoryCache(),
      await createSecretBox(base64url.encode(randomBytes(32))),
    ),
    accountKey: 'la_schemas',
    appId: 'ROSTER',
    retry: { attemptTimeoutMs: 1_000, budgetMs: 2_000, maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
  });
}

/** A copy of `value` with the field at a dotted path (`data.0.attributes.id`) set. */
function withField(value: unknown, path: string, replacement: unknown): unknown {
  const copy = structuredClone(value) as Record<string, unknown>;
  const keys = path.split('.');
  let target = copy as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
  target[keys.at(-1)!] = replacement;
  return copy;
}

function withFields(value: unknown, fields: [string, unknown][]): unknown {
  return fields.reduce((changed, [path, replacement]) => withField(changed, path, replacement), value);
}

async function refusal(body: unknown, schema: z.ZodType): Promise<ApiError> {
  const client = await clientAnswering(body);
  const error = await client.get('/company/x', [], schema).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

interface SchemaCase {
  name: string;
  schema: z.ZodType;
  /** A well-formed answer. */
  answer: unknown;
  /** What the gateway makes of an answer: the unified records (without remote data). */
  mapped: (parsed: never) => unknown;
  /** The records as the gateway keeps them for `remote_data` (Personio's objects as received). */
  records?: (parsed: never) => unknown;
  /** Fields the gateway does not read, with values of other types than Personio documents. */
  unread: [string, unknown][];
  /** Fields it reads, with a value of the wrong type, and the path the error names (default: the field). */
  read: [string, unknown, string?][];
}

const TYPES = new Map<string, TimeoffType>([
  [
    '301',
    {
      id: '301',
      name: 'Paid vacation',
      category: 'paid_vacation',
      units: 'days',
      half_days_allowed: true,
      approval_required: true,
    },
  ],
]);

const CASES: SchemaCase[] = [
  {
    name: 'employees (GET /company/employees)',
    schema: EmployeeListSchema,
    answer: {
      success: true,
      metadata: { total_elements: 1, current_page: 0, total_pages: 1 },
      offset: 0,
      limit: 50,
      data: [employeeFull],
    },
    mapped: (parsed: z.infer<typeof EmployeeListSchema>) => parsed.data.map((raw) => mapEmployee(raw)),
    records: (parsed: z.infer<typeof EmployeeListSchema>) => parsed.data,
    unread: [
      ['offset', '0,'],
      ['limit', '50,'],
      ['metadata.current_page', '1'],
      ['metadata.total_pages', {}],
      ['data.0.type', 5],
      ['data.0.attributes.first_name.label', 7],
      ['data.0.attributes.first_name.type', []],
      ['data.0.attributes.email.universal_id', 42],
      ['data.0.attributes.fix_salary', 3000],
      ['data.0.attributes.holiday_calendar', 'Berlin'],
      ['data.0.attributes.absence_entitlement', null],
      ['data.0.attributes.work_schedule', [1, 2]],
      ['data.0.attributes.department.value.type', false],
      ['data.0.attributes.supervisor.value.type', 9],
      ['data.0.attributes.supervisor.value.attributes.email', 'plain'],
    ],
    read: [
      ['data.0.attributes.id', 4711],
      ['data.0.attributes.first_name', 'Mara'],
      ['data.0.attributes.status', ['active']],
      ['data.0.attributes.last_modified_at', { label: 'Last modified' }],
      ['data.0.attributes.dynamic_1001', 'M'],
      ['data.0.attributes.dynamic_1001.label', 5],
      ['data.0.attributes', []],
      ['metadata.total_elements', '1'],
      ['data', { 0: employeeFull }],
      ['success', 'true'],
    ],
  },
  {
    name: 'one employee (GET /company/employees/{id})',
    schema: EmployeeResponseSchema,
    answer: { success: true, data: employeeFull },
    mapped: (parsed: z.infer<typeof EmployeeResponseSchema>) => mapEmployee(parsed.data),
    records: (parsed: z.infer<typeof EmployeeResponseSchema>) => parsed.data,
    unread: [
      ['data.type', 'Person'],
      ['data.attributes.gender.label', null],
      ['data.attributes.fix_salary', 'EUR 3000'],
    ],
    read: [
      ['data.attributes.email', 'mara@example.org'],
      ['data.attributes.dynamic_1002', 12],
    ],
  },
  {
    name: 'attributes (GET /company/employees/attributes)',
    schema: AttributeListSchema,
    answer: {
      success: true,
      data: [
        { key: 'dynamic_1', label: 'Shirt size', type: 'list', universal_id: null, options: ['S', 'M'] },
        { key: 'first_name', label: 'First name', type: 'standard', universal_id: 'first_name', options: [] },
      ],
    },
    mapped: (parsed: z.infer<typeof AttributeListSchema>) =>
      employeeFieldCoverage(parsed.data, new Date('2026-01-01T00:00:00Z')),
    records: (parsed: z.infer<typeof AttributeListSchema>) => parsed.data,
    unread: [
      ['data.0.label', 5],
      ['data.0.type', {}],
      ['data.0.options', 'S,M'],
      ['data.1.options', null],
    ],
    read: [
      ['data.0.key', 1],
      ['data.1.universal_id', 7],
      ['data.1', 'first_name'],
    ],
  },
  {
    name: 'time-off types (GET /company/time-off-types)',
    schema: TimeOffTypeListSchema,
    answer: {
      success: true,
      data: [
        {
          type: 'TimeOffType',
          attributes: {
            id: 301,
            name: 'Paid vacation',
            category: 'paid_vacation',
            unit: 'day',
            approval_required: true,
            half_day_requests_enabled: true,
            certification_required: false,
            substitute_option: 'disabled',
          },
        },
      ],
    },
    mapped: (parsed: z.infer<typeof TimeOffTypeListSchema>) => parsed.data.map((raw) => mapTimeoffType(raw)),
    records: (parsed: z.infer<typeof TimeOffTypeListSchema>) => parsed.data,
    unread: [
      ['offset', '0,'],
      ['data.0.type', 1],
      ['data.0.attributes.certification_required', 'no'],
      ['data.0.attributes.substitute_option', 3],
      ['data.0.attributes.legacy_category', []],
    ],
    read: [
      ['data.0.attributes.id', true],
      ['data.0.attributes.name', 5],
      ['data.0.attributes.category', {}],
      ['data.0.attributes.unit', 1],
      ['data.0.attributes.approval_required', 'yes'],
      ['data.0.attributes.half_day_requests_enabled', 1],
      ['data.0.attributes', null],
    ],
  },
  {
    name: 'time-offs (GET /company/time-offs)',
    schema: TimeOffListSchema,
    answer: {
      success: true,
      metadata: { total_elements: 1, current_page: 1, total_pages: 1 },
      offset: 0,
      limit: 200,
      data: [timeOff],
    },
    mapped: (parsed: z.infer<typeof TimeOffListSchema>) => parsed.data.map((raw) => mapTimeOffPeriod(raw)),
    records: (parsed: z.infer<typeof TimeOffListSchema>) => parsed.data,
    unread: [
      // As in Personio's own examples (REFERENCE §3.1).
      ['offset', '0,'],
      ['limit', '200,'],
      ['metadata.current_page', '1'],
      ['metadata.total_pages', 'one'],
      ['data.0.type', 5],
      ['data.0.attributes.certificate', 'none'],
      ['data.0.attributes.created_by', 7],
      ['data.0.attributes.time_off_type.type', 1],
      ['data.0.attributes.time_off_type.attributes.category', 5],
      ['data.0.attributes.employee.type', []],
      ['data.0.attributes.employee.attributes.first_name', 'Mara'],
      ['data.0.attributes.employee.attributes.email', null],
    ],
    read: [
      ['data.0.attributes.id', null],
      ['data.0.attributes.status', {}],
      ['data.0.attributes.start_date', 20250804],
      ['data.0.attributes.end_date', 5],
      ['data.0.attributes.days_count', []],
      ['data.0.attributes.half_day_start', {}],
      ['data.0.attributes.comment', 5],
      ['data.0.attributes.created_at', 1],
      ['data.0.attributes.updated_at', true],
      ['data.0.attributes.time_off_type.attributes.id', null],
      ['data.0.attributes.time_off_type.attributes.name', 5],
      ['data.0.attributes.employee.attributes.id', 4711],
      ['data.0.attributes.employee.attributes', 'x'],
      ['metadata.total_elements', '1'],
    ],
  },
  {
    name: 'one time-off (GET /company/time-offs/{id})',
    schema: TimeOffResponseSchema,
    answer: { success: true, data: timeOff },
    mapped: (parsed: z.infer<typeof TimeOffResponseSchema>) => mapTimeOffPeriod(parsed.data),
    records: (parsed: z.infer<typeof TimeOffResponseSchema>) => parsed.data,
    unread: [
      ['data.type', 5],
      ['data.attributes.certificate.status', 0],
    ],
    read: [['data.attributes.start_date', null]],
  },
  {
    name: 'absence periods (GET /company/absence-periods)',
    schema: AbsencePeriodListSchema,
    answer: {
      success: true,
      metadata: { total_elements: 1, current_page: 0, total_pages: 1 },
      offset: 0,
      limit: 200,
      data: [days],
    },
    mapped: (parsed: z.infer<typeof AbsencePeriodListSchema>) =>
      parsed.data.map((raw) => mapAbsencePeriod(raw)),
    records: (parsed: z.infer<typeof AbsencePeriodListSchema>) => parsed.data,
    unread: [
      ['offset', '0,'],
      ['limit', '200,'],
      ['metadata.current_page', '1'],
      ['data.0.type', 1],
      ['data.0.attributes.measurement_unit', 60],
      ['data.0.attributes.certificate', 'x'],
      ['data.0.attributes.origin', 5],
      ['data.0.attributes.created_by', 'me'],
      ['data.0.attributes.approved_at', 5],
      ['data.0.attributes.absence_type.type', 3],
      ['data.0.attributes.employee.type', 1],
      ['data.0.attributes.employee.attributes.first_name', 'Michael'],
    ],
    read: [
      ['data.0.attributes.id', 5],
      ['data.0.attributes.start', 1],
      ['data.0.attributes.end', 2],
      ['data.0.attributes.effective_duration', {}],
      ['data.0.attributes.timezone', 5],
      ['data.0.attributes.status', 1],
      ['data.0.attributes.comment', {}],
      ['data.0.attributes.half_day_end', {}],
      ['data.0.attributes.created_at', 5],
      ['data.0.attributes.breakdowns', 'x'],
      ['data.0.attributes.breakdowns.0.date', 5],
      // Either shape of the type is read, so the error names the type as a whole.
      ['data.0.attributes.absence_type.attributes.name', 5, 'data.0.attributes.absence_type'],
      ['data.0.attributes.employee.attributes.id', 2367],
    ],
  },
  {
    name: 'balances (GET /company/employees/{id}/absences/balance)',
    schema: BalanceListSchema,
    answer: {
      success: true,
      data: [
        { id: 301, name: 'Paid vacation', category: 'paid_vacation', balance: 12.5, available_balance: 8 },
      ],
    },
    mapped: (parsed: z.infer<typeof BalanceListSchema>) =>
      parsed.data.map((raw) => mapBalance(raw, '4711', TYPES)),
    records: (parsed: z.infer<typeof BalanceListSchema>) => parsed.data,
    unread: [
      ['offset', '0,'],
      ['data.0.category', 5],
      ['data.0.entitlement', {}],
    ],
    read: [
      ['data.0.id', null],
      ['data.0.name', 5],
      ['data.0.balance', {}],
      ['data.0.available_balance', []],
    ],
  },
];

describe.each(CASES)('upstream schema: $name', (schemaCase) => {
  const parse = (answer: unknown) => schemaCase.schema.parse(answer) as never;

  it('accepts unread fields of any type, maps as before, and keeps them as sent', async () => {
    const changed = withFields(schemaCase.answer, schemaCase.unread);
    const client = await clientAnswering(changed);
    const parsed = (await client.get('/company/x', [], schemaCase.schema)) as never;
    expect(schemaCase.mapped(parsed)).toEqual(schemaCase.mapped(parse(schemaCase.answer)));
    if (schemaCase.records) {
      expect(schemaCase.records(parsed)).toEqual(schemaCase.records(changed as never));
    }
  });

  it.each(schemaCase.read)(
    'refuses %s of the wrong type with 502 provider_error naming it',
    async (field, value, named) => {
      const error = await refusal(withField(schemaCase.answer, field, value), schemaCase.schema);
      expect(error.code).toBe('provider_error');
      expect(ERROR_CODES[error.code].status).toBe(502);
      const details = error.details as { issues: { path: string }[]; upstream_status: number };
      expect(details.upstream_status).toBe(200);
      expect(details.issues.map((issue) => issue.path)).toContain(named ?? field);
      expect(error.message).toContain(`\`${named ?? field}\``);
    },
  );
});

describe('upstream schema: token (POST /auth)', () => {
  const token = { success: true, data: { token: TOKEN, expires_in: 86400, scope: 'employees:read' } };
  const get = async (auth: unknown) => {
    const client = await clientAnswering({ success: true, data: [] }, auth);
    return client.get('/company/x', [], BalanceListSchema);
  };

  it('accepts unread fields of any type', async () => {
    const changed = withFields(token, [
      ['data.scope', 5],
      ['data.token_type', {}],
      ['meta', 'x'],
    ]);
    await expect(get(changed)).resolves.toEqual({ success: true, data: [] });
  });

  it.each([
    ['data.token', 5],
    ['data.token', ''],
    ['data.expires_in', '86400'],
    ['data', null],
    ['success', 1],
  ])('refuses %s = %j with 502 provider_error naming it, never echoing the token', async (field, value) => {
    const error = await get(withField(token, field, value)).then(
      () => null,
      (caught: unknown) => caught as ApiError,
    );
    expect(error).toBeInstanceOf(ApiError);
    expect(error!.code).toBe('provider_error');
    expect((error!.details as { issues: { path: string }[] }).issues.map((issue) => issue.path)).toContain(
      field,
    );
    expect(error!.message).toContain(`\`${field}\``);
    expect(JSON.stringify({ message: error!.message, details: error!.details })).not.toContain(TOKEN);
  });
});
