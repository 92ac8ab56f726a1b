import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../context';
import { putFieldMappings } from '../../db/queries/field-mappings';
import { FieldMappingsInputSchema } from '../../models/field-mapping';
import { linkedAccountErrorResponses, SECURITY } from '../common';
import { findLinkedAccount, LinkedAccountIdParams } from './common';
import {
  accountMappingsResource,
  checkAgainstRemoteFields,
  LinkedAccountFieldMappingsResult,
} from './field-mappings-common';

const route = createRoute({
  method: 'put',
  path: '/linked-accounts/{id}/field-mappings',
  operationId: 'putLinkedAccountFieldMappings',
  tags: ['Field mappings'],
  summary: "Replace a linked account's field mappings",
  description:
    "Overrides of the environment's mappings for this account, checked live against the fields its " +
    "credential can read. `remote_field: null` keeps the provider's default for a target the environment maps. " +
    'Takes effect on the next read; no events are produced (see README, *Field mappings*).',
  security: SECURITY,
  request: {
    params: LinkedAccountIdParams,
    body: { required: true, content: { 'application/json': { schema: FieldMappingsInputSchema } } },
  },
  responses: {
    200: {
      description: "The account's mappings as stored.",
      content: { 'application/json': { schema: LinkedAccountFieldMappingsResult } },
    },
    ...linkedAccountErrorResponses('unprocessable'),
  },
});

export function registerPutLinkedAccountFieldMappings(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const { mappings } = c.req.valid('json');
    const services = c.get('services');
    const linkedAccount = await findLinkedAccount(services, c.get('environment').id, id);
    await checkAgainstRemoteFields(services, linkedAccount, mappings);
    await putFieldMappings(services.db, {
      environmentId: linkedAccount.environmentId,
      scope: linkedAccount.id,
      mappings,
      now: services.now(),
    });
    services.lookups.forgetFieldMappings(linkedAccount.environmentId, linkedAccount.id);
    return c.json({ result: await accountMappingsResource(services, linkedAccount) }, 200);
  });
}
