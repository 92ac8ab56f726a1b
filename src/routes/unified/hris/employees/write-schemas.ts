import { z } from '@hono/zod-openapi';
import { EMPLOYMENT_STATUSES, EmployeeSchema } from '../../../../models/employee';
import type { EmployeeFields } from '../../../../providers/types';
import { calendarDate } from '../../../common';

/** Body parts shared by employee create and update, in unified names; Personio's names in the descriptions. */

const name = (description: string, example: string) =>
  z.string().trim().min(1, 'must not be empty').max(200).openapi({ description, example });

const personioId = z
  .union([
    z
      .string()
      .trim()
      .regex(/^[1-9]\d{0,15}$/, 'must be a Personio employee id'),
    z.number().int().positive(),
  ])
  .transform(String);

export const employeeFieldsShape = {
  first_name: name('First name.', 'Ada').optional(),
  last_name: name('Last name.', 'Lovelace').optional(),
  preferred_name: z.string().trim().max(200).optional().openapi({ description: 'Preferred name.' }),
  gender: z.enum(['male', 'female', 'diverse']).optional(),
  job_title: name("Personio's `position`.", 'Software Engineer').optional(),
  department_name: name(
    'Department by name; it must exist in Personio, which otherwise ignores it (see `warnings`).',
    'Engineering',
  ).optional(),
  work_location_name: name(
    "Office (Personio's `office`) by name, like `department_name`.",
    'Berlin',
  ).optional(),
  legal_entity_name: name(
    "Legal entity (Personio's `subcompany`) by name, like `department_name`.",
    'Example Company GmbH',
  ).optional(),
  hire_date: calendarDate.optional(),
  weekly_working_hours: z.number().min(0).max(168).optional().openapi({ example: 40 }),
  employment_status: z
    .enum(EMPLOYMENT_STATUSES)
    .optional()
    .openapi({
      description:
        "`pending` → Personio's `onboarding`. Left out on create, Personio derives it from `hire_date` (past: " +
        '`active`, future: `pending`).',
    }),
  custom_fields: z
    .record(z.string().min(1).max(200), z.string().max(2000))
    .optional()
    .openapi({
      description:
        'Custom attributes by key (`dynamic_…`, as reads return them) or by label; values as text. A label ' +
        'the credential does not know is `400`.',
      example: { dynamic_1001: 'M' },
    }),
};

export const managerIdField = personioId.openapi({
  type: 'string',
  description: "The manager's employee id (Personio's `supervisor_id`); it must exist.",
  example: '1001',
});

export const EmployeeWrittenSchema = z.object({
  result: EmployeeSchema,
  warnings: z.array(z.string()).openapi({
    description: 'What Personio accepted without applying, e.g. a department name it does not know.',
  }),
});

type FieldsBody = {
  [Key in keyof typeof employeeFieldsShape]?: z.infer<(typeof employeeFieldsShape)[Key]>;
} & { manager_id?: string | null | undefined };

/** The body in the provider's terms. */
export function employeeFields(body: FieldsBody): EmployeeFields {
  return {
    firstName: body.first_name,
    lastName: body.last_name,
    preferredName: body.preferred_name,
    gender: body.gender,
    jobTitle: body.job_title,
    departmentName: body.department_name,
    workLocationName: body.work_location_name,
    legalEntityName: body.legal_entity_name,
    hireDate: body.hire_date,
    weeklyWorkingHours: body.weekly_working_hours,
    employmentStatus: body.employment_status,
    managerId: body.manager_id,
    customFields: body.custom_fields,
  };
}
