import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../src/config';
import type { Services } from '../../src/context';
import { getLinkedAccount } from '../../src/db/queries/linked-accounts';
import { silentLogger } from '../../src/lib/logger';
import { type NodeJobs, nodeJobs } from '../../src/runtime/node-jobs';
import { createServices } from '../../src/services';
import { redisKeyPrefix } from '../harness/databases';
import {
  createPersonioSandbox,
  createTenant,
  ENCRYPTION_KEY,
  openStorage,
  PERSONIO_TEST_BASE_URL,
  type Storage,
  startGateway,
} from '../support/gateway';

/**
 * A job process registers the sync schedule of accounts that a process without jobs linked (the admin CLI,
 * a gateway with RUN_JOBS=false), not only of those it found at start.
 */
describe('BullMQ sync schedules of accounts linked elsewhere', () => {
  let storage: Storage;
  let jobs: NodeJobs;
  let services: Services;

  beforeAll(async () => {
    storage = await openStorage('postgres');
    const config = parseConfig({
      DATABASE_URL: storage.databaseUrl,
      REDIS_URL: inject('redisUrl'),
      REDIS_KEY_PREFIX: `roster:${redisKeyPrefix()}`,
      ENCRYPTION_KEY,
      PERSONIO_BASE_URL: PERSONIO_TEST_BASE_URL,
      SANDBOX: 'false',
      LOG_LEVEL: 'silent',
    });
    const sandbox = createPersonioSandbox({ employees: 10 });
    const worker = await startGateway(storage, sandbox, undefined, { env: { RUN_JOBS: 'false' } });
    jobs = nodeJobs(config, silentLogger, 'worker', { scheduleReconcileMs: 100 });
    services = await createServices({ ...worker.deps, config, jobs: jobs.factory });
    await jobs.start(services);
  });

  afterAll(async () => {
    await jobs?.close();
    await storage?.close();
  });

  it('registers the schedule of an account linked after the job process started', async () => {
    // Linked through a gateway whose job engine is its own in-process one: BullMQ never heard of it.
    const elsewhere = await startGateway(storage, createPersonioSandbox({ employees: 10 }));
    const tenant = await createTenant(elsewhere);
    const account = await getLinkedAccount(services.db, {
      environmentId: tenant.environmentId,
      id: tenant.linkedAccountId,
    });
    expect(account).toBeDefined();
    const deadline = Date.now() + 30_000;
    let next: Date | null = null;
    while (!next) {
      next = await services.jobs.nextScheduledRun(account!);
      if (!next && Date.now() > deadline) throw new Error('the schedule was never registered');
      if (!next) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(next.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });
});
