import type { Employee } from '../../../../models/employee';

/**
 * `avatar_url` points at the gateway's picture route, which adds the linked account's credentials and the
 * width Personio requires; `null` stays `null` (no picture, or the credential may not read pictures).
 */
export function presentEmployee(employee: Employee, publicUrl: string): Employee {
  if (employee.avatar_url === null) return employee;
  return {
    ...employee,
    avatar_url: `${publicUrl}/unified/hris/employees/${encodeURIComponent(employee.id)}/avatar`,
  };
}
