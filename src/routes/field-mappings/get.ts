import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../context';
import { getFieldMappings } from '../../db/queries/field-mappings';
import { errorResponses } from '../../errors';
import { FieldMappingsSchema } from '../../models/field-mapping';
import { SECURITY } from '../common';

const route = createRoute({
  method: 'get',
  path: '/field-mappings',
  operationId: 'getFieldMappings',
  tags: ['Field mappings'],
  summary: "Get the environment's field mappings",
  description: 'The mappings every linked account of the environment uses unless it overrides them.',
  security: SECURITY,
  responses: {
    200: {
      description: "The environment's mappings (empty when none).",
      content: { 'application/json': { schema: z.object({ result: FieldMappingsSchema }) } },
    },
    ...errorResponses('unauthorized'),
  },
});

export function registerGetFieldMappings(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { defaults } = await getFieldMappings(c.get('services').db, {
      environmentId: c.get('environment').id,
    });
    return c.json(
      {
        result: {
          mappings: defaults?.mappings ?? [],
          updated_at: defaults?.updatedAt.toISOString() ?? null,
        },
      },
      200,
    );
  });
}
