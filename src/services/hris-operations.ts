import type { Services } from '../context';
import { getSyncedRecord } from '../db/queries/synced-reads';
import { findTimeoffRequestByExternalId } from '../db/queries/timeoff-external-ids';
import type { LinkedAccount } from '../db/schema';
import { ApiError } from '../errors';
import { maybeIdempotent } from '../lib/idempotency';
import type { Employee, EmploymentStatus } from '../models/employee';
import type { TimeoffBalance, TimeoffRequest, TimeoffStatus } from '../models/timeoff';
import type { NewTimeoffRequest } from '../providers/types';
import { presentEmployee } from '../routes/unified/hris/employees/present';
import { getSyncedEmployee, listSyncedEmployees } from '../routes/unified/hris/employees/synced';
import { listSyncedBalances } from '../routes/unified/hris/timeoff-balances/synced';
import {
  absenceDetailsHidden,
  presentTimeoffRequest,
  withExternalIds,
} from '../routes/unified/hris/timeoff-requests/schemas';
import {
  getSyncedTimeoffRequest,
  listSyncedTimeoffRequests,
} from '../routes/unified/hris/timeoff-requests/synced';
import { openSyncedCopy, presentSynced, type Source, sourcedPage } from '../routes/unified/source';
import { applyFieldMappings, loadEffectiveMappings } from './field-mappings';
import { createWithExternalId, explainRefusal } from './timeoff-external-ids';

/**
 * The unified operations behind the REST routes and the MCP tools: one place for cursors, privacy
 * (`hide_absence_details`), idempotency and the source of reads (`live` or `synced`), so both surfaces and both
 * sources answer alike. Without a `source` a read is live.
 */

export interface ListPage<Item> {
  items: Item[];
  nextCursor: string | null;
  /** Synced reads only: when the copy was last complete (`X-Roster-Data-As-Of`). */
  dataAsOf?: Date | null;
}

/** Where a read goes; `includeDeleted` (tombstones) needs `synced`, as the routes' resolveSource checks. */
export interface SourceOptions {
  source?: Source | undefined;
  includeDeleted?: boolean | undefined;
}

export async function listEmployeesPage(
  services: Services,
  linkedAccount: LinkedAccount,
  query: {
    limit: number;
    cursor: string | undefined;
    email?: string | undefined;
    employmentStatus?: EmploymentStatus[] | undefined;
    updatedAfter?: Date | undefined;
    includeRemoteData: boolean;
  } & SourceOptions,
): Promise<ListPage<Employee>> {
  const includeDeleted = query.includeDeleted ?? false;
  const mappings = loadEffectiveMappings(services, linkedAccount);
  // Awaited below; a failure while the read is still running must not go unhandled meanwhile.
  mappings.catch(() => undefined);
  const page = await sourcedPage(
    services,
    {
      resource: 'employees',
      linkedAccountId: linkedAccount.id,
      filters: {
        email: query.email,
        employment_status: query.employmentStatus?.join(','),
        updated_after: query.updatedAfter?.toISOString(),
      },
      cursor: query.cursor,
      source: query.source ?? 'live',
      includeDeleted,
    },
    async (position) =>
      (await services.providers.hris(linkedAccount)).listEmployees({
        limit: query.limit,
        position,
        email: query.email,
        employmentStatus: query.employmentStatus,
        updatedAfter: query.updatedAfter,
        includeRemoteData: query.includeRemoteData,
      }),
    (after) =>
      listSyncedEmployees(
        services,
        linkedAccount,
        {
          limit: query.limit,
          email: query.email,
          employment_status: query.employmentStatus,
          updated_after: query.updatedAfter,
          include_deleted: includeDeleted,
        },
        after,
      ),
  );
  const { publicUrl } = services.config;
  const effective = await mappings;
  return {
    items: page.items.map((employee) => presentEmployee(applyFieldMappings(employee, effective), publicUrl)),
    nextCursor: page.nextCursor,
    dataAsOf: page.dataAsOf,
  };
}

export async function getEmployee(
  services: Services,
  linkedAccount: LinkedAccount,
  id: string,
  options: { includeRemoteData: boolean },
): Promise<Employee> {
  return (await readEmployee(services, linkedAccount, id, options)).result;
}

/** One employee from either source, with the time a synced answer is as of. */
export async function readEmployee(
  services: Services,
  linkedAccount: LinkedAccount,
  id: string,
  options: { includeRemoteData: boolean } & SourceOptions,
): Promise<{ result: Employee; dataAsOf: Date | null }> {
  let employee: Employee | null;
  let dataAsOf: Date | null = null;
  const mappings = loadEffectiveMappings(services, linkedAccount);
  // Awaited below; a failure while the read is still running must not go unhandled meanwhile.
  mappings.catch(() => undefined);
  if (options.source === 'synced') {
    const synced = await getSyncedEmployee(services, linkedAccount, id, options.includeDeleted ?? false);
    employee = synced.employee;
    dataAsOf = synced.asOf;
  } else {
    const provider = await services.providers.hris(linkedAccount);
    employee = await provider.getEmployee(id, { includeRemoteData: options.includeRemoteData });
  }
  if (!employee) throw new ApiError('not_found', `No employee ${id} in this linked account.`);
  return {
    result: presentEmployee(applyFieldMappings(employee, await mappings), services.config.publicUrl),
    dataAsOf,
  };
}

export async function listTimeoffRequestsPage(
  services: Services,
  linkedAccount: LinkedAccount,
  query: {
    limit: number;
    cursor: string | undefined;
    employeeId?: string | undefined;
    timeoffTypeId?: string | undefined;
    statuses?: TimeoffStatus[] | undefined;
    updatedAfter?: Date | undefined;
    startDate?: string | undefined;
    endDate?: string | undefined;
    /** The one request created with this `external_id` (the other filters still apply); no cursor. */
    externalId?: string | undefined;
    includeRemoteData: boolean;
  } & SourceOptions,
): Promise<ListPage<TimeoffRequest>> {
  if (query.timeoffTypeId !== undefined && absenceDetailsHidden(linkedAccount)) {
    const message = 'is not available while this linked account hides absence details';
    throw new ApiError('invalid_request', `Invalid query parameter \`timeoff_type_id\`: ${message}`, {
      details: [{ field: 'timeoff_type_id', message }],
    });
  }
  const source = query.source ?? 'live';
  const includeDeleted = query.includeDeleted ?? false;
  if (query.externalId !== undefined) {
    const { request: found, dataAsOf } = await requestByExternalId(
      services,
      linkedAccount,
      query.externalId,
      { includeRemoteData: query.includeRemoteData, source, includeDeleted },
    );
    const matching = found && matchesQuery(found, query) ? [found] : [];
    const items = await withExternalIds(services.db, linkedAccount, matching);
    return {
      items: items.map((request) => presentTimeoffRequest(request, linkedAccount)),
      nextCursor: null,
      dataAsOf,
    };
  }
  const page = await sourcedPage(
    services,
    {
      resource: 'timeoff-requests',
      linkedAccountId: linkedAccount.id,
      filters: {
        employee_id: query.employeeId,
        timeoff_type_id: query.timeoffTypeId,
        status: query.statuses?.join(','),
        updated_after: query.updatedAfter?.toISOString(),
        start_date: query.startDate,
        end_date: query.endDate,
      },
      cursor: query.cursor,
      source,
      includeDeleted,
    },
    async (position) =>
      (await services.providers.hris(linkedAccount)).listTimeoffRequests({
        limit: query.limit,
        position,
        employeeId: query.employeeId,
        timeoffTypeId: query.timeoffTypeId,
        statuses: query.statuses,
        updatedAfter: query.updatedAfter,
        startDate: query.startDate,
        endDate: query.endDate,
        includeRemoteData: query.includeRemoteData,
      }),
    (after) =>
      listSyncedTimeoffRequests(
        services,
        linkedAccount,
        {
          limit: query.limit,
          employee_id: query.employeeId,
          timeoff_type_id: query.timeoffTypeId,
          status: query.statuses,
          updated_after: query.updatedAfter,
          start_date: query.startDate,
          end_date: query.endDate,
          include_deleted: includeDeleted,
        },
        after,
      ),
  );
  return {
    items: (await withExternalIds(services.db, linkedAccount, page.items)).map((request) =>
      presentTimeoffRequest(request, linkedAccount),
    ),
    nextCursor: page.nextCursor,
    dataAsOf: page.dataAsOf,
  };
}

/** One time-off request from either source, with its external id and the account's privacy applied. */
export async function readTimeoffRequest(
  services: Services,
  linkedAccount: LinkedAccount,
  id: string,
  options: { includeRemoteData: boolean } & SourceOptions,
): Promise<{ result: TimeoffRequest; dataAsOf: Date | null }> {
  let request: TimeoffRequest | null;
  let dataAsOf: Date | null = null;
  if (options.source === 'synced') {
    const synced = await getSyncedTimeoffRequest(
      services,
      linkedAccount,
      id,
      options.includeDeleted ?? false,
    );
    request = synced.request;
    dataAsOf = synced.asOf;
  } else {
    const provider = await services.providers.hris(linkedAccount);
    request = await provider.getTimeoffRequest(id, { includeRemoteData: options.includeRemoteData });
  }
  if (!request) throw new ApiError('not_found', `No time-off request ${id} in this linked account.`);
  const [result] = await withExternalIds(services.db, linkedAccount, [request]);
  return { result: presentTimeoffRequest(result!, linkedAccount), dataAsOf };
}

async function requestByExternalId(
  services: Services,
  linkedAccount: LinkedAccount,
  externalId: string,
  options: { includeRemoteData: boolean; source: Source; includeDeleted: boolean },
): Promise<{ request: TimeoffRequest | null; dataAsOf: Date | null }> {
  const ref = { environmentId: linkedAccount.environmentId, linkedAccountId: linkedAccount.id };
  if (options.source === 'synced') {
    // The copy answers even when no request has the external id, so the answer still says what it is as of.
    const copy = await openSyncedCopy(services, linkedAccount);
    const id = await findTimeoffRequestByExternalId(services.db, { ...ref, externalId });
    const row = id
      ? await getSyncedRecord(services.db, {
          ...ref,
          kind: 'timeoff_request',
          remoteId: id,
          includeDeleted: options.includeDeleted,
        })
      : null;
    return {
      request: row ? presentSynced<TimeoffRequest>(row, options.includeDeleted) : null,
      dataAsOf: copy.asOf,
    };
  }
  const id = await findTimeoffRequestByExternalId(services.db, { ...ref, externalId });
  if (!id) return { request: null, dataAsOf: null };
  const provider = await services.providers.hris(linkedAccount);
  return {
    request: await provider.getTimeoffRequest(id, { includeRemoteData: options.includeRemoteData }),
    dataAsOf: null,
  };
}

/** The list's other filters, applied to the one request an external_id names. */
function matchesQuery(
  request: TimeoffRequest,
  query: {
    employeeId?: string | undefined;
    timeoffTypeId?: string | undefined;
    statuses?: TimeoffStatus[] | undefined;
    updatedAfter?: Date | undefined;
    startDate?: string | undefined;
    endDate?: string | undefined;
  },
): boolean {
  if (query.employeeId !== undefined && request.employee.id !== query.employeeId) return false;
  if (query.timeoffTypeId !== undefined && request.timeoff_type?.id !== query.timeoffTypeId) return false;
  if (query.statuses !== undefined && (request.status === null || !query.statuses.includes(request.status)))
    return false;
  if (query.updatedAfter !== undefined) {
    const updated = request.updated_at ? Date.parse(request.updated_at) : Number.NaN;
    if (!(updated > query.updatedAfter.getTime())) return false;
  }
  if (query.startDate !== undefined && request.end_date !== null && request.end_date < query.startDate)
    return false;
  if (query.endDate !== undefined && request.start_date !== null && request.start_date > query.endDate)
    return false;
  return true;
}

export async function listTimeoffBalancesPage(
  services: Services,
  linkedAccount: LinkedAccount,
  query: {
    limit: number;
    cursor: string | undefined;
    employeeId?: string | undefined;
    source?: Source | undefined;
  },
): Promise<ListPage<TimeoffBalance>> {
  if (absenceDetailsHidden(linkedAccount)) throw hiddenBalancesError();
  return sourcedPage(
    services,
    {
      resource: 'timeoff-balances',
      linkedAccountId: linkedAccount.id,
      filters: { employee_id: query.employeeId },
      cursor: query.cursor,
      source: query.source ?? 'live',
      includeDeleted: false,
    },
    async (position) =>
      (await services.providers.hris(linkedAccount)).listTimeoffBalances({
        limit: query.limit,
        position,
        employeeId: query.employeeId,
      }),
    (after) =>
      listSyncedBalances(
        services,
        linkedAccount,
        { limit: query.limit, employee_id: query.employeeId },
        after,
      ),
  );
}

/**
 * Per-type balances name each type, and `available_balance` drops by an upcoming absence's amount: next to
 * the (visible) absence, that says which type it is. Totals across types would be a number no one can use,
 * so a hidden account gets no balances at all.
 */
function hiddenBalancesError(): ApiError {
  return new ApiError(
    'forbidden',
    'This linked account hides absence details (settings.hide_absence_details), and time-off balances would ' +
      'reveal them: Personio keeps them per absence type, and they change with every absence taken or planned. ' +
      'To read balances, turn the setting off: PATCH /linked-accounts/{id} with ' +
      '{"settings":{"hide_absence_details":false}}.',
    { details: { setting: 'hide_absence_details' } },
  );
}

/** The body of `POST /unified/hris/timeoff-requests` as validated (the idempotency fingerprint covers it). */
export interface CreateTimeoffRequestBody {
  employee_id: string;
  timeoff_type_id: string;
  start_date: string;
  end_date: string;
  start_half_day: boolean;
  end_half_day: boolean;
  start_time?: string | null | undefined;
  end_time?: string | null | undefined;
  employee_note?: string | null | undefined;
  skip_approval: boolean;
  external_id?: string | undefined;
}

export const CREATE_TIMEOFF_REQUEST_PATH = '/unified/hris/timeoff-requests';

/**
 * Creates a time-off request; with an `Idempotency-Key` a repeat returns the first answer, and with an
 * `external_id` a request already created with it is returned instead of a new write. A replay follows
 * today's privacy setting, not the one in force when the answer was stored.
 */
export async function createTimeoffRequest(
  services: Services,
  request: {
    environmentId: string;
    linkedAccount: LinkedAccount;
    body: CreateTimeoffRequestBody;
    idempotencyKey: string | undefined;
  },
): Promise<{ result: TimeoffRequest; replayed: boolean; status: 200 | 201 }> {
  const { body, linkedAccount, idempotencyKey: key } = request;
  const input: NewTimeoffRequest = {
    employeeId: body.employee_id,
    timeoffTypeId: body.timeoff_type_id,
    startDate: body.start_date,
    endDate: body.end_date,
    startHalfDay: body.start_half_day,
    endHalfDay: body.end_half_day,
    startTime: body.start_time ?? null,
    endTime: body.end_time ?? null,
    employeeNote: body.employee_note?.trim() || null,
    skipApproval: body.skip_approval,
  };
  const environmentId = request.environmentId;
  const execute = async ({ resumed } = { resumed: false }) => {
    const provider = await services.providers.hris(linkedAccount);
    const create = async (outcomeUnknown: boolean) => {
      try {
        // Personio has no idempotency of its own: a write is re-sent after a failure only when the caller
        // sent a key (or an external_id), as the proxy does.
        return await provider.createTimeoffRequest(input, {
          retry: key !== undefined || body.external_id !== undefined,
          outcomeUnknown,
        });
      } catch (error) {
        throw await explainRefusal(error, {
          db: services.db,
          environmentId,
          linkedAccountId: linkedAccount.id,
          provider,
          input,
        });
      }
    };
    const { request: created, existing } = body.external_id
      ? await createWithExternalId({
          db: services.db,
          ref: { environmentId, linkedAccountId: linkedAccount.id, externalId: body.external_id },
          now: () => services.now(),
          provider,
          create: (externalResumed) => create(resumed || externalResumed),
        })
      : { request: await create(resumed), existing: false };
    const [result] = await withExternalIds(services.db, linkedAccount, [created]);
    return {
      status: existing ? 200 : 201,
      body: { result: presentTimeoffRequest(result!, linkedAccount) },
    };
  };
  const outcome = await maybeIdempotent(
    services.db,
    {
      environmentId: request.environmentId,
      scope: linkedAccount.id,
      key,
      method: 'POST',
      path: CREATE_TIMEOFF_REQUEST_PATH,
      body,
      now: services.now(),
    },
    execute,
  );
  const stored = outcome.response.body as { result: TimeoffRequest };
  return {
    result: presentTimeoffRequest(stored.result, linkedAccount),
    replayed: outcome.replayed,
    // 200: an existing request returned for its external_id.
    status: outcome.response.status === 200 ? 200 : 201,
  };
}
