import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER } from '../../src/db/connect';
import { createEnvironment } from '../../src/db/queries/environments';
import { createLinkedAccount, getLinkedAccount } from '../../src/db/queries/linked-accounts';
import type { FieldCoverage } from '../../src/db/schema';
import { type Backend, openStorage, type Storage } from '../support/gateway';

const MIGRATION = readFileSync(join(MIGRATIONS_FOLDER, '0004_field_coverage_remote_fields.sql'), 'utf8');

describe.each<Backend>(['pglite', 'postgres'])('migration 0004: stored field coverage (%s)', (backend) => {
  let storage: Storage;

  beforeAll(async () => {
    storage = await openStorage(backend);
  });

  afterAll(async () => {
    await storage?.close();
  });

  it('renames personio_attributes to remote_fields in order, and leaves new or empty coverage as it is', async () => {
    const { db } = storage.database;
    const environment = await createEnvironment(db, { name: 'Old', mode: 'test' });
    const account = (fieldCoverage: unknown) =>
      createLinkedAccount(db, {
        environmentId: environment.id,
        integration: 'personio',
        originId: 'old-customer',
        encryptedCredentials: 'sealed',
        credentialsKeyId: 'k1',
        fieldCoverage: fieldCoverage as FieldCoverage | null,
      });
    // As an earlier version stored it.
    const old = await account({
      checked_at: '2026-01-01T00:00:00.000Z',
      available: ['first_name'],
      unavailable: [
        { field: 'job_title', personio_attributes: ['position'] },
        { field: 'display_name', personio_attributes: ['first_name', 'last_name'] },
        { field: 'manager', personio_attributes: ['supervisor'] },
      ],
    });
    const current = await account({
      checked_at: '2026-01-01T00:00:00.000Z',
      available: [],
      unavailable: [{ field: 'gender', remote_fields: ['gender'] }],
    });
    const none = await account(null);

    for (const statement of MIGRATION.split('--> statement-breakpoint')) await db.execute(sql.raw(statement));

    const read = async (id: string) =>
      (await getLinkedAccount(db, { environmentId: environment.id, id }))!.fieldCoverage;
    expect(await read(old.id)).toEqual({
      checked_at: '2026-01-01T00:00:00.000Z',
      available: ['first_name'],
      unavailable: [
        { field: 'job_title', remote_fields: ['position'] },
        { field: 'display_name', remote_fields: ['first_name', 'last_name'] },
        { field: 'manager', remote_fields: ['supervisor'] },
      ],
    });
    expect(await read(current.id)).toEqual(current.fieldCoverage);
    expect(await read(none.id)).toBeNull();
  });
});
