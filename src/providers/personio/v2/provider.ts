import type { LinkedAccountCapabilities, LinkedAccountSettings } from '../../../db/schema';
import type { HrisProvider } from '../../types';
import { isV2AccessRefused, type PersonioV2Client } from './client';
import { type BreakdownCache, isV2Position, listTimeoffRequestsV2 } from './timeoff-requests';

/**
 * Personio v2 where it is better, v1 where only v1 has it (see the README's table): time-off request lists
 * go through v2 absence periods (the window is filtered by Personio); everything else stays on v1. Sync
 * passes (background priority) stay on v1 too: they read every record of their wide window, where v1's
 * durations inline beat one breakdown call per record (see the factory). A walk
 * begun on v1 (its cursor) finishes on v1; a credential that lost v2 access falls back to v1 for the call.
 */
export function createPersonioV2Provider(
  v1: HrisProvider,
  client: PersonioV2Client,
  breakdownCache?: BreakdownCache,
): HrisProvider {
  return {
    ...v1,
    async listTimeoffRequests(query) {
      if (query.position !== undefined && query.position !== null && !isV2Position(query.position)) {
        return v1.listTimeoffRequests(query);
      }
      try {
        return await listTimeoffRequestsV2(client, query, breakdownCache);
      } catch (error) {
        // Only before the first page: a v2 cursor means nothing to the v1 path.
        if (!isV2AccessRefused(error) || isV2Position(query.position)) throw error;
        return v1.listTimeoffRequests(query);
      }
    },
  };
}

/**
 * Does this account read through v2? Only when it opted in (`auto`), its credential obtained a v2 token, and
 * its last check found v2 absence ids to be the v1 ids (unified ids are v1's, which passes, single reads and
 * writes use: a list must never show an id those cannot find). v1 is the default because a first v2 window
 * pull costs a breakdown call per absence (see BENCHMARKS.md).
 */
export function usesPersonioV2(account: {
  settings?: LinkedAccountSettings | null | undefined;
  capabilities?: LinkedAccountCapabilities | null | undefined;
}): boolean {
  return (
    account.capabilities?.personio_v2 === true &&
    account.capabilities.personio_v2_shared_absence_ids === true &&
    account.settings?.personio_api_version === 'auto'
  );
}
