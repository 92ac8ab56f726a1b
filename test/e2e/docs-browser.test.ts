import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeDocsAssets } from '../../src/runtime/docs-assets';
import { type Chromium, launchChromium } from '../support/chromium';
import { createPersonioSandbox, openStorage, type Storage } from '../support/gateway';
import { type HttpGateway, serveGateway } from '../support/http-gateway';

describe('/docs in headless Chromium without network', () => {
  let storage: Storage;
  let gateway: HttpGateway;
  let context: BrowserContext;
  let browser: Chromium;

  beforeAll(async () => {
    storage = await openStorage('pglite');
    gateway = await serveGateway(storage, createPersonioSandbox({ employees: 10 }), {
      docsAssets: nodeDocsAssets(),
    });
    browser = await launchChromium({
      // No name resolves: a CDN could not be reached even if a request slipped past the route below.
      args: ['--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
      timeoutMs: 30_000,
    });
    context = browser.context;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
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
