import { z } from '@hono/zod-openapi';
import type { Services } from '../../context';
import { getLinkedAccount } from '../../db/queries/linked-accounts';
import { getWebhookEndpoint } from '../../db/queries/webhooks';
import type { WebhookAttempt, WebhookDelivery, WebhookEndpoint } from '../../db/schema';
import { ApiError } from '../../errors';
import { isEventTypePattern } from '../../webhooks/matching';
import { singleEnvelope } from '../common';

export const WebhookEndpointIdParams = z.object({
  id: z
    .string()
    .min(1)
    .max(80)
    .openapi({
      param: { name: 'id', in: 'path' },
      description: 'The webhook endpoint id.',
      example: 'whe_2x8Hh4mJ7qK0aB3cD4eF5g',
    }),
});

export const WebhookUrl = z
  .string()
  .min(1)
  .max(2048, 'must be at most 2048 characters')
  .openapi({ format: 'uri', example: 'https://app.example.com/webhooks/roster' });

export const EventTypePatterns = z
  .array(
    z.string().refine(isEventTypePattern, {
      message: 'must be an event type (employee.created, …) or a resource wildcard (employee.*)',
    }),
  )
  .min(1, 'must name at least one event type')
  .max(50)
  .openapi({ example: ['employee.*', 'timeoff_request.approved'] });

export const LinkedAccountIds = z
  .array(z.string().regex(/^la_[0-9A-Za-z]{1,64}$/, 'must be a linked account id (la_…)'))
  .max(1000)
  .nullable()
  .openapi({ description: 'Only events of these linked accounts; `null` or left out: every account.' });

export const WebhookEndpointSchema = z
  .object({
    id: z.string().openapi({ example: 'whe_2x8Hh4mJ7qK0aB3cD4eF5g' }),
    url: z.string(),
    description: z.string().nullable(),
    event_types: z.array(z.string()),
    linked_account_ids: z.array(z.string()).nullable(),
    enabled: z.boolean(),
    disabled_reason: z.enum(['gone', 'failing']).nullable().openapi({
      description:
        'Why the gateway turned the endpoint off: `gone` (it answered 410), `failing` (3 days of failures).',
    }),
    created_at: z.string().openapi({ format: 'date-time' }),
    updated_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('WebhookEndpoint');

export const WebhookEndpointWithSecretSchema = WebhookEndpointSchema.extend({
  secret: z.string().openapi({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description: 'The signing secret, shown only here: store it now.',
  }),
}).openapi('WebhookEndpointWithSecret');

export const WebhookEndpointResult = singleEnvelope(WebhookEndpointSchema).openapi('WebhookEndpointResult');
export const WebhookEndpointWithSecretResult = singleEnvelope(WebhookEndpointWithSecretSchema).openapi(
  'WebhookEndpointWithSecretResult',
);

export function toWebhookEndpointResource(endpoint: WebhookEndpoint): z.infer<typeof WebhookEndpointSchema> {
  return {
    id: endpoint.id,
    url: endpoint.url,
    description: endpoint.description,
    event_types: endpoint.eventTypes,
    linked_account_ids: endpoint.linkedAccountIds,
    enabled: endpoint.enabled,
    disabled_reason: endpoint.disabledReason as 'gone' | 'failing' | null,
    created_at: endpoint.createdAt.toISOString(),
    updated_at: endpoint.updatedAt.toISOString(),
  };
}

export const WebhookAttemptSchema = z
  .object({
    attempted_at: z.string().openapi({ format: 'date-time' }),
    response_status: z.number().int().nullable(),
    latency_ms: z.number().int(),
    response_body: z.string().nullable().openapi({ description: 'The first KiB of the answer.' }),
    error: z.string().nullable().openapi({ description: 'Why no answer came: timeout, refused target, …' }),
  })
  .openapi('WebhookAttempt');

export const WebhookDeliverySchema = z
  .object({
    id: z.string().openapi({ example: 'whd_2x8Hh4mJ7qK0aB3cD4eF5g' }),
    endpoint_id: z.string(),
    event_id: z.string().openapi({ description: 'Also the `webhook-id` header of every attempt.' }),
    event_type: z.string(),
    status: z.enum(['pending', 'succeeded', 'failed']),
    attempt_count: z.number().int(),
    next_attempt_at: z.string().nullable().openapi({ format: 'date-time' }),
    created_at: z.string().openapi({ format: 'date-time' }),
    attempts: z.array(WebhookAttemptSchema),
  })
  .openapi('WebhookDelivery');

export function toWebhookDeliveryResource(
  delivery: WebhookDelivery,
  attempts: WebhookAttempt[],
): z.infer<typeof WebhookDeliverySchema> {
  return {
    id: delivery.id,
    endpoint_id: delivery.endpointId,
    event_id: delivery.eventId,
    event_type: delivery.eventType,
    status: delivery.status,
    attempt_count: delivery.attempts,
    next_attempt_at: delivery.status === 'pending' ? (delivery.nextAttemptAt?.toISOString() ?? null) : null,
    created_at: delivery.createdAt.toISOString(),
    attempts: attempts.map((attempt) => ({
      attempted_at: attempt.attemptedAt.toISOString(),
      response_status: attempt.responseStatus,
      latency_ms: attempt.latencyMs,
      response_body: attempt.responseBody,
      error: attempt.error,
    })),
  };
}

/** The caller's environment's endpoint, or 404 — also for an endpoint of another environment. */
export async function findWebhookEndpoint(
  services: Services,
  environmentId: string,
  id: string,
): Promise<WebhookEndpoint> {
  const endpoint = /^whe_[0-9A-Za-z]{1,64}$/.test(id)
    ? await getWebhookEndpoint(services.db, { environmentId, id })
    : undefined;
  if (!endpoint) throw new ApiError('not_found', `No webhook endpoint ${id} in this environment.`);
  return endpoint;
}

/** Refuses a target the deployment's egress policy forbids: 400 naming `url`. */
export async function checkWebhookTarget(services: Services, url: string): Promise<void> {
  const problem = await services.webhookSender.targetProblem(url);
  if (problem) {
    throw new ApiError('invalid_request', `Invalid body parameter \`url\`: ${problem}.`, {
      details: [{ field: 'url', message: problem }],
    });
  }
}

/** Every listed account must be one of this environment's (another environment's is unknown here). */
export async function checkLinkedAccountIds(
  services: Services,
  environmentId: string,
  ids: string[] | null | undefined,
): Promise<void> {
  for (const [index, id] of (ids ?? []).entries()) {
    if (!(await getLinkedAccount(services.db, { environmentId, id }))) {
      throw new ApiError(
        'invalid_request',
        `Invalid body parameter \`linked_account_ids\`: no linked account ${id}.`,
        {
          details: [
            { field: `linked_account_ids.${index}`, message: `no linked account ${id} in this environment` },
          ],
        },
      );
    }
  }
}
