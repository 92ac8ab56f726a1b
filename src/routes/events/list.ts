import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../context';
import { linkedAccountSettingsOf, listEventsPage } from '../../db/queries/events';
import { ApiError, errorResponses } from '../../errors';
import { EVENT_TYPES } from '../../events/types';
import { queryBinding } from '../../lib/cursor';
import { instantQuery, listEnvelope, PaginationQuery, SECURITY } from '../common';
import { EventSchema, toEventResource } from './schemas';

const RESOURCES = ['employee', 'timeoff_request', 'timeoff_type', 'linked_account', 'webhook_endpoint'];

const EventListQuery = PaginationQuery.extend({
  linked_account_id: z
    .string()
    .regex(/^la_[0-9A-Za-z]{1,64}$/, 'must be a linked account id (la_…)')
    .optional()
    .openapi({ description: 'Only events of this linked account.' }),
  type: z
    .string()
    .max(1000)
    .optional()
    .openapi({
      description:
        'Comma-separated event types; `employee.*` (likewise `timeoff_request.*`, `timeoff_type.*`, ' +
        '`linked_account.*`) matches every type of that resource.',
      example: 'employee.*,timeoff_request.approved',
    }),
  created_after: instantQuery.openapi({
    type: 'string',
    description: 'Only events recorded after this instant (ISO 8601).',
  }),
});

const EventList = listEnvelope(EventSchema)
  .extend({
    poll_cursor: z.string().openapi({
      description:
        'Always present: the position after the last event of this page (or where the request started, when ' +
        'it returned none). Keep it and pass it as `cursor` to poll for events recorded later: each is returned once.',
    }),
  })
  .openapi('EventList');

const route = createRoute({
  method: 'get',
  path: '/events',
  operationId: 'listEvents',
  tags: ['Events'],
  summary: 'List events',
  description:
    'The change feed of this environment, oldest first. A walk with `next_cursor` returns every event once, ' +
    'also while new ones arrive; a `null` `next_cursor` means you are up to date: keep `poll_cursor` and pass ' +
    'it as `cursor` later for what was recorded since. Events are kept for `EVENT_RETENTION_DAYS` (default 30).',
  security: SECURITY,
  request: { query: EventListQuery },
  responses: {
    200: { description: 'A page of events.', content: { 'application/json': { schema: EventList } } },
    ...errorResponses('invalid_request', 'unauthorized'),
  },
});

function parseTypes(value: string | undefined) {
  if (value === undefined) return undefined;
  const exact: string[] = [];
  const prefixes: string[] = [];
  for (const pattern of value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    if (pattern.endsWith('.*') && RESOURCES.includes(pattern.slice(0, -2)))
      prefixes.push(pattern.slice(0, -1));
    else if ((EVENT_TYPES as readonly string[]).includes(pattern)) exact.push(pattern);
    else {
      throw new ApiError('invalid_request', `Unknown event type \`${pattern}\`.`, {
        details: [{ field: 'type', message: `unknown event type ${pattern}` }],
      });
    }
  }
  return { exact, prefixes };
}

export function registerListEvents(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const query = c.req.valid('query');
    const services = c.get('services');
    const environmentId = c.get('environment').id;
    const filters = {
      linked_account_id: query.linked_account_id,
      type: query.type,
      created_after: query.created_after?.toISOString(),
    };
    // A cursor is the last `seq` returned, bound to this environment and these filters.
    const binding = queryBinding('events', environmentId, filters);
    const afterSeq = (await services.cursors.decodeSeq(query.cursor, binding)) ?? 0;
    const page = await listEventsPage(services.db, {
      environmentId,
      filters: {
        linkedAccountId: query.linked_account_id,
        types: parseTypes(query.type),
        createdAfter: query.created_after,
      },
      afterSeq,
      limit: query.limit,
    });
    const settings = await linkedAccountSettingsOf(services.db, {
      environmentId,
      ids: [
        ...new Set(page.events.flatMap((event) => (event.linkedAccountId ? [event.linkedAccountId] : []))),
      ],
    });
    const last = page.events.at(-1);
    const pollSeq = last?.seq ?? afterSeq;
    return c.json(
      {
        result: page.events.map((event) =>
          toEventResource(event, event.linkedAccountId ? settings.get(event.linkedAccountId) : undefined),
        ),
        next_cursor: page.hasMore && last ? await services.cursors.encode({ seq: last.seq }, binding) : null,
        poll_cursor: await services.cursors.encode({ seq: pollSeq }, binding),
      },
      200,
    );
  });
}
