import type { ResourceAccess } from '../../db/schema';
import type { PersonioClient } from './client';

/**
 * What a credential may do besides reading employees, asked of Personio without changing anything:
 * reads as one-record lists; writes as creates with an empty body, which Personio refuses with 403 when the
 * credential lacks the right and with a validation error (400/404/422) when it has it.
 */
export async function probeResourceAccess(client: PersonioClient, now: Date): Promise<ResourceAccess> {
  const today = now.toISOString().slice(0, 10);
  const status = async (method: 'GET' | 'POST', path: string, body: unknown): Promise<number | null> => {
    try {
      const response = await client.send({
        method,
        url: new URL(`${client.baseUrl}${path}`),
        headers: new Headers(
          body === null
            ? { accept: 'application/json' }
            : { accept: 'application/json', 'content-type': 'application/json' },
        ),
        body: body === null ? null : (new TextEncoder().encode(JSON.stringify(body)).buffer as ArrayBuffer),
        // The write probes carry no valid body, so sending them again is harmless; reads are reads.
        retry: true,
      });
      await response.discard();
      return response.status;
    } catch {
      return null;
    }
  };
  const read = (answer: number | null) =>
    answer === null
      ? null
      : answer >= 200 && answer < 300
        ? true
        : answer === 401 || answer === 403
          ? false
          : null;
  const write = (answer: number | null) =>
    answer === null
      ? null
      : answer === 401 || answer === 403
        ? false
        : [400, 404, 422].includes(answer) || (answer >= 200 && answer < 300)
          ? true
          : null;
  const [absencesRead, attendancesRead, employeesWrite, absencesWrite, attendancesWrite] = await Promise.all([
    status('GET', '/company/time-offs?limit=1&offset=0', null),
    status('GET', `/company/attendances?start_date=${today}&end_date=${today}&limit=1`, null),
    status('POST', '/company/employees', { employee: {} }),
    status('POST', '/company/time-offs', {}),
    status('POST', '/company/attendances', { attendances: [] }),
  ]);
  const absences = read(absencesRead);
  return {
    checked_at: now.toISOString(),
    // The linking check has just read employees.
    employees: { read: true, write: write(employeesWrite) },
    timeoff_requests: { read: absences, write: write(absencesWrite) },
    timeoff_types: { read: absences, write: null },
    timeoff_balances: { read: absences, write: null },
    attendances: { read: read(attendancesRead), write: write(attendancesWrite) },
  };
}
