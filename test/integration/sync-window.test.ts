import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../../src/context';
import { createEnvironment } from '../../src/db/queries/environments';
import { listEventsPage } from '../../src/db/queries/events';
import { updateLinkedAccountSettings } from '../../src/db/queries/linked-accounts';
import { recentSyncPasses } from '../../src/db/queries/sync';
import { SANDBOX_CREDENTIALS } from '../../src/sandbox/personio';
import { createServices } from '../../src/services';
import { linkPersonioAccount } from '../../src/services/linking';
import { syncRunnerDeps } from '../../src/sync/deps';
import { runSyncJob } from '../../src/sync/run';
import { createPersonioSandbox, openStorage, type Storage, startGateway } from '../support/gateway';
import { UNPACED } from '../support/timeoff';

/** An account's sync window moved or widened: the absences that enter it are backfill, not news. */
describe('widening the sync window', () => {
  let storage: Storage;
  let services: Services;
  const ref = { environmentId: '', linkedAccountId: '' };

  beforeAll(async () => {
    storage = await openStorage('pglite');
    const gateway = await startGateway(
      storage,
      createPersonioSandbox({ employees: 40, seed: 7 }),
      undefined,
      UNPACED,
    );
    services = await createServices(gateway.deps);
    const environment = await createEnvironment(services.db, { name: 'window', mode: 'test' });
    const linkedAccount = await linkPersonioAccount(services, {
      environmentId: environment.id,
      integration: 'personio',
      credentials: SANDBOX_CREDENTIALS.full,
      originId: 'window',
    });
    ref.environmentId = environment.id;
    ref.linkedAccountId = linkedAccount.id;
  });

  afterAll(async () => {
    await services?.jobs.close();
    await storage?.close();
  });

  const setWindow = (back: number, ahead: number) =>
    updateLinkedAccountSettings(services.db, {
      environmentId: ref.environmentId,
      id: ref.linkedAccountId,
      settings: { sync_window_days_back: back, sync_window_days_ahead: ahead },
      now: new Date(),
    });

  const timeoffEvents = async () =>
    (
      await listEventsPage(services.db, {
        environmentId: ref.environmentId,
        filters: {
          linkedAccountId: ref.linkedAccountId,
          types: { exact: [], prefixes: ['timeoff_request.'] },
        },
        afterSeq: 0,
        limit: 10_000,
      })
    ).events;

  it('fills the copy with the absences that enter it silently, as a first pass does', async () => {
    await setWindow(14, 30);
    await runSyncJob(syncRunnerDeps(services), { ...ref, trigger: 'manual' });
    const [first] = await recentSyncPasses(services.db, ref, 1);
    expect(first).toMatchObject({ status: 'completed', initial: true });

    await setWindow(400, 730);
    await runSyncJob(syncRunnerDeps(services), { ...ref, trigger: 'manual' });
    const [widened] = await recentSyncPasses(services.db, ref, 1);
    expect(widened).toMatchObject({ status: 'completed', initial: false });
    // Hundreds of older and later absences entered the copy, and none of them is reported as created.
    expect(widened!.counts.created).toBeGreaterThan(first!.counts.created);
    expect(await timeoffEvents()).toEqual([]);
  });
});
