import { z } from 'zod';

/**
 * What Personio v1 sends, checked only where the gateway reads it (the mappers, the pagers, the
 * linking checks). A field the gateway does not read may hold anything: Personio's own examples send
 * `"offset": "0,"`, and one odd unread field must not fail a page. Objects are loose, so unread fields
 * pass through untouched (`remote_data` is Personio's object as received). A read field of the wrong
 * type fails the answer with `provider_error`, whose details give the field's path.
 */

/**
 * An attribute object, `{ label, value, type, universal_id }`. Only `value` is read for every attribute
 * (`label` for custom ones, `universal_id` to find the date of birth, both leniently); `type` never.
 */
export const AttributeSchema = z.looseObject({ value: z.unknown() });
export type PersonioAttribute = z.infer<typeof AttributeSchema>;

/** The employee attributes the mapper and the employee filters read, besides every custom `dynamic_*` one. */
export const READ_EMPLOYEE_ATTRIBUTES: ReadonlySet<string> = new Set([
  'id',
  'first_name',
  'last_name',
  'preferred_name',
  'email',
  'gender',
  'status',
  'position',
  'employment_type',
  'department',
  'team',
  'office',
  'subcompany',
  'cost_centers',
  'supervisor',
  'hire_date',
  'termination_date',
  'date_of_birth',
  'weekly_working_hours',
  'profile_picture',
  'created_at',
  'last_modified_at',
]);

/** Whether the gateway reads this attribute of an employee (custom ones become `custom_fields`). */
export function isReadAttribute(key: string, attribute: unknown): boolean {
  return (
    READ_EMPLOYEE_ATTRIBUTES.has(key) ||
    key.startsWith('dynamic_') ||
    (isPlainObject(attribute) && attribute.universal_id === 'date_of_birth')
  );
}

/**
 * `attributes`: each attribute the gateway reads must be an attribute object, and a custom one's
 * `label` (its name in `custom_fields`) a string; the others may be anything. Checked in place rather
 * than parsed: a page holds thousands of attributes, and parsing would copy each one.
 */
const AttributeMapSchema = z
  .custom<Record<string, unknown>>(isPlainObject, { error: 'expected an object of attributes' })
  .superRefine((attributes, context) => {
    for (const key of Object.keys(attributes)) {
      const attribute = attributes[key];
      if (!isReadAttribute(key, attribute)) continue;
      if (!isAttribute(attribute)) {
        context.addIssue({
          code: 'custom',
          path: [key],
          message: 'expected an attribute object ({ label, value, type, universal_id })',
        });
      } else if (key.startsWith('dynamic_') && !isOptionalString(attribute.label)) {
        context.addIssue({
          code: 'custom',
          path: [key, 'label'],
          message: 'expected a string (a custom attribute is named by its label)',
        });
      }
    }
  });

export const EmployeeSchema = z.looseObject({ attributes: AttributeMapSchema });
export type PersonioEmployee = z.infer<typeof EmployeeSchema>;

export const EmployeeListSchema = z.looseObject({
  success: z.literal(true),
  metadata: z.looseObject({ total_elements: z.number().int().nonnegative().nullish() }).nullish(),
  data: z.array(EmployeeSchema),
});
export type PersonioEmployeeList = z.infer<typeof EmployeeListSchema>;

export const EmployeeResponseSchema = z.looseObject({ success: z.literal(true), data: EmployeeSchema });

/** What the linking check reads of an attribute definition: its key and universal id. */
export const AttributeDefinitionSchema = z.looseObject({
  key: z.string(),
  universal_id: z.string().nullish(),
});
export type PersonioAttributeDefinition = z.infer<typeof AttributeDefinitionSchema>;

export const AttributeListSchema = z.looseObject({
  success: z.literal(true),
  data: z.array(AttributeDefinitionSchema),
});

export const AuthResponseSchema = z.looseObject({
  success: z.literal(true),
  data: z.looseObject({ token: z.string().min(1), expires_in: z.number().positive().nullish() }),
});

export const ErrorResponseSchema = z.looseObject({
  error: z.looseObject({ code: z.unknown().optional(), message: z.string().nullish() }).nullish(),
});

/** Nested relation objects: `{ type: "Department", attributes: { id, name } }` (`type` is not read). */
export const RelationSchema = z.looseObject({
  attributes: z.looseObject({
    id: z.union([z.number(), z.string()]).nullish(),
    name: z.string().nullish(),
    percentage: z.union([z.number(), z.string()]).nullish(),
  }),
});

export type PersonioRelation = z.infer<typeof RelationSchema>;

/** `supervisor`: a nested employee; its `id` and name attributes are read leniently, the rest not at all. */
export const SupervisorSchema = z.looseObject({ attributes: z.record(z.string(), z.unknown()) });
export type PersonioSupervisor = z.infer<typeof SupervisorSchema>;

/*
 * The same checks as AttributeSchema, RelationSchema and SupervisorSchema as plain predicates: they
 * run for every attribute of a page and several times per employee in the mappers, where a zod
 * parse (which copies every object it accepts) was most of the time. A test holds them equal.
 */

type Plain = Record<string, unknown>;

function isPlainObject(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isOptionalString = (value: unknown) =>
  value === undefined || value === null || typeof value === 'string';
const isOptionalId = (value: unknown) => isOptionalString(value) || typeof value === 'number';

export function isRelation(value: unknown): value is PersonioRelation {
  if (!isPlainObject(value) || !isPlainObject(value.attributes)) return false;
  const { id, name, percentage } = value.attributes;
  return isOptionalId(id) && isOptionalString(name) && isOptionalId(percentage);
}

export function isAttribute(value: unknown): value is PersonioAttribute {
  // `value: z.unknown()` still requires the key (its value may be anything, undefined included).
  return isPlainObject(value) && 'value' in value;
}

export function isSupervisor(value: unknown): value is PersonioSupervisor {
  return isPlainObject(value) && isPlainObject(value.attributes);
}
