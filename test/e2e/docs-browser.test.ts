/**
 * The interactive API reference in real headless Chromium with every request off this gateway refused:
 * `/docs` must render the operations from files the gateway serves itself (the pinned `swagger-ui-dist`).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeDocsAssets } from '../../src/runtime/docs-assets';
import { createPersonioSandbox, openStorage, type Storage } from '../support/gateway';
import { type HttpGateway, serveGateway } from '../support/http-gateway';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('/docs in headless Chromium without network', () => {
  let storage: Storage;
  let gateway: HttpGateway;
  let context: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    }
    storage = await openStorage('pglite');
    gateway = await serveGateway(storage, createPersonioSandbox({ employees: 10 }), {
      docsAssets: nodeDocsAssets(),
    });
    profile = await mkdtemp(join(tmpdir(), 'roster-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        // No name resolves: a CDN could not be reached even if a request slipped past the route below.
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      ],
    });
    context.setDefaultTimeout(30_000);
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
    await gateway?.close();
    await storage?.close();
  });

  it('renders every tag and operation from the gateway alone', async () => {
    const refused: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(`${gateway.url}/`)) return route.continue();
      refused.push(url);
      return route.abort('internetdisconnected');
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${gateway.url}/docs`);
    await page.locator('.opblock').first().waitFor();
    const document = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.values(document.paths).reduce(
      (sum, item) => sum + Object.keys(item).filter((key) => key !== 'parameters').length,
      0,
    );
    // Every tag is expanded by default: one block per operation of the document.
    await expect.poll(() => page.locator('.opblock').count()).toBe(operations);
    expect(
      await page
        .locator('.opblock-summary-path')
        .filter({ hasText: /^\/unified\/hris\/employees$/ })
        .count(),
      // One block per method of the path (list and create share it).
    ).toBe(Object.keys(document.paths['/unified/hris/employees'] ?? {}).length);
    expect(refused).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('serves only the two reference files, with a content type and caching', async () => {
    const css = await fetch(`${gateway.url}/docs/assets/swagger-ui-dist/swagger-ui.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(css.headers.get('cache-control')).toContain('max-age');
    const other = await fetch(`${gateway.url}/docs/assets/swagger-ui-dist/package.json`);
    expect(other.status).toBe(404);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('not_found');
    const traversal = await fetch(`${gateway.url}/docs/assets/swagger-ui-dist/..%2F..%2Fpackage.json`);
    expect(traversal.status).toBe(404);
  });
});
