import { sql } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client';
import { analyzeIfStale } from '../../src/db/queries/planner-statistics';
import * as schema from '../../src/db/schema';
import { listSyncedBalances } from '../../src/routes/unified/hris/timeoff-balances/synced';
import { createServices } from '../../src/services';
import { json, syncNow } from '../support/change-feed';
import {
  type Backend,
  createPersonioSandbox,
  createTenant,
  openStorage,
  SANDBOX_CREDENTIALS,
  type Storage,
  startGateway,
  type Tenant,
  type TestGateway,
} from '../support/gateway';
import { UNPACED } from '../support/timeoff';
import { waitFor } from '../support/wait';

/** When each synced table was last analyzed explicitly (autovacuum's own runs are `last_autoanalyze`). */
async function lastAnalyzed(db: Database) {
  const rows = await db
    .select({ table: sql<string>`relname`, at: sql<string | null>`last_analyze::text` })
    .from(sql`pg_stat_user_tables`)
    .where(sql`relname in ('synced_records', 'synced_balances')`);
  return Object.fromEntries(rows.map((row) => [row.table, row.at]));
}

/** Planner statistics are what keeps a synced page an index scan that stops after the page. */
describe.each<Backend>(['pglite', 'postgres'])('synced copy statistics (%s)', (backend) => {
  let storage: Storage;
  let gateway: TestGateway;
  let acme: Tenant;

  beforeAll(async () => {
    storage = await openStorage(backend);
    const sandbox = createPersonioSandbox({ employees: 150, seed: 8 });
    const options = { ...UNPACED, builtInSandbox: true };
    const setup = await startGateway(storage, sandbox, undefined, options);
    acme = await createTenant(setup, SANDBOX_CREDENTIALS.full, 'Acme', 'personio-sandbox');
    gateway = await startGateway(storage, sandbox, acme, options);
  }, 120_000);

  afterAll(async () => {
    if (gateway) (await createServices(gateway.deps)).jobs.close();
    await storage?.close();
  });

  it('analyzes the copy after the pass that filled it and the first balances refresh (PGlite: no autovacuum)', async () => {
    const db = storage.database.db;
    expect(await lastAnalyzed(db)).toEqual({ synced_records: null, synced_balances: null });
    await syncNow(gateway, acme);
    await waitFor(
      async () =>
        (await json(gateway, `/linked-accounts/${acme.linkedAccountId}/sync`)).body.result
          .balances_refreshed_at ?? undefined,
      'the first balances refresh',
      120_000,
    );
    if (backend === 'postgres') {
      // Autovacuum keeps PostgreSQL's statistics: sync leaves them to it.
      expect(await analyzeIfStale(db, 'synced_records', 1_000_000)).toBe(false);
      return;
    }
    const analyzed = await lastAnalyzed(db);
    expect(analyzed.synced_records).not.toBeNull();
    expect(analyzed.synced_balances).not.toBeNull();
    // Once analyzed, a pass that changed little leaves it to the next big change (autovacuum's threshold).
    expect(await analyzeIfStale(db, 'synced_records', 3)).toBe(false);
    expect(await analyzeIfStale(db, 'synced_records', 1_000_000)).toBe(true);
  }, 300_000);

  it('reads a page of synced balances in one statement, and walks them as live does', async () => {
    const statements: string[] = [];
    const client = (storage.database.db as unknown as { $client: never }).$client;
    const logged = (backend === 'pglite'
      ? drizzlePglite({ client, schema, logger: { logQuery: (query) => statements.push(query) } })
      : drizzlePostgres({
          client,
          schema,
          logger: { logQuery: (query) => statements.push(query) },
        })) as unknown as Database;
    const account = { id: acme.linkedAccountId, environmentId: acme.environmentId };
    const first = await listSyncedBalances({ db: logged }, account, { limit: 7 }, null);
    const second = await listSyncedBalances({ db: logged }, account, { limit: 7 }, first.next);
    expect(statements).toHaveLength(2);
    expect([...first.items, ...second.items]).toHaveLength(14);

    const walk = async (source: string) => {
      const items: unknown[] = [];
      let cursor: string | null = null;
      do {
        const path = `/unified/hris/timeoff-balances?limit=50&source=${source}`;
        const page = await json(gateway, cursor ? `${path}&cursor=${encodeURIComponent(cursor)}` : path);
        expect(page.status).toBe(200);
        items.push(...page.body.result);
        cursor = page.body.next_cursor;
      } while (cursor);
      return items;
    };
    const live = await walk('live');
    expect(live.length).toBeGreaterThan(150);
    // Live balances have no `used` (Personio v1 does not report it); the copy derives it.
    expect((await walk('synced')).map((balance) => ({ ...(balance as object), used: null }))).toEqual(live);
  }, 300_000);
});
