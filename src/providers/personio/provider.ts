import type { HrisProvider } from '../types';
import { getEmployeeAvatar } from './avatar';
import type { PersonioClient } from './client';
import { createEmployee, updateEmployee } from './employee-writes';
import { getEmployee, listEmployees } from './employees';
import { listRemoteFields } from './remote-fields';
import { listTimeoffBalances } from './timeoff-balances';
import { createTimeoffRequest } from './timeoff-create';
import { deleteTimeoffRequest, getTimeoffRequest, listTimeoffRequests } from './timeoff-requests';
import { listTimeoffTypes } from './timeoff-types';

export function createPersonioProvider(client: PersonioClient): HrisProvider {
  return {
    listEmployees: (query) => listEmployees(client, query),
    getEmployee: (id, options) => getEmployee(client, id, options),
    listTimeoffTypes: (options) => listTimeoffTypes(client, options),
    listTimeoffRequests: (query) => listTimeoffRequests(client, query),
    getTimeoffRequest: (id, options) => getTimeoffRequest(client, id, options),
    createTimeoffRequest: (input, options) => createTimeoffRequest(client, input, options),
    deleteTimeoffRequest: (id, options) => deleteTimeoffRequest(client, id, options),
    listTimeoffBalances: (query) => listTimeoffBalances(client, query),
    createEmployee: (input, options) => createEmployee(client, input, options),
    updateEmployee: (id, input, options) => updateEmployee(client, id, input, options),
    getEmployeeAvatar: (id, options) => getEmployeeAvatar(client, id, options),
    listRemoteFields: (options) => listRemoteFields(client, options),
  };
}
