import type { Services } from '../context';
import { findTimeoffRequestByExternalId } from '../db/queries/timeoff-external-ids';
import type { LinkedAccount } from '../db/schema';
import { ApiError } from '../errors';
import { withIdempotency } from '../lib/idempotency';
import type { Employee, EmploymentStatus } from '../models/employee';
import type { TimeoffBalance, TimeoffRequest, TimeoffStatus } from '../models/timeoff';
import type { HrisProvider, NewTimeoffRequest } from '../providers/types';
import { cursorPage } from '../routes/common';
import { presentEmployee } from '../routes/unified/hris/employees/present';
import {
  absenceDetailsHidden,
  presentTimeoffRequest,
  withExternalIds,
} from '../routes/unified/hris/timeoff-requests/schemas';
import { createWithExternalId, explainRefusal } from './timeoff-external-ids';

/**
 * The unified operations behind the REST routes and the MCP tools: one place for cursors, privacy
 * (`hide_absence_details`) and idempotency, so both surfaces answer alike.
 */

export interface ListPage<Item> {
  items: Item[];
  nextCursor: string | null;
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
  },
): Promise<ListPage<Employee>> {
  const provider = await services.providers.hris(linkedAccount);
  const page = await cursorPage(
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
    },
    (position) =>
      provider.listEmployees({
        limit: query.limit,
        position,
        email: query.email,
        employmentStatus: query.employmentStatus,
        updatedAfter: query.updatedAfter,
        includeRemoteData: query.includeRemoteData,
      }),
  );
  const { publicUrl } = services.config;
  return {
    items: page.items.map((employee) => presentEmployee(employee, publicUrl)),
    nextCursor: page.nextCursor,
  };
}

export async function getEmployee(
  services: Services,
  linkedAccount: LinkedAccount,
  id: string,
  options: { includeRemoteData: boolean },
): Promise<Employee> {
  const provider = await services.providers.hris(linkedAccount);
  const employee = await provider.getEmployee(id, options);
  if (!employee) throw new ApiError('not_found', `No employee ${id} in this linked account.`);
  return presentEmployee(employee, services.config.publicUrl);
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
  },
): Promise<ListPage<TimeoffRequest>> {
  if (query.timeoffTypeId !== undefined && absenceDetailsHidden(linkedAccount)) {
    const message = 'is not available while this linked account hides absence details';
    throw new ApiError('invalid_request', `Invalid query parameter \`timeoff_type_id\`: ${message}`, {
      details: [{ field: 'timeoff_type_id', message }],
    });
  }
  const provider = await services.providers.hris(linkedAccount);
  if (query.externalId !== undefined) {
    const found = await requestByExternalId(
      services,
      linkedAccount,
      provider,
      query.externalId,
      query.includeRemoteData,
    );
    const matching = found && matchesQuery(found, query) ? [found] : [];
    const items = await withExternalIds(services.db, linkedAccount, matching);
    return { items: items.map((request) => presentTimeoffRequest(request, linkedAccount)), nextCursor: null };
  }
  const page = await cursorPage(
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
    },
    (position) =>
      provider.listTimeoffRequests({
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
  );
  return {
    items: (await withExternalIds(services.db, linkedAccount, page.items)).map((request) =>
      presentTimeoffRequest(request, linkedAccount),
    ),
    nextCursor: page.nextCursor,
  };
}

async function requestByExternalId(
  services: Services,
  linkedAccount: LinkedAccount,
  provider: HrisProvider,
  externalId: string,
  includeRemoteData: boolean,
): Promise<TimeoffRequest | null> {
  const id = await findTimeoffRequestByExternalId(services.db, {
    environmentId: linkedAccount.environmentId,
    linkedAccountId: linkedAccount.id,
    externalId,
  });
  return id ? provider.getTimeoffRequest(id, { includeRemoteData }) : null;
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
  query: { limit: number; cursor: string | undefined; employeeId?: string | undefined },
): Promise<ListPage<TimeoffBalance>> {
  if (absenceDetailsHidden(linkedAccount)) throw hiddenBalancesError();
  const provider = await services.providers.hris(linkedAccount);
  return cursorPage(
    services,
    {
      resource: 'timeoff-balances',
      linkedAccountId: linkedAccount.id,
      filters: { employee_id: query.employeeId },
      cursor: query.cursor,
    },
    (position) =>
      provider.listTimeoffBalances({ limit: query.limit, position, employeeId: query.employeeId }),
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
  const outcome = key
    ? await withIdempotency(
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
      )
    : { response: await execute(), replayed: false };
  const stored = outcome.response.body as { result: TimeoffRequest };
  return {
    result: presentTimeoffRequest(stored.result, linkedAccount),
    replayed: outcome.replayed,
    // 200: an existing request returned for its external_id.
    status: outcome.response.status === 200 ? 200 : 201,
  };
}
