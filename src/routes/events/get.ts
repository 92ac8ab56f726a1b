import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../context';
import { getEvent, linkedAccountSettingsOf } from '../../db/queries/events';
import { ApiError, errorResponses } from '../../errors';
import { SECURITY, singleEnvelope } from '../common';
import { EventSchema, toEventResource } from './schemas';

const EventIdParams = z.object({
  id: z
    .string()
    .min(1)
    .max(80)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'evt_2x8Hh4mJ7qK0aB3cD4eF5g' }),
});

const route = createRoute({
  method: 'get',
  path: '/events/{id}',
  operationId: 'getEvent',
  tags: ['Events'],
  summary: 'Get an event',
  description: 'One event of this environment; another environment’s event is `404`.',
  security: SECURITY,
  request: { params: EventIdParams },
  responses: {
    200: {
      description: 'The event.',
      content: { 'application/json': { schema: singleEnvelope(EventSchema).openapi('EventResult') } },
    },
    ...errorResponses('unauthorized', 'not_found'),
  },
});

export function registerGetEvent(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const services = c.get('services');
    const environmentId = c.get('environment').id;
    const event = /^evt_[0-9A-Za-z]{1,64}$/.test(id)
      ? await getEvent(services.db, { environmentId, id })
      : undefined;
    if (!event) throw new ApiError('not_found', `No event ${id} in this environment.`);
    const settings = await linkedAccountSettingsOf(services.db, {
      environmentId,
      ids: event.linkedAccountId ? [event.linkedAccountId] : [],
    });
    return c.json(
      {
        result: toEventResource(
          event,
          event.linkedAccountId ? settings.get(event.linkedAccountId) : undefined,
        ),
      },
      200,
    );
  });
}
