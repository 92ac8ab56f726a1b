import { EVENT_TYPES } from '../events/types';

/** Resources whose events an endpoint can subscribe to with `resource.*`. */
export const EVENT_RESOURCES = [
  'employee',
  'timeoff_request',
  'timeoff_type',
  'linked_account',
  'webhook_endpoint',
] as const;

/** An event type or `resource.*` pattern an endpoint may subscribe to; null when it names nothing. */
export function isEventTypePattern(pattern: string): boolean {
  if (pattern.endsWith('.*')) return (EVENT_RESOURCES as readonly string[]).includes(pattern.slice(0, -2));
  return (EVENT_TYPES as readonly string[]).includes(pattern);
}

/** Does the endpoint subscribe to this event: its type (exactly or by `resource.*`) and its linked account? */
export function endpointMatches(
  endpoint: { eventTypes: string[]; linkedAccountIds: string[] | null },
  event: { type: string; linkedAccountId: string | null },
): boolean {
  // An account filter keeps the account's events; events about no account (an endpoint disabled) still pass.
  if (
    endpoint.linkedAccountIds &&
    event.linkedAccountId &&
    !endpoint.linkedAccountIds.includes(event.linkedAccountId)
  )
    return false;
  return endpoint.eventTypes.some((pattern) =>
    pattern.endsWith('.*') ? event.type.startsWith(pattern.slice(0, -1)) : event.type === pattern,
  );
}
