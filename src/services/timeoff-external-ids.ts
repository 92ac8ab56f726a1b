import type { Database } from '../db/client';
import {
  abandonExternalId,
  claimExternalId,
  completeExternalId,
  type ExternalIdRef,
  externalIdsOfTimeoffRequests,
  reclaimExternalId,
  releaseExternalId,
  renewExternalIdLease,
} from '../db/queries/timeoff-external-ids';
import { ApiError } from '../errors';
import { IDEMPOTENCY_HEARTBEAT_MS, IDEMPOTENCY_LEASE_MS, outcomeUnknown } from '../lib/idempotency';
import { sleep } from '../lib/sleep';
import type { TimeoffRequest } from '../models/timeoff';
import type { HrisProvider, NewTimeoffRequest } from '../providers/types';

/** How long a create waits for a concurrent create of the same external id before answering `409`. */
const WAIT_FOR_PENDING_MS = 15_000;
const POLL_MS = 150;

export interface ExternalIdCreate {
  db: Database;
  ref: ExternalIdRef;
  now: () => Date;
  provider: HrisProvider;
  /** Writes the absence; `resumed`: an earlier create of this id may have written it already. */
  create(resumed: boolean): Promise<TimeoffRequest>;
}

/**
 * Creates an absence under the caller's external id, at most once while that absence exists: a create of a
 * known id returns its absence (`existing`), one that arrives while another create of the id is writing waits
 * for it, and one whose absence was deleted since writes anew.
 */
export async function createWithExternalId(
  input: ExternalIdCreate,
): Promise<{ request: TimeoffRequest; existing: boolean }> {
  const waitUntil = Date.now() + WAIT_FOR_PENDING_MS;
  for (;;) {
    const claim = await claimExternalId(input.db, {
      ...input.ref,
      now: input.now(),
      leaseMs: IDEMPOTENCY_LEASE_MS,
    });
    if (claim.state === 'created') {
      const request = await input.provider.getTimeoffRequest(claim.timeoffRequestId, {
        includeRemoteData: false,
      });
      if (request) return { request, existing: true };
      // The absence was deleted (in Personio, say): the id is free for a new one.
      const claimedAt = await reclaimExternalId(input.db, {
        ...input.ref,
        timeoffRequestId: claim.timeoffRequestId,
        now: input.now(),
        leaseMs: IDEMPOTENCY_LEASE_MS,
      });
      if (claimedAt) return { request: await run(input, claimedAt, false), existing: false };
      continue;
    }
    if (claim.state === 'claimed')
      return { request: await run(input, claim.claimedAt, claim.resumed), existing: false };
    if (Date.now() >= waitUntil) {
      throw new ApiError(
        'conflict',
        'A time-off request with this external_id is still being created; retry shortly.',
        { details: [{ field: 'external_id', message: 'in progress' }], headers: { 'Retry-After': '2' } },
      );
    }
    await sleep(POLL_MS);
  }
}

async function run(input: ExternalIdCreate, claimedAt: Date, resumed: boolean): Promise<TimeoffRequest> {
  const held = { ...input.ref, claimedAt };
  const startedAt = Date.now();
  const timer = setInterval(() => {
    const leaseEndsAt = new Date(claimedAt.getTime() + (Date.now() - startedAt) + IDEMPOTENCY_LEASE_MS);
    renewExternalIdLease(input.db, { ...held, leaseEndsAt }).catch(() => {});
  }, IDEMPOTENCY_HEARTBEAT_MS);
  try {
    const request = await input.create(resumed);
    clearInterval(timer);
    await completeExternalId(input.db, { ...held, timeoffRequestId: request.id });
    return request;
  } catch (error) {
    clearInterval(timer);
    if (error instanceof ApiError && outcomeUnknown(error)) {
      // The absence may exist: the next create of this id looks for it before writing.
      await abandonExternalId(input.db, { ...held, now: input.now() });
    } else {
      await releaseExternalId(input.db, held);
    }
    throw error;
  }
}

/**
 * Personio refuses an overlapping absence with one message for both kinds ("Error when trying to insert
 * absence period"). Looks at what overlaps: an absence this linked account created (it has an external id)
 * is a duplicate, `409` naming it; anyone else's is a genuine overlap, `422` in the absence's own terms.
 */
export async function explainRefusal(
  error: unknown,
  context: {
    db: Database;
    environmentId: string;
    linkedAccountId: string;
    provider: HrisProvider;
    input: NewTimeoffRequest;
  },
): Promise<unknown> {
  if (!(error instanceof ApiError) || error.code !== 'unprocessable') return error;
  const upstream = error.details as
    | { upstream_status?: number; upstream_message?: string | null }
    | undefined;
  if (upstream?.upstream_status === undefined) return error;
  const { input } = context;
  let overlapping: TimeoffRequest[];
  try {
    const page = await context.provider.listTimeoffRequests({
      limit: 200,
      position: null,
      employeeId: input.employeeId,
      startDate: input.startDate,
      endDate: input.endDate,
      includeRemoteData: false,
    });
    overlapping = page.items.filter(
      (request) => request.status !== 'cancelled' && request.status !== 'declined',
    );
  } catch {
    return error;
  }
  if (overlapping.length === 0) return error;
  const externalIds = await externalIdsOfTimeoffRequests(context.db, {
    environmentId: context.environmentId,
    linkedAccountId: context.linkedAccountId,
    timeoffRequestIds: overlapping.map((request) => request.id),
  });
  const ours = overlapping.find((request) => externalIds.has(request.id));
  const upstreamDetails = {
    upstream_status: upstream.upstream_status,
    upstream_message: upstream.upstream_message,
  };
  if (ours) {
    return new ApiError(
      'conflict',
      `Employee ${input.employeeId} already has time-off request ${ours.id} (external_id ` +
        `${externalIds.get(ours.id)}) from this linked account ${when(ours)}; Personio refuses a second one.`,
      { details: { existing_id: ours.id, external_id: externalIds.get(ours.id), ...upstreamDetails } },
    );
  }
  const first = overlapping[0]!;
  return new ApiError(
    'unprocessable',
    `Personio refused the absence: employee ${input.employeeId} already has an absence (time-off request ` +
      `${first.id}) ${when(first)}.`,
    { details: { overlapping_ids: overlapping.map((request) => request.id), ...upstreamDetails } },
  );
}

/** When an absence is, in its own unit: days for day-based ones, hours within a day for hour-based ones. */
function when(request: TimeoffRequest): string {
  const days =
    request.start_date === request.end_date
      ? `on ${request.start_date}`
      : `from ${request.start_date} to ${request.end_date}`;
  if (request.units === 'hours' && request.start_time && request.end_time) {
    return `${days}, ${request.start_time.slice(0, 5)}–${request.end_time.slice(0, 5)}`;
  }
  return days;
}
