import { z } from '@hono/zod-openapi';
import type { Database } from '../../../../db/client';
import { externalIdsOfTimeoffRequests } from '../../../../db/queries/timeoff-external-ids';
import type { LinkedAccount } from '../../../../db/schema';
import { IDEMPOTENCY_KEY_PATTERN } from '../../../../lib/idempotency';
import { TIMEOFF_STATUSES, type TimeoffRequest } from '../../../../models/timeoff';
import { LinkedAccountHeaders } from '../../../common';

/** Request parts shared by the time-off request operations, and the privacy setting applied to their output. */

export const clockTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day (HH:mm)')
  .openapi({ example: '09:30' });

export const statusList = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) return undefined;
    const statuses = value.split(',').map((status) => status.trim());
    for (const status of statuses) {
      if (!(TIMEOFF_STATUSES as readonly string[]).includes(status)) {
        ctx.addIssue({ code: 'custom', message: `must be one or more of ${TIMEOFF_STATUSES.join(', ')}` });
        return z.NEVER;
      }
    }
    return [...new Set(statuses)].sort() as (typeof TIMEOFF_STATUSES)[number][];
  });

export const TimeoffRequestIdParams = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({
      param: { name: 'id', in: 'path' },
      description: 'The request id: an integer (day-based) or a UUID (hour-based).',
      example: '100017',
    }),
});

export const WriteHeaders = LinkedAccountHeaders.extend({
  'idempotency-key': z
    .string()
    .regex(IDEMPOTENCY_KEY_PATTERN, 'must be 1–255 printable ASCII characters without spaces')
    .optional()
    .openapi({
      param: { in: 'header' },
      description:
        'Makes the write safe to retry: a repeat with the same key and body returns the first response ' +
        '(with `Idempotent-Replayed: true`) and does not write to Personio again; the same key with another ' +
        'body is `409 conflict`. Keys are kept for 24 hours per linked account; a failed write frees its key.',
      example: '0f8fad5b-d9cb-469f-a165-70867728950e',
    }),
});

export const REPLAYED_HEADER = {
  'Idempotent-Replayed': {
    description:
      '`true` when this is the stored response of an earlier request with the same `Idempotency-Key`.',
    schema: { type: 'string' as const, enum: ['true'] },
  },
};

export function absenceDetailsHidden(linkedAccount: Pick<LinkedAccount, 'settings'>): boolean {
  return linkedAccount.settings?.hide_absence_details === true;
}

/**
 * The linked account's `hide_absence_details`: what kind of absence it is and what the employee wrote
 * stay private; `remote_data`, which holds both, goes too.
 */
export function presentTimeoffRequest(
  request: TimeoffRequest,
  linkedAccount: Pick<LinkedAccount, 'settings'>,
): TimeoffRequest {
  if (!absenceDetailsHidden(linkedAccount)) return request;
  const hidden: TimeoffRequest = { ...request, timeoff_type: null, employee_note: null };
  if ('remote_data' in request) hidden.remote_data = null;
  return hidden;
}

/** Adds the caller's `external_id` (kept by the gateway, unknown to Personio) to requests read from Personio. */
export async function withExternalIds(
  db: Database,
  linkedAccount: Pick<LinkedAccount, 'id' | 'environmentId'>,
  requests: TimeoffRequest[],
): Promise<TimeoffRequest[]> {
  const externalIds = await externalIdsOfTimeoffRequests(db, {
    environmentId: linkedAccount.environmentId,
    linkedAccountId: linkedAccount.id,
    timeoffRequestIds: requests.map((request) => request.id),
  });
  return requests.map((request) => ({ ...request, external_id: externalIds.get(request.id) ?? null }));
}
