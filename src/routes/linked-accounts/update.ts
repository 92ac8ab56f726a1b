import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../context';
import { setLinkedAccountLabel, updateLinkedAccountSettings } from '../../db/queries/linked-accounts';
import { ApiError, errorResponses } from '../../errors';
import { toLinkedAccountResource } from '../../models/linked-account';
import { SECURITY } from '../common';
import { findLinkedAccount, LinkedAccountIdParams, LinkedAccountResult } from './common';

const LinkedAccountUpdate = z
  .object({
    label: z.string().trim().min(1, 'must not be empty').max(100).nullable().optional().openapi({
      description: 'A name for the connection (`null` removes it).',
      example: 'Acme GmbH',
    }),
    settings: z
      .object({
        hide_absence_details: z.boolean().optional().openapi({
          description:
            "Privacy: time-off requests of this account leave out their type, note and remote data; per-type balances and the proxy's absence endpoints are refused (403).",
        }),
        sync_enabled: z.boolean().optional().openapi({ description: 'Scheduled sync passes on or off.' }),
        sync_interval_minutes: z
          .number()
          .int('must be a whole number of minutes')
          .min(1, 'must be at least 1')
          .max(1440, 'must be at most 1440 (a day)')
          .optional(),
        sync_full_interval_minutes: z
          .number()
          .int('must be a whole number of minutes')
          .min(15, 'must be at least 15')
          .max(10_080, 'must be at most 10080 (a week)')
          .optional()
          .openapi({ description: 'Minutes between full passes, which see deletions (default 60).' }),
        sync_window_days_back: z.number().int().min(0).max(3650).optional(),
        sync_window_days_ahead: z.number().int().min(0).max(3650).optional(),
        personio_api_version: z.enum(['auto', 'v1']).optional().openapi({
          description:
            '`v1` (default) keeps every call on Personio v1; `auto` uses v2 where it is better and the credential has it.',
        }),
        sync_balances_interval_minutes: z
          .number()
          .int('must be a whole number of minutes')
          .min(60, 'must be at least 60')
          .max(10_080, 'must be at most 10080 (a week)')
          .optional()
          .openapi({
            description:
              'Minutes between refreshes of the synced balances, a Personio call per employee (default 1440).',
          }),
        default_source: z
          .enum(['live', 'synced'], { error: 'must be live or synced' })
          .optional()
          .openapi({ description: 'Where unified reads without `source` go (default `live`).' }),
      })
      .strict()
      .optional(),
  })
  .strict()
  .openapi('LinkedAccountUpdate');

const route = createRoute({
  method: 'patch',
  path: '/linked-accounts/{id}',
  operationId: 'updateLinkedAccount',
  tags: ['Linked accounts'],
  summary: 'Update linked account settings',
  description: 'Changes the label and the settings named in the body and leaves the others as they are.',
  security: SECURITY,
  request: {
    params: LinkedAccountIdParams,
    body: { required: true, content: { 'application/json': { schema: LinkedAccountUpdate } } },
  },
  responses: {
    200: {
      description: 'The updated account.',
      content: { 'application/json': { schema: LinkedAccountResult } },
    },
    ...errorResponses('invalid_request', 'unauthorized', 'not_found'),
  },
});

export function registerUpdateLinkedAccount(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const { settings, label } = c.req.valid('json');
    const services = c.get('services');
    const environmentId = c.get('environment').id;
    await findLinkedAccount(services, environmentId, id);
    // Checked after the lookup, so another environment's account is a 404 whatever the body.
    if (settings === undefined && label === undefined) {
      throw new ApiError(
        'invalid_request',
        'Invalid json parameter `settings`: name `label` or `settings` to change',
        {
          details: [{ field: 'settings', message: 'name `label` or `settings` to change' }],
        },
      );
    }
    const changes = Object.fromEntries(
      Object.entries(settings ?? {}).filter(([, value]) => value !== undefined),
    );
    const updated = await updateLinkedAccountSettings(services.db, {
      environmentId,
      id,
      settings: changes,
      now: services.now(),
    });
    const labelled =
      updated && label !== undefined
        ? await setLinkedAccountLabel(services.db, { environmentId, id, label, now: services.now() })
        : updated;
    services.lookups.forgetLinkedAccount(environmentId, id);
    if (!updated || !labelled)
      throw new ApiError('not_found', `No linked account ${id} in this environment.`);
    await services.jobs.scheduleAccount(updated);
    return c.json({ result: toLinkedAccountResource(labelled) }, 200);
  });
}
