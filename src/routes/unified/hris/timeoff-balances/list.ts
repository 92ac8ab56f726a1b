import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../../../context';
import { TimeoffBalanceSchema } from '../../../../models/timeoff';
import { listTimeoffBalancesPage } from '../../../../services/hris-operations';
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
  setDataAsOf,
} from '../../source';

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
    const page = await listTimeoffBalancesPage(services, linkedAccount, {
      limit: query.limit,
      cursor: query.cursor,
      employeeId: query.employee_id,
      source: resolveSource(linkedAccount, query),
    });
    setDataAsOf(c, page.dataAsOf);
    return c.json({ result: page.items, next_cursor: page.nextCursor }, 200);
  });
}
