import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../../../context';
import { listSyncedRecords } from '../../../../db/queries/synced-reads';
import { ApiError } from '../../../../errors';
import { type TimeoffType, TimeoffTypeSchema } from '../../../../models/timeoff';
import {
  booleanQuery,
  LinkedAccountHeaders,
  linkedAccountErrorResponses,
  listEnvelope,
  PaginationQuery,
  SECURITY,
} from '../../../common';
import {
  DATA_AS_OF_RESPONSE_HEADER,
  keysetPage,
  openSyncedCopy,
  presentSynced,
  resolveSource,
  SourceQuery,
  setDataAsOf,
  sourcedPage,
} from '../../source';

const TimeoffTypeListQuery = PaginationQuery.extend({
  include_remote_data: booleanQuery.openapi({
    type: 'boolean',
    description: "Adds `remote_data`: Personio's time-off type as received.",
  }),
  ...SourceQuery.shape,
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
      headers: DATA_AS_OF_RESPONSE_HEADER,
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
    const source = resolveSource(linkedAccount, query);
    const page = await sourcedPage<TimeoffType>(
      services,
      {
        resource: 'timeoff-types',
        linkedAccountId: linkedAccount.id,
        filters: {},
        cursor: query.cursor,
        source,
        includeDeleted: query.include_deleted,
      },
      async (position) => {
        const parsed = PositionSchema.safeParse(position ?? { index: 0 });
        if (!parsed.success) {
          throw new ApiError('invalid_request', 'The cursor is not valid for this list.', {
            details: [{ field: 'cursor', message: 'not a cursor of the time-off types list' }],
          });
        }
        const start = parsed.data.index;
        const provider = await services.providers.hris(linkedAccount);
        const types = await provider.listTimeoffTypes({ includeRemoteData: query.include_remote_data });
        const end = start + query.limit;
        return { items: types.slice(start, end), next: end < types.length ? { index: end } : null };
      },
      async (after) => {
        const copy = await openSyncedCopy(services, linkedAccount);
        // In the order Personio listed them, which is the order the copy first saw them.
        const rows = await listSyncedRecords(services.db, {
          ...copy.ref,
          kind: 'timeoff_type',
          after,
          limit: query.limit + 1,
          includeDeleted: query.include_deleted,
          where: [],
          bySight: true,
        });
        const page = keysetPage(rows, query.limit);
        return {
          items: page.rows.map((row) => presentSynced<TimeoffType>(row, query.include_deleted)),
          next: page.next,
          asOf: copy.asOf,
        };
      },
    );
    setDataAsOf(c, page.dataAsOf);
    return c.json({ result: page.items, next_cursor: page.nextCursor }, 200);
  });
}
