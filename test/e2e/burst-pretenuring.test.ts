import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type RunningProcess, startProcess } from '../support/processes';

const BURST = 600;

/**
 * A burst of concurrent connections must not change how the gateway allocates afterwards. V8 pretenures
 * an allocation site whose objects survive young collections (as every request's do while hundreds are
 * in flight) and keeps that decision: request objects then go straight to the old generation, and every
 * later call costs more (full collections). The gateway turns allocation-site pretenuring off at start;
 * V8's own statistics trace (`--trace-pretenuring-statistics`) shows whether any site was pretenured.
 */
describe('the gateway after a burst of concurrent connections', { timeout: 240_000 }, () => {
  let dataDir: string;
  let gateway: RunningProcess;
  let url: string;
  let apiKey: string;
  let linkedAccountId: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'roster-burst-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    // Embedded with the built-in sandbox: a linked account and a key without any set-up.
    gateway = startProcess(
      process.execPath,
      ['--trace-pretenuring-statistics', '--import', 'tsx', 'src/node.ts'],
      {
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        SANDBOX_EMPLOYEES: '100',
        // The burst is about the gateway, not Personio's pacing (5/s would answer most of it 429).
        UPSTREAM_RATE_LIMIT_PER_SECOND: '1000',
        UPSTREAM_RATE_LIMIT_BURST: '1000',
      },
    );
    await gateway.waitFor(/Ready in \d+ ms/, 180_000);
    apiKey = (await gateway.waitFor(/Sandbox API key:\s+(\S+)/))[1]!;
    linkedAccountId = (await gateway.waitFor(/Sandbox linked account id:\s+(\S+)/))[1]!;
  });

  afterAll(async () => {
    await gateway?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it(`answers ${BURST} concurrent connections, and no allocation site is pretenured`, async () => {
    // Each request on its own connection, all at once, as figure 4 of the bench sends them.
    const dispatcher = new Agent({ connections: null, pipelining: 1, connectTimeout: 60_000 });
    try {
      const statuses = await Promise.all(
        Array.from({ length: BURST }, async () => {
          const response = await request(`${url}/unified/hris/employees?limit=50`, {
            headers: { authorization: `Bearer ${apiKey}`, 'x-linked-account-id': linkedAccountId },
            dispatcher,
            headersTimeout: 120_000,
            bodyTimeout: 120_000,
          });
          await response.body.dump();
          return response.statusCode;
        }),
      );
      expect(statuses.filter((status) => status !== 200)).toEqual([]);
    } finally {
      await dispatcher.close();
    }
    // Served again after the burst, sequentially: the objects of ordinary calls are what would be pretenured.
    for (let call = 0; call < 50; call++) {
      const response = await request(`${url}/unified/hris/employees?limit=50`, {
        headers: { authorization: `Bearer ${apiKey}`, 'x-linked-account-id': linkedAccountId },
      });
      await response.body.dump();
      expect(response.statusCode).toBe(200);
    }
    // What was decided while the process served (package code loaded before the gateway's own is not at issue).
    const serving = gateway.output().slice(gateway.output().search(/Ready in \d+ ms/));
    const decisions = serving.match(/^.*pretenuring: .*=> tenure.*$/gm) ?? [];
    expect(decisions).toEqual([]);
  });
});
