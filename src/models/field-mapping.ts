import { z } from '@hono/zod-openapi';
import { EMPLOYMENT_STATUSES } from './employee';

/** Unified Employee fields a mapping may fill, and what kind of value each takes. */
export const MAPPABLE_FIELDS = {
  first_name: { kind: 'text' },
  last_name: { kind: 'text' },
  preferred_name: { kind: 'text' },
  work_email: { kind: 'text' },
  job_title: { kind: 'text' },
  hire_date: { kind: 'date' },
  termination_date: { kind: 'date' },
  date_of_birth: { kind: 'date' },
  gender: { kind: 'enum', values: ['male', 'female', 'diverse'] },
  employment_status: { kind: 'enum', values: EMPLOYMENT_STATUSES },
  employment_type: { kind: 'enum', values: ['employee', 'contractor'] },
  weekly_working_hours: { kind: 'number' },
} as const satisfies Record<
  string,
  { kind: 'text' | 'date' | 'number' } | { kind: 'enum'; values: readonly string[] }
>;
export type MappableField = keyof typeof MAPPABLE_FIELDS;

// Not `__proto__` and the like: the key becomes a property of `custom_fields`.
export const CUSTOM_TARGET =
  /^custom_fields\.(?!(?:__proto__|constructor|prototype)$)([A-Za-z0-9_][A-Za-z0-9_.-]{0,99})$/;
/** `YYYY`, `MM`/`M`, `DD`/`D` with separators: `DD.MM.YYYY`, `MM/DD/YYYY`, `YYYYMMDD`. */
const DATE_FORMAT = /^(YYYY|MM|M|DD|D|[-./ ])+$/;

const target = z
  .string()
  .min(1)
  .max(120)
  .refine((value) => value in MAPPABLE_FIELDS || CUSTOM_TARGET.test(value), {
    message: `must be one of ${Object.keys(MAPPABLE_FIELDS).join(', ')}, or custom_fields.<your key>`,
  })
  .openapi({
    description:
      'A unified Employee field (`work_email`, `job_title`, `hire_date`, …), overriding what the provider ' +
      'fills it with, or `custom_fields.<key>`: a key of your own in `custom_fields`.',
    example: 'work_email',
  });

const TransformSchema = z
  .object({
    trim: z.boolean().optional().openapi({ description: 'Removes surrounding white space.' }),
    date_format: z
      .string()
      .max(20)
      .regex(DATE_FORMAT, 'must be made of YYYY, MM or M, DD or D and separators (- . / space)')
      .refine((format) => format.includes('YYYY') && format.includes('M') && format.includes('D'), {
        message: 'must have a year (YYYY), a month (MM or M) and a day (DD or D)',
      })
      .optional()
      .openapi({
        description: 'How the remote value writes dates (`DD.MM.YYYY`); the result is `YYYY-MM-DD`.',
        example: 'DD.MM.YYYY',
      }),
    value_map: z
      .record(z.string().max(200), z.string().max(200).nullable())
      .refine((map) => Object.keys(map).length <= 200, 'at most 200 values')
      .optional()
      .openapi({
        description:
          'Remote value → unified value (after `trim`), e.g. `{ "w": "female" }`; values not listed pass as they are.',
      }),
  })
  .strict()
  .openapi('FieldMappingTransform');

export const FieldMappingSchema = z
  .object({
    target,
    remote_field: z
      .string()
      .min(1)
      .max(200)
      .nullable()
      .openapi({
        description:
          "The provider's field to read (Personio: a custom attribute key, `dynamic_…`; see " +
          "`GET /linked-accounts/{id}/remote-fields`). `null` in a linked account's mappings: the target keeps " +
          "the provider's default, whatever the environment's mappings say.",
        example: 'dynamic_1004',
      }),
    transform: TransformSchema.optional(),
    customer_label: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .optional()
      .openapi({
        description:
          "Environment mappings only: the customer's admin picks `remote_field` on the hosted link page, where " +
          'the field is shown with this name (`remote_field` is then the default, or `null` for none).',
        example: 'Cost centre',
      }),
  })
  .strict()
  .openapi('FieldMapping', {
    description:
      'Fills `target` from a remote field. A value that does not fit the target (not a date, not one of an ' +
      "enum's values) becomes `null`.",
  });
export type FieldMapping = z.infer<typeof FieldMappingSchema>;

export const FieldMappingsInputSchema = z
  .object({
    mappings: z
      .array(FieldMappingSchema)
      .max(100)
      .superRefine((mappings, context) => {
        const seen = new Set<string>();
        for (const [index, mapping] of mappings.entries()) {
          if (seen.has(mapping.target)) {
            context.addIssue({ code: 'custom', path: [index, 'target'], message: 'is mapped twice' });
          }
          seen.add(mapping.target);
        }
      }),
  })
  .strict()
  .openapi('FieldMappingsInput', { description: 'The whole set: what is left out is no longer mapped.' });

export const EffectiveFieldMappingSchema = z
  .object({
    target: z.string(),
    remote_field: z.string(),
    transform: TransformSchema.optional(),
    source: z.enum(['environment', 'linked_account']).openapi({
      description: "Where the mapping comes from: the environment's defaults or the account's own.",
    }),
    readable: z.boolean().nullable().openapi({
      description:
        'Whether the credential could read `remote_field` when last checked; `null`: not known (check the account).',
    }),
  })
  .openapi('EffectiveFieldMapping');

export const FieldMappingsSchema = z
  .object({
    mappings: z.array(FieldMappingSchema),
    updated_at: z.string().nullable().openapi({ format: 'date-time' }),
  })
  .openapi('FieldMappings');

export const LinkedAccountFieldMappingsSchema = z
  .object({
    mappings: z.array(FieldMappingSchema),
    updated_at: z.string().nullable().openapi({ format: 'date-time' }),
    effective: z.array(EffectiveFieldMappingSchema).openapi({
      description: "The account's mappings over the environment's: what reads, events and writes apply.",
    }),
  })
  .openapi('LinkedAccountFieldMappings');
