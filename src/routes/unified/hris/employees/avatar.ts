import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../../../context';
import { ApiError } from '../../../../errors';
import { LinkedAccountHeaders, linkedAccountErrorResponses, SECURITY } from '../../../common';

/** Personio needs a width; this one suits list views and profile headers alike. */
const DEFAULT_WIDTH = 256;

const route = createRoute({
  method: 'get',
  path: '/unified/hris/employees/{id}/avatar',
  operationId: 'getEmployeeAvatar',
  tags: ['Employees'],
  summary: "Get an employee's picture",
  description:
    "The employee's profile picture from Personio, streamed with the linked account's credentials (what " +
    '`avatar_url` points at). `404` when the employee has no picture or the credential may not read pictures. ' +
    "Personio's caching headers are passed on; `If-None-Match`/`If-Modified-Since` are forwarded, so a " +
    'cached copy can be revalidated (`304`).',
  security: SECURITY,
  request: {
    headers: LinkedAccountHeaders,
    params: z.object({
      id: z
        .string()
        .min(1)
        .max(64)
        .openapi({
          param: { name: 'id', in: 'path' },
          description: 'The Personio employee id.',
          example: '4711',
        }),
    }),
    query: z.object({
      width: z.coerce
        .number({ error: 'must be a whole number from 1 to 2048' })
        .int('must be a whole number from 1 to 2048')
        .min(1, 'must be at least 1')
        .max(2048, 'must be at most 2048')
        .default(DEFAULT_WIDTH)
        .openapi({ description: `Width in pixels (default ${DEFAULT_WIDTH}).`, example: 128 }),
    }),
  },
  responses: {
    200: {
      description: 'The picture.',
      content: { 'image/*': { schema: z.string().openapi({ format: 'binary' }) } },
    },
    304: { description: 'The cached copy named by `If-None-Match` or `If-Modified-Since` is current.' },
    ...linkedAccountErrorResponses(),
  },
});

export function registerGetEmployeeAvatar(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const { width } = c.req.valid('query');
    const provider = await c.get('services').providers.hris(c.get('linkedAccount'));
    const avatar = await provider.getEmployeeAvatar(id, { width, conditional: c.req.raw.headers });
    if (!avatar) {
      throw new ApiError(
        'not_found',
        `No picture for employee ${id}: none is set, or the credential may not read pictures.`,
      );
    }
    const headers = new Headers(avatar.headers);
    // The picture is behind the caller's key: shared caches must not keep it.
    if (!headers.has('cache-control')) headers.set('cache-control', 'private, max-age=3600');
    headers.set('x-request-id', c.get('requestId'));
    return new Response(avatar.notModified ? null : avatar.body, {
      status: avatar.notModified ? 304 : 200,
      headers,
    }) as never;
  });
}
