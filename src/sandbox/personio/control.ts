import type { Hono } from 'hono';
import type { AbsenceBook, AbsenceStatus } from './absence-book';
import type { SandboxEnv } from './auth';
import type { SandboxChangeListener } from './change-listener';
import type { ChangingDirectory, EmployeeChanges, NewHire } from './directory-changes';
import { personioError } from './errors';
import type { EmployeeStatus } from './seed';

/**
 * What HR does in Personio's web app, for sandbox actions: hire, change and terminate people, decide on
 * absences. Not part of Personio's API: these routes live under `/v1/_sandbox/` behind the same bearer
 * token, so the gateway reaches them like any Personio call of the account.
 */
export interface SandboxChanges {
  hireEmployee(input: NewHire): { id: number };
  /** false when no such employee. */
  changeEmployee(employeeId: number, changes: EmployeeChanges): boolean;
  /** An integer id is a day-based absence, a UUID an hour-based one; false when no such absence. */
  setAbsenceStatus(absenceId: string, status: AbsenceStatus): boolean;
  /** As HR deleting it in Personio; false when no such absence. */
  deleteAbsence(absenceId: string): boolean;
}

export function createSandboxChanges(
  directory: ChangingDirectory,
  book: AbsenceBook,
  now: () => Date,
  listener?: SandboxChangeListener,
): SandboxChanges {
  return {
    hireEmployee: (input) => ({ id: directory.hire(input).id }),
    changeEmployee: (employeeId, changes) => directory.change(employeeId, changes) !== undefined,
    setAbsenceStatus(absenceId, status) {
      const nowMs = now().getTime();
      const absence = /^\d+$/.test(absenceId)
        ? book.findDayAbsence(Number(absenceId))
        : book.findHourAbsence(absenceId.toLowerCase());
      if (!absence) return false;
      const previous = absence.status;
      absence.status = status;
      absence.updatedMs = Math.max(nowMs, absence.updatedMs + 1000);
      if ('approvedMs' in absence) absence.approvedMs = status === 'approved' ? nowMs : absence.approvedMs;
      // Setting the status it already has is no status change (no absence-period.updated.status).
      if (previous !== status) {
        listener?.absenceStatusChanged({
          id: String(absence.id),
          personId: directory.idAt(absence.employeeIndex),
        });
      }
      return true;
    },
    deleteAbsence: (absenceId) =>
      /^\d+$/.test(absenceId)
        ? book.deleteDayAbsence(Number(absenceId))
        : book.deleteHourAbsence(absenceId.toLowerCase()),
  };
}

const STATUSES: readonly EmployeeStatus[] = ['active', 'onboarding', 'leave', 'inactive'];
const ABSENCE_STATUSES: readonly AbsenceStatus[] = ['approved', 'pending', 'rejected', 'cancelled'];
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function text(value: unknown, max = 200): string | undefined {
  return typeof value === 'string' && value.trim() !== '' && value.length <= max ? value.trim() : undefined;
}

export function registerControlRoutes(v1: Hono<SandboxEnv>, changes: SandboxChanges): void {
  v1.post('/_sandbox/employees', async (c) => {
    const body = (await c.req.json().catch(() => null)) as Record<string, unknown> | null;
    const firstName = text(body?.first_name);
    const lastName = text(body?.last_name);
    const hireDate = body?.hire_date;
    if (!firstName || !lastName) return personioError(c, 422, 'first_name and last_name are required.');
    if (hireDate !== undefined && (typeof hireDate !== 'string' || !DATE.test(hireDate))) {
      return personioError(c, 422, 'hire_date must be YYYY-MM-DD.');
    }
    const hired = changes.hireEmployee({
      firstName,
      lastName,
      position: text(body?.position),
      hireDate: hireDate as string | undefined,
    });
    return c.json({ success: true, data: { id: hired.id } }, 201);
  });

  v1.patch('/_sandbox/employees/:id', async (c) => {
    const body = ((await c.req.json().catch(() => null)) ?? {}) as Record<string, unknown>;
    const id = c.req.param('id');
    const status = body.status;
    const terminationDate = body.termination_date;
    if (status !== undefined && !STATUSES.includes(status as EmployeeStatus)) {
      return personioError(c, 422, `status must be one of ${STATUSES.join(', ')}.`);
    }
    if (
      terminationDate !== undefined &&
      (typeof terminationDate !== 'string' || !DATE.test(terminationDate))
    ) {
      return personioError(c, 422, 'termination_date must be YYYY-MM-DD.');
    }
    const hours = body.weekly_working_hours;
    const found =
      /^\d+$/.test(id) &&
      changes.changeEmployee(Number(id), {
        firstName: text(body.first_name),
        lastName: text(body.last_name),
        preferredName: typeof body.preferred_name === 'string' ? body.preferred_name : undefined,
        position: text(body.position),
        weeklyWorkingHours: typeof hours === 'number' && hours > 0 && hours <= 80 ? String(hours) : undefined,
        status: status as EmployeeStatus | undefined,
        terminationDate: terminationDate as string | undefined,
      });
    if (!found) return personioError(c, 404, `Employee with id ${id} was not found.`);
    return c.json({ success: true, data: { id: Number(id) } });
  });

  v1.patch('/_sandbox/absences/:id', async (c) => {
    const body = ((await c.req.json().catch(() => null)) ?? {}) as Record<string, unknown>;
    const status = body.status as AbsenceStatus;
    if (!ABSENCE_STATUSES.includes(status)) {
      return personioError(c, 422, `status must be one of ${ABSENCE_STATUSES.join(', ')}.`);
    }
    if (!changes.setAbsenceStatus(c.req.param('id'), status)) {
      return personioError(c, 404, 'The absence was not found.');
    }
    return c.json({ success: true, data: { id: c.req.param('id'), status } });
  });
}
