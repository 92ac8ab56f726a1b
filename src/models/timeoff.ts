import { z } from '@hono/zod-openapi';
import { remoteDeletedAt } from './employee';

export const TIMEOFF_STATUSES = ['requested', 'approved', 'declined', 'cancelled'] as const;
export type TimeoffStatus = (typeof TIMEOFF_STATUSES)[number];

export const TIMEOFF_UNITS = ['days', 'hours'] as const;
export type TimeoffUnits = (typeof TIMEOFF_UNITS)[number];

/** One description of the status mapping, used by the model and by every operation that filters on it. */
export const TIMEOFF_STATUS_MAPPING =
  '`requested` (awaiting approval), `approved`, `declined`, `cancelled`. A state the provider adds later and ' +
  "the gateway does not know yet is `null` (the provider's value is in `remote_data`).";

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
    id: z.string().openapi({ description: "The provider's time-off type id, as a string.", example: '301' }),
    name: z.string().nullable().openapi({ example: 'Paid vacation' }),
    category: z.string().nullable().openapi({
      description: "The provider's category, e.g. `paid_vacation`, `sick_leave`, `offsite_work`, `other`.",
      example: 'paid_vacation',
    }),
    units: z.enum(TIMEOFF_UNITS).nullable().openapi({
      description:
        '`days` (requests of this type take whole or half days) or `hours` (they take start and end times).',
    }),
    half_days_allowed: z.boolean().nullable().openapi({
      description: 'Whether requests may start or end on half a day; `null` when the provider does not say.',
    }),
    approval_required: z.boolean().nullable(),
    remote_data: remoteData("The provider's time-off type"),
    remote_deleted_at: remoteDeletedAt,
  })
  .openapi('TimeoffType', { description: 'An absence type of the company.' });

export type TimeoffType = z.infer<typeof TimeoffTypeSchema>;

export const TimeoffRequestSchema = z
  .object({
    id: z.string().openapi({
      description:
        "The provider's id (Personio: an integer for a day-based absence, a UUID for an hour-based one).",
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
      description: 'Duration in `units`: days counted by the provider, or the effective duration in hours.',
      example: 4.5,
    }),
    units: z.enum(TIMEOFF_UNITS),
    employee_note: z.string().nullable().openapi({
      description:
        "The employee's comment; `null` when empty or when the linked account hides absence details.",
    }),
    external_id: z
      .string()
      .nullable()
      .optional()
      .openapi({
        description:
          'Your own id for the request, as given when you created it through this linked account; `null` otherwise. ' +
          'On the unified time-off routes only (not in events).',
        example: 'leave-2027-0042',
      }),
    created_at: dateTime,
    updated_at: dateTime,
    remote_deleted_at: remoteDeletedAt,
    remote_data: remoteData(
      "The provider's absence object; `null` when the linked account hides absence details",
    ),
  })
  .openapi('TimeoffRequest', {
    description: 'An absence, day-based or hour-based, in one model.',
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
          'Taken so far this calendar year. Live: `null` where the provider does not report it (Personio v1). ' +
          'Synced: the approved absences of the type that started between 1 January and today, summed from the ' +
          'synced copy.',
      }),
    units: z.enum(TIMEOFF_UNITS).nullable().openapi({
      description: "The time-off type's unit; `null` when the type is not in the company's type list.",
    }),
  })
  .openapi('TimeoffBalance', { description: 'The balance of one employee for one time-off type.' });

export type TimeoffBalance = z.infer<typeof TimeoffBalanceSchema>;
