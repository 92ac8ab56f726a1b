import type { PersonioSandbox } from '../../src/sandbox/personio';
import { SANDBOX_CREDENTIALS } from '../../src/sandbox/personio';
import { everything } from '../sandbox/absence-client';
import type { Body } from '../sandbox/sandbox-client';
import { tokenFor } from '../sandbox/sandbox-client';
import type { Tenant, TestGateway } from './gateway';

export interface JsonReply {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted on structurally.
  body: any;
}

/**
 * These suites test what comes back, not pacing (the resilience tests cover that): their gateways may call
 * the simulator as fast as it answers instead of at Personio's 5 requests a second.
 */
export const UNPACED = { env: { UPSTREAM_RATE_LIMIT_PER_SECOND: '1000', UPSTREAM_RATE_LIMIT_BURST: '1000' } };

/** Any method with a JSON body against the gateway, as the tenant. */
export async function send(
  gateway: TestGateway,
  tenant: Tenant,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonReply> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${tenant.apiKey}`,
    'x-linked-account-id': tenant.linkedAccountId,
    ...options.headers,
  };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await gateway.app.request(path, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

/** An absence as the simulator holds it, reduced to what the window tests compare. */
export interface GroundTruth {
  id: string;
  employeeId: string;
  typeId: string;
  status: string;
  firstDay: string;
  lastDay: string;
  units: 'days' | 'hours';
}

/**
 * Every absence straight from the simulator (not through the gateway): day-based ones from their dates,
 * hour-based ones from Personio's own per-day breakdown, so the expectation does not reuse the mappers.
 */
export async function sandboxAbsences(sandbox: PersonioSandbox): Promise<GroundTruth[]> {
  const token = await tokenFor(sandbox, SANDBOX_CREDENTIALS.full);
  const timeOffs = await everything(sandbox, '/company/time-offs', token);
  const periods = await everything(sandbox, '/company/absence-periods', token);
  return [
    ...timeOffs.map((item: Body) => ({
      id: String(item.attributes.id),
      employeeId: String(item.attributes.employee.attributes.id.value),
      typeId: String(item.attributes.time_off_type.attributes.id),
      status: item.attributes.status,
      firstDay: item.attributes.start_date.slice(0, 10),
      lastDay: item.attributes.end_date.slice(0, 10),
      units: 'days' as const,
    })),
    ...periods.map((item: Body) => {
      const dates = item.attributes.breakdowns.map((entry: Body) => entry.date).sort();
      return {
        id: item.attributes.id,
        employeeId: String(item.attributes.employee.attributes.id.value),
        typeId: String(item.attributes.absence_type.attributes.time_off_type_id),
        status: item.attributes.status,
        firstDay: dates[0],
        lastDay: dates.at(-1),
        units: 'hours' as const,
      };
    }),
  ];
}

export function overlaps(absence: GroundTruth, window: { start: string; end: string }): boolean {
  return absence.firstDay <= window.end && absence.lastDay >= window.start;
}
