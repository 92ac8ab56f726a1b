import { join } from 'node:path';
import { MemoryCache } from '../../src/cache/memory';
import { parseConfig } from '../../src/config';
import { createSecretBox } from '../../src/crypto/secret-box';
import { connectPglite, connectPostgres } from '../../src/db/connect';
import { createApiKey } from '../../src/db/queries/api-keys';
import { createEnvironment } from '../../src/db/queries/environments';
import { updateLinkedAccountSettings } from '../../src/db/queries/linked-accounts';
import { createServices } from '../../src/services';
import { linkPersonioAccount } from '../../src/services/linking';
import { benchCredentials } from './credentials';

export interface BenchTenant {
  apiKey: string;
  linkedAccountIds: string[];
}

/**
 * One environment, one API key and `accounts` linked accounts (one Personio credential each), made
 * with the same code the admin CLI uses, before the gateway starts. Embedded: the gateway's own
 * PGlite directory, closed again because PGlite admits one process.
 */
export async function seedTenant(input: {
  databaseUrl?: string | undefined;
  dataDir?: string | undefined;
  encryptionKey: string;
  personioBaseUrl: string;
  accounts: number;
}): Promise<BenchTenant> {
  const database = input.databaseUrl
    ? await connectPostgres(input.databaseUrl, { max: 2 })
    : await connectPglite(join(input.dataDir!, 'pglite'));
  const cache = new MemoryCache();
  try {
    const services = await createServices({
      config: parseConfig({
        DATABASE_URL: input.databaseUrl,
        DATA_DIR: input.dataDir,
        ENCRYPTION_KEY: input.encryptionKey,
        PERSONIO_BASE_URL: input.personioBaseUrl,
        SANDBOX: 'false',
        LOG_LEVEL: 'silent',
      }),
      db: database.db,
      cache,
      secretBox: await createSecretBox(input.encryptionKey),
    });
    const environment = await createEnvironment(services.db, { name: 'Benchmarks', mode: 'test' });
    const { secret } = await createApiKey(services.db, {
      environmentId: environment.id,
      mode: 'test',
      name: 'bench',
    });
    const linkedAccountIds: string[] = [];
    for (const [index, credentials] of benchCredentials(input.accounts).entries()) {
      const linkedAccount = await linkPersonioAccount(services, {
        environmentId: environment.id,
        integration: 'personio',
        credentials,
        originId: `bench-customer-${index + 1}`,
      });
      // No scheduled sync passes: a first pass of every account (10 × 10,000 employees, or 100,000 for
      // figure 5) would run in the gateway and the simulator during the figures, which measure what a
      // call costs. Passes have their own bench (bench/change-feed-pass.ts).
      await updateLinkedAccountSettings(services.db, {
        environmentId: environment.id,
        id: linkedAccount.id,
        settings: { sync_enabled: false },
        now: new Date(),
      });
      linkedAccountIds.push(linkedAccount.id);
    }
    return { apiKey: secret, linkedAccountIds };
  } finally {
    await cache.close();
    await database.close();
  }
}
