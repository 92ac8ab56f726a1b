import type { LinkedAccountSettings } from '../db/schema';
import { syncSettings } from './settings';

/**
 * With an active inbound webhook the provider tells the gateway what changed, and scheduled passes only
 * reconcile (what a lost notification or a provider without one for a field would leave behind): at most
 * every 6 hours, or the account's own interval when that is longer. Personio throttles repetitive polling
 * where webhooks are available.
 */
export const WEBHOOK_RECONCILE_MINUTES = 360;

/** Minutes between an account's scheduled passes. */
export function scheduledIntervalMinutes(settings: LinkedAccountSettings, webhookActive: boolean): number {
  const { intervalMinutes } = syncSettings(settings);
  return webhookActive ? Math.max(intervalMinutes, WEBHOOK_RECONCILE_MINUTES) : intervalMinutes;
}
