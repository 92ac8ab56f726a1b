import type { LinkedAccountSettings } from '../db/schema';

export const SYNC_DEFAULTS = {
  enabled: true,
  intervalMinutes: 15,
  windowDaysBack: 400,
  windowDaysAhead: 730,
  fullIntervalMinutes: 60,
} as const;

export interface SyncSettings {
  enabled: boolean;
  intervalMinutes: number;
  windowDaysBack: number;
  windowDaysAhead: number;
  fullIntervalMinutes: number;
}

export function syncSettings(settings: LinkedAccountSettings): SyncSettings {
  return {
    enabled: settings.sync_enabled ?? SYNC_DEFAULTS.enabled,
    intervalMinutes: settings.sync_interval_minutes ?? SYNC_DEFAULTS.intervalMinutes,
    windowDaysBack: settings.sync_window_days_back ?? SYNC_DEFAULTS.windowDaysBack,
    windowDaysAhead: settings.sync_window_days_ahead ?? SYNC_DEFAULTS.windowDaysAhead,
    fullIntervalMinutes: settings.sync_full_interval_minutes ?? SYNC_DEFAULTS.fullIntervalMinutes,
  };
}

/** Inclusive `YYYY-MM-DD` dates of the time-off window, relative to `today` (UTC). */
export interface SyncWindow {
  start: string;
  end: string;
}

const DAY_MS = 86_400_000;

export function syncWindow(settings: LinkedAccountSettings, today: Date): SyncWindow {
  const { windowDaysBack, windowDaysAhead } = syncSettings(settings);
  const midnight = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return { start: day(midnight - windowDaysBack * DAY_MS), end: day(midnight + windowDaysAhead * DAY_MS) };
}
