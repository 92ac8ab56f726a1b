import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../../../context';
import { TimeoffRequestSchema } from '../../../../models/timeoff';
import { createTimeoffRequest } from '../../../../services/hris-operations';
import { calendarDate, linkedAccountErrorResponses, SECURITY, singleEnvelope } from '../../../common';
import { clockTime, REPLAYED_HEADER, WriteHeaders } from './schemas';

const personioId = (description: string, example: string) =>
  z
    .union([z.string().trim().min(1).max(64), z.number().int().positive()])
    .transform(String)
    .openapi({ description, example });

const CreateTimeoffRequestBody = z
  .strictObject({
    employee_id: personioId('The employee (Personio id).', '1001'),
    timeoff_type_id: personioId(
      'The time-off type (from `/unified/hris/timeoff-types`); its `units` decide between a day-based and an ' +
        'hour-based absence.',
      '301',
    ),
    start_date: calendarDate.openapi({ description: 'First day (inclusive).' }),
    end_date: calendarDate.openapi({
      description: 'Last day (inclusive); the same as `start_date` for one day.',
    }),
    start_half_day: z.boolean().default(false).openapi({
      description:
        'The first day is a half day (types with `half_days_allowed`; hour-based: several days only).',
    }),
    end_half_day: z.boolean().default(false).openapi({ description: 'The last day is a half day.' }),
    start_time: clockTime.nullable().optional().openapi({
      description: 'Hour-based types, within one day only: start time (`HH:mm`) in the company’s time zone.',
    }),
    end_time: clockTime.nullable().optional().openapi({ description: 'Like `start_time`, for the end.' }),
    employee_note: z.string().max(2000).nullable().optional().openapi({
      description: "Stored as Personio's comment.",
      example: 'Family visit',
    }),
    external_id: z
      .string()
      .trim()
      .min(1)
      .max(255)
      .optional()
      .openapi({
        description:
          'Your own id for this absence, unique per linked account for as long as the absence exists: a create ' +
          'with an external_id that names an existing absence returns that absence (`200`) instead of writing ' +
          'again. Returned on reads and usable as a filter.',
        example: 'leave-2027-0042',
      }),
    skip_approval: z
      .boolean()
      .default(false)
      .openapi({
        description:
          'false (the default): the request goes through the type’s approval flow and starts as `requested` when ' +
          'the type requires approval. true: Personio records it as approved right away.',
      }),
  })
  .superRefine((body, ctx) => {
    if (body.end_date < body.start_date) {
      ctx.addIssue({ code: 'custom', path: ['end_date'], message: 'must not be before start_date' });
    }
    const startTime = body.start_time ?? null;
    const endTime = body.end_time ?? null;
    if ((startTime === null) !== (endTime === null)) {
      ctx.addIssue({
        code: 'custom',
        path: [startTime === null ? 'start_time' : 'end_time'],
        message: 'start_time and end_time go together',
      });
    } else if (startTime !== null && endTime !== null && endTime <= startTime) {
      ctx.addIssue({ code: 'custom', path: ['end_time'], message: 'must be after start_time' });
    }
  })
  .openapi('CreateTimeoffRequest');

const route = createRoute({
  method: 'post',
  path: '/unified/hris/timeoff-requests',
  operationId: 'createTimeoffRequest',
  tags: ['Time off'],
  summary: 'Create a time-off request',
  description:
    'Creates a day-based absence (Personio time-off) or an hour-based one (absence period) according to the ' +
    "type's `units`. Day-based: whole days, half days with `start_half_day`/`end_half_day` where the type " +
    'allows them. Hour-based: `start_time` and `end_time` for part of one day, or whole days (with half ' +
    'days) over several. A body the type does not allow is `400` naming the field; Personio refusing the ' +
    'absence is `422`; an overlap with an absence this linked account created with an `external_id` is `409` ' +
    'naming it (`details.existing_id`). Send an `Idempotency-Key` to retry safely, or an `external_id` to ' +
    'create an absence at most once for as long as it exists.',
  security: SECURITY,
  request: {
    headers: WriteHeaders,
    body: { required: true, content: { 'application/json': { schema: CreateTimeoffRequestBody } } },
  },
  responses: {
    200: {
      description: 'An absence created earlier with this `external_id`; nothing was written.',
      headers: REPLAYED_HEADER,
      content: {
        'application/json': {
          schema: singleEnvelope(TimeoffRequestSchema).openapi('TimeoffRequestExisting'),
        },
      },
    },
    201: {
      description: 'The created time-off request (or, for a replayed `Idempotency-Key`, the first response).',
      headers: REPLAYED_HEADER,
      content: {
        'application/json': {
          schema: singleEnvelope(TimeoffRequestSchema).openapi('TimeoffRequestCreated'),
        },
      },
    },
    ...linkedAccountErrorResponses('conflict', 'unprocessable'),
  },
});

export function registerCreateTimeoffRequest(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const body = c.req.valid('json');
    const key = c.req.valid('header')['idempotency-key'];
    const services = c.get('services');
    const linkedAccount = c.get('linkedAccount');
    const created = await createTimeoffRequest(services, {
      environmentId: c.get('environment').id,
      linkedAccount,
      body,
      idempotencyKey: key,
    });
    if (created.replayed) c.header('Idempotent-Replayed', 'true');
    return c.json({ result: created.result }, created.status);
  });
}
