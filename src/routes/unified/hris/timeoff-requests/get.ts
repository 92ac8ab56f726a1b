import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../../../context';
import { TimeoffRequestSchema } from '../../../../models/timeoff';
import { readTimeoffRequest } from '../../../../services/hris-operations';
import {
  booleanQuery,
  LinkedAccountHeaders,
  linkedAccountErrorResponses,
  SECURITY,
  singleEnvelope,
} from '../../../common';
import { DATA_AS_OF_RESPONSE_HEADER, resolveSource, SourceQuery, setDataAsOf } from '../../source';
import { TimeoffRequestIdParams } from './schemas';

const route = createRoute({
  method: 'get',
  path: '/unified/hris/timeoff-requests/{id}',
  operationId: 'getTimeoffRequest',
  tags: ['Time off'],
  summary: 'Get a time-off request',
  description: 'An integer id names a day-based absence (Personio time-off), a UUID an hour-based one.',
  security: SECURITY,
  request: {
    headers: LinkedAccountHeaders,
    params: TimeoffRequestIdParams,
    query: z.object({
      include_remote_data: booleanQuery.openapi({
        type: 'boolean',
        description:
          "Adds `remote_data`: Personio's object as received (`null` while absence details are hidden).",
      }),
      ...SourceQuery.shape,
    }),
  },
  responses: {
    200: {
      description: 'The time-off request.',
      headers: DATA_AS_OF_RESPONSE_HEADER,
      content: {
        'application/json': { schema: singleEnvelope(TimeoffRequestSchema).openapi('TimeoffRequestResult') },
      },
    },
    ...linkedAccountErrorResponses(),
  },
});

export function registerGetTimeoffRequest(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const query = c.req.valid('query');
    const linkedAccount = c.get('linkedAccount');
    const { result, dataAsOf } = await readTimeoffRequest(c.get('services'), linkedAccount, id, {
      includeRemoteData: query.include_remote_data,
      source: resolveSource(linkedAccount, query),
      includeDeleted: query.include_deleted,
    });
    setDataAsOf(c, dataAsOf);
    return c.json({ result }, 200);
  });
}
