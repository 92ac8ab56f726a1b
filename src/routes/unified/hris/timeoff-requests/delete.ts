import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../../../context';
import { forgetTimeoffRequestExternalId } from '../../../../db/queries/timeoff-external-ids';
import { ApiError } from '../../../../errors';
import { maybeIdempotent } from '../../../../lib/idempotency';
import { linkedAccountErrorResponses, SECURITY, singleEnvelope } from '../../../common';
import { REPLAYED_HEADER, TimeoffRequestIdParams, WriteHeaders } from './schemas';

const DeletedTimeoffRequest = z
  .object({
    id: z.string().openapi({ example: '100017' }),
    deleted: z.literal(true),
  })
  .openapi('DeletedTimeoffRequest');

const route = createRoute({
  method: 'delete',
  path: '/unified/hris/timeoff-requests/{id}',
  operationId: 'deleteTimeoffRequest',
  tags: ['Time off'],
  summary: 'Delete a time-off request',
  description:
    'Deletes the absence in Personio (an integer id is a time-off, a UUID an absence period). Deleting it ' +
    'again is `404`, unless the repeat carries the same `Idempotency-Key`, which returns the first response.',
  security: SECURITY,
  request: { headers: WriteHeaders, params: TimeoffRequestIdParams },
  responses: {
    200: {
      description: 'The request was deleted.',
      headers: REPLAYED_HEADER,
      content: {
        'application/json': {
          schema: singleEnvelope(DeletedTimeoffRequest).openapi('DeletedTimeoffRequestResult'),
        },
      },
    },
    ...linkedAccountErrorResponses('conflict'),
  },
});

export function registerDeleteTimeoffRequest(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const key = c.req.valid('header')['idempotency-key'];
    const services = c.get('services');
    const linkedAccount = c.get('linkedAccount');
    const execute = async ({ resumed } = { resumed: false }) => {
      const provider = await services.providers.hris(linkedAccount);
      // A delete of this key was cut off before it answered: the request being gone means it went through.
      const gone = resumed && (await provider.getTimeoffRequest(id, { includeRemoteData: false })) === null;
      if (!gone && !(await provider.deleteTimeoffRequest(id, { retry: key !== undefined }))) {
        throw new ApiError('not_found', `No time-off request ${id} in this linked account.`);
      }
      // The absence is gone, and with it the caller's external_id for it.
      await forgetTimeoffRequestExternalId(services.db, {
        environmentId: linkedAccount.environmentId,
        linkedAccountId: linkedAccount.id,
        timeoffRequestId: id,
      });
      return { status: 200, body: { result: { id, deleted: true as const } } };
    };
    const outcome = await maybeIdempotent(
      services.db,
      {
        environmentId: c.get('environment').id,
        scope: linkedAccount.id,
        key,
        method: 'DELETE',
        path: c.req.path,
        body: null,
        now: services.now(),
      },
      execute,
    );
    if (outcome.replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(outcome.response.body as { result: { id: string; deleted: true } }, 200);
  });
}
