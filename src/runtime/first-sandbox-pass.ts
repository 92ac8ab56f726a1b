import type { Services } from '../context';
import { getSyncState } from '../db/queries/sync';
import { sleepUnlessAborted } from '../lib/sleep';
import { syncRunnerDeps } from '../sync/deps';
import { runSyncJob, type SyncOutcome } from '../sync/run';
import type { SandboxSeed } from './sandbox-seed';

/**
 * A first pass an earlier start began and did not finish resumes this long after the gateway listens, so the
 * first requests after the restart do not wait behind its statements on the one embedded database connection
 * (0.8 s more to the first 200, `npm run bench -- --only startup`). A first pass on a new data directory
 * starts at once: its first pages are upstream reads, and a newcomer's first writes wait for it.
 */
const RESUME_DELAY_MS = 3_000;

type Handler = (request: Request, ...rest: never[]) => Response | Promise<Response>;

export interface FirstSandboxPass {
  /**
   * The gateway's handler, with the requests that change sandbox data (`POST /sandbox/actions`, writes to
   * the sandbox account) held while the first pass runs: a change made during that (silent) pass could be
   * copied without its events, and a newcomer's first action must show up as events. Held here, before
   * the request reaches Personio's client, so the wait does not count against its timeouts.
   */
  hold<H extends Handler>(handler: H, seed: SandboxSeed): H;
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
  // Set while the pass runs; until `run`, nothing is held (the seed's own writes happen before it).
  let running: Promise<unknown> | undefined;
  return {
    hold: (handler, seed) =>
      (async (request: Request, ...rest: never[]) => {
        if (running && changesSandbox(request, seed)) await running;
        return handler(request, ...rest);
      }) as typeof handler,
    async run(services, seed) {
      const ref = { environmentId: seed.environment_id, linkedAccountId: seed.linked_account_id };
      // Held from the first moment (this runs before the server listens), not only once the pass has begun.
      const outcome = (async () => {
        const state = await getSyncState(services.db, ref);
        if (state?.lastCompletedAt) return 'done before' as const;
        if (state?.lastPassStartedAt) {
          await sleepUnlessAborted(RESUME_DELAY_MS, stopping.signal);
          // Stopped while waiting: the pass stays where it was, for the next start.
          if (stopping.signal.aborted) return 'stopped' as const;
        }
        return runSyncJob(
          { ...syncRunnerDeps(services, 'gateway'), signal: stopping.signal },
          { ...ref, trigger: 'schedule' },
        );
      })();
      running = outcome.catch(() => undefined);
      try {
        return await outcome;
      } finally {
        running = undefined;
      }
    },
    stop() {
      stopping.abort();
    },
  };
}

function changesSandbox(request: Request, seed: SandboxSeed): boolean {
  if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return false;
  const path = new URL(request.url).pathname;
  return (
    path === '/sandbox/actions' ||
    (path.startsWith('/unified/') && request.headers.get('x-linked-account-id') === seed.linked_account_id)
  );
}
