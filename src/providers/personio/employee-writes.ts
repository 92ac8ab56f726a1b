import { z } from 'zod';
import { ApiError } from '../../errors';
import { outcomeUnknown } from '../../lib/idempotency';
import type { Employee, EmploymentStatus } from '../../models/employee';
import type { EmployeeFields, EmployeeWriteResult, NewEmployee, WriteOptions } from '../types';
import type { PersonioClient } from './client';
import { getEmployee } from './employees';
import { mapEmployee } from './mappers/employee';
import { AttributeListSchema, EmployeeListSchema } from './schemas';
import { upstreamStatus } from './timeoff-requests';

const PERSONIO_ID = /^[1-9]\d{0,15}$/;
const CUSTOM_KEY = /^dynamic_\d+$/;
/** Sends of one keyed create whose outcome stays unknown, each after checking it did not happen. */
const MAX_WRITE_ATTEMPTS = 6;

const PERSONIO_STATUS: Record<EmploymentStatus, string> = {
  pending: 'onboarding',
  active: 'active',
  inactive: 'inactive',
  leave: 'leave',
};

/** Personio answers a write with the employee's id only (and, for names it ignored, `meta` warnings). */
const EmployeeWrittenSchema = z.looseObject({
  success: z.literal(true),
  data: z.looseObject({ id: z.union([z.number().int().positive(), z.string().regex(PERSONIO_ID)]) }),
  meta: z.unknown().optional(),
});

export async function createEmployee(
  client: PersonioClient,
  input: NewEmployee,
  options: WriteOptions,
): Promise<EmployeeWriteResult> {
  const employee = { email: input.workEmail, ...(await personioFields(client, input, null)) };
  const write = () =>
    client.json(
      {
        method: 'POST',
        path: '/company/employees',
        body: { json: { employee } },
        // Personio cannot de-duplicate creates: re-sent only where it says it did not act.
        retry: options.retry ? 'unprocessed' : false,
      },
      EmployeeWrittenSchema,
    );

  if (options.retry && options.outcomeUnknown) {
    // A write of this key was cut off before it answered: if it created the employee, that is the answer.
    const existing = await findByEmail(client, input.workEmail);
    if (existing) return { employee: existing, warnings: [] };
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const written = await write();
      return await readBack(client, String(written!.data.id), written!.meta, () =>
        createdRecord(written!, input),
      );
    } catch (error) {
      const unknown = error instanceof ApiError && outcomeUnknown(error);
      if (!options.retry || !unknown) throw refusedWrite(error, 'create');
      // Email addresses are unique in Personio: one with this address after a lost answer is ours.
      const existing = await findByEmail(client, input.workEmail);
      if (existing) return { employee: existing, warnings: [] };
      if (attempt >= MAX_WRITE_ATTEMPTS) throw refusedWrite(error, 'create');
    }
  }
}

export async function updateEmployee(
  client: PersonioClient,
  id: string,
  input: EmployeeFields,
  options: WriteOptions,
): Promise<EmployeeWriteResult | null> {
  if (!PERSONIO_ID.test(id)) return null;
  const employee = await personioFields(client, input, id);
  let written: z.infer<typeof EmployeeWrittenSchema> | null;
  try {
    written = await client.json(
      {
        method: 'PATCH',
        path: `/company/employees/${id}`,
        body: { json: { employee } },
        // Setting the same values twice changes nothing, so a keyed update may be sent again after any failure.
        retry: options.retry,
      },
      EmployeeWrittenSchema,
      { notFoundAsNull: true },
    );
  } catch (error) {
    throw refusedWrite(error, 'update');
  }
  if (!written) return null;
  return readBack(client, id, written.meta, () => null);
}

/** The unified fields in Personio's terms; refuses with `400` naming the field what Personio cannot take. */
async function personioFields(
  client: PersonioClient,
  input: EmployeeFields,
  selfId: string | null,
): Promise<Record<string, unknown>> {
  const fields: Record<string, unknown> = {};
  const set = (key: string, value: unknown) => {
    if (value !== undefined) fields[key] = value;
  };
  set('first_name', input.firstName);
  set('last_name', input.lastName);
  set('preferred_name', input.preferredName);
  set('gender', input.gender);
  set('position', input.jobTitle);
  set('department', input.departmentName);
  set('office', input.workLocationName);
  set('subcompany', input.legalEntityName);
  set('hire_date', input.hireDate);
  set('weekly_working_hours', input.weeklyWorkingHours);
  if (input.employmentStatus !== undefined) fields.status = PERSONIO_STATUS[input.employmentStatus];
  if (input.managerId !== undefined) {
    if (input.managerId !== null && !PERSONIO_ID.test(input.managerId)) {
      throw invalid('manager_id', 'must be a Personio employee id (an integer)');
    }
    if (input.managerId !== null && input.managerId === selfId) {
      throw invalid('manager_id', 'an employee cannot be their own manager');
    }
    fields.supervisor_id = input.managerId === null ? null : Number(input.managerId);
  }
  if (input.customFields && Object.keys(input.customFields).length > 0) {
    fields.custom_attributes = await customAttributes(client, input.customFields);
  }
  return fields;
}

/**
 * Custom fields by `dynamic_…` key as they are; by label (as reads name them) or universal id, looked up
 * among the attributes the credential may use, so a typo is a `400` instead of an ignored field.
 */
async function customAttributes(
  client: PersonioClient,
  customFields: Record<string, string>,
): Promise<Record<string, string>> {
  const byKey: Record<string, string> = {};
  const named = Object.keys(customFields).filter((name) => !CUSTOM_KEY.test(name));
  const definitions =
    named.length > 0
      ? (await client.get('/company/employees/attributes', [], AttributeListSchema))!.data
      : [];
  for (const [name, value] of Object.entries(customFields)) {
    if (CUSTOM_KEY.test(name)) {
      byKey[name] = value;
      continue;
    }
    const matches = definitions.filter(
      (definition) =>
        CUSTOM_KEY.test(definition.key) &&
        ((definition as { label?: unknown }).label === name || definition.universal_id === name),
    );
    if (matches.length !== 1) {
      throw invalid(
        `custom_fields.${name}`,
        matches.length === 0
          ? 'no custom attribute with this label that the credential may use'
          : 'two custom attributes have this label; use the attribute key (dynamic_…)',
      );
    }
    byKey[matches[0]!.key] = value;
  }
  return byKey;
}

async function findByEmail(client: PersonioClient, email: string): Promise<Employee | null> {
  const page = await client.get(
    '/company/employees',
    [
      ['email', email],
      ['limit', '1'],
      ['offset', '0'],
    ],
    EmployeeListSchema,
  );
  const record = page!.data[0];
  return record ? mapEmployee(record, { includeRemoteData: false }) : null;
}

/**
 * The written employee as reads return it. The write has happened by now, so a failed read must not fail
 * the request (a retry would write again): the record is then built from what was written.
 */
async function readBack(
  client: PersonioClient,
  id: string,
  meta: unknown,
  fallback: () => Employee | null,
): Promise<EmployeeWriteResult> {
  const warnings = Array.isArray(meta)
    ? meta.filter((entry): entry is string => typeof entry === 'string')
    : [];
  let employee: Employee | null = null;
  try {
    employee = await getEmployee(client, id, { includeRemoteData: false });
  } catch (error) {
    employee = fallback();
    if (!employee) throw error;
  }
  employee ??= fallback();
  if (!employee) throw new ApiError('not_found', `No employee ${id} in this linked account.`);
  return { employee, warnings };
}

function createdRecord(written: z.infer<typeof EmployeeWrittenSchema>, input: NewEmployee): Employee {
  const preferred = input.preferredName || null;
  return {
    id: String(written.data.id),
    first_name: input.firstName,
    last_name: input.lastName,
    preferred_name: preferred,
    display_name: preferred ?? `${input.firstName} ${input.lastName}`,
    work_email: input.workEmail,
    employment_status: input.employmentStatus ?? null,
    employment_type: null,
    job_title: input.jobTitle ?? null,
    department: null,
    team: null,
    work_location: null,
    legal_entity: null,
    cost_centers: null,
    manager: input.managerId ? { id: input.managerId, display_name: null } : null,
    hire_date: input.hireDate ?? null,
    termination_date: null,
    date_of_birth: null,
    gender: input.gender ?? null,
    weekly_working_hours: input.weeklyWorkingHours ?? null,
    avatar_url: null,
    custom_fields: {},
    created_at: null,
    updated_at: null,
  };
}

/** Personio refusing the employee (its validation, an unknown supervisor, a taken email) is `422` with its reason. */
function refusedWrite(error: unknown, what: 'create' | 'update'): unknown {
  const status = upstreamStatus(error);
  if (status === null || !(error instanceof ApiError) || error.code !== 'provider_error') return error;
  if (status !== 400 && status !== 422) return error;
  const upstream = error.details as { upstream_message?: string | null };
  return new ApiError(
    'unprocessable',
    `Personio refused to ${what} the employee: ${upstream.upstream_message ?? `HTTP ${status}`}`,
    { details: error.details },
  );
}

function invalid(field: string, message: string): ApiError {
  return new ApiError('invalid_request', `Invalid body parameter \`${field}\`: ${message}`, {
    details: [{ field, message }],
  });
}
