import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_FILE, type LockHolder } from '../../src/runtime/data-dir-lock';
import { createPersonioSandbox, type PersonioSandbox, SANDBOX_CREDENTIALS } from '../../src/sandbox/personio';
import { type LoopbackServer, serveFetch } from '../support/http-servers';
import { freePort, type RunningProcess, startProcess } from '../support/processes';

/**
 * Embedded mode as a user runs it: `npm start` on a data directory, the admin CLI beside it, and the
 * gateway stopped with a signal. PGlite admits one process per data directory, so the gateway holds a lock
 * the CLI respects, and a stopped gateway must release it and leave no process behind.
 */
describe('the embedded gateway and the admin CLI on one data directory', { timeout: 240_000 }, () => {
  let dataDir: string;
  let sandbox: PersonioSandbox;
  let personio: LoopbackServer;
  const started: RunningProcess[] = [];
  let environmentId: string;
  let apiKey: string;
  let linkedAccountId: string;

  const env = () => ({
    DATA_DIR: dataDir,
    PERSONIO_BASE_URL: `${personio.url}/v1`,
    LOG_LEVEL: 'warn',
  });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'roster-lifecycle-'));
    sandbox = createPersonioSandbox({ employees: 20, seed: 11 });
    personio = await serveFetch(sandbox.fetch);
    // A customer on the simulator served here (so the test controls its latency), set up with the CLI.
    environmentId = (await admin(['create-environment', '--name', 'Acme'])).json.id as string;
    apiKey = (await admin(['create-api-key', '--environment', environmentId])).json.api_key as string;
    const linked = await admin(
      [
        'link-account',
        '--environment',
        environmentId,
        '--origin-id',
        'acme',
        '--client-id',
        SANDBOX_CREDENTIALS.full.clientId,
        '--client-secret-stdin',
      ],
      SANDBOX_CREDENTIALS.full.clientSecret,
    );
    linkedAccountId = linked.json.id as string;
    expect(linked.json).toMatchObject({ status: 'active', end_user: { origin_id: 'acme' } });
  });

  afterAll(async () => {
    await Promise.all(started.map((gateway) => gateway.stop()));
    await personio?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** `npm run admin -- …` as a user types it. */
  async function admin(args: string[], stdin?: string) {
    const child = spawn('npm', ['run', 'admin', '--silent', '--', ...args], {
      env: { ...process.env, ...env() },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.stdin.end(stdin ?? '');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(stdout);
    } catch {
      // refusals print no JSON
    }
    if (code === 0 && Object.keys(json).length === 0) throw new Error(`no JSON from ${args[0]}: ${stdout}`);
    return { code, stdout, stderr, json };
  }

  async function start(command: 'npm' | 'node') {
    const port = await freePort();
    const gateway =
      command === 'npm'
        ? startProcess('npm', ['start', '--silent'], { ...env(), PORT: String(port) })
        : startProcess(process.execPath, ['--import', 'tsx', 'src/node.ts'], {
            ...env(),
            PORT: String(port),
          });
    started.push(gateway);
    await gateway.waitFor(/Ready in \d+ ms/, 90_000);
    return { gateway, url: `http://127.0.0.1:${port}` };
  }

  const lockHolder = async () => JSON.parse(await readFile(join(dataDir, LOCK_FILE), 'utf8')) as LockHolder;

  const call = (url: string, path: string, key = apiKey) =>
    fetch(`${url}${path}`, {
      headers: { authorization: `Bearer ${key}`, 'x-linked-account-id': linkedAccountId },
    });

  /** Starts a request Personio answers slowly, and resolves once it has reached Personio. */
  async function slowRequestInFlight(url: string) {
    sandbox.setFaults({ latencyMs: 3000, methods: ['GET'] });
    const arrived = sandbox.stats.byRoute['GET /v1/company/employees'] ?? 0;
    const response = call(url, '/unified/hris/employees?limit=3');
    await until(
      () => (sandbox.stats.byRoute['GET /v1/company/employees'] ?? 0) > arrived,
      'request in flight',
    );
    return response;
  }

  it('refuses the CLI while `npm start` holds the data directory, naming the gateway PID', async () => {
    const { gateway, url } = await start('npm');
    try {
      const holder = await lockHolder();
      expect(holder.role).toBe('gateway');
      expect(processTree(gateway.child.pid!)).toContain(holder.pid);

      const hide = await admin([
        'update-linked-account',
        '--environment',
        environmentId,
        '--id',
        linkedAccountId,
        '--hide-absence-details',
        'true',
      ]);
      expect(hide.code).toBe(75);
      expect(hide.stderr).toContain(`PID ${holder.pid}`);
      expect(hide.stderr).toContain('Stop that process first');
      expect(hide.stdout).toBe('');
      const key = await admin(['create-api-key', '--environment', environmentId]);
      expect(key.code).toBe(75);
      expect(key.stdout).not.toMatch(/sk_test_/);

      const account = await call(url, `/linked-accounts/${linkedAccountId}`);
      expect(((await account.json()) as { result: { settings: unknown } }).result.settings).toMatchObject({
        hide_absence_details: false,
      });
    } finally {
      await gateway.stop();
    }
  });

  it('stops the whole `npm start` tree on SIGTERM to npm: drains, releases the lock, exits 0', async () => {
    const { gateway, url } = await start('npm');
    const npmPid = gateway.child.pid!;
    const tree = processTree(npmPid);
    expect(tree.length).toBeGreaterThan(1);
    const inFlight = await slowRequestInFlight(url);

    process.kill(npmPid, 'SIGTERM');
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(((await response.json()) as { result: unknown[] }).result).toHaveLength(3);
    expect(await gateway.exited).toBe(0);
    expect(gateway.output()).not.toContain('cut off');
    await until(() => tree.every((pid) => !running(pid)), `every process of ${tree.join(', ')} gone`);
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
    sandbox.setFaults({});

    // With the gateway stopped the CLI writes, and the next gateway sees what it wrote.
    const hide = await admin([
      'update-linked-account',
      '--environment',
      environmentId,
      '--id',
      linkedAccountId,
      '--hide-absence-details',
      'true',
    ]);
    expect(hide.code, hide.stderr).toBe(0);
    expect(hide.json).toMatchObject({ id: linkedAccountId, settings: { hide_absence_details: true } });
    const created = await admin(['create-api-key', '--environment', environmentId, '--name', 'second']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.json).toMatchObject({ name: 'second', environment_id: environmentId });
    expect(created.json.api_key).toMatch(/^sk_test_/);

    const restarted = await start('node');
    try {
      const account = await call(
        restarted.url,
        `/linked-accounts/${linkedAccountId}`,
        created.json.api_key as string,
      );
      expect(account.status).toBe(200);
      expect(((await account.json()) as { result: { settings: unknown } }).result.settings).toMatchObject({
        hide_absence_details: true,
      });
    } finally {
      await restarted.gateway.stop();
    }
  });

  it('stops a standalone `node src/node.ts` on SIGINT the same way', async () => {
    const { gateway, url } = await start('node');
    const pid = gateway.child.pid!;
    expect((await lockHolder()).pid).toBe(pid);
    const inFlight = await slowRequestInFlight(url);

    process.kill(pid, 'SIGINT');
    expect((await inFlight).status).toBe(200);
    expect(await gateway.exited).toBe(0);
    expect(gateway.output()).not.toContain('cut off');
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
    sandbox.setFaults({});
  });

  it('takes over the lock of a gateway that was killed, and of a PID now used by another process', async () => {
    const { gateway } = await start('node');
    process.kill(gateway.child.pid!, 'SIGKILL');
    await gateway.exited;
    expect((await lockHolder()).pid).toBe(gateway.child.pid);

    const next = await start('node');
    expect((await lockHolder()).pid).toBe(next.gateway.child.pid);
    await next.gateway.stop();

    // A lock naming a live process that is not the one that took it (the PID was reused): taken over too.
    const reused: LockHolder = {
      pid: process.pid,
      process_start: '1',
      role: 'gateway',
      started_at: new Date(0).toISOString(),
      token: 'stale',
    };
    await writeFile(join(dataDir, LOCK_FILE), JSON.stringify(reused));
    const hide = await admin([
      'update-linked-account',
      '--environment',
      environmentId,
      '--id',
      linkedAccountId,
      '--hide-absence-details',
      'false',
    ]);
    expect(hide.code, hide.stderr).toBe(0);
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
  });
});

/** The PIDs of a process and all its descendants (Linux /proc). */
function processTree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // ended meanwhile
    }
  }
  const tree = [root];
  for (let index = 0; index < tree.length; index++) {
    for (const [pid, parent] of parents) if (parent === tree[index]) tree.push(pid);
  }
  return tree;
}

/** Alive, not a zombie waiting to be reaped by whoever inherited it. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
