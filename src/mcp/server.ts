import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { Services } from '../context';
import { isDatabaseUnavailable } from '../db/client';
import type { LinkedAccount } from '../db/schema';
import { ApiError, errorBody } from '../errors';
import { EMPLOYMENT_STATUSES, type Employee } from '../models/employee';
import { TIMEOFF_STATUSES, type TimeoffRequest } from '../models/timeoff';
import { calendarDate } from '../routes/common';
import { absenceDetailsHidden } from '../routes/unified/hris/timeoff-requests/schemas';
import {
  createTimeoffRequest,
  getEmployee,
  listEmployeesPage,
  listTimeoffBalancesPage,
  listTimeoffRequestsPage,
} from '../services/hris-operations';

/** Pages a name search or an absence query reads per tool call before handing back a cursor. */
const MAX_PAGES_PER_CALL = 5;

export interface McpScope {
  services: Services;
  environmentId: string;
  linkedAccount: LinkedAccount;
  requestId: string;
  /**
   * Called with an error a tool ended with. The route hands one that says the provider refused the
   * credentials to the linked-account middleware, which marks the account `needs_reauth` as for REST calls.
   */
  onToolError?: (error: unknown) => void;
}

/**
 * The MCP server of one request: tools over the unified operations of one linked account, calling the same
 * service functions as the REST routes (privacy, cursors and idempotency included). Built per request, since
 * the transport is stateless and the account comes from the request's headers.
 */
export function createMcpServer(scope: McpScope): McpServer {
  const { services, linkedAccount } = scope;
  const { definition } = services.providers.resolve(linkedAccount.integration);
  const can = (operation: (typeof definition.capabilities.operations)[number]) =>
    definition.capabilities.operations.includes(operation);
  const hidden = absenceDetailsHidden(linkedAccount);
  const company = linkedAccount.organizationName ?? linkedAccount.originId;

  const server = new McpServer(
    { name: 'roster', version: '0.1.0' },
    {
      instructions:
        `Tools read (and where allowed, write) the ${definition.displayName} HRIS of one company: ${company} ` +
        `(linked account ${linkedAccount.id}). Ids are ${definition.displayName}'s. Dates are YYYY-MM-DD. ` +
        'Lists answer { result, next_cursor }: call again with next_cursor for more, until it is null.' +
        (hidden
          ? ' This company hides absence details: absences come without their type and note, and balances are refused.'
          : ''),
    },
  );
  const tool = <Shape extends z.ZodRawShape>(
    name: string,
    config: { title: string; description: string; inputSchema: Shape; readOnly: boolean },
    run: (input: z.infer<z.ZodObject<Shape>>) => Promise<unknown>,
  ) =>
    server.registerTool(
      name,
      {
        title: config.title,
        description: config.description,
        inputSchema: config.inputSchema,
        annotations: {
          readOnlyHint: config.readOnly,
          destructiveHint: false,
          idempotentHint: config.readOnly,
          openWorldHint: false,
        },
      },
      // The SDK's callback type is generic over the shape; the input is parsed by it with this shape.
      ((input: z.infer<z.ZodObject<Shape>>) => answer(scope, () => run(input))) as never,
    );

  if (can('listEmployees')) {
    tool(
      'find_employees',
      {
        title: 'Find employees',
        description:
          'Finds employees of the company by work email (exact), by name (part of the first, last, preferred or ' +
          'display name, any case), and/or by employment status. Without filters, lists everyone page by page. ' +
          'Returns { result: Employee[], next_cursor }: each employee has id, display_name, work_email, ' +
          'employment_status, job_title, department, team, manager, hire_date, termination_date and more. A name ' +
          `search reads up to ${MAX_PAGES_PER_CALL * 200} employees per call; when next_cursor is not null, call again ` +
          'with it (and the same filters) for further matches.',
        inputSchema: {
          email: z
            .string()
            .trim()
            .min(3)
            .max(320)
            .optional()
            .describe('Work email address, matched exactly.'),
          name: z
            .string()
            .trim()
            .min(1)
            .max(200)
            .optional()
            .describe('Part of the name, e.g. "kuhn" or "Mara".'),
          employment_status: z
            .array(z.enum(EMPLOYMENT_STATUSES))
            .min(1)
            .optional()
            .describe('Only these statuses: active, pending (hired, not started), inactive (left), leave.'),
          limit: z.number().int().min(1).max(100).default(20).describe('Most employees to return (1–100).'),
          cursor: z.string().min(1).max(2048).optional().describe('next_cursor of the previous call.'),
        },
        readOnly: true,
      },
      async (input) => {
        const employmentStatus = input.employment_status
          ? [...new Set(input.employment_status)].sort()
          : undefined;
        const base = { email: input.email, employmentStatus, includeRemoteData: false };
        if (!input.name) {
          const page = await listEmployeesPage(services, linkedAccount, {
            ...base,
            limit: input.limit,
            cursor: input.cursor,
          });
          return { result: page.items, next_cursor: page.nextCursor };
        }
        const needle = input.name.toLocaleLowerCase();
        const matches: Employee[] = [];
        let cursor = input.cursor;
        for (let pages = 0; pages < MAX_PAGES_PER_CALL && matches.length < input.limit; pages++) {
          const page = await listEmployeesPage(services, linkedAccount, { ...base, limit: 200, cursor });
          matches.push(...page.items.filter((employee) => nameMatches(employee, needle)));
          cursor = page.nextCursor ?? undefined;
          if (!cursor) break;
        }
        return { result: matches, next_cursor: cursor ?? null };
      },
    );
  }

  if (can('getEmployee')) {
    tool(
      'get_employee',
      {
        title: 'Get an employee',
        description:
          'One employee by id (from find_employees or an absence’s employee.id), with every field.',
        inputSchema: { employee_id: z.string().trim().min(1).max(64).describe('The employee id.') },
        readOnly: true,
      },
      async (input) => ({
        result: await getEmployee(services, linkedAccount, input.employee_id, { includeRemoteData: false }),
      }),
    );
  }

  if (can('listTimeoffRequests')) {
    tool(
      'list_absences',
      {
        title: 'Who is absent',
        description:
          'Absences (time-off requests) that overlap a date range: who is away when. Each has employee.id (use ' +
          'get_employee for the name), status, start_date, end_date, half days, start_time/end_time for ' +
          'hour-based ones, amount and units' +
          (hidden
            ? '. This company hides absence details: timeoff_type and employee_note are null and the ' +
              'timeoff_type_id filter is refused.'
            : ', timeoff_type {id, name} and employee_note.') +
          ' By default only approved and requested (pending) absences. Returns { result, next_cursor }.',
        inputSchema: {
          start_date: calendarDate.describe('First day of the range (YYYY-MM-DD), inclusive.'),
          end_date: calendarDate.describe('Last day of the range (YYYY-MM-DD), inclusive.'),
          employee_id: z.string().trim().min(1).max(64).optional().describe('Only this employee.'),
          status: z
            .array(z.enum(TIMEOFF_STATUSES))
            .min(1)
            .default(['approved', 'requested'])
            .describe('Statuses to include: requested (pending approval), approved, declined, cancelled.'),
          ...(hidden
            ? {}
            : {
                timeoff_type_id: z
                  .string()
                  .trim()
                  .min(1)
                  .max(64)
                  .optional()
                  .describe('Only this absence type (an id from list_timeoff_types).'),
              }),
          limit: z.number().int().min(1).max(200).default(50).describe('Most absences to return (1–200).'),
          cursor: z.string().min(1).max(2048).optional().describe('next_cursor of the previous call.'),
        },
        readOnly: true,
      },
      async (input) => {
        if (input.end_date < input.start_date) {
          throw new ApiError('invalid_request', 'end_date must not be before start_date.', {
            details: [{ field: 'end_date', message: 'must not be before start_date' }],
          });
        }
        const typeId = (input as { timeoff_type_id?: string }).timeoff_type_id;
        const absences: TimeoffRequest[] = [];
        let cursor = input.cursor;
        // The gateway filters some of this itself, so pages can be short (even empty) while more follow.
        for (let pages = 0; pages < MAX_PAGES_PER_CALL && absences.length < input.limit; pages++) {
          const page = await listTimeoffRequestsPage(services, linkedAccount, {
            limit: input.limit - absences.length,
            cursor,
            employeeId: input.employee_id,
            timeoffTypeId: typeId,
            statuses: [...new Set(input.status)].sort(),
            startDate: input.start_date,
            endDate: input.end_date,
            includeRemoteData: false,
          });
          absences.push(...page.items);
          cursor = page.nextCursor ?? undefined;
          if (!cursor) break;
        }
        return { result: absences, next_cursor: cursor ?? null };
      },
    );
  }

  if (can('listTimeoffBalances')) {
    tool(
      'list_timeoff_balances',
      {
        title: 'Time-off balances',
        description:
          'Remaining time off per employee and absence type: balance (as of today), available_balance (upcoming ' +
          'absences deducted), units (days or hours). Give employee_id for one employee; without it every ' +
          'employee, page by page (one upstream call per employee, so prefer employee_id).' +
          (hidden ? ' Refused for this company: it hides absence details, which balances would reveal.' : ''),
        inputSchema: {
          employee_id: z.string().trim().min(1).max(64).optional().describe('Only this employee.'),
          limit: z.number().int().min(1).max(200).default(50).describe('Most balances to return (1–200).'),
          cursor: z.string().min(1).max(2048).optional().describe('next_cursor of the previous call.'),
        },
        readOnly: true,
      },
      async (input) => {
        const page = await listTimeoffBalancesPage(services, linkedAccount, {
          limit: input.limit,
          cursor: input.cursor,
          employeeId: input.employee_id,
        });
        return { result: page.items, next_cursor: page.nextCursor };
      },
    );
  }

  if (can('listTimeoffTypes')) {
    tool(
      'list_timeoff_types',
      {
        title: 'Absence types',
        description:
          'The company’s absence types (vacation, sick leave, …): id, name, category, units (days or hours), ' +
          'half_days_allowed, approval_required. Use an id as timeoff_type_id.',
        inputSchema: {},
        readOnly: true,
      },
      async () => {
        const provider = await services.providers.hris(linkedAccount);
        return { result: await provider.listTimeoffTypes({ includeRemoteData: false }) };
      },
    );
  }

  // Keys carry no permissions: writing is offered where the account's provider can write.
  if (definition.capabilities.writes && can('createTimeoffRequest')) {
    tool(
      'create_timeoff_request',
      {
        title: 'Request time off',
        description:
          'Requests an absence for an employee. It goes through the type’s approval flow: status is requested ' +
          'when the type needs approval. Day-based types (units days) take whole days, and half days where ' +
          'half_days_allowed. Hour-based types take start_time and end_time (HH:mm, company time zone) for part ' +
          'of one day, or whole days. Check list_timeoff_types first. Pass idempotency_key (any unique string) ' +
          'and reuse it if you retry, so a retry never books twice. Overlapping an existing absence is refused.',
        inputSchema: {
          employee_id: z.string().trim().min(1).max(64).describe('The employee id.'),
          timeoff_type_id: z.string().trim().min(1).max(64).describe('An id from list_timeoff_types.'),
          start_date: calendarDate.describe('First day (YYYY-MM-DD).'),
          end_date: calendarDate.describe(
            'Last day (YYYY-MM-DD), inclusive; the same as start_date for one day.',
          ),
          start_half_day: z.boolean().default(false).describe('The first day is a half day.'),
          end_half_day: z.boolean().default(false).describe('The last day is a half day.'),
          start_time: z
            .string()
            .regex(/^([01]\d|2[0-3]):[0-5]\d$/)
            .optional()
            .describe('Hour-based, one day: start (HH:mm).'),
          end_time: z
            .string()
            .regex(/^([01]\d|2[0-3]):[0-5]\d$/)
            .optional()
            .describe('Hour-based, one day: end (HH:mm).'),
          employee_note: z.string().max(2000).optional().describe('A note for the approver.'),
          idempotency_key: z
            .string()
            .regex(/^[\x21-\x7e]{1,255}$/)
            .optional()
            .describe('Makes retries safe: the same key and input return the first answer.'),
        },
        readOnly: false,
      },
      async ({ idempotency_key: idempotencyKey, ...input }) => {
        if (input.end_date < input.start_date) {
          throw new ApiError('invalid_request', 'end_date must not be before start_date.', {
            details: [{ field: 'end_date', message: 'must not be before start_date' }],
          });
        }
        if ((input.start_time === undefined) !== (input.end_time === undefined)) {
          throw new ApiError('invalid_request', 'start_time and end_time go together.', {
            details: [{ field: 'start_time', message: 'start_time and end_time go together' }],
          });
        }
        const created = await createTimeoffRequest(services, {
          environmentId: scope.environmentId,
          linkedAccount,
          // An agent does not approve absences: requests always go through the type's approval flow.
          body: { ...input, skip_approval: false },
          idempotencyKey,
        });
        return { result: created.result, replayed: created.replayed };
      },
    );
  }
  return server;
}

function nameMatches(employee: Employee, needle: string): boolean {
  const names = [employee.first_name, employee.last_name, employee.preferred_name, employee.display_name];
  const full = `${employee.first_name ?? ''} ${employee.last_name ?? ''}`;
  return [...names, full].some((name) => name?.toLocaleLowerCase().includes(needle));
}

/** A tool's answer as JSON text; a failure as the API's error envelope, marked as an error for the agent. */
async function answer(scope: McpScope, run: () => Promise<unknown>): Promise<CallToolResult> {
  try {
    const value = await run();
    return { content: [{ type: 'text', text: JSON.stringify(value) }] };
  } catch (error) {
    scope.onToolError?.(error);
    const apiError = toolError(scope, error);
    return {
      isError: true,
      content: [{ type: 'text', text: JSON.stringify(errorBody(apiError, scope.requestId)) }],
    };
  }
}

function toolError(scope: McpScope, error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (isDatabaseUnavailable(error)) {
    return new ApiError('service_unavailable', 'The database is unavailable; retry in a few seconds.');
  }
  // Only the kind reaches the log: messages of unexpected errors can carry request data.
  scope.services.logger.error('unhandled error in an MCP tool', {
    request_id: scope.requestId,
    error: error instanceof Error ? error.name : 'non-Error thrown',
  });
  return new ApiError('internal', 'An unexpected error occurred. Quote the request id when reporting it.');
}
