import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../../../context';
import { TIMEOFF_STATUS_MAPPING, TimeoffRequestSchema } from '../../../../models/timeoff';
import { listTimeoffRequestsPage } from '../../../../services/hris-operations';
import {
  booleanQuery,
  calendarDate,
  instantQuery,
  LinkedAccountHeaders,
  linkedAccountErrorResponses,
  listEnvelope,
  PaginationQuery,
  SECURITY,
} from '../../../common';
import { DATA_AS_OF_RESPONSE_HEADER, resolveSource, SourceQuery, setDataAsOf } from '../../source';
import { statusList } from './schemas';

const TimeoffRequestListQuery = PaginationQuery.extend({
  employee_id: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .optional()
    .openapi({ description: 'Only this employee’s absences.', example: '1001' }),
  timeoff_type_id: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .optional()
    .openapi({
      description:
        'Only absences of this type (an id from `/unified/hris/timeoff-types`). Refused while the linked account ' +
        'hides absence details, since it would reveal the type.',
      example: '301',
    }),
  status: statusList.openapi({
    type: 'string',
    description: `One status or several, comma-separated: \`requested\`, \`approved\`, \`declined\`, \`cancelled\`. ${TIMEOFF_STATUS_MAPPING}`,
    example: 'approved',
  }),
  updated_after: instantQuery.openapi({
    type: 'string',
    format: 'date-time',
    description: 'Only absences changed strictly after this instant (a bare date means 00:00 UTC).',
    example: '2026-01-01T00:00:00Z',
  }),
  start_date: calendarDate.optional().openapi({
    description:
      'Window start (inclusive). With `end_date`, the window returns every absence that **overlaps** it: one ' +
      'from 5 to 10 July is in a window that starts on 7 July. Either side may be left open.',
    example: '2025-11-01',
  }),
  end_date: calendarDate
    .optional()
    .openapi({ description: 'Window end (inclusive).', example: '2026-12-31' }),
  include_remote_data: booleanQuery.openapi({
    type: 'boolean',
    description:
      "Adds `remote_data`: Personio's time-off or absence period as received (`null` while absence details are hidden).",
  }),
  external_id: z.string().trim().min(1).max(255).optional().openapi({
    description:
      'Only the request created with this `external_id` (at most one; the other filters still apply to it).',
    example: 'leave-2027-0042',
  }),
  ...SourceQuery.shape,
}).superRefine((query, ctx) => {
  if (query.start_date && query.end_date && query.end_date < query.start_date) {
    ctx.addIssue({ code: 'custom', path: ['end_date'], message: 'must not be before start_date' });
  }
});

const route = createRoute({
  method: 'get',
  path: '/unified/hris/timeoff-requests',
  operationId: 'listTimeoffRequests',
  tags: ['Time off'],
  summary: 'List time-off requests',
  description:
    'Day-based absences (Personio time-offs) and hour-based ones (Personio absence periods) in one list with one ' +
    'cursor: day-based first, then hour-based, each in Personio’s order. `start_date`/`end_date` select the ' +
    'absences that overlap the window. The gateway applies the filters itself where Personio cannot (the ' +
    'window’s start, `status`, `timeoff_type_id`), so a page can hold fewer than `limit` requests (even none); ' +
    'keep following `next_cursor` until it is `null`. A full walk returns every matching absence exactly once.\n\n' +
    `Status: ${TIMEOFF_STATUS_MAPPING}`,
  security: SECURITY,
  request: { headers: LinkedAccountHeaders, query: TimeoffRequestListQuery },
  responses: {
    200: {
      description: 'A page of time-off requests.',
      headers: DATA_AS_OF_RESPONSE_HEADER,
      content: {
        'application/json': { schema: listEnvelope(TimeoffRequestSchema).openapi('TimeoffRequestList') },
      },
    },
    ...linkedAccountErrorResponses(),
  },
});

export function registerListTimeoffRequests(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const query = c.req.valid('query');
    const services = c.get('services');
    const linkedAccount = c.get('linkedAccount');
    const page = await listTimeoffRequestsPage(services, linkedAccount, {
      limit: query.limit,
      cursor: query.cursor,
      employeeId: query.employee_id,
      timeoffTypeId: query.timeoff_type_id,
      statuses: query.status,
      updatedAfter: query.updated_after,
      startDate: query.start_date,
      endDate: query.end_date,
      externalId: query.external_id,
      includeRemoteData: query.include_remote_data,
      source: resolveSource(linkedAccount, query),
      includeDeleted: query.include_deleted,
    });
    setDataAsOf(c, page.dataAsOf);
    return c.json({ result: page.items, next_cursor: page.nextCursor }, 200);
  });
}
