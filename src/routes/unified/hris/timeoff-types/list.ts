import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../../../context';
import { ApiError } from '../../../../errors';
import { queryBinding } from '../../../../lib/cursor';
import { TimeoffTypeSchema } from '../../../../models/timeoff';
import {
  booleanQuery,
  LinkedAccountHeaders,
  linkedAccountErrorResponses,
  listEnvelope,
  PaginationQuery,
  SECURITY,
} from '../../../common';

const TimeoffTypeListQuery = PaginationQuery.extend({
  include_remote_data: booleanQuery.openapi({
    type: 'boolean',
    description: "Adds `remote_data`: Personio's time-off type as received.",
  }),
});

/** Cursor state: the index of the next type in Personio's (complete, re-read) type list. */
const PositionSchema = z.object({ index: z.number().int().nonnegative() });

const route = createRoute({
  method: 'get',
  path: '/unified/hris/timeoff-types',
  operationId: 'listTimeoffTypes',
  tags: ['Time off'],
  summary: 'List time-off types',
  description:
    "The company's absence types, day-based and hour-based. `units` says which kind of request a type " +
    'creates; `half_days_allowed` and `approval_required` say what a new request of the type may do.',
  security: SECURITY,
  request: { headers: LinkedAccountHeaders, query: TimeoffTypeListQuery },
  responses: {
    200: {
      description: 'A page of time-off types.',
      content: { 'application/json': { schema: listEnvelope(TimeoffTypeSchema).openapi('TimeoffTypeList') } },
    },
    ...linkedAccountErrorResponses(),
  },
});

export function registerListTimeoffTypes(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const query = c.req.valid('query');
    const services = c.get('services');
    const linkedAccount = c.get('linkedAccount');
    const binding = queryBinding('timeoff-types', linkedAccount.id, {});
    let start = 0;
    if (query.cursor) {
      const parsed = PositionSchema.safeParse(await services.cursors.decode(query.cursor, binding));
      if (!parsed.success) {
        throw new ApiError('invalid_request', 'The cursor is not valid for this list.', {
          details: [{ field: 'cursor', message: 'not a cursor of the time-off types list' }],
        });
      }
      start = parsed.data.index;
    }
    const provider = await services.providers.hris(linkedAccount);
    const types = await provider.listTimeoffTypes({ includeRemoteData: query.include_remote_data });
    const end = start + query.limit;
    const nextCursor = end < types.length ? await services.cursors.encode({ index: end }, binding) : null;
    return c.json({ result: types.slice(start, end), next_cursor: nextCursor }, 200);
  });
}
