import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Services } from '../context';
import { createApiKey } from '../db/queries/api-keys';
import { createEnvironment } from '../db/queries/environments';
import { getLinkedAccount } from '../db/queries/linked-accounts';
import { SANDBOX_CREDENTIALS } from '../sandbox/personio';
import { linkPersonioAccount } from '../services/linking';

export interface SandboxSeed {
  environment_id: string;
  api_key: string;
  linked_account_id: string;
}

/**
 * On the first embedded start: a `test` environment, an API key and a linked account on the
 * built-in Personio sandbox, so a first curl works without a Personio account. The key is kept
 * in DATA_DIR/sandbox.json (beside the embedded encryption key) so every start can print it.
 */
export async function ensureSandboxSeed(services: Services, dataDir: string): Promise<SandboxSeed> {
  const path = join(dataDir, 'sandbox.json');
  if (existsSync(path)) {
    const seed = JSON.parse(await readFile(path, 'utf8')) as SandboxSeed;
    const linked = await getLinkedAccount(services.db, {
      environmentId: seed.environment_id,
      id: seed.linked_account_id,
    });
    if (linked) return seed;
  }
  const environment = await createEnvironment(services.db, { name: 'Sandbox', mode: 'test' });
  const { secret } = await createApiKey(services.db, {
    environmentId: environment.id,
    mode: 'test',
    name: 'sandbox',
  });
  const linkedAccount = await linkPersonioAccount(services, {
    environmentId: environment.id,
    integration: 'personio-sandbox',
    credentials: {
      clientId: SANDBOX_CREDENTIALS.full.clientId,
      clientSecret: SANDBOX_CREDENTIALS.full.clientSecret,
    },
    originId: 'sandbox-customer',
    organizationName: 'Sandbox Company',
  });
  const seed: SandboxSeed = {
    environment_id: environment.id,
    api_key: secret,
    linked_account_id: linkedAccount.id,
  };
  await writeFile(path, `${JSON.stringify(seed, null, 2)}\n`, { mode: 0o600 });
  return seed;
}
