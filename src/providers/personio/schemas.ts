import { z } from 'zod';

/**
 * What Personio v1 sends, as far as the gateway relies on it. Objects are loose (`z.looseObject`)
 * because Personio adds fields over time; the gateway must not break on a new one.
 */

export const AttributeSchema = z.looseObject({
  label: z.string().nullish(),
  value: z.unknown(),
  type: z.string().nullish(),
  universal_id: z.string().nullish(),
});
export type PersonioAttribute = z.infer<typeof AttributeSchema>;

/**
 * `attributes`: every entry an attribute object. Checked in place by `isAttribute` (the same rules
 * as AttributeSchema) rather than parsed: a page holds thousands of attributes, and parsing would
 * copy each one; the mappers read only a few.
 */
const AttributeMapSchema = z.custom<Record<string, PersonioAttribute>>(
  (value) => isPlainObject(value) && Object.values(value).every(isAttribute),
  { error: 'expected an object of attribute objects ({ label, value, type, universal_id })' },
);

export const EmployeeSchema = z.looseObject({
  type: z.literal('Employee'),
  attributes: AttributeMapSchema,
});
export type PersonioEmployee = z.infer<typeof EmployeeSchema>;

export const EmployeeListSchema = z.looseObject({
  success: z.literal(true),
  metadata: z
    .looseObject({
      total_elements: z.number().int().nonnegative(),
      current_page: z.number().int().nullish(),
      total_pages: z.number().int().nullish(),
    })
    .nullish(),
  offset: z.coerce.number().int().nullish(),
  limit: z.coerce.number().int().nullish(),
  data: z.array(EmployeeSchema),
});
export type PersonioEmployeeList = z.infer<typeof EmployeeListSchema>;

export const EmployeeResponseSchema = z.looseObject({ success: z.literal(true), data: EmployeeSchema });

export const AttributeDefinitionSchema = z.looseObject({
  key: z.string(),
  label: z.string().nullish(),
  type: z.string().nullish(),
  universal_id: z.string().nullish(),
  options: z.array(z.unknown()).nullish(),
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
  success: z.literal(false).optional(),
  error: z.looseObject({ code: z.unknown().optional(), message: z.string().nullish() }).nullish(),
});

/** Nested relation objects: `{ type: "Department", attributes: { id, name } }`. */
export const RelationSchema = z.looseObject({
  type: z.string().nullish(),
  attributes: z.looseObject({
    id: z.union([z.number(), z.string()]).nullish(),
    name: z.string().nullish(),
    percentage: z.union([z.number(), z.string()]).nullish(),
  }),
});

export type PersonioRelation = z.infer<typeof RelationSchema>;

/** `supervisor`: a nested employee whose attributes are attribute objects again. */
export const SupervisorSchema = z.looseObject({
  type: z.string().nullish(),
  attributes: z.record(z.string(), AttributeSchema),
});
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
  if (!isPlainObject(value) || !isOptionalString(value.type) || !isPlainObject(value.attributes))
    return false;
  const { id, name, percentage } = value.attributes;
  return isOptionalId(id) && isOptionalString(name) && isOptionalId(percentage);
}

export function isAttribute(value: unknown): value is PersonioAttribute {
  return (
    isPlainObject(value) &&
    // `value: z.unknown()` still requires the key (its value may be anything, undefined included).
    'value' in value &&
    isOptionalString(value.label) &&
    isOptionalString(value.type) &&
    isOptionalString(value.universal_id)
  );
}

export function isSupervisor(value: unknown): value is PersonioSupervisor {
  if (!isPlainObject(value) || !isOptionalString(value.type) || !isPlainObject(value.attributes))
    return false;
  return Object.values(value.attributes).every(isAttribute);
}
