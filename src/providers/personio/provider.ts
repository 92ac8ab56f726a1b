import type { HrisProvider } from '../types';
import type { PersonioClient } from './client';
import { getEmployee, listEmployees } from './employees';

export function createPersonioProvider(client: PersonioClient): HrisProvider {
  return {
    listEmployees: (query) => listEmployees(client, query),
    getEmployee: (id, options) => getEmployee(client, id, options),
  };
}
