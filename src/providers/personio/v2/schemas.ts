import { z } from 'zod';

/**
 * What Personio v2 sends, as far as the gateway reads it (REFERENCE §4; spec files for persons, employments
 * and the token; docs excerpts for absences). Fields the gateway does not read may hold anything and pass
 * through to `remote_data`; a field it reads with a wrong type fails the answer (502 `provider_error`).
 */

const IdSchema = z.union([z.string(), z.number()]).transform(String);
const Reference = z.looseObject({ id: IdSchema });

export const V2TokenSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.number().positive().nullish(),
  scope: z.string().nullish(),
});

export const V2OAuthErrorSchema = z.looseObject({
  error: z.string(),
  error_description: z.string().nullish(),
});

export const V2ProblemSchema = z.looseObject({
  personio_trace_id: z.string().nullish(),
  errors: z.array(z.looseObject({ title: z.string().nullish(), detail: z.string().nullish() })).nullish(),
});

export function v2List<Item extends z.ZodType>(item: Item) {
  return z.looseObject({
    _data: z.array(item),
    _meta: z
      .looseObject({ links: z.record(z.string(), z.looseObject({ href: z.string() }).nullable()).nullish() })
      .nullish(),
  });
}

export const V2AbsenceTypeSchema = z.looseObject({
  id: IdSchema,
  name: z.string().nullish(),
  category: z.string().nullish(),
  unit: z.string().nullish(),
});
export type V2AbsenceType = z.infer<typeof V2AbsenceTypeSchema>;

const Point = z.looseObject({ date_time: z.string(), type: z.string().nullish() });

export const V2AbsencePeriodSchema = z.looseObject({
  id: z.string(),
  person: Reference,
  absence_type: Reference,
  starts_from: Point,
  ends_at: Point.nullish(),
  timezone_id: z.string().nullish(),
  comment: z.string().nullish(),
  approval: z.looseObject({ status: z.string().nullish() }).nullish(),
  created_at: z.string().nullish(),
  updated_at: z.string().nullish(),
});
export type V2AbsencePeriod = z.infer<typeof V2AbsencePeriodSchema>;

export const V2BreakdownSchema = z.looseObject({
  date: z.string(),
  effective_duration: z.looseObject({ unit: z.string().nullish(), value: z.number() }),
});
export type V2Breakdown = z.infer<typeof V2BreakdownSchema>;

export const V2PersonSchema = z.looseObject({
  id: IdSchema,
  status: z.string().nullish(),
  updated_at: z.string().nullish(),
  employments: z.array(Reference).nullish(),
});
export type V2Person = z.infer<typeof V2PersonSchema>;

export const V2EmploymentSchema = z.looseObject({
  id: z.string(),
  status: z.string().nullish(),
  employment_start_date: z.string().nullish(),
  employment_end_date: z.string().nullish(),
  termination: z
    .looseObject({ termination_date: z.string().nullish(), last_working_day: z.string().nullish() })
    .nullish(),
  updated_at: z.string().nullish(),
});
export type V2Employment = z.infer<typeof V2EmploymentSchema>;
