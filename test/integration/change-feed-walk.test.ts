import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recentSyncPasses } from '../../src/db/queries/sync';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import { createServices } from '../../src/services';
import { syncRunnerDeps } from '../../src/sync/deps';
import { runSyncJob } from '../../src/sync/run';
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

interface EventBody {
  id: string;
  type: string;
  data: { object: { id: string } };
}

/**
 * Personio pages by offset: when records are deleted while a pass walks, the ones after them move up a
 * page and the walk does not see them. Such records must not be reported deleted.
 */
describe.each<Backend>(['pglite', 'postgres'])(
  'a full pass while Personio changes under it (%s)',
  (backend) => {
    let storage: Storage;
    let sandbox: PersonioSandbox;
    let gateway: TestGateway;
    let tenant: Tenant;
    /** Runs once, after the first time-offs page of the walk has been answered. */
    let duringWalk: (() => void) | null = null;

    beforeAll(async () => {
      storage = await openStorage(backend);
      sandbox = createPersonioSandbox({ employees: 200, seed: 4 });
      const fetch = async (request: Request) => {
        const response = await sandbox.fetch(request);
        const url = new URL(request.url);
        if (
          duringWalk &&
          url.pathname === '/v1/company/time-offs' &&
          (url.searchParams.get('offset') ?? '0') === '0'
        ) {
          const change = duringWalk;
          duringWalk = null;
          change();
        }
        return response;
      };
      const setup = await startGateway(storage, sandbox, undefined, { ...UNPACED, fetch });
      tenant = await createTenant(setup);
      gateway = await startGateway(storage, sandbox, tenant, { ...UNPACED, fetch });
      // A window wide enough that every seeded absence is in it, so a skipped one would count.
      const patched = await gateway.request(`/linked-accounts/${tenant.linkedAccountId}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ settings: { sync_window_days_back: 3650, sync_window_days_ahead: 3650 } }),
      });
      expect(patched.status).toBe(200);
    });

    afterAll(async () => {
      await storage?.close();
    });

    const pass = async () => {
      const ref = { environmentId: tenant.environmentId, linkedAccountId: tenant.linkedAccountId };
      expect(
        await runSyncJob(syncRunnerDeps(await createServices(gateway.deps)), { ...ref, trigger: 'manual' }),
      ).toBe('ran');
      return (await recentSyncPasses(storage.database.db, ref, 1))[0]!;
    };

    async function events(): Promise<EventBody[]> {
      const response = await gateway.request('/events?limit=200&type=timeoff_request.*');
      return ((await response.json()) as { result: EventBody[] }).result;
    }

    it('reports exactly the deleted absences, and none of those the shifted pages hid', async () => {
      expect((await pass()).initial).toBe(true);
      const listed = await gateway.request('/unified/hris/timeoff-requests?limit=5&end_date=2099-12-31');
      const first = ((await listed.json()) as { result: { id: string }[] }).result
        .slice(0, 3)
        .map((r) => r.id);
      expect(first).toHaveLength(3);
      duringWalk = () => {
        for (const id of first) expect(sandbox.changes.deleteAbsence(id)).toBe(true);
      };
      const second = await pass();
      expect(duringWalk).toBeNull();
      expect(second.status).toBe('completed');
      // The walk saw the first page before the deletions, so these three are found only by the next pass.
      expect((await events()).map((event) => `${event.type} ${event.data.object.id}`)).toEqual([]);
      const third = await pass();
      expect(third.counts.deleted).toBe(3);
      expect((await events()).map((event) => `${event.type} ${event.data.object.id}`).sort()).toEqual(
        first.map((id) => `timeoff_request.deleted ${id}`).sort(),
      );
    });
  },
);
