import type { Services } from '../context';
import type { SyncRunnerDeps } from './run';

/** What a sync job needs, taken from the process's services. */
export function syncRunnerDeps(services: Services, processName?: string): SyncRunnerDeps {
  return {
    db: services.db,
    // Passes give way to live calls on the account's rate budget.
    hris: (linkedAccount) => services.providers.hris(linkedAccount, { priority: 'background' }),
    logger: services.logger,
    now: services.now,
    leaseTtlMs: services.config.sync.leaseTtlMs,
    processName,
    inbound: {
      async ownerOf(linkedAccount, change) {
        const found = services.providers.inboundWebhooks(linkedAccount);
        return found?.hooks.ownerOf ? found.hooks.ownerOf(found.account, change) : null;
      },
      // The job engine keeps at most one manual pass waiting per account.
      requestFullPass: (linkedAccount) => services.jobs.requestSync(linkedAccount),
    },
  };
}
