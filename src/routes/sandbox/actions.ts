import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv, Services } from '../../context';
import type { LinkedAccount } from '../../db/schema';
import { ApiError, errorResponses } from '../../errors';
import { calendarDate, SECURITY, singleEnvelope } from '../common';
import { findLinkedAccount } from '../linked-accounts/common';

const accountId = z.string().min(1).max(80).openapi({ example: 'la_4kR9sTqW2mXb7YcN1pLdZe' });
const employeeId = z
  .string()
  .regex(/^\d{1,12}$/, 'must be a Personio employee id')
  .openapi({ example: '1001' });
const timeoffId = z
  .string()
  .regex(/^(\d{1,12}|[0-9a-fA-F-]{36})$/, 'must be a time-off request id')
  .openapi({ example: '100003' });
const name = z.string().trim().min(1).max(100);

const SandboxAction = z
  .discriminatedUnion('action', [
    z
      .object({
        linked_account_id: accountId,
        action: z.literal('hire_employee'),
        first_name: name,
        last_name: name,
        job_title: name.optional(),
        hire_date: calendarDate
          .optional()
          .openapi({ description: 'Default today; a later date is `pending`.' }),
      })
      .strict(),
    z
      .object({
        linked_account_id: accountId,
        action: z.literal('update_employee'),
        employee_id: employeeId,
        first_name: name.optional(),
        last_name: name.optional(),
        preferred_name: z.string().max(100).optional(),
        job_title: name.optional(),
        weekly_working_hours: z.number().positive().max(80).optional(),
        employment_status: z.enum(['active', 'pending', 'inactive', 'leave']).optional(),
      })
      .strict(),
    z
      .object({
        linked_account_id: accountId,
        action: z.literal('terminate_employee'),
        employee_id: employeeId,
        termination_date: calendarDate.optional().openapi({ description: 'Default today.' }),
      })
      .strict(),
    z
      .object({
        linked_account_id: accountId,
        action: z.literal('create_timeoff'),
        employee_id: employeeId,
        timeoff_type_id: z.string().regex(/^\d{1,12}$/, 'must be a time-off type id'),
        start_date: calendarDate,
        end_date: calendarDate,
        employee_note: z.string().max(500).optional(),
      })
      .strict(),
    ...(['approve_timeoff', 'decline_timeoff', 'cancel_timeoff', 'delete_timeoff'] as const).map((action) =>
      z
        .object({ linked_account_id: accountId, action: z.literal(action), timeoff_request_id: timeoffId })
        .strict(),
    ),
  ])
  .openapi('SandboxAction');

type Action = z.infer<typeof SandboxAction>;

const SandboxActionResult = singleEnvelope(
  z
    .object({
      action: z.string(),
      linked_account_id: z.string(),
      employee_id: z.string().nullable(),
      timeoff_request_id: z.string().nullable(),
    })
    .openapi('SandboxActionOutcome'),
).openapi('SandboxActionResult');

const route = createRoute({
  method: 'post',
  path: '/sandbox/actions',
  operationId: 'runSandboxAction',
  tags: ['Sandbox'],
  summary: 'Change sandbox data as HR would',
  description:
    'For `personio-sandbox` linked accounts only (a real account is `404`): hires, changes or terminates an ' +
    'employee, or creates, approves, declines, cancels or deletes an absence in the built-in Personio ' +
    'sandbox. The matching events appear in `GET /events` after the next sync pass ' +
    '(`POST /linked-accounts/{id}/sync` starts one now).',
  security: SECURITY,
  request: { body: { required: true, content: { 'application/json': { schema: SandboxAction } } } },
  responses: {
    200: { description: 'What changed.', content: { 'application/json': { schema: SandboxActionResult } } },
    ...errorResponses('invalid_request', 'unauthorized', 'not_found', 'unprocessable'),
  },
});

export function registerRunSandboxAction(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const action = c.req.valid('json');
    const services = c.get('services');
    const linkedAccount = await findLinkedAccount(
      services,
      c.get('environment').id,
      action.linked_account_id,
    );
    if (linkedAccount.integration !== 'personio-sandbox') {
      throw new ApiError(
        'not_found',
        `No sandbox linked account ${action.linked_account_id} in this environment.`,
      );
    }
    const outcome = await runAction(services, linkedAccount, action);
    return c.json(
      {
        result: {
          action: action.action,
          linked_account_id: linkedAccount.id,
          employee_id: outcome.employeeId ?? null,
          timeoff_request_id: outcome.timeoffRequestId ?? null,
        },
      },
      200,
    );
  });
}

const PERSONIO_STATUS = {
  active: 'active',
  pending: 'onboarding',
  inactive: 'inactive',
  leave: 'leave',
} as const;
const ABSENCE_STATUS = {
  approve_timeoff: 'approved',
  decline_timeoff: 'rejected',
  cancel_timeoff: 'cancelled',
} as const;

const Acknowledged = z.object({
  success: z.literal(true),
  data: z.object({ id: z.union([z.number(), z.string()]) }),
});

async function runAction(
  services: Services,
  linkedAccount: LinkedAccount,
  action: Action,
): Promise<{ employeeId?: string; timeoffRequestId?: string }> {
  const client = await services.providers.personioClient(linkedAccount);
  const today = services.now().toISOString().slice(0, 10);
  const sandbox = async (method: 'POST' | 'PATCH', path: string, json: unknown) => {
    const response = await client.json({ method, path, body: { json } }, Acknowledged, {
      notFoundAsNull: true,
    });
    if (!response) throw new ApiError('not_found', 'No such record in the sandbox.');
    return String(response.data.id);
  };
  switch (action.action) {
    case 'hire_employee':
      return {
        employeeId: await sandbox('POST', '/_sandbox/employees', {
          first_name: action.first_name,
          last_name: action.last_name,
          position: action.job_title,
          hire_date: action.hire_date ?? today,
        }),
      };
    case 'update_employee':
      return {
        employeeId: await sandbox('PATCH', `/_sandbox/employees/${action.employee_id}`, {
          first_name: action.first_name,
          last_name: action.last_name,
          preferred_name: action.preferred_name,
          position: action.job_title,
          weekly_working_hours: action.weekly_working_hours,
          status: action.employment_status && PERSONIO_STATUS[action.employment_status],
        }),
      };
    case 'terminate_employee':
      return {
        employeeId: await sandbox('PATCH', `/_sandbox/employees/${action.employee_id}`, {
          termination_date: action.termination_date ?? today,
        }),
      };
    case 'create_timeoff': {
      const provider = await services.providers.hris(linkedAccount);
      const created = await provider.createTimeoffRequest(
        {
          employeeId: action.employee_id,
          timeoffTypeId: action.timeoff_type_id,
          startDate: action.start_date,
          endDate: action.end_date,
          startHalfDay: false,
          endHalfDay: false,
          startTime: null,
          endTime: null,
          employeeNote: action.employee_note ?? null,
          skipApproval: false,
        },
        { retry: false },
      );
      return { employeeId: action.employee_id, timeoffRequestId: created.id };
    }
    case 'delete_timeoff': {
      const provider = await services.providers.hris(linkedAccount);
      if (!(await provider.deleteTimeoffRequest(action.timeoff_request_id, { retry: false }))) {
        throw new ApiError('not_found', `No time-off request ${action.timeoff_request_id} in the sandbox.`);
      }
      return { timeoffRequestId: action.timeoff_request_id };
    }
    default:
      await sandbox('PATCH', `/_sandbox/absences/${action.timeoff_request_id}`, {
        status: ABSENCE_STATUS[action.action],
      });
      return { timeoffRequestId: action.timeoff_request_id };
  }
}
