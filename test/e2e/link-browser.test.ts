/**
 * The hosted link flow in real headless Chromium (Debian's `chromium`, driven by playwright-core): a
 * developer's page on another origin opens the link page in a popup or an iframe, the HR admin fills the
 * form against the Personio simulator, reviews coverage, confirms, and the developer's page receives the
 * linked account id by postMessage. Screenshots of every step land in test-results/link-flow/.
 */
import { mkdir } from 'node:fs/promises';
import type { BrowserContext, Page } from 'playwright-core';
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
const PHONE = { width: 390, height: 844 };

interface ReceivedMessage {
  origin: string;
  data: { type: string; linked_account_id: string; state: string | null };
}

/** The developer's page: opens the link in a popup (or frames it) and listens for the result. */
function developerPage(input: { linkUrl: string; gatewayOrigin: string; mode: 'popup' | 'iframe' }): string {
  const opener =
    input.mode === 'popup'
      ? `<button id="connect" type="button">Connect Personio</button>`
      : `<iframe id="roster" title="Connect Personio" src="${input.linkUrl}" width="420" height="760"></iframe>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme HR sync</title>
<style>body{font:16px system-ui;margin:2rem}iframe{border:1px solid #ccc;border-radius:8px}#result{font-weight:600}</style></head>
<body><h1>Acme HR sync</h1>${opener}<p>Linked account: <span id="result">none yet</span></p>
<script>
window.received = [];
const linkUrl = ${JSON.stringify(input.linkUrl)};
const gatewayOrigin = ${JSON.stringify(input.gatewayOrigin)};
document.getElementById('connect')?.addEventListener('click', () => {
  window.open(linkUrl, 'roster-link', 'popup,width=420,height=760');
});
window.addEventListener('message', (event) => {
  window.received.push({ origin: event.origin, data: event.data });
  if (event.origin !== gatewayOrigin || event.data?.type !== 'roster:linked') return;
  document.getElementById('result').textContent = event.data.linked_account_id;
  document.body.dataset.linked = event.data.linked_account_id;
});
</script></body></html>`;
}

describe('link flow in headless Chromium', () => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let gateway: HttpGateway;
  let developer: { url: string; close(): Promise<void> };
  let tenant: Tenant;
  let context: BrowserContext;
  let browser: Chromium;
  const issued: { linkUrl: string; allowedOrigins: string[] }[] = [];

  async function linkToken(body: Record<string, unknown>): Promise<{ url: string; link_token: string }> {
    const response = await fetch(`${gateway.url}/link-tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { result: { url: string; link_token: string } }).result;
  }

  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    storage = await openStorage('postgres');
    sandbox = createPersonioSandbox({ employees: 40, seed: 9 });
    gateway = await serveGateway(storage, sandbox);
    tenant = await createTenant(await startGateway(storage, sandbox), SANDBOX_CREDENTIALS.full, 'Acme');
    // The developer's backend asks for a link token when its page is requested, as a real app would.
    developer = await serveHtml(async (path) => {
      const mode = path === '/popup' ? 'popup' : path.startsWith('/iframe') ? 'iframe' : undefined;
      if (!mode) return undefined;
      const allowedOrigins = path === '/iframe-not-allowed' ? ['https://app.example.com'] : [developer.url];
      const { url } = await linkToken({
        end_user: { origin_id: `browser-${path.slice(1)}`, organization_name: 'Acme GmbH' },
        allowed_origins: allowedOrigins,
        state: `state-${path.slice(1)}`,
      });
      issued.push({ linkUrl: url, allowedOrigins });
      return developerPage({ linkUrl: url, gatewayOrigin: gateway.url, mode });
    });
    browser = await launchChromium({ viewport: { width: 1100, height: 900 } });
    context = browser.context;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await developer?.close();
    await gateway?.close();
    await storage?.close();
  });

  /** Console errors (CSP or Trusted Types violations among them) and uncaught script errors of a page. */
  function watchErrors(page: Page): string[] {
    const errors: string[] = [];
    page.on('console', (message) => {
      // The wrong-credentials answer is a 422 on purpose; anything else (a CSP report among them) is not.
      if (message.type() === 'error' && !/status of 422/.test(message.text())) errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    return errors;
  }

  async function expectPhoneFriendly(page: Page) {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  }

  it('popup: form, wrong credentials, coverage, confirm, postMessage to the opener; then employees', async () => {
    const page = await context.newPage();
    await page.goto(`${developer.url}/popup`);
    await page.screenshot({ path: `${SCREENSHOTS}00-developer-page.png` });

    const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#connect')]);
    const errors = watchErrors(popup);
    await popup.setViewportSize(PHONE);
    await popup.waitForLoadState('domcontentloaded');
    await expect.poll(() => popup.evaluate(() => document.activeElement?.id)).toBe('client_id');
    await expect
      .poll(() => popup.getByRole('heading', { level: 1 }).textContent())
      .toBe('Connect your Personio account');
    await expectPhoneFriendly(popup);
    await popup.screenshot({ path: `${SCREENSHOTS}01-credentials-form.png`, fullPage: true });

    // Keyboard only: the client id field has focus; Tab to the secret, Enter submits.
    await popup.keyboard.type(SANDBOX_CREDENTIALS.full.clientId);
    await popup.keyboard.press('Tab');
    await popup.keyboard.type('not-the-secret');
    await Promise.all([popup.waitForNavigation(), popup.keyboard.press('Enter')]);
    await expect.poll(() => popup.getByRole('alert').textContent()).toContain('Personio did not accept');
    expect(await popup.getByLabel('Client secret').inputValue()).toBe('');
    expect(await popup.getByLabel('Client ID').inputValue()).toBe(SANDBOX_CREDENTIALS.full.clientId);
    expect(await popup.getByLabel('Client secret').getAttribute('aria-invalid')).toBe('true');
    await popup.screenshot({ path: `${SCREENSHOTS}02-wrong-credentials.png`, fullPage: true });

    await popup.getByLabel('Client ID').fill(SANDBOX_CREDENTIALS.limited.clientId);
    await popup.getByLabel('Client secret').fill(SANDBOX_CREDENTIALS.limited.clientSecret);
    await Promise.all([
      popup.waitForNavigation(),
      popup.getByRole('button', { name: 'Check credentials' }).click(),
    ]);
    await expect
      .poll(() => popup.getByRole('heading', { level: 1 }).textContent())
      .toBe('Review what can be read');
    const review = await popup.locator('main').innerText();
    expect(review).toContain('5 of 22 employee fields can be filled');
    expect(review).toContain('Cannot be read (17)');
    expect(review).not.toContain(SANDBOX_CREDENTIALS.limited.clientSecret);
    expect(await popup.getByRole('row', { name: /Job title/ }).innerText()).toContain('position');
    await expectPhoneFriendly(popup);
    await popup.screenshot({ path: `${SCREENSHOTS}03-coverage.png`, fullPage: true });

    await Promise.all([
      popup.waitForNavigation(),
      popup.getByRole('button', { name: /check again/ }).click(),
    ]);
    await expect
      .poll(() => popup.getByRole('heading', { level: 1 }).textContent())
      .toBe('Review what can be read');

    const closed = popup.waitForEvent('close');
    await popup.getByRole('button', { name: 'Continue with this access' }).click();
    await closed;

    await page.waitForFunction(() => document.body.dataset.linked);
    const received = (await page.evaluate(
      () => (window as unknown as { received: unknown[] }).received,
    )) as ReceivedMessage[];
    expect(received).toHaveLength(1);
    expect(received[0]!.origin).toBe(gateway.url);
    expect(received[0]!.data).toEqual({
      type: 'roster:linked',
      linked_account_id: expect.stringMatching(/^la_/),
      state: 'state-popup',
    });
    const linkedAccountId = received[0]!.data.linked_account_id;
    expect(await page.locator('#result').textContent()).toBe(linkedAccountId);
    await page.screenshot({ path: `${SCREENSHOTS}04-developer-received-id.png` });
    expect(errors).toEqual([]);

    const employees = await fetch(`${gateway.url}/unified/hris/employees?limit=5`, {
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'x-linked-account-id': linkedAccountId },
    });
    expect(employees.status).toBe(200);
    const { result } = (await employees.json()) as {
      result: { id: string; work_email: string; job_title: null }[];
    };
    expect(result).toHaveLength(5);
    expect(result[0]!.work_email).toContain('@');
    expect(result[0]!.job_title).toBeNull();

    // The link is used up: opening it again shows why, with no form.
    const replay = await context.newPage();
    await replay.setViewportSize(PHONE);
    await replay.goto(issued.at(-1)!.linkUrl);
    expect(await replay.getByRole('heading', { level: 1 }).textContent()).toBe(
      'This link has already been used',
    );
    expect(await replay.locator('form').count()).toBe(0);
    await replay.screenshot({ path: `${SCREENSHOTS}05-link-already-used.png`, fullPage: true });
    await Promise.all([replay.close(), page.close()]);
  }, 120_000);

  it('iframe: an allowed origin frames the page and receives the id; another origin cannot frame it', async () => {
    const page = await context.newPage();
    await page.goto(`${developer.url}/iframe`);
    const frame = page.frameLocator('#roster');
    await frame.getByLabel('Client ID').fill(SANDBOX_CREDENTIALS.full.clientId);
    await frame.getByLabel('Client secret').fill(SANDBOX_CREDENTIALS.full.clientSecret);
    await frame.getByRole('button', { name: 'Check credentials' }).click();
    await expect
      .poll(() => frame.getByRole('heading', { level: 1 }).textContent())
      .toBe('Review what can be read');
    expect(await frame.locator('main').innerText()).toContain('22 of 22');
    await page.screenshot({ path: `${SCREENSHOTS}06-iframe-coverage.png` });
    await frame.getByRole('button', { name: 'Connect' }).click();
    await page.waitForFunction(() => document.body.dataset.linked);
    await expect
      .poll(() => frame.getByRole('heading', { level: 1 }).textContent())
      .toBe('Personio is connected');
    const received = (await page.evaluate(
      () => (window as unknown as { received: unknown[] }).received,
    )) as ReceivedMessage[];
    expect(received.map((message) => [message.origin, message.data.type, message.data.state])).toEqual([
      [gateway.url, 'roster:linked', 'state-iframe'],
    ]);
    await page.screenshot({ path: `${SCREENSHOTS}07-iframe-connected.png` });

    const refused = await context.newPage();
    await refused.goto(`${developer.url}/iframe-not-allowed`);
    await refused.waitForTimeout(500);
    const framed = refused.frames().find((candidate) => candidate !== refused.mainFrame());
    expect(framed).toBeDefined();
    expect(await framed!.locator('#client_id').count()).toBe(0);
    await refused.screenshot({ path: `${SCREENSHOTS}08-iframe-not-allowed.png` });
    await Promise.all([page.close(), refused.close()]);
  }, 120_000);
});
