import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertEvents } from '../../src/db/queries/events';
import { newWebhookSecret } from '../../src/webhooks/signing';
import {
  createPersonioSandbox,
  createTenant,
  openStorage,
  type Storage,
  startGateway,
  type Tenant,
} from '../support/gateway';
import { type LoopbackServer, recordingServer, serveFetch } from '../support/http-servers';
import { type RunningProcess, startProcess } from '../support/processes';
import { waitFor } from '../support/wait';

/** `npm run admin -- listen --forward-to …`: the environment's new events, signed, at a local URL. */
describe('admin listen forwards events to a local URL', { timeout: 120_000 }, () => {
  let storage: Storage;
  let tenant: Tenant;
  let served: LoopbackServer;
  let receiver: Awaited<ReturnType<typeof recordingServer>>;
  let listener: RunningProcess | undefined;
  let dataDir: string;

  beforeAll(async () => {
    storage = await openStorage('postgres');
    const sandbox = createPersonioSandbox({ employees: 10, seed: 5 });
    const setup = await startGateway(storage, sandbox);
    tenant = await createTenant(setup);
    const gateway = await startGateway(storage, sandbox, tenant);
    served = await serveFetch((request) => gateway.app.fetch(request));
    receiver = await recordingServer((_request, response) => response.writeHead(204).end());
    dataDir = await mkdtemp(join(tmpdir(), 'roster-listen-'));
  });

  afterAll(async () => {
    await listener?.stop();
    await receiver?.close();
    await served?.close();
    await storage?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const store = (type: 'employee.updated' | 'timeoff_request.approved', id: string) =>
    storage.database.db.transaction((tx) =>
      insertEvents(tx as never, {
        environmentId: tenant.environmentId,
        linkedAccountId: tenant.linkedAccountId,
        events: [{ type, data: { object: { id } } }],
      }),
    );

  it('forwards only new, matching events, signed with the given secret', async () => {
    const [earlier] = await store('employee.updated', 'before');
    const secret = newWebhookSecret();
    listener = startProcess(
      'node',
      [
        '--import',
        'tsx',
        'src/cli/admin.ts',
        'listen',
        '--forward-to',
        `${receiver.url}/local`,
        '--events',
        'employee.*',
        '--secret',
        secret,
        '--api-key',
        tenant.apiKey,
        '--url',
        served.url,
      ],
      { DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    );
    await listener.waitFor(/Forwarding new events/, 60_000);
    const [first] = await store('employee.updated', 'one');
    await store('timeoff_request.approved', 'not-subscribed');
    const [second] = await store('employee.updated', 'two');
    await waitFor(async () => (receiver.requests.length >= 2 ? true : undefined), 'two forwarded events');
    await listener.waitFor(new RegExp(`employee.updated ${second!.id} → 204`));

    const verifier = new Webhook(secret);
    const ids = receiver.requests.map((request) => {
      const payload = verifier.verify(request.body.toString(), request.headers as Record<string, string>) as {
        id: string;
        type: string;
      };
      expect(request.headers['webhook-id']).toBe(payload.id);
      return payload.id;
    });
    expect(ids).toEqual([first!.id, second!.id]);
    expect(ids).not.toContain(earlier!.id);
    expect(receiver.requests.every((request) => request.target === '/local')).toBe(true);
  });
});
