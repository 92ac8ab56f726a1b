import { z } from 'zod';
import { AttributeSchema } from './schemas';

/**
 * What Personio v1 sends for absences, checked only where the mappers and pagers read it (see
 * schemas.ts): unread fields may hold anything and pass through untouched. Unions where the spec and
 * its examples disagree, so a plausible variant of a read field does not break a sync either.
 */

const IdSchema = z.union([z.number(), z.string()]);
/** Booleans as sent; some v1 fields have been seen as 0/1. */
const FlagSchema = z.union([z.boolean(), z.number(), z.string()]).nullish();
const NumberLikeSchema = z.union([z.number(), z.string()]).nullish();

/** The pagers read `total_elements` only; `current_page` is documented from 0 and exampled from 1. */
const MetadataSchema = z.looseObject({ total_elements: z.number().int().nonnegative().nullish() }).nullish();

export const TimeOffTypeSchema = z.looseObject({
  attributes: z.looseObject({
    id: IdSchema,
    name: z.string().nullish(),
    category: z.string().nullish(),
    unit: z.string().nullish(),
    approval_required: z.boolean().nullish(),
    half_day_requests_enabled: z.boolean().nullish(),
  }),
});
export type PersonioTimeOffType = z.infer<typeof TimeOffTypeSchema>;

export const TimeOffTypeListSchema = z.looseObject({
  success: z.literal(true),
  data: z.array(TimeOffTypeSchema),
});

/** The employee of an absence: only its `id` attribute is read. */
const ShortEmployeeSchema = z.looseObject({
  attributes: z.looseObject({ id: AttributeSchema.nullish() }),
});

export const TimeOffPeriodSchema = z.looseObject({
  attributes: z.looseObject({
    id: IdSchema,
    status: z.string().nullish(),
    start_date: z.string(),
    end_date: z.string().nullish(),
    days_count: NumberLikeSchema,
    half_day_start: FlagSchema,
    half_day_end: FlagSchema,
    time_off_type: z
      .looseObject({ attributes: z.looseObject({ id: IdSchema, name: z.string().nullish() }) })
      .nullish(),
    employee: ShortEmployeeSchema.nullish(),
    // Not in the spec's schema, but in real responses (REFERENCE §3.5).
    comment: z.string().nullish(),
    created_at: z.string().nullish(),
    updated_at: z.string().nullish(),
  }),
});
export type PersonioTimeOffPeriod = z.infer<typeof TimeOffPeriodSchema>;

// `offset` and `limit` are echoed back but not read: the official examples send `"offset": "0,"`.
export const TimeOffListSchema = z.looseObject({
  success: z.literal(true),
  metadata: MetadataSchema,
  data: z.array(TimeOffPeriodSchema),
});

export const TimeOffResponseSchema = z.looseObject({ success: z.literal(true), data: TimeOffPeriodSchema });

const AbsenceTypeAttributesSchema = z.looseObject({
  id: IdSchema.nullish(),
  name: z.string().nullish(),
  time_off_type_id: IdSchema.nullish(),
});

export const AbsencePeriodSchema = z.looseObject({
  attributes: z.looseObject({
    id: z.string().min(1),
    effective_duration: NumberLikeSchema,
    employee: ShortEmployeeSchema.nullish(),
    // The examples wrap it (`{ type, attributes: {…} }`), the schema does not; either is read.
    // (An object with `attributes` is the wrapped form, so its fields are checked there.)
    absence_type: z
      .union([
        z.looseObject({ attributes: AbsenceTypeAttributesSchema }),
        AbsenceTypeAttributesSchema.extend({ attributes: z.undefined().optional() }),
      ])
      .nullish(),
    start: z.string(),
    end: z.string().nullish(),
    half_day_start: FlagSchema,
    half_day_end: FlagSchema,
    comment: z.string().nullish(),
    status: z.string().nullish(),
    timezone: z.string().nullish(),
    created_at: z.string().nullish(),
    updated_at: z.string().nullish(),
    breakdowns: z.array(z.looseObject({ date: z.string(), effective_duration: NumberLikeSchema })).nullish(),
  }),
});
export type PersonioAbsencePeriod = z.infer<typeof AbsencePeriodSchema>;

export const AbsencePeriodListSchema = z.looseObject({
  success: z.literal(true),
  metadata: MetadataSchema,
  data: z.array(AbsencePeriodSchema),
});

/** The schema says an object; the official example sends a one-element array. */
export const AbsencePeriodCreatedSchema = z.looseObject({
  data: z.union([AbsencePeriodSchema, z.array(AbsencePeriodSchema).min(1)]),
});

export const DeletedSchema = z.looseObject({ success: z.literal(true) });

export const BalanceSchema = z.looseObject({
  id: IdSchema,
  name: z.string().nullish(),
  balance: NumberLikeSchema,
  available_balance: NumberLikeSchema,
});
export type PersonioBalance = z.infer<typeof BalanceSchema>;

export const BalanceListSchema = z.looseObject({ success: z.literal(true), data: z.array(BalanceSchema) });
