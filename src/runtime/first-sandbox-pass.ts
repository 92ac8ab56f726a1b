import type { Services } from '../context';
import { getSyncState } from '../db/queries/sync';
import type { FetchLike } from '../providers/types';
import { syncRunnerDeps } from '../sync/deps';
import { runSyncJob, type SyncOutcome } from '../sync/run';
import type { SandboxSeed } from './sandbox-seed';

/** Personio's token endpoints (v1 `/auth`, v2 `/auth/token`): the pass needs them, so they are never held. */
const AUTH_PATH = /\/auth(\/|$)/;

export interface FirstSandboxPass {
  /**
   * The sandbox's fetch, its writes held until the first pass has ended: a change made while the first
   * (silent) pass runs could be copied without its events, and a newcomer's first action must show up as events.
   */
  hold(fetch: FetchLike): FetchLike;
  /** Runs the pass when the sandbox account has never completed one; writes are let through once it ends. */
  run(services: Services, seed: SandboxSeed): Promise<SyncOutcome | 'done before'>;
  /** Stops a pass in progress at its next page boundary (it resumes on the next start); held writes then go on. */
  stop(): void;
}

/**
 * The built-in sandbox account's first pass, run after the gateway listens, so a first start answers long
 * before the copy is filled; reads go to Personio live meanwhile.
 */
export function firstSandboxPass(): FirstSandboxPass {
  const stopping = new AbortController();
  // Set while the pass runs; writes made before it starts (the seed's own) go straight through.
  let running: Promise<unknown> | undefined;
  return {
    hold: (fetch) => async (request) => {
      if (
        running &&
        request.method !== 'GET' &&
        request.method !== 'HEAD' &&
        !AUTH_PATH.test(new URL(request.url).pathname)
      ) {
        await running;
      }
      return fetch(request);
    },
    async run(services, seed) {
      const ref = { environmentId: seed.environment_id, linkedAccountId: seed.linked_account_id };
      if ((await getSyncState(services.db, ref))?.lastCompletedAt) return 'done before';
      const pass = runSyncJob(
        { ...syncRunnerDeps(services, 'gateway'), signal: stopping.signal },
        { ...ref, trigger: 'schedule' },
      );
      running = pass.catch(() => undefined);
      try {
        return await pass;
      } finally {
        running = undefined;
      }
    },
    stop() {
      stopping.abort();
    },
  };
}
