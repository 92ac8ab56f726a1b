import { createRouter } from '../../../../lib/router';
import { registerGetEmployee } from './get';
import { registerListEmployees } from './list';

export function employeesRouter() {
  const router = createRouter();
  registerListEmployees(router);
  registerGetEmployee(router);
  return router;
}
