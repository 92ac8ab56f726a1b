import type { SyncedKind } from '../db/schema';
import { essentialFields, stableJson } from '../sync/content';

export const RECORD_EVENT_TYPES = [
  'employee.created',
  'employee.updated',
  'employee.deleted',
  'employee.hired',
  'employee.terminated',
  'timeoff_request.created',
  'timeoff_request.updated',
  'timeoff_request.deleted',
  'timeoff_request.approved',
  'timeoff_request.declined',
  'timeoff_request.cancelled',
  'timeoff_type.created',
  'timeoff_type.updated',
  'timeoff_type.deleted',
] as const;

export const LINKED_ACCOUNT_EVENT_TYPES = [
  'linked_account.connected',
  'linked_account.needs_reauth',
  'linked_account.deleted',
  'linked_account.sync_completed',
  'linked_account.sync_failed',
] as const;

/** About a webhook endpoint of the environment (no linked account). */
export const WEBHOOK_ENDPOINT_EVENT_TYPES = ['webhook_endpoint.disabled'] as const;

export const EVENT_TYPES = [
  ...RECORD_EVENT_TYPES,
  ...LINKED_ACCOUNT_EVENT_TYPES,
  ...WEBHOOK_ENDPOINT_EVENT_TYPES,
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface EventData {
  object: unknown;
  previous_attributes?: Record<string, unknown>;
}

export interface NewEvent {
  type: EventType;
  data: EventData;
}

type UnifiedRecord = Record<string, unknown>;

/** The unified resource name each synced kind's events use. */
const PREFIX: Record<SyncedKind, 'employee' | 'timeoff_type' | 'timeoff_request'> = {
  employee: 'employee',
  timeoff_type: 'timeoff_type',
  timeoff_request: 'timeoff_request',
};

/** Top-level fields whose value changed, with their old values (volatile fields only beside a real change). */
export function previousAttributes(previous: UnifiedRecord, current: UnifiedRecord): Record<string, unknown> {
  const changed: Record<string, unknown> = {};
  const keys = new Set([...Object.keys(previous), ...Object.keys(current)]);
  for (const key of keys) {
    if (key === 'remote_data') continue;
    if (stableJson(previous[key]) !== stableJson(current[key])) changed[key] = previous[key] ?? null;
  }
  return changed;
}

const isTerminated = (employee: UnifiedRecord) =>
  employee.termination_date != null || employee.employment_status === 'inactive';

/** Becoming active counts as a hire from nothing, `pending` (onboarding) or `inactive` (a rehire), not from `leave`. */
const wasHireable = (employee: UnifiedRecord | null) =>
  employee === null || employee.employment_status === 'pending' || employee.employment_status === 'inactive';

/**
 * The events one record change produces. `previous` is null for a record not in the copy (or tombstoned),
 * `current` null for a deletion. Semantic types fire on the transition only, so each fires once per change.
 */
export function recordEvents(
  kind: SyncedKind,
  previous: UnifiedRecord | null,
  current: UnifiedRecord | null,
): NewEvent[] {
  const prefix = PREFIX[kind];
  if (current === null) {
    return previous ? [{ type: `${prefix}.deleted`, data: { object: withoutRemoteData(previous) } }] : [];
  }
  const object = withoutRemoteData(current);
  if (previous === null) {
    const created: NewEvent[] = [{ type: `${prefix}.created`, data: { object } }];
    if (kind === 'employee' && current.employment_status === 'active') {
      created.push({ type: 'employee.hired', data: { object } });
    }
    return created;
  }
  if (stableJson(essentialFields(previous)) === stableJson(essentialFields(current))) return [];
  const previous_attributes = previousAttributes(previous, current);
  const data = { object, previous_attributes };
  const produced: NewEvent[] = [{ type: `${prefix}.updated`, data }];
  if (kind === 'employee') {
    if (
      current.employment_status === 'active' &&
      previous.employment_status !== 'active' &&
      wasHireable(previous)
    ) {
      produced.push({ type: 'employee.hired', data });
    }
    if (isTerminated(current) && !isTerminated(previous))
      produced.push({ type: 'employee.terminated', data });
  }
  if (kind === 'timeoff_request' && previous.status !== current.status) {
    if (current.status === 'approved') produced.push({ type: 'timeoff_request.approved', data });
    if (current.status === 'declined') produced.push({ type: 'timeoff_request.declined', data });
    if (current.status === 'cancelled') produced.push({ type: 'timeoff_request.cancelled', data });
  }
  return produced;
}

function withoutRemoteData(record: UnifiedRecord): UnifiedRecord {
  if (!('remote_data' in record)) return record;
  const { remote_data: _ignored, ...rest } = record;
  return rest;
}

/** `employee.*` matches every employee event; other patterns match one type exactly. */
export function eventTypePattern(pattern: string): { prefix: string } | { exact: string } {
  return pattern.endsWith('.*') ? { prefix: pattern.slice(0, -1) } : { exact: pattern };
}
