import { createRouter } from '../../../../lib/router';
import { registerGetEmployeeAvatar } from './avatar';
import { registerCreateEmployee } from './create';
import { registerGetEmployee } from './get';
import { registerListEmployees } from './list';
import { registerUpdateEmployee } from './update';

export function employeesRouter() {
  const router = createRouter();
  registerListEmployees(router);
  registerGetEmployee(router);
  registerGetEmployeeAvatar(router);
  registerCreateEmployee(router);
  registerUpdateEmployee(router);
  return router;
}
