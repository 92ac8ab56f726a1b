import type { Services } from '../context';
import type { LinkedAccount } from '../db/schema';
import { ApiError } from '../errors';
import { withIdempotency } from '../lib/idempotency';
import type { Employee, EmploymentStatus } from '../models/employee';
import type { TimeoffBalance, TimeoffRequest, TimeoffStatus } from '../models/timeoff';
import type { NewTimeoffRequest } from '../providers/types';
import { cursorPage } from '../routes/common';
import { absenceDetailsHidden, presentTimeoffRequest } from '../routes/unified/hris/timeoff-requests/schemas';

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
  return cursorPage(
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
  return employee;
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
    items: page.items.map((request) => presentTimeoffRequest(request, linkedAccount)),
    nextCursor: page.nextCursor,
  };
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
}

export const CREATE_TIMEOFF_REQUEST_PATH = '/unified/hris/timeoff-requests';

/**
 * Creates a time-off request; with an `Idempotency-Key` a repeat returns the first answer. A replay follows
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
): Promise<{ result: TimeoffRequest; replayed: boolean }> {
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
  const execute = async ({ resumed } = { resumed: false }) => {
    const provider = await services.providers.hris(linkedAccount);
    // Personio has no idempotency of its own: a write is re-sent after a failure only when the caller
    // sent a key, as the proxy does.
    const created = await provider.createTimeoffRequest(input, {
      retry: key !== undefined,
      outcomeUnknown: resumed,
    });
    return { status: 201, body: { result: presentTimeoffRequest(created, linkedAccount) } };
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
  return { result: presentTimeoffRequest(stored.result, linkedAccount), replayed: outcome.replayed };
}
