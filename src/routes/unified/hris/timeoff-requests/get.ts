import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../../../context';
import { ApiError } from '../../../../errors';
import { TimeoffRequestSchema } from '../../../../models/timeoff';
import {
  booleanQuery,
  LinkedAccountHeaders,
  linkedAccountErrorResponses,
  SECURITY,
  singleEnvelope,
} from '../../../common';
import { presentTimeoffRequest, TimeoffRequestIdParams, withExternalIds } from './schemas';

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
    }),
  },
  responses: {
    200: {
      description: 'The time-off request.',
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
    const { include_remote_data: includeRemoteData } = c.req.valid('query');
    const linkedAccount = c.get('linkedAccount');
    const services = c.get('services');
    const provider = await services.providers.hris(linkedAccount);
    const request = await provider.getTimeoffRequest(id, { includeRemoteData });
    if (!request) throw new ApiError('not_found', `No time-off request ${id} in this linked account.`);
    const [result] = await withExternalIds(services.db, linkedAccount, [request]);
    return c.json({ result: presentTimeoffRequest(result!, linkedAccount) }, 200);
  });
}
