import { z } from '@hono/zod-openapi';
import { remoteDeletedAt } from './employee';

export const TIMEOFF_STATUSES = ['requested', 'approved', 'declined', 'cancelled'] as const;
export type TimeoffStatus = (typeof TIMEOFF_STATUSES)[number];

export const TIMEOFF_UNITS = ['days', 'hours'] as const;
export type TimeoffUnits = (typeof TIMEOFF_UNITS)[number];

/** One description of the status mapping, used by the model and by every operation that filters on it. */
export const TIMEOFF_STATUS_MAPPING =
  "Personio's `pending` → `requested`, `approved` → `approved`, `rejected` → `declined`, `cancelled` (or " +
  '`canceled`) → `cancelled`. A state Personio adds later and the gateway does not know yet is `null` ' +
  "(Personio's value is in `remote_data.attributes.status`).";

const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .openapi({ format: 'date', example: '2026-07-06' });

const dateTime = z.string().nullable().openapi({ format: 'date-time', example: '2026-05-28T09:12:00.000Z' });

const time = z
  .string()
  .regex(/^\d{2}:\d{2}$/)
  .nullable()
  .openapi({ example: '09:30' });

const TimeoffTypeReference = z
  .object({ id: z.string().openapi({ example: '301' }), name: z.string().nullable() })
  .openapi('TimeoffTypeReference');

const remoteData = (what: string) =>
  z
    .record(z.string(), z.unknown())
    .nullable()
    .optional()
    .openapi({
      description: `${what} as received; only with \`include_remote_data=true\`.`,
    });

export const TimeoffTypeSchema = z
  .object({
    id: z.string().openapi({ description: 'The Personio time-off type id, as a string.', example: '301' }),
    name: z.string().nullable().openapi({ example: 'Paid vacation' }),
    category: z.string().nullable().openapi({
      description: "Personio's category, e.g. `paid_vacation`, `sick_leave`, `offsite_work`, `other`.",
      example: 'paid_vacation',
    }),
    units: z
      .enum(TIMEOFF_UNITS)
      .nullable()
      .openapi({
        description:
          "Personio's unit `day` → `days` (requests of this type are Personio time-offs) or `hour` → `hours` " +
          '(Personio absence periods, with start and end times).',
      }),
    half_days_allowed: z.boolean().nullable().openapi({
      description: "Personio's `half_day_requests_enabled`; `null` when Personio does not say.",
    }),
    approval_required: z.boolean().nullable(),
    remote_data: remoteData("Personio's time-off type"),
    remote_deleted_at: remoteDeletedAt,
  })
  .openapi('TimeoffType', { description: 'An absence type of the company.' });

export type TimeoffType = z.infer<typeof TimeoffTypeSchema>;

export const TimeoffRequestSchema = z
  .object({
    id: z.string().openapi({
      description:
        'The Personio id: an integer for a day-based absence (Personio time-off), a UUID for an hour-based one ' +
        '(Personio absence period).',
      example: '90001',
    }),
    employee: z.object({ id: z.string().openapi({ example: '4711' }) }),
    timeoff_type: TimeoffTypeReference.nullable().openapi({
      description: '`null` when the linked account hides absence details.',
    }),
    status: z.enum(TIMEOFF_STATUSES).nullable().openapi({ description: TIMEOFF_STATUS_MAPPING }),
    start_date: date.openapi({ description: 'First day of the absence (inclusive).' }),
    end_date: date.nullable().openapi({
      description: 'Last day of the absence (inclusive); `null` for an open-ended hour-based absence.',
    }),
    start_half_day: z.boolean().openapi({ description: 'The first day counts as a half day.' }),
    end_half_day: z.boolean().openapi({ description: 'The last day counts as a half day.' }),
    start_time: time.openapi({
      description:
        'Hour-based absences within a day: start time (`HH:mm`) in `timezone`. `null` for day-based ones and ' +
        'for hour-based ones that cover whole days.',
    }),
    end_time: time.openapi({ description: 'Like `start_time`, for the end.' }),
    timezone: z.string().nullable().openapi({
      description: 'Hour-based absences: the IANA time zone of `start_time`/`end_time`.',
      example: 'Europe/Berlin',
    }),
    amount: z.number().nullable().openapi({
      description: "Duration in `units`: Personio's `days_count`, or its effective duration in hours.",
      example: 4.5,
    }),
    units: z.enum(TIMEOFF_UNITS),
    employee_note: z.string().nullable().openapi({
      description: "Personio's comment; `null` when empty or when the linked account hides absence details.",
    }),
    created_at: dateTime,
    updated_at: dateTime,
    remote_deleted_at: remoteDeletedAt,
    remote_data: remoteData(
      "Personio's time-off or absence period; `null` when the linked account hides absence details",
    ),
  })
  .openapi('TimeoffRequest', {
    description: "An absence: Personio's day-based time-offs and hour-based absence periods in one model.",
  });

export type TimeoffRequest = z.infer<typeof TimeoffRequestSchema>;

export const TimeoffBalanceSchema = z
  .object({
    employee: z.object({ id: z.string().openapi({ example: '4711' }) }),
    timeoff_type: TimeoffTypeReference,
    balance: z.number().nullable().openapi({
      description:
        'What is left as of today: taken absences are deducted (an ongoing one up to today), upcoming ones are not.',
      example: 12.5,
    }),
    available_balance: z.number().nullable().openapi({
      description: 'What is left to plan: upcoming absences are deducted too.',
      example: 8,
    }),
    used: z
      .number()
      .nullable()
      .openapi({
        description:
          'Taken so far this calendar year. Live: `null` (Personio v1 does not report it). Synced: the approved ' +
          'absences of the type that started between 1 January and today, summed from the synced copy.',
      }),
    units: z.enum(TIMEOFF_UNITS).nullable().openapi({
      description: "The time-off type's unit; `null` when the type is not in the company's type list.",
    }),
  })
  .openapi('TimeoffBalance', { description: 'The balance of one employee for one time-off type.' });

export type TimeoffBalance = z.infer<typeof TimeoffBalanceSchema>;
