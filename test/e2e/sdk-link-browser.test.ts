/**
 * The SDK's browser helper (`sdk/link.ts`) in real headless Chromium: a developer's page on another origin
 * calls `openLink` from a click, the HR admin links in the popup, and the promise resolves with the linked
 * account id; a popup closed before linking rejects.
 */
import { readFile } from 'node:fs/promises';
import { transform } from 'esbuild';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Chromium, launchChromium } from '../support/chromium';
import {
  createPersonioSandbox,
  createTenant,
  openStorage,
  SANDBOX_CREDENTIALS,
  type Storage,
  type Tenant,
  type TestGateway,
} from '../support/gateway';
import { type HttpGateway, serveGateway, serveHtml } from '../support/http-gateway';

describe('SDK link helper in headless Chromium', () => {
  let storage: Storage;
  let gateway: HttpGateway;
  let developer: { url: string; close(): Promise<void> };
  let tenant: Tenant;
  let context: BrowserContext;
  let browser: Chromium;

  beforeAll(async () => {
    storage = await openStorage('postgres');
    gateway = await serveGateway(storage, createPersonioSandbox({ employees: 10, seed: 2 }));
    tenant = await createTenant({ deps: gateway.deps } as TestGateway);
    // The helper as a browser gets it from a bundler: sdk/link.ts compiled, types stripped (here as a global).
    const helper = (
      await transform(await readFile(new URL('../../sdk/link.ts', import.meta.url), 'utf8'), {
        loader: 'ts',
        format: 'iife',
        globalName: 'RosterLink',
        target: 'es2022',
      })
    ).code;
    developer = await serveHtml(async (path) => {
      if (path !== '/') return undefined;
      const response = await fetch(`${gateway.url}/link-tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          end_user: { origin_id: `sdk-link-${Date.now()}` },
          allowed_origins: [developer.url],
          state: 'session-7',
        }),
      });
      const { url } = ((await response.json()) as { result: { url: string } }).result;
      return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme</title></head><body>
<button id="connect" type="button">Connect</button>
<script>${helper}</script>
<script>
const { openLink } = RosterLink;
document.getElementById('connect').addEventListener('click', () => {
  openLink({ url: ${JSON.stringify(url)}, state: 'session-7' }).then(
    (result) => { document.body.dataset.result = JSON.stringify(result); },
    (error) => { document.body.dataset.error = error.name + ':' + error.reason; },
  );
});
</script></body></html>`;
    });
    browser = await launchChromium();
    context = browser.context;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await developer?.close();
    await gateway?.close();
    await storage?.close();
  });

  it('opens the link page in a popup and resolves with the linked account id', async () => {
    const page = await context.newPage();
    await page.goto(developer.url);
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#connect')]);
    await popup.getByLabel('Client ID').fill(SANDBOX_CREDENTIALS.full.clientId);
    await popup.getByLabel('Client secret').fill(SANDBOX_CREDENTIALS.full.clientSecret);
    await Promise.all([
      popup.waitForNavigation(),
      popup.getByRole('button', { name: 'Check credentials' }).click(),
    ]);
    const closed = popup.waitForEvent('close');
    await popup.getByRole('button', { name: 'Connect' }).click();
    await closed;
    await page.waitForFunction(() => document.body.dataset.result ?? document.body.dataset.error);
    expect(await page.evaluate(() => document.body.dataset.error)).toBeUndefined();
    const result = JSON.parse((await page.evaluate(() => document.body.dataset.result))!) as {
      linkedAccountId: string;
      state: string | null;
    };
    expect(result).toEqual({ linkedAccountId: expect.stringMatching(/^la_/), state: 'session-7' });
    const account = await fetch(`${gateway.url}/linked-accounts/${result.linkedAccountId}`, {
      headers: { authorization: `Bearer ${tenant.apiKey}` },
    });
    expect(account.status).toBe(200);
    await page.close();
  }, 120_000);

  it('rejects when the admin closes the popup without linking', async () => {
    const page = await context.newPage();
    await page.goto(developer.url);
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#connect')]);
    await popup.waitForLoadState('domcontentloaded');
    await popup.close();
    await page.waitForFunction(() => document.body.dataset.error);
    expect(await page.evaluate(() => document.body.dataset.error)).toBe('LinkError:closed');
    await page.close();
  }, 60_000);
});
