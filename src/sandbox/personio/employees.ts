import type { Context, Hono } from 'hono';
import { describeReadableAttributes, renderEmployeeAttributes } from './attributes';
import type { SandboxEnv } from './auth';
import { personioError } from './errors';
import { type EmployeeListQuery, parseEmployeeListQuery } from './list-query';
import type { EmployeeDirectory } from './seed';

/** The employees matching a list query's filters, in id order, without materialising them. */
interface Selection {
  total: number;
  indexAt(position: number): number;
}

function select(directory: EmployeeDirectory, query: EmployeeListQuery): Selection {
  if (query.email === undefined && query.updatedSinceMs === undefined) {
    return { total: directory.size, indexAt: (position) => position };
  }
  let indices: number[];
  if (query.email !== undefined) {
    const index = directory.indexOfEmail(query.email);
    indices = index === undefined ? [] : [index];
  } else {
    indices = Array.from({ length: directory.size }, (_, index) => index);
  }
  // The spec says email/limit/offset are ignored with updated_since, but pagination has been mandatory
  // since 2023-11; honouring every parameter is the behaviour clients can rely on either way.
  // attributes[] as a change-selection filter is not modelled: every attribute counts as changed at
  // last_modified_at, so it selects the same employees as updated_since alone.
  const since = query.updatedSinceMs;
  if (since !== undefined) indices = indices.filter((index) => directory.lastModifiedMsAt(index) > since);
  return { total: indices.length, indexAt: (position) => indices[position] ?? -1 };
}

export function registerEmployeeRoutes(v1: Hono<SandboxEnv>, directory: EmployeeDirectory): void {
  v1.get('/company/employees', (c) => {
    const query = parseEmployeeListQuery({
      limit: c.req.query('limit'),
      offset: c.req.query('offset'),
      email: c.req.query('email'),
      updatedSince: c.req.query('updated_since'),
      attributes: c.req.queries('attributes[]'),
    });
    const canRead = c.get('canRead');
    const selection = select(directory, query);
    const end = Math.min(selection.total, query.offset + query.limit);
    const data = [];
    for (let position = query.offset; position < end; position++) {
      const employee = directory.employeeAt(selection.indexAt(position));
      data.push({
        type: 'Employee',
        attributes: renderEmployeeAttributes(employee, canRead, query.projection),
      });
    }
    return c.json({
      success: true,
      metadata: {
        total_elements: selection.total,
        // 0-based, as the schema text describes it (the time-offs example's 1 is not followed).
        current_page: Math.floor(query.offset / query.limit),
        total_pages: Math.ceil(selection.total / query.limit),
      },
      offset: query.offset,
      limit: query.limit,
      data,
    });
  });

  // Registered before `/:employee_id` so the literal paths win.
  const listAttributes = (c: Context<SandboxEnv>) =>
    c.json({ success: true, data: describeReadableAttributes(c.get('canRead')) });
  v1.get('/company/employees/attributes', listAttributes);
  v1.get('/company/employees/custom-attributes', listAttributes);

  v1.get('/company/employees/:employee_id', (c) => {
    const rawId = c.req.param('employee_id');
    // A non-numeric id gets 404 rather than 400: the operation documents only 404, and to the caller it is
    // simply an employee that does not exist.
    const index = /^\d+$/.test(rawId) ? directory.indexOfId(Number(rawId)) : undefined;
    if (index === undefined) return personioError(c, 404, `Employee with id ${rawId} was not found.`);
    const attributes = renderEmployeeAttributes(directory.employeeAt(index), c.get('canRead'));
    return c.json({ success: true, data: { type: 'Employee', attributes } });
  });
}
