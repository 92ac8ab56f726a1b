import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../context';
import { type LinkedAccountPosition, listLinkedAccountsPage } from '../../db/queries/linked-accounts';
import { LINKED_ACCOUNT_STATUSES } from '../../db/schema';
import { ApiError, errorResponses } from '../../errors';
import { queryBinding } from '../../lib/cursor';
import { LinkedAccountSchema } from '../../models/linked-account';
import { listEnvelope, PaginationQuery, SECURITY } from '../common';
import { linkedAccountResources } from './field-mappings-common';

const LinkedAccountListQuery = PaginationQuery.extend({
  origin_id: z
    .string()
    .min(1)
    .max(255)
    .optional()
    .openapi({ description: 'Only accounts of this end user (exact).', example: 'customer-42' }),
  status: z
    .enum(LINKED_ACCOUNT_STATUSES, { error: `must be one of ${LINKED_ACCOUNT_STATUSES.join(', ')}` })
    .optional()
    .openapi({ description: 'Only accounts in this status, e.g. `needs_reauth` to find ones to reconnect.' }),
});

const PositionSchema = z.object({ created_at: z.string(), id: z.string() });

const route = createRoute({
  method: 'get',
  path: '/linked-accounts',
  operationId: 'listLinkedAccounts',
  tags: ['Linked accounts'],
  summary: 'List linked accounts',
  description: 'Linked accounts of the API key’s environment, newest first. Deleted accounts are not listed.',
  security: SECURITY,
  request: { query: LinkedAccountListQuery },
  responses: {
    200: {
      description: 'A page of linked accounts.',
      content: {
        'application/json': { schema: listEnvelope(LinkedAccountSchema).openapi('LinkedAccountList') },
      },
    },
    ...errorResponses('invalid_request', 'unauthorized'),
  },
});

export function registerListLinkedAccounts(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const query = c.req.valid('query');
    const services = c.get('services');
    const environment = c.get('environment');
    const binding = queryBinding('linked-accounts', environment.id, {
      origin_id: query.origin_id,
      status: query.status,
    });
    let after: LinkedAccountPosition | null = null;
    if (query.cursor) {
      const parsed = PositionSchema.safeParse(await services.cursors.decode(query.cursor, binding));
      if (!parsed.success) throw new ApiError('invalid_request', 'The cursor is not valid.');
      after = parsed.data;
    }
    const page = await listLinkedAccountsPage(services.db, {
      environmentId: environment.id,
      originId: query.origin_id,
      status: query.status,
      after,
      limit: query.limit,
    });
    return c.json(
      {
        result: await linkedAccountResources(services, environment.id, page.linkedAccounts),
        next_cursor: page.next ? await services.cursors.encode(page.next, binding) : null,
      },
      200,
    );
  });
}
