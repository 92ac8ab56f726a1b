import { z } from 'zod';
import type { TimeoffBalance, TimeoffType } from '../../models/timeoff';
import { ProviderError } from '../errors';
import type { Page, TimeoffBalanceListQuery } from '../types';
import type { PersonioClient } from './client';
import { PERSONIO_EMPLOYEE_PAGE_SIZE } from './employees';
import { mapBalance } from './mappers/timeoff';
import { attributeValue, id } from './mappers/values';
import { EmployeeListSchema } from './schemas';
import { BalanceListSchema, type PersonioBalance } from './timeoff-schemas';
import { listTimeoffTypes } from './timeoff-types';

/**
 * Personio v1 has balances only per employee (`/company/employees/{id}/absences/balance`). Without an
 * employee filter the gateway walks the employee list (ids only) and asks for each employee's balances,
 * a few at a time; one unified record per (employee, type). The cursor is the employee's record offset in
 * Personio's employee list (as the employees list uses it) plus the entries of that employee already handed out.
 */

/** Balance requests in flight at once for one unified page. */
const BALANCE_CONCURRENCY = 5;
/** Balance requests for one unified page; the cursor carries on after them. */
const MAX_BALANCE_CALLS = 100;
const EMPLOYEE_ID = /^[1-9]\d{0,15}$/;

const PositionSchema = z.object({
  offset: z.number().int().nonnegative(),
  skip: z.number().int().nonnegative(),
});
type Position = z.infer<typeof PositionSchema>;

export async function listTimeoffBalances(
  client: PersonioClient,
  query: TimeoffBalanceListQuery,
): Promise<Page<TimeoffBalance>> {
  const position = parsePosition(query.position);
  if (query.employeeId !== undefined && !EMPLOYEE_ID.test(query.employeeId)) return { items: [], next: null };
  const types = await listTimeoffTypes(client, { includeRemoteData: false });
  const typesById = new Map<string, TimeoffType>(types.map((type) => [type.id, type]));

  if (query.employeeId !== undefined) {
    const entries = (await fetchBalances(client, query.employeeId)) ?? [];
    const items = entries
      .slice(position.skip, position.skip + query.limit)
      .map((entry) => mapBalance(entry, query.employeeId!, typesById));
    const skip = position.skip + items.length;
    return { items, next: skip < entries.length ? { offset: 0, skip } : null };
  }

  const items: TimeoffBalance[] = [];
  let offset = position.offset;
  let skip = position.skip;
  let calls = 0;
  let seen = 0;
  for (;;) {
    const page = await fetchEmployeeIds(client, offset);
    const after = (index: number): Position | null =>
      index < page.ids.length || !page.last ? { offset: offset + index, skip: 0 } : null;
    for (let index = 0; index < page.ids.length; ) {
      if (calls >= MAX_BALANCE_CALLS) return { items, next: after(index) };
      // As many employees as the rest of the page probably needs (judged by the balances per employee seen
      // so far), at most a few at once: every balance fetched but not handed out is fetched again later.
      const perEmployee = calls > 0 && seen > 0 ? seen / calls : 1;
      const wanted = Math.ceil((query.limit - items.length) / perEmployee);
      const batch = page.ids.slice(index, index + Math.max(1, Math.min(BALANCE_CONCURRENCY, wanted)));
      const balances = await Promise.all(batch.map((employeeId) => fetchBalances(client, employeeId)));
      calls += batch.length;
      seen += balances.reduce((sum, entries) => sum + (entries?.length ?? 0), 0);
      for (const [slot, employeeId] of batch.entries()) {
        const entries = balances[slot] ?? [];
        for (let entry = skip; entry < entries.length; entry++) {
          items.push(mapBalance(entries[entry]!, employeeId, typesById));
          if (items.length === query.limit) {
            const employeeOffset = index + slot;
            return entry + 1 < entries.length
              ? { items, next: { offset: offset + employeeOffset, skip: entry + 1 } }
              : { items, next: after(employeeOffset + 1) };
          }
        }
        skip = 0;
      }
      index += batch.length;
    }
    if (page.last) return { items, next: null };
    offset += page.ids.length;
  }
}

/** Employee ids from `offset` on, one upstream page; `attributes[]=id` keeps the answer small. */
async function fetchEmployeeIds(client: PersonioClient, offset: number) {
  const page = await client.get(
    '/company/employees',
    [
      ['limit', String(PERSONIO_EMPLOYEE_PAGE_SIZE)],
      ['offset', String(offset)],
      ['attributes[]', 'id'],
    ],
    EmployeeListSchema,
  );
  const ids = page!.data.map((employee) => id(attributeValue(employee.attributes, 'id')));
  if (ids.some((employeeId) => employeeId === null)) {
    throw new ProviderError('bad_response', 'Personio listed an employee without an id.');
  }
  const total = page!.metadata?.total_elements ?? null;
  const last = ids.length < PERSONIO_EMPLOYEE_PAGE_SIZE || (total !== null && offset + ids.length >= total);
  return { ids: ids as string[], last };
}

/** An employee's balances; null when Personio no longer knows the employee. */
async function fetchBalances(client: PersonioClient, employeeId: string): Promise<PersonioBalance[] | null> {
  const response = await client.get(
    `/company/employees/${employeeId}/absences/balance`,
    [],
    BalanceListSchema,
    {
      notFoundAsNull: true,
    },
  );
  return response?.data ?? null;
}

function parsePosition(position: unknown): Position {
  if (position === undefined || position === null) return { offset: 0, skip: 0 };
  const parsed = PositionSchema.safeParse(position);
  if (!parsed.success) {
    throw new ProviderError('invalid_input', 'The cursor is not valid for this list.', {
      details: [{ field: 'cursor', message: 'not a cursor of the time-off balances list' }],
    });
  }
  return parsed.data;
}
