import { z } from '@hono/zod-openapi';

/** Synced reads with `include_deleted=true` only: when the copy saw the record deleted in Personio. */
export const remoteDeletedAt = z.string().nullable().optional().openapi({
  format: 'date-time',
  description:
    'Only with `source=synced&include_deleted=true`: when a sync pass found the record deleted in Personio, else `null`.',
});

export const EMPLOYMENT_STATUSES = ['active', 'pending', 'inactive', 'leave'] as const;
export type EmploymentStatus = (typeof EMPLOYMENT_STATUSES)[number];

const Reference = z.object({ id: z.string(), name: z.string().nullable() });

const nullableDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .nullable()
  .openapi({ format: 'date', example: '2021-03-01' });

const nullableDateTime = z
  .string()
  .nullable()
  .openapi({ format: 'date-time', example: '2025-06-30T14:00:00.000Z' });

const unreadable =
  '`null` when empty or when the credential cannot read it (see the linked account field coverage).';

export const EmployeeSchema = z
  .object({
    id: z.string().openapi({ description: 'The Personio employee id, as a string.', example: '4711' }),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    preferred_name: z.string().nullable(),
    display_name: z
      .string()
      .nullable()
      .openapi({ description: 'The preferred name when set, else first and last name.' }),
    work_email: z.string().nullable().openapi({ example: 'mara.kuhn@example.org' }),
    employment_status: z.enum(EMPLOYMENT_STATUSES).nullable().openapi({
      description:
        "Personio's `onboarding` → `pending`, `active` → `active`, `inactive` → `inactive`, `leave` → `leave`.",
    }),
    employment_type: z.enum(['employee', 'contractor']).nullable().openapi({
      description: "Personio's `internal` → `employee`, `external` → `contractor`.",
    }),
    job_title: z.string().nullable().openapi({ description: "Personio's `position`." }),
    department: Reference.nullable(),
    team: Reference.nullable(),
    work_location: Reference.nullable().openapi({ description: "Personio's `office`." }),
    legal_entity: Reference.nullable().openapi({ description: "Personio's `subcompany`." }),
    cost_centers: z
      .array(z.object({ id: z.string(), name: z.string().nullable(), percentage: z.number().nullable() }))
      .nullable(),
    manager: z
      .object({ id: z.string(), display_name: z.string().nullable() })
      .nullable()
      .openapi({ description: "Personio's `supervisor`." }),
    hire_date: nullableDate,
    termination_date: nullableDate,
    date_of_birth: nullableDate.openapi({
      description: 'From the attribute whose universal id is `date_of_birth` (usually a custom attribute).',
    }),
    gender: z.enum(['male', 'female', 'diverse']).nullable(),
    weekly_working_hours: z.number().nullable(),
    avatar_url: z.string().nullable().openapi({
      description: "Personio's profile picture URL; fetching it needs the linked account's Personio token.",
    }),
    custom_fields: z
      .record(z.string(), z.unknown())
      .openapi({ description: 'Custom (`dynamic_*`) attributes by label; by key where two labels collide.' }),
    created_at: nullableDateTime,
    updated_at: nullableDateTime.openapi({ description: "Personio's `last_modified_at`." }),
    remote_deleted_at: remoteDeletedAt,
    remote_data: z.record(z.string(), z.unknown()).optional().openapi({
      description: "Personio's employee object as received; only with `include_remote_data=true`.",
    }),
  })
  .openapi('Employee', { description: `An employee. Every field but \`id\` is ${unreadable}` });

export type Employee = z.infer<typeof EmployeeSchema>;

/** Unified fields and the Personio attributes that fill them; drives field coverage and null-vs-empty. */
export const EMPLOYEE_FIELD_SOURCES: Record<string, string[]> = {
  first_name: ['first_name'],
  last_name: ['last_name'],
  preferred_name: ['preferred_name'],
  display_name: ['first_name', 'last_name', 'preferred_name'],
  work_email: ['email'],
  employment_status: ['status'],
  employment_type: ['employment_type'],
  job_title: ['position'],
  department: ['department'],
  team: ['team'],
  work_location: ['office'],
  legal_entity: ['subcompany'],
  cost_centers: ['cost_centers'],
  manager: ['supervisor'],
  hire_date: ['hire_date'],
  termination_date: ['termination_date'],
  date_of_birth: ['date_of_birth'],
  gender: ['gender'],
  weekly_working_hours: ['weekly_working_hours'],
  avatar_url: ['profile_picture'],
  created_at: ['created_at'],
  updated_at: ['last_modified_at'],
};
