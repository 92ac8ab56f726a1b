import type { SeededEmployee } from './seed';

/**
 * What changed in the sandbox company, told by the data layer (directory, absence book, HR's status
 * decisions) after each change, whichever route made it: the v1 API, `/v1/_sandbox/*` actions or tests.
 * v2 webhooks are fired from here, so every way of changing data fires them alike.
 */
export interface SandboxChangeListener {
  personHired(employee: SeededEmployee): void;
  personChanged(before: SeededEmployee, after: SeededEmployee): void;
  /** A start or termination entered ahead of its date took effect as the clock reached the date (no edit). */
  employmentTookEffect(employee: SeededEmployee, effect: 'started' | 'terminated'): void;
  /** `id` is the v1 id (time-off id as a string, or the hour-unit period's UUID); v2 names it its own way. */
  absenceCreated(absence: { id: string; personId: number }): void;
  absenceDeleted(absence: { id: string; personId: number }): void;
  absenceStatusChanged(absence: { id: string; personId: number }): void;
}
