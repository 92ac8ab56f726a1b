import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLinkedAccount } from '../../src/db/queries/linked-accounts';
import { recentSyncPasses, requestSyncPass } from '../../src/db/queries/sync';
import { InProcessJobs } from '../../src/jobs/in-process';
import type { FetchLike } from '../../src/providers/types';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import { createServices } from '../../src/services';
import { syncRunnerDeps } from '../../src/sync/deps';
import {
  type Backend,
  createPersonioSandbox,
  createTenant,
  openStorage,
  type Storage,
  startGateway,
  type Tenant,
  type TestGateway,
} from '../support/gateway';
import { UNPACED } from '../support/timeoff';
import { waitUntil } from '../support/wait';

/** `POST /linked-accounts/{id}/sync` while a pass runs: exactly one more pass follows it. */
describe.each<Backend>(['pglite', 'postgres'])('sync requested while a pass runs (%s)', (backend) => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let gateway: TestGateway;
  let tenant: Tenant;
  /** While set, Personio's employee list answers only once it resolves: the pass stops there. */
  let gate: Promise<void> | undefined;
  let held = 0;
  const fetch: FetchLike = async (request) => {
    if (gate && new URL(request.url).pathname.endsWith('/company/employees')) {
      held++;
      await gate;
    }
    return sandbox.fetch(request);
  };

  beforeAll(async () => {
    storage = await openStorage(backend);
    sandbox = createPersonioSandbox({ employees: 10, seed: 5 });
    gateway = await startGateway(storage, sandbox, undefined, { ...UNPACED, fetch });
    tenant = await createTenant(gateway);
  });

  afterAll(async () => {
    await storage?.close();
  });

  it('runs one more pass for a request made while a pass runs, not two', async () => {
    const services = await createServices(gateway.deps);
    const ref = { environmentId: tenant.environmentId, linkedAccountId: tenant.linkedAccountId };
    const account = await getLinkedAccount(services.db, {
      environmentId: ref.environmentId,
      id: ref.linkedAccountId,
    });
    const jobs = new InProcessJobs(syncRunnerDeps(services));
    // What the route does: the request is recorded, then the job engine is asked for a pass.
    const request = async () => {
      await requestSyncPass(services.db, ref);
      await jobs.requestSync(account!);
    };
    let open = () => {};
    gate = new Promise((resolve) => {
      open = resolve;
    });
    try {
      await request();
      await waitUntil(async () => held > 0, 'the pass to ask for the employees');
      // The pass began before this request: it cannot cover it, so one more must follow.
      await request();
      expect(jobs.jobCounts).toEqual({ started: 1, active: 1 });
      gate = undefined;
      open();
      // Active stays 1 from the first job to the one that follows it (handed over synchronously).
      await waitUntil(async () => jobs.jobCounts.active === 0, 'the jobs to finish', 120_000);
      const passes = await recentSyncPasses(services.db, ref, 10);
      expect(passes.map((pass) => `${pass.trigger} ${pass.status}`)).toEqual([
        'manual completed',
        'manual completed',
      ]);
      // The follow-up job still started, and found the request covered by the second pass.
      expect(jobs.jobCounts.started).toBe(2);
    } finally {
      gate = undefined;
      open();
      await jobs.close();
    }
  }, 180_000);
});
