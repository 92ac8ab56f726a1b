import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp } from '../../src/app';
import { parseConfig } from '../../src/config';
import type { AppDeps, Services } from '../../src/context';
import { createSecretBox } from '../../src/crypto/secret-box';
import type { BullmqJobs } from '../../src/jobs/bullmq';
import { silentLogger } from '../../src/lib/logger';
import { type NodeJobs, nodeJobs } from '../../src/runtime/node-jobs';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import { createServices } from '../../src/services';
import { WEBHOOK_RECONCILE_MINUTES } from '../../src/sync/reconcile';
import { redisKeyPrefix } from '../harness/databases';
import {
  createPersonioSandbox,
  createTenant,
  ENCRYPTION_KEY,
  openStorage,
  PERSONIO_TEST_BASE_URL,
  SANDBOX_CREDENTIALS,
  type Storage,
  type Tenant,
  type TestGateway,
} from '../support/gateway';
import { freePort } from '../support/processes';
import { UNPACED } from '../support/timeoff';
import { waitFor } from '../support/wait';

/**
 * With REDIS_URL, inbound notifications are jobs on BullMQ, run by the job worker; an account with a webhook
 * has its scheduled passes registered at the reconciliation interval (PostgreSQL + Redis, a `personio`
 * account served by the simulator as Personio, deliveries over loopback HTTP).
 */
describe('inbound webhooks on BullMQ (PostgreSQL + Redis)', () => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let jobs: NodeJobs;
  let services: Services;
  let server: ReturnType<typeof serve>;
  let url: string;
  let tenant: Tenant;

  // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted on structurally.
  const call = async (path: string, method = 'GET'): Promise<{ status: number; body: any }> => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'x-linked-account-id': tenant.linkedAccountId },
    });
    return { status: response.status, body: await response.json() };
  };

  beforeAll(async () => {
    storage = await openStorage('postgres');
    sandbox = createPersonioSandbox({ employees: 15, seed: 41, webhookDelivery: { retryDelaysMs: [] } });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const config = parseConfig({
      DATABASE_URL: storage.databaseUrl,
      REDIS_URL: inject('redisUrl'),
      REDIS_KEY_PREFIX: `roster:${redisKeyPrefix()}`,
      ENCRYPTION_KEY,
      PERSONIO_BASE_URL: PERSONIO_TEST_BASE_URL,
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: url,
      SANDBOX: 'false',
      LOG_LEVEL: 'silent',
      ...UNPACED.env,
    });
    jobs = nodeJobs(config, silentLogger, 'gateway');
    const deps: AppDeps = {
      config,
      db: storage.database.db,
      cache: storage.newCache(),
      secretBox: await createSecretBox(ENCRYPTION_KEY),
      fetch: sandbox.fetch,
      jobs: jobs.factory,
    };
    services = await createServices(deps);
    const app = await createApp(deps, services);
    await jobs.start(services);
    server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, () => resolve(started));
    });
    tenant = await createTenant({ deps } as TestGateway, SANDBOX_CREDENTIALS.full, 'Acme', 'personio');
    const requestedAt = Date.now();
    expect((await call(`/linked-accounts/${tenant.linkedAccountId}/sync`, 'POST')).status).toBe(202);
    await waitFor(async () => {
      const last = (await call(`/linked-accounts/${tenant.linkedAccountId}/sync`)).body.result.last_pass;
      return last?.status === 'completed' && Date.parse(last.started_at) >= requestedAt ? last : undefined;
    }, 'the first pass');
  });

  afterAll(async () => {
    sandbox?.webhooks.stop();
    await jobs?.close();
    await new Promise<void>((resolve) => {
      (server as Server | undefined)?.closeAllConnections?.();
      if (server) server.close(() => resolve());
      else resolve();
    });
    await storage?.close();
  });

  it('a change in Personio becomes an event through a BullMQ job', async () => {
    const passes = async () => (await call(`/linked-accounts/${tenant.linkedAccountId}/sync`)).body.result;
    // The schedule's first pass (BullMQ runs a new scheduler at once) is done before Personio changes.
    const queue = (jobs.factory(services) as BullmqJobs).queue;
    const before = await waitFor(async () => {
      const counts = await queue.getJobCounts('waiting', 'active', 'prioritized');
      const status = await passes();
      return (counts.waiting ?? 0) + (counts.active ?? 0) + (counts.prioritized ?? 0) === 0 &&
        status.running === null
        ? status
        : undefined;
    }, 'an idle sync queue');
    const employeeId = sandbox.employeeIds()[2]!;
    expect(sandbox.changes.changeEmployee(employeeId, { position: 'Queue tester' })).toBe(true);
    const event = await waitFor(async () => {
      const page = await call(`/events?type=employee.updated&linked_account_id=${tenant.linkedAccountId}`);
      return (page.body.result as { data: { object: { id: string; job_title: string } } }[]).find(
        (candidate) => candidate.data.object.id === String(employeeId),
      );
    }, 'employee.updated');
    expect(event.data.object.job_title).toBe('Queue tester');
    // No pass ran meanwhile: the event came from the inbound job.
    const after = await passes();
    expect(after.running).toBeNull();
    expect(after.last_pass.id).toBe(before.last_pass.id);
  });

  it('registers the account’s scheduled passes at the reconciliation interval', async () => {
    const queue = jobs.factory(services) as BullmqJobs;
    const scheduler = await queue.queue.getJobScheduler(`sync-${tenant.linkedAccountId}`);
    expect(Number(scheduler?.every)).toBe(WEBHOOK_RECONCILE_MINUTES * 60_000);
  });
});
