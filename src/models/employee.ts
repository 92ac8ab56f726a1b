import { z } from '@hono/zod-openapi';

/** Synced reads with `include_deleted=true` only: when the copy saw the record deleted in the provider. */
export const remoteDeletedAt = z.string().nullable().optional().openapi({
  format: 'date-time',
  description:
    'Only with `source=synced&include_deleted=true`: when a sync pass found the record deleted in the provider, else `null`.',
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
    id: z.string().openapi({ description: "The provider's employee id, as a string.", example: '4711' }),
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
        '`pending` (hired, not started yet), `active`, `inactive` (left), `leave` (on long-term leave).',
    }),
    employment_type: z.enum(['employee', 'contractor']).nullable().openapi({
      description: '`employee` (internal staff) or `contractor` (external).',
    }),
    job_title: z.string().nullable(),
    department: Reference.nullable(),
    team: Reference.nullable(),
    work_location: Reference.nullable().openapi({ description: 'The office the employee works at.' }),
    legal_entity: Reference.nullable().openapi({
      description: 'The company (subsidiary) that employs them.',
    }),
    cost_centers: z
      .array(z.object({ id: z.string(), name: z.string().nullable(), percentage: z.number().nullable() }))
      .nullable(),
    manager: z
      .object({ id: z.string(), display_name: z.string().nullable() })
      .nullable()
      .openapi({ description: 'The direct supervisor.' }),
    hire_date: nullableDate,
    termination_date: nullableDate,
    date_of_birth: nullableDate.openapi({
      description: 'From the attribute whose universal id is `date_of_birth` (usually a custom attribute).',
    }),
    gender: z.enum(['male', 'female', 'diverse']).nullable(),
    weekly_working_hours: z.number().nullable(),
    avatar_url: z
      .string()
      .nullable()
      .openapi({
        description:
          "The gateway's `GET /unified/hris/employees/{id}/avatar` for this employee (send your API key and the " +
          'linked account id); `null` when the employee has no picture or the credential may not read pictures. ' +
          "Events carry the provider's own picture URL here.",
      }),
    custom_fields: z.record(z.string(), z.unknown()).openapi({
      description:
        "Custom attributes by the provider's stable key (Personio: `dynamic_…`; labels and types from " +
        '`GET /linked-accounts/{id}/remote-fields`), plus the keys field mappings define.',
      example: { dynamic_1001: 'M' },
    }),
    created_at: nullableDateTime,
    updated_at: nullableDateTime.openapi({ description: 'When the provider last changed the record.' }),
    remote_deleted_at: remoteDeletedAt,
    remote_data: z.record(z.string(), z.unknown()).optional().openapi({
      description: "The provider's employee object as received; only with `include_remote_data=true`.",
    }),
  })
  .openapi('Employee', { description: `An employee. Every field but \`id\` is ${unreadable}` });

export type Employee = z.infer<typeof EmployeeSchema>;
