/**
 * The link page's mapping step in headless Chromium: the environment lets the customer map `work_email`; the
 * HR admin picks Personio's "Business email" attribute (shown with sample values) while linking, the next
 * read reflects it, and a later reconnect link shows the choice again and changes it.
 */
import { mkdir } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import { type Chromium, launchChromium } from '../support/chromium';
import {
  createPersonioSandbox,
  createTenant,
  openStorage,
  SANDBOX_CREDENTIALS,
  type Storage,
  startGateway,
  type Tenant,
} from '../support/gateway';
import { type HttpGateway, serveGateway, serveHtml } from '../support/http-gateway';

const SCREENSHOTS = new URL('../../test-results/link-flow/', import.meta.url).pathname;

describe('link page mapping step in headless Chromium', () => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let gateway: HttpGateway;
  let developer: { url: string; close(): Promise<void> };
  let tenant: Tenant;
  let browser: Chromium;

  async function api(path: string, init: { method?: string; body?: unknown; linkedAccountId?: string } = {}) {
    const response = await fetch(`${gateway.url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${tenant.apiKey}`,
        'content-type': 'application/json',
        ...(init.linkedAccountId ? { 'x-linked-account-id': init.linkedAccountId } : {}),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted on structurally.
    return { status: response.status, body: (await response.json()) as any };
  }

  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    storage = await openStorage('postgres');
    sandbox = createPersonioSandbox({ employees: 20, seed: 4 });
    gateway = await serveGateway(storage, sandbox);
    tenant = await createTenant(await startGateway(storage, sandbox), SANDBOX_CREDENTIALS.full, 'Acme');
    developer = await serveHtml(async (path) =>
      path === '/done' ? '<!doctype html><title>Done</title><p>Connected</p>' : undefined,
    );
    browser = await launchChromium({ viewport: { width: 900, height: 1000 } });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await developer?.close();
    await gateway?.close();
    await storage?.close();
  });

  /** Opens a fresh link, passes the credential step, and returns the review page. */
  async function reviewPage(body: Record<string, unknown>): Promise<Page> {
    const token = await api('/link-tokens', {
      method: 'POST',
      body: { end_user: { origin_id: 'mapping-customer' }, redirect_uri: `${developer.url}/done`, ...body },
    });
    expect(token.status).toBe(201);
    const page = await browser.context.newPage();
    await page.goto(token.body.result.url);
    await page.getByLabel('Client ID').fill(SANDBOX_CREDENTIALS.full.clientId);
    await page.getByLabel('Client secret').fill(SANDBOX_CREDENTIALS.full.clientSecret);
    await page.getByRole('button', { name: 'Check credentials' }).click();
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('Review what can be read');
    return page;
  }

  async function connect(page: Page): Promise<string> {
    await Promise.all([
      page.waitForURL((url) => url.pathname === '/done'),
      page.getByRole('button', { name: /Connect|Save connection/ }).click(),
    ]);
    return new URL(page.url()).searchParams.get('linked_account_id')!;
  }

  it("stores the admin's pick, the next read reflects it, and a reconnect link changes it", async () => {
    const declared = await api('/field-mappings', {
      method: 'PUT',
      body: { mappings: [{ target: 'work_email', remote_field: null, customer_label: 'Work email' }] },
    });
    expect(declared.status).toBe(200);

    const page = await reviewPage({});
    const select = page.getByLabel('Work email');
    const options = await select.locator('option').allInnerTexts();
    expect(options[0]).toBe('Not kept in Personio');
    const business = options.find((option) => option.startsWith('Business email'))!;
    expect(business).toMatch(/\(e\.g\. [^,]+@business\.example-company\.test, /);
    expect(options.some((option) => option.startsWith('Shirt size'))).toBe(true);
    // Standard attributes are filled without mappings; only custom ones are offered.
    expect(options.some((option) => option.startsWith('Email'))).toBe(false);
    await select.selectOption({ label: business });
    await page.screenshot({ path: `${SCREENSHOTS}20-mapping-step.png`, fullPage: true });
    const linkedAccountId = await connect(page);
    expect(linkedAccountId).toMatch(/^la_/);

    const stored = await api(`/linked-accounts/${linkedAccountId}/field-mappings`);
    expect(stored.body.result.mappings).toEqual([{ target: 'work_email', remote_field: 'dynamic_1004' }]);
    const [first] = (await api('/unified/hris/employees?limit=3', { linkedAccountId })).body.result;
    expect(first.work_email).toMatch(/@business\.example-company\.test$/);
    expect(first.work_email).toBe(first.custom_fields.dynamic_1004);

    // Later, through a new (reconnect) link: the pick is shown and can be undone.
    const again = await reviewPage({ linked_account_id: linkedAccountId });
    const reselect = again.getByLabel('Work email');
    expect(await reselect.inputValue()).toBe('dynamic_1004');
    await reselect.selectOption('');
    expect(await connect(again)).toBe(linkedAccountId);
    const [restored] = (await api('/unified/hris/employees?limit=3', { linkedAccountId })).body.result;
    expect(restored.work_email).not.toBe(restored.custom_fields.dynamic_1004);
    expect(restored.work_email).toMatch(/@example-company\.test$/);
  });
});
