import type { SandboxChangeListener } from '../change-listener';
import type { SeededEmployee } from '../seed';
import type { V2AbsenceIds } from './absence-ids';
import { employmentIdOf, renderEmployment, renderPerson } from './persons';
import type { WebhookHub } from './webhook-hub';

/**
 * Which v2 webhook events a sandbox change fires (REFERENCE §6 + addendum). Payloads carry ids only:
 * `{ id }` of the person, employment or absence period. ASSUMED (Personio leaves the exact keys open):
 * employment and absence-period events also name `person: { id }`, because neither can be read back
 * without the person (employments live under `/v2/persons/{id}`; a deleted period cannot be read at all).
 * - person.updated fires when a field the v2 person shows changes, except `status` (Personio lists names,
 *   gender, language, e-mail and custom attributes; the status is the employment's); employment.updated
 *   when a field the v2 employment shows changes. A change that touches neither fires nothing.
 * - employment.started / employment.terminated fire on the effective date, as in Personio: with the change
 *   when it is effective at once (a hire dated today or earlier; a termination dated today or earlier; an
 *   `onboarding` person set active), else when the simulator clock reaches the date (checked before every
 *   request and when a test moves the clock). A future-dated hire or termination fires created/updated first.
 * - Not fired, because no sandbox change can cause them: person.deleted, employment.deleted (nobody is
 *   deleted), absence-period.updated.timerange (no route moves an absence).
 */
export function webhookChangeListener(hub: WebhookHub, absenceIds: V2AbsenceIds): SandboxChangeListener {
  // The period's v2 id, as v2 reads show it (absence-ids.ts).
  const absencePayload = (absence: { id: string; personId: number }) => ({
    id: absenceIds.period(absence.id),
    person: { id: String(absence.personId) },
  });
  const personRef = (employee: SeededEmployee) => ({ id: String(employee.id) });
  const employmentPayload = (employee: SeededEmployee) => ({
    id: employmentIdOf(employee.id),
    person: personRef(employee),
  });
  const withoutStamps = (rendered: Record<string, unknown>, ...drop: string[]) =>
    JSON.stringify(Object.entries(rendered).filter(([key]) => key !== 'updated_at' && !drop.includes(key)));

  return {
    personHired(employee) {
      hub.emit('person.created', personRef(employee));
      hub.emit('employment.created', employmentPayload(employee));
      if (employee.status !== 'onboarding') hub.emit('employment.started', employmentPayload(employee));
    },
    personChanged(before, after) {
      // Rendering both versions is the costly part of a change; bulk edits with no webhook skip it.
      if (!hub.listening()) return;
      if (withoutStamps(renderPerson(before), 'status') !== withoutStamps(renderPerson(after), 'status')) {
        hub.emit('person.updated', personRef(after));
      }
      if (withoutStamps(renderEmployment(before)) !== withoutStamps(renderEmployment(after))) {
        hub.emit('employment.updated', employmentPayload(after));
      }
      if (before.status === 'onboarding' && after.status === 'active') {
        hub.emit('employment.started', employmentPayload(after));
      }
      if (before.status !== 'inactive' && after.status === 'inactive' && after.terminationDate !== null) {
        hub.emit('employment.terminated', employmentPayload(after));
      }
    },
    employmentTookEffect(employee, effect) {
      hub.emit(
        effect === 'started' ? 'employment.started' : 'employment.terminated',
        employmentPayload(employee),
      );
    },
    absenceCreated: (absence) => hub.emit('absence-period.created', absencePayload(absence)),
    absenceDeleted: (absence) => hub.emit('absence-period.deleted', absencePayload(absence)),
    absenceStatusChanged: (absence) => hub.emit('absence-period.updated.status', absencePayload(absence)),
  };
}
