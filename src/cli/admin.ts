import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, parseConfig } from '../config';
import { base64url } from '../crypto/encoding';
import { randomBytes } from '../crypto/random';
import { createApiKey, listApiKeys, revokeApiKey } from '../db/queries/api-keys';
import { createEnvironment, getEnvironment, listEnvironments } from '../db/queries/environments';
import { listLinkedAccounts, updateLinkedAccountSettings } from '../db/queries/linked-accounts';
import { type ApiKey, type Environment, INTEGRATIONS, type Integration } from '../db/schema';
import { ApiError } from '../errors';
import { createLogger } from '../lib/logger';
import { toLinkedAccountResource } from '../models/linked-account';
import { DataDirLockedError } from '../runtime/data-dir-lock';
import { createNodeRuntime } from '../runtime/node-runtime';
import { createServices } from '../services';
import { linkPersonioAccount } from '../services/linking';
import { forwardEvents } from '../webhooks/forwarder';
import { newWebhookSecret } from '../webhooks/signing';

const USAGE = `Usage: npm run admin -- <command> [options]

Commands:
  generate-key                         print a new ENCRYPTION_KEY
  migrate                              apply database migrations
  create-environment --name N [--mode test|live]
  list-environments
  create-api-key --environment env_… [--name N]      prints the key once
  list-api-keys --environment env_…
  revoke-api-key --environment env_… --id key_…
  link-account --environment env_… --origin-id ID --client-id ID
               (--client-secret-stdin | env PERSONIO_CLIENT_SECRET)
               [--organization-name N] [--email E] [--integration personio|personio-sandbox]
  list-linked-accounts --environment env_…
  update-linked-account --environment env_… --id la_… --hide-absence-details true|false
  sandbox-action --action hire_employee|update_employee|terminate_employee|create_timeoff|
                 approve_timeoff|decline_timeoff|cancel_timeoff|delete_timeoff [--set field=value …]
                 [--linked-account la_…] [--api-key sk_…] [--url http://127.0.0.1:8080]
               changes the running gateway's Personio sandbox (POST /sandbox/actions); defaults to the
               embedded sandbox account in DATA_DIR/sandbox.json and PUBLIC_URL
  listen --forward-to http://127.0.0.1:3000/webhooks [--events employee.*,…] [--secret whsec_…]
         [--api-key sk_…] [--url http://127.0.0.1:8080]
               forwards the environment's new events to a local URL while it runs, signed like webhook
               deliveries (with --secret, or a secret it prints); reads the running gateway's GET /events

Configuration comes from the same environment variables as the gateway (DATABASE_URL, ENCRYPTION_KEY, …).
In embedded mode (no DATABASE_URL) the CLI refuses to run while a gateway holds DATA_DIR (PGlite allows one
process at a time): stop the gateway first, or use its HTTP API. Output is JSON in the API's snake_case.`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: 'string' },
    mode: { type: 'string' },
    environment: { type: 'string' },
    id: { type: 'string' },
    'origin-id': { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret-stdin': { type: 'boolean' },
    'organization-name': { type: 'string' },
    email: { type: 'string' },
    integration: { type: 'string' },
    'hide-absence-details': { type: 'string' },
    action: { type: 'string' },
    set: { type: 'string', multiple: true },
    'linked-account': { type: 'string' },
    'api-key': { type: 'string' },
    url: { type: 'string' },
    'forward-to': { type: 'string' },
    events: { type: 'string' },
    secret: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

class UsageError extends Error {}

function required(name: keyof typeof values): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

function print(value: unknown) {
  console.log(JSON.stringify(value, null, 2));
}

/** Records as the API would name them (snake_case), never a stored secret or hash. */
function environmentOutput(environment: Environment) {
  return {
    id: environment.id,
    name: environment.name,
    mode: environment.mode,
    created_at: environment.createdAt.toISOString(),
  };
}

function apiKeyOutput(
  apiKey: Pick<ApiKey, 'id' | 'name' | 'prefix' | 'createdAt' | 'lastUsedAt' | 'revokedAt'>,
) {
  return {
    id: apiKey.id,
    name: apiKey.name,
    prefix: apiKey.prefix,
    created_at: apiKey.createdAt.toISOString(),
    last_used_at: apiKey.lastUsedAt?.toISOString() ?? null,
    revoked_at: apiKey.revokedAt?.toISOString() ?? null,
  };
}

async function main() {
  const command = positionals[0];
  if (!command || values.help) {
    console.log(USAGE);
    return;
  }
  if (command === 'generate-key') {
    console.log(base64url.encode(randomBytes(32)));
    return;
  }
  const config = parseConfig(process.env);
  if (command === 'sandbox-action') {
    // Talks to the running gateway over HTTP: no database, so no data directory lock either.
    await sandboxAction(config);
    return;
  }
  if (command === 'listen') {
    await listen(config);
    return;
  }
  const runtime = await createNodeRuntime(config, { logger: createLogger('warn'), role: 'admin CLI' });
  const services = await createServices(runtime.deps);
  const db = services.db;
  try {
    switch (command) {
      case 'migrate':
        console.log('migrations applied');
        break;
      case 'create-environment': {
        const mode = values.mode ?? 'test';
        if (mode !== 'test' && mode !== 'live') throw new UsageError('--mode must be test or live');
        print(environmentOutput(await createEnvironment(db, { name: required('name'), mode })));
        break;
      }
      case 'list-environments':
        print((await listEnvironments(db)).map(environmentOutput));
        break;
      case 'create-api-key': {
        const environment = await getEnvironment(db, required('environment'));
        if (!environment) throw new UsageError(`no environment ${values.environment}`);
        const { apiKey, secret } = await createApiKey(db, {
          environmentId: environment.id,
          mode: environment.mode,
          name: values.name ?? 'default',
        });
        print({ ...apiKeyOutput(apiKey), environment_id: environment.id, api_key: secret });
        console.error('Store the api_key now: only its hash is kept.');
        break;
      }
      case 'list-api-keys':
        print((await listApiKeys(db, { environmentId: required('environment') })).map(apiKeyOutput));
        break;
      case 'revoke-api-key':
        print({
          revoked: await revokeApiKey(db, {
            environmentId: required('environment'),
            id: required('id'),
            now: new Date(),
          }),
        });
        break;
      case 'link-account': {
        const environment = await getEnvironment(db, required('environment'));
        if (!environment) throw new UsageError(`no environment ${values.environment}`);
        const integration = (values.integration ?? 'personio') as Integration;
        // The CLI links Personio credentials (client id and secret); other providers link through the link page.
        if (!(INTEGRATIONS as readonly string[]).includes(integration))
          throw new UsageError(`--integration must be ${INTEGRATIONS.join(' or ')}`);
        const clientSecret = values['client-secret-stdin']
          ? readFileSync(0, 'utf8').trim()
          : (process.env.PERSONIO_CLIENT_SECRET ?? '');
        if (!clientSecret)
          throw new UsageError(
            'pass the client secret on stdin (--client-secret-stdin) or PERSONIO_CLIENT_SECRET',
          );
        const linkedAccount = await linkPersonioAccount(services, {
          environmentId: environment.id,
          integration,
          credentials: { clientId: required('client-id'), clientSecret },
          originId: required('origin-id'),
          organizationName: values['organization-name'] ?? null,
          email: values.email ?? null,
        });
        print(toLinkedAccountResource(linkedAccount));
        break;
      }
      case 'list-linked-accounts': {
        const accounts = await listLinkedAccounts(db, { environmentId: required('environment') });
        print(accounts.map(toLinkedAccountResource));
        break;
      }
      case 'update-linked-account': {
        const flag = required('hide-absence-details');
        if (flag !== 'true' && flag !== 'false')
          throw new UsageError('--hide-absence-details must be true or false');
        const updated = await updateLinkedAccountSettings(db, {
          environmentId: required('environment'),
          id: required('id'),
          settings: { hide_absence_details: flag === 'true' },
          now: new Date(),
        });
        if (!updated) throw new UsageError(`no linked account ${values.id} in that environment`);
        print(toLinkedAccountResource(updated));
        break;
      }
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } finally {
    await runtime.close();
  }
}

/** The gateway and key the HTTP commands talk to: flags, else the embedded sandbox's seed and PUBLIC_URL. */
function gatewayAccess(config: ReturnType<typeof parseConfig>) {
  let seed: { api_key?: string; linked_account_id?: string } = {};
  try {
    seed = JSON.parse(readFileSync(join(config.dataDir, 'sandbox.json'), 'utf8'));
  } catch {
    // No embedded sandbox seed: the flags are then required.
  }
  return {
    apiKey: values['api-key'] ?? seed.api_key,
    linkedAccountId: values['linked-account'] ?? seed.linked_account_id,
    url: (values.url ?? config.publicUrl).replace(/\/$/, ''),
  };
}

/** `stripe listen --forward-to` for Roster: runs until interrupted. */
async function listen(config: ReturnType<typeof parseConfig>) {
  const forwardTo = required('forward-to');
  if (!/^https?:\/\//.test(forwardTo)) throw new UsageError('--forward-to must be an http(s) URL');
  const { apiKey, url } = gatewayAccess(config);
  if (!apiKey) throw new UsageError('--api-key is required (no DATA_DIR/sandbox.json found)');
  const secret = values.secret ?? newWebhookSecret();
  if (!/^whsec_[A-Za-z0-9+/=]+$/.test(secret)) throw new UsageError('--secret must be a whsec_… secret');
  const stop = new AbortController();
  process.on('SIGINT', () => stop.abort());
  process.on('SIGTERM', () => stop.abort());
  await forwardEvents({
    gatewayUrl: url,
    apiKey,
    forwardTo,
    secret,
    types: values.events,
    signal: stop.signal,
    log: (line) => console.log(line),
    onReady: () =>
      console.log(
        `Forwarding new events of ${url} to ${forwardTo}, signed with ${values.secret ? 'the given secret' : secret} (Ctrl-C stops).`,
      ),
  });
}

/** Fields sent as numbers; every other `--set` value is a string (employee ids included). */
const NUMERIC_FIELDS = new Set(['weekly_working_hours']);

/**
 * The sandbox lives inside the gateway process, so this command asks the running gateway over HTTP,
 * exactly as a developer's code would.
 */
async function sandboxAction(config: ReturnType<typeof parseConfig>) {
  const action = required('action');
  const { apiKey, linkedAccountId, url } = gatewayAccess(config);
  if (!apiKey || !linkedAccountId) {
    throw new UsageError('--api-key and --linked-account are required (no DATA_DIR/sandbox.json found)');
  }
  const body: Record<string, unknown> = { linked_account_id: linkedAccountId, action };
  for (const assignment of values.set ?? []) {
    const match = /^([a-z_]+)=(.*)$/s.exec(assignment);
    if (!match) throw new UsageError(`--set takes field=value, not ${assignment}`);
    const [, field, value] = match as unknown as [string, string, string];
    body[field] = NUMERIC_FIELDS.has(field) ? Number(value) : value;
  }
  const response = await fetch(`${url}/sandbox/actions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  print(await response.json());
  if (!response.ok) process.exitCode = 1;
}

main().catch((error) => {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exit(64);
  }
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78);
  }
  if (error instanceof DataDirLockedError) {
    console.error(error.message);
    // EX_TEMPFAIL: nothing was written; the same command works once the data directory is free.
    process.exit(75);
  }
  if (error instanceof ApiError) {
    console.error(
      `${error.code}: ${error.message}${error.details ? ` ${JSON.stringify(error.details)}` : ''}`,
    );
    process.exit(1);
  }
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
