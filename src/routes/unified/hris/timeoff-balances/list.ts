import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../../../context';
import { ApiError } from '../../../../errors';
import { TimeoffBalanceSchema } from '../../../../models/timeoff';
import {
  LinkedAccountHeaders,
  linkedAccountErrorResponses,
  listEnvelope,
  PaginationQuery,
  SECURITY,
} from '../../../common';
import {
  DATA_AS_OF_RESPONSE_HEADER,
  resolveSource,
  SourceQueryNoTombstones,
  sourcedPage,
} from '../../source';
import { absenceDetailsHidden } from '../timeoff-requests/schemas';
import { listSyncedBalances } from './synced';

const TimeoffBalanceListQuery = PaginationQuery.extend({
  employee_id: z.string().trim().min(1).max(64).optional().openapi({
    description: 'Only this employee’s balances; without it, every employee’s.',
    example: '1001',
  }),
  ...SourceQueryNoTombstones.shape,
});

const route = createRoute({
  method: 'get',
  path: '/unified/hris/timeoff-balances',
  operationId: 'listTimeoffBalances',
  tags: ['Time off'],
  summary: 'List time-off balances',
  description:
    'One record per employee and time-off type that Personio keeps a balance for, in employee order. ' +
    'Personio reports balances per employee only, so a page without `employee_id` costs one upstream call ' +
    'per employee on it; follow `next_cursor` until it is `null`. Balances are in the type’s `units`. ' +
    'With `source=synced` they come from the copy that sync refreshes daily (`sync_balances_interval_minutes`), ' +
    'with `used` derived from the approved absences of the current calendar year. ' +
    'While the linked account hides absence details, balances are refused with `403 forbidden`: they are kept ' +
    'per absence type and move with every absence taken or planned, so they would reveal each absence’s type.',
  security: SECURITY,
  request: { headers: LinkedAccountHeaders, query: TimeoffBalanceListQuery },
  responses: {
    200: {
      description: 'A page of time-off balances.',
      headers: DATA_AS_OF_RESPONSE_HEADER,
      content: {
        'application/json': { schema: listEnvelope(TimeoffBalanceSchema).openapi('TimeoffBalanceList') },
      },
    },
    ...linkedAccountErrorResponses(),
  },
});

export function registerListTimeoffBalances(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const query = c.req.valid('query');
    const services = c.get('services');
    const linkedAccount = c.get('linkedAccount');
    if (absenceDetailsHidden(linkedAccount)) throw hiddenBalancesError();
    const page = await sourcedPage(
      services,
      {
        resource: 'timeoff-balances',
        linkedAccountId: linkedAccount.id,
        filters: { employee_id: query.employee_id },
        cursor: query.cursor,
        source: resolveSource(linkedAccount, query),
        includeDeleted: false,
      },
      async (position) =>
        (await services.providers.hris(linkedAccount)).listTimeoffBalances({
          limit: query.limit,
          position,
          employeeId: query.employee_id,
        }),
      (after) => listSyncedBalances(c, query, after),
    );
    return c.json({ result: page.items, next_cursor: page.nextCursor }, 200);
  });
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
