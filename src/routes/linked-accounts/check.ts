import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../context';
import { errorResponses } from '../../errors';
import { checkLinkedAccount } from '../../services/linking';
import { SECURITY } from '../common';
import { findLinkedAccount, LinkedAccountIdParams, LinkedAccountResult } from './common';
import { linkedAccountResource } from './field-mappings-common';

const route = createRoute({
  method: 'post',
  path: '/linked-accounts/{id}/check',
  operationId: 'checkLinkedAccount',
  tags: ['Linked accounts'],
  summary: 'Re-validate a linked account',
  description:
    'Exchanges the stored credentials with Personio again and re-reads what they may see. When Personio ' +
    'refuses them the account becomes `needs_reauth` (answered with 200 and that status); when it accepts ' +
    'them the account is `active` again with fresh `field_coverage`. Personio being unreachable or ' +
    'rate-limiting changes nothing and is answered with the matching error.',
  security: SECURITY,
  request: { params: LinkedAccountIdParams },
  responses: {
    200: {
      description: 'The account after the check; read `status`.',
      content: { 'application/json': { schema: LinkedAccountResult } },
    },
    ...errorResponses(
      'unauthorized',
      'not_found',
      'provider_unauthorized',
      'provider_forbidden',
      'rate_limited',
      'provider_error',
      'provider_unavailable',
      'provider_timeout',
    ),
  },
});

export function registerCheckLinkedAccount(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const services = c.get('services');
    const linkedAccount = await findLinkedAccount(services, c.get('environment').id, id);
    const checked = await checkLinkedAccount(services, linkedAccount);
    return c.json({ result: await linkedAccountResource(services, checked) }, 200);
  });
}
