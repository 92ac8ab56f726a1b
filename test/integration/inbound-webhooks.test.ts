import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getInboundWebhook } from '../../src/db/queries/inbound-webhooks';
import { inboundWebhooks } from '../../src/db/schema';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import { SANDBOX_NO_WEBHOOKS_CREDENTIAL } from '../../src/sandbox/personio/credentials';
import { catchUpInboundWebhooks } from '../../src/services/inbound-webhooks';
import { replaceCredentials, validateCredentials } from '../../src/services/linking';
import {
  type Backend,
  createPersonioSandbox,
  createTenant,
  openStorage,
  SANDBOX_CREDENTIALS,
  type Storage,
  type Tenant,
  type TestGateway,
} from '../support/gateway';
import { type ServedGateway, serveInboundGateway, tenantCalls } from '../support/inbound-gateway';
import { createLinkToken, LinkPageClient, pageText } from '../support/link-flow';
import { freePort } from '../support/processes';
import { waitFor } from '../support/wait';

/**
 * Inbound Personio webhooks end to end: the gateway on a real loopback port (its PUBLIC_URL), the simulator
 * delivering v2 webhooks to it over HTTP, the change feed read through `GET /events`. No test calls `/sync`
 * after the first pass that fills the copy.
 */

type Served = ServedGateway;

/** While set, the gateway's calls to register a Personio webhook fail as Personio being down would (503). */
let refuseRegistrations = false;

/** A gateway "process" on `port`, serving `personio-sandbox` accounts from `sandbox`. */
async function serveGateway(storage: Storage, sandbox: PersonioSandbox, port: number): Promise<Served> {
  const upstream = async (request: Request) =>
    refuseRegistrations && request.method === 'POST' && new URL(request.url).pathname === '/v2/webhooks'
      ? new Response(JSON.stringify({ errors: [{ title: 'Service unavailable' }] }), {
          status: 503,
          headers: { 'content-type': 'application/problem+json' },
        })
      : sandbox.fetch(request);
  return serveInboundGateway(storage, sandbox, port, upstream);
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted on structurally.
type Body = any;

for (const backend of ['postgres', 'pglite'] as Backend[]) {
  describe(`inbound Personio webhooks (${backend === 'postgres' ? 'PostgreSQL + Redis' : 'embedded PGlite'})`, () => {
    let storage: Storage;
    let sandbox: PersonioSandbox;
    let port: number;
    let gateway: Served;
    let acme: Tenant;
    let globex: Tenant;

    const { call, events, syncStatus, action, passAfter, registration, tokenOf } = tenantCalls(() => gateway);
    const firstPass = async (tenant: Tenant) => {
      const requestedAt = Date.now();
      expect(
        (await call(tenant, `/linked-accounts/${tenant.linkedAccountId}/sync`, { method: 'POST' })).status,
      ).toBe(202);
      await passAfter(tenant, requestedAt);
    };
    const personioToken = async () => {
      const form = new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: SANDBOX_CREDENTIALS.full.clientId,
        client_secret: SANDBOX_CREDENTIALS.full.clientSecret,
      });
      const issued = await sandbox.fetch(
        new Request('http://sandbox.test/v2/auth/token', { method: 'POST', body: form }),
      );
      return ((await issued.json()) as { access_token: string }).access_token;
    };
    const personioWebhooks = async () => {
      const access_token = await personioToken();
      const listed = await sandbox.fetch(
        new Request('http://sandbox.test/v2/webhooks?limit=200', {
          headers: { authorization: `Bearer ${access_token}` },
        }),
      );
      return ((await listed.json()) as { _data: { id: string; url: string; status: string }[] })._data;
    };
    const inbound = (linkedAccountId: string, headers: Record<string, string>, body: string) =>
      fetch(`${gateway.url}/inbound/personio/${linkedAccountId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });

    beforeAll(async () => {
      storage = await openStorage(backend);
      // Deliveries that fail are not retried: a gateway that is down misses them for good (the events API has them).
      sandbox = createPersonioSandbox({ employees: 20, seed: 14, webhookDelivery: { retryDelaysMs: [] } });
      port = await freePort();
      gateway = await serveGateway(storage, sandbox, port);
      const admin = { deps: gateway.deps } as TestGateway;
      acme = await createTenant(admin, SANDBOX_CREDENTIALS.full, 'Acme', 'personio-sandbox');
      globex = await createTenant(admin, SANDBOX_CREDENTIALS.full, 'Globex', 'personio-sandbox');
      await firstPass(acme);
      await firstPass(globex);
    });

    afterAll(async () => {
      sandbox?.webhooks.stop();
      await gateway?.close();
      await storage?.close();
    });

    it('linking registers one webhook per account at its own inbound route, with the token stored encrypted', async () => {
      const status = await syncStatus(acme);
      expect(status.inbound_webhook).toMatchObject({ status: 'active', error: null });
      const account = await call(acme, `/linked-accounts/${acme.linkedAccountId}`);
      expect(account.body.result.capabilities).toMatchObject({ personio_v2: true, webhooks: true });
      const hooks = await personioWebhooks();
      const acmeHook = hooks.find(
        (hook) => hook.url === `${gateway.url}/inbound/personio/${acme.linkedAccountId}`,
      );
      expect(acmeHook?.status).toBe('ENABLED');
      expect((await registration(acme))?.remoteId).toBe(acmeHook!.id);
      const token = await tokenOf(acme);
      expect(token.length).toBeGreaterThanOrEqual(40);
      expect((await registration(acme))?.token).not.toContain(token);
      // The token is never shown back.
      expect(JSON.stringify(status)).not.toContain(token);
      expect(JSON.stringify(account.body)).not.toContain(token);
    });

    it('a sandbox action reaches GET /events within 5 s, without a call to /sync', async () => {
      const passesBefore = (await syncStatus(acme)).last_pass.id;
      const employeeId = String(sandbox.employeeIds()[3]);
      const startedAt = Date.now();
      await action(acme, { action: 'update_employee', employee_id: employeeId, preferred_name: 'Webhooked' });
      const updated = await waitFor(async () => {
        const found = (await events(acme, 'employee.updated')).find(
          (event) => event.data.object.id === employeeId && event.data.object.preferred_name === 'Webhooked',
        );
        return found;
      }, 'employee.updated from the webhook');
      expect(Date.now() - startedAt).toBeLessThan(5_000);
      expect(updated.data.previous_attributes).toHaveProperty('preferred_name');
      // No pass ran: the event came from the webhook's job.
      expect((await syncStatus(acme)).last_pass.id).toBe(passesBefore);

      // Time off: created, then deleted (a tombstone and its deleted event).
      const created = await action(acme, {
        action: 'create_timeoff',
        employee_id: employeeId,
        timeoff_type_id: '301',
        start_date: '2026-12-14',
        end_date: '2026-12-16',
      });
      const requestId = created.timeoff_request_id!;
      await waitFor(
        async () =>
          (await events(acme, 'timeoff_request.created')).find((event) => event.data.object.id === requestId),
        'timeoff_request.created from the webhook',
      );
      await action(acme, { action: 'delete_timeoff', timeoff_request_id: requestId });
      await waitFor(
        async () =>
          (await events(acme, 'timeoff_request.deleted')).find((event) => event.data.object.id === requestId),
        'timeoff_request.deleted from the webhook',
      );
      expect((await syncStatus(acme)).last_pass.id).toBe(passesBefore);
    });

    it('the same notification delivered twice produces its events once', async () => {
      const employeeId = String(sandbox.employeeIds()[5]);
      await action(acme, {
        action: 'update_employee',
        employee_id: employeeId,
        job_title: 'Duplicate checker',
      });
      const matching = async () =>
        (await events(acme, 'employee.updated')).filter(
          (event) =>
            event.data.object.id === employeeId && event.data.object.job_title === 'Duplicate checker',
        );
      await waitFor(async () => ((await matching()).length > 0 ? true : undefined), 'the first delivery');
      const token = await tokenOf(acme);
      const body = JSON.stringify({
        company_id: sandbox.webhooks.companyId,
        event_name: 'person.updated',
        occurred_at: new Date().toISOString(),
        payload: { id: employeeId },
      });
      for (let i = 0; i < 3; i++) {
        expect((await inbound(acme.linkedAccountId, { authorization: token }, body)).status).toBe(202);
      }
      // A marker change after the repeats: once its event is there, the repeats' jobs have run before it.
      const marker = String(sandbox.employeeIds()[6]);
      await action(acme, { action: 'update_employee', employee_id: marker, preferred_name: 'Marker' });
      await waitFor(
        async () => (await events(acme, 'employee.updated')).find((event) => event.data.object.id === marker),
        'the marker event',
      );
      expect(await matching()).toHaveLength(1);
    });

    it("events from webhooks show employees under the account's field mappings, as pass events do", async () => {
      const employeeId = String(sandbox.employeeIds()[12]);
      const mappings = `/linked-accounts/${acme.linkedAccountId}/field-mappings`;
      const before = (await call(acme, `/unified/hris/employees/${employeeId}`)).body.result;
      const businessEmail = before.custom_fields.dynamic_1004 as string;
      expect(businessEmail).toBeTruthy();
      expect(businessEmail).not.toBe(before.work_email);
      const put = await call(acme, mappings, {
        method: 'PUT',
        body: { mappings: [{ target: 'work_email', remote_field: 'dynamic_1004' }] },
      });
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      try {
        await action(acme, { action: 'update_employee', employee_id: employeeId, preferred_name: 'Mapped' });
        const updated = await waitFor(
          async () =>
            (await events(acme, 'employee.updated')).find(
              (event) => event.data.object.id === employeeId && event.data.object.preferred_name === 'Mapped',
            ),
          'employee.updated from the webhook',
        );
        expect(updated.data.object.work_email).toBe(businessEmail);
      } finally {
        await call(acme, mappings, { method: 'PUT', body: { mappings: [] } });
      }
    });

    it('forged notifications are refused and change nothing', async () => {
      const before = (await events(acme, 'employee.*')).map((event) => event.id as string);
      const employeeId = String(sandbox.employeeIds()[7]);
      // Changed at Personio without a webhook (as if lost): a forged notification must not make it appear.
      sandbox.webhooks.setOutage({ mode: 'drop' });
      await action(acme, { action: 'update_employee', employee_id: employeeId, preferred_name: 'Forged' });
      await waitFor(
        async () =>
          sandbox.webhooks.pendingDeliveries() === 0 &&
          sandbox.webhooks.attempts().some((attempt) => attempt.outcome === 'dropped')
            ? true
            : undefined,
        'the dropped delivery',
      );
      sandbox.webhooks.setOutage(null);
      const body = JSON.stringify({
        company_id: sandbox.webhooks.companyId,
        event_name: 'person.updated',
        occurred_at: new Date().toISOString(),
        payload: { id: employeeId },
      });
      const acmeToken = await tokenOf(acme);
      const globexToken = await tokenOf(globex);
      const refusals = [
        await inbound(acme.linkedAccountId, { authorization: 'not-the-token' }, body),
        await inbound(acme.linkedAccountId, { authorization: `${acmeToken}x` }, body),
        await inbound(acme.linkedAccountId, {}, body),
        // Another account's token.
        await inbound(acme.linkedAccountId, { authorization: globexToken }, body),
        // An account that does not exist, and one that is not an account id.
        await inbound('la_doesNotExist0000000000', { authorization: acmeToken }, body),
        await inbound('..%2Fsecret', { authorization: acmeToken }, body),
      ];
      for (const response of refusals) {
        expect(response.status).toBe(401);
        const error = ((await response.json()) as Body).error;
        expect(error.code).toBe('unauthorized');
        expect(error.request_id).toEqual(expect.any(String));
        expect(JSON.stringify(error)).not.toContain(acmeToken);
      }
      // Another provider's path for the account.
      const other = await fetch(`${gateway.url}/inbound/bamboo/${acme.linkedAccountId}`, {
        method: 'POST',
        headers: { authorization: acmeToken, 'content-type': 'application/json' },
        body,
      });
      expect(other.status).toBe(401);

      // Well authenticated but malformed or oversized: the envelope, never a 500.
      const malformed = await inbound(acme.linkedAccountId, { authorization: acmeToken }, '{"event_name":');
      expect(malformed.status).toBe(400);
      expect(((await malformed.json()) as Body).error.code).toBe('invalid_request');
      const wrongShape = await inbound(acme.linkedAccountId, { authorization: acmeToken }, '{"payload":[]}');
      expect(wrongShape.status).toBe(400);
      expect(((await wrongShape.json()) as Body).error.code).toBe('invalid_request');
      const huge = await inbound(
        acme.linkedAccountId,
        { authorization: acmeToken },
        `"${'x'.repeat(70_000)}"`,
      );
      expect(huge.status).toBe(413);
      expect(((await huge.json()) as Body).error.code).toBe('payload_too_large');

      // A marker through a real delivery: once it is there, anything a refused request could have queued has run.
      const marker = String(sandbox.employeeIds()[8]);
      await action(acme, { action: 'update_employee', employee_id: marker, preferred_name: 'After forgery' });
      await waitFor(
        async () => (await events(acme, 'employee.updated')).find((event) => event.data.object.id === marker),
        'the marker event',
      );
      const after = await events(acme, 'employee.*');
      const added = after.filter((event) => !before.includes(event.id));
      expect(added.map((event) => [event.type, event.data.object.id])).toEqual([
        ['employee.updated', marker],
      ]);
      expect(after.some((event) => event.data.object.id === employeeId)).toBe(false);
    });

    it('a webhook missed while the gateway was down arrives after restart through the events API', async () => {
      const employeeId = sandbox.employeeIds()[9]!;
      await gateway.close();
      sandbox.webhooks.clearAttempts();
      // HR changes the employee while no gateway listens: the delivery finds nothing (and is not retried here).
      expect(sandbox.changes.changeEmployee(employeeId, { preferredName: 'Missed' })).toBe(true);
      await waitFor(
        async () =>
          sandbox.webhooks.pendingDeliveries() === 0 &&
          sandbox.webhooks.attempts().some((attempt) => attempt.outcome === 'failed')
            ? true
            : undefined,
        'the failed delivery',
      );
      gateway = await serveGateway(storage, sandbox, port);
      const missed = async () =>
        (await events(acme, 'employee.updated')).find(
          (event) =>
            event.data.object.id === String(employeeId) && event.data.object.preferred_name === 'Missed',
        );
      expect(await missed()).toBeUndefined();
      // Restarted: the Node entry runs the catch-up when its jobs start (src/runtime/node-jobs.ts).
      await catchUpInboundWebhooks(gateway.services);
      const arrived = await waitFor(missed, 'the missed change');
      expect(arrived.data.previous_attributes).toHaveProperty('preferred_name');
    });

    it('reconnect registers a new webhook with a new token; delete unregisters', async () => {
      const before = (await registration(globex))!;
      const oldToken = await tokenOf(globex);
      const credentials = {
        client_id: SANDBOX_CREDENTIALS.full.clientId,
        client_secret: SANDBOX_CREDENTIALS.full.clientSecret,
      };
      const check = await validateCredentials(gateway.services, 'personio-sandbox', credentials);
      await replaceCredentials(gateway.services, {
        environmentId: globex.environmentId,
        linkedAccountId: globex.linkedAccountId,
        integration: 'personio-sandbox',
        credentials,
        check,
      });
      const after = (await registration(globex))!;
      expect(after.status).toBe('active');
      expect(after.remoteId).not.toBe(before.remoteId);
      const newToken = await tokenOf(globex);
      expect(newToken).not.toBe(oldToken);
      const ids = (await personioWebhooks()).map((hook) => hook.id);
      expect(ids).toContain(after.remoteId);
      expect(ids).not.toContain(before.remoteId);
      const ping = JSON.stringify({ event_name: 'ping', occurred_at: new Date().toISOString(), payload: {} });
      expect((await inbound(globex.linkedAccountId, { authorization: oldToken }, ping)).status).toBe(401);
      expect((await inbound(globex.linkedAccountId, { authorization: newToken }, ping)).status).toBe(202);

      const deleted = await call(globex, `/linked-accounts/${globex.linkedAccountId}`, { method: 'DELETE' });
      expect(deleted.status).toBe(200);
      expect((await personioWebhooks()).map((hook) => hook.id)).not.toContain(after.remoteId);
      expect(await registration(globex)).toBeUndefined();
      expect((await inbound(globex.linkedAccountId, { authorization: newToken }, ping)).status).toBe(401);
    });

    it('without the webhooks scope nothing is registered and the account polls as before', async () => {
      const admin = { deps: gateway.deps } as TestGateway;
      const plain = await createTenant(
        admin,
        {
          clientId: SANDBOX_NO_WEBHOOKS_CREDENTIAL.clientId,
          clientSecret: SANDBOX_NO_WEBHOOKS_CREDENTIAL.clientSecret,
        },
        'Initech',
        'personio-sandbox',
      );
      const account = await call(plain, `/linked-accounts/${plain.linkedAccountId}`);
      expect(account.body.result.capabilities).toMatchObject({ personio_v2: true, webhooks: false });
      expect((await syncStatus(plain)).inbound_webhook).toBeNull();
      expect(await registration(plain)).toBeUndefined();
      expect((await personioWebhooks()).some((hook) => hook.url.endsWith(plain.linkedAccountId))).toBe(false);
    });

    it("the link page's review step says what the webhooks scope would bring, only when the credential lacks it", async () => {
      // The page over real HTTP, as a browser reaches it.
      const overHttp = {
        request: (input: string, init?: RequestInit) => fetch(new URL(input, gateway.url), init),
      } as never;
      const review = async (clientId: string, clientSecret: string) => {
        const { url } = await createLinkToken(overHttp, acme.apiKey, {
          end_user: { origin_id: `review-${clientId}` },
        });
        const browser = new LinkPageClient(overHttp, {}, gateway.url);
        await browser.open(url);
        const page = await browser.submit('credentials', {
          client_id: clientId,
          client_secret: clientSecret,
        });
        expect(page.status).toBe(200);
        return { text: pageText(page.html), browser };
      };
      const { text: without } = await review(
        SANDBOX_NO_WEBHOOKS_CREDENTIAL.clientId,
        SANDBOX_NO_WEBHOOKS_CREDENTIAL.clientSecret,
      );
      expect(without).toContain('Changes within seconds');
      expect(without).toContain('personio:webhooks:write');
      const full = await review(SANDBOX_CREDENTIALS.full.clientId, SANDBOX_CREDENTIALS.full.clientSecret);
      expect(full.text).not.toContain('personio:webhooks:write');

      // Confirmed on the page: the webhook is registered once the account is stored.
      const done = await full.browser.submit('confirm', { label: 'Through the page' });
      expect(done.status).toBe(200);
      const linkedAccountId = /la_[0-9A-Za-z]+/.exec(done.html)?.[0];
      expect(linkedAccountId).toBeDefined();
      const stored = await getInboundWebhook(gateway.services.db, {
        environmentId: acme.environmentId,
        linkedAccountId: linkedAccountId!,
      });
      expect(stored?.status).toBe('active');
      const hooks = await personioWebhooks();
      expect(hooks.some((hook) => hook.url.endsWith(`/inbound/personio/${linkedAccountId}`))).toBe(true);
    });

    it('a failed registration does not fail the link: it is shown, the account polls, and a check registers again', async () => {
      const admin = { deps: gateway.deps } as TestGateway;
      // Personio is unavailable for the registration while the link is made.
      refuseRegistrations = true;
      let umbrella: Tenant;
      try {
        umbrella = await createTenant(admin, SANDBOX_CREDENTIALS.full, 'Umbrella', 'personio-sandbox');
      } finally {
        refuseRegistrations = false;
      }
      const failed = (await syncStatus(umbrella)).inbound_webhook;
      expect(failed).toMatchObject({ status: 'failed', registered_at: null });
      expect(failed.error).toMatch(/^provider_unavailable: /);
      expect((await personioWebhooks()).some((hook) => hook.url.endsWith(umbrella.linkedAccountId))).toBe(
        false,
      );

      const checked = await call(umbrella, `/linked-accounts/${umbrella.linkedAccountId}/check`, {
        method: 'POST',
      });
      expect(checked.status).toBe(200);
      expect((await syncStatus(umbrella)).inbound_webhook).toMatchObject({ status: 'active', error: null });
      expect((await personioWebhooks()).some((hook) => hook.url.endsWith(umbrella.linkedAccountId))).toBe(
        true,
      );
    });

    it('a webhook Personio no longer has, or a gap beyond its 30-day history, falls back to a full pass', async () => {
      const fullPassAfter = async (requestedAt: number) =>
        waitFor(async () => {
          const status = await syncStatus(acme);
          const last = status.last_pass;
          return !status.running && last && Date.parse(last.started_at) >= requestedAt ? last : undefined;
        }, 'a full pass');

      // Gone: removed in Personio behind the gateway's back.
      const before = (await registration(acme))!;
      const token = await personioToken();
      const removed = await sandbox.fetch(
        new Request(`http://sandbox.test/v2/webhooks/${before.remoteId}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${token}` },
        }),
      );
      expect(removed.status).toBe(204);
      let requestedAt = Date.now();
      await catchUpInboundWebhooks(gateway.services);
      expect(await fullPassAfter(requestedAt)).toMatchObject({ mode: 'full', status: 'completed' });
      const again = (await registration(acme))!;
      expect(again).toMatchObject({ status: 'active' });
      expect(again.remoteId).not.toBe(before.remoteId);
      expect((await personioWebhooks()).map((hook) => hook.id)).toContain(again.remoteId);

      // A gap longer than Personio keeps events: the history cannot be trusted to be complete.
      await gateway.services.db
        .update(inboundWebhooks)
        .set({ lastEventAt: new Date(Date.now() - 31 * 86_400_000) })
        .where(eq(inboundWebhooks.linkedAccountId, acme.linkedAccountId));
      requestedAt = Date.now();
      await catchUpInboundWebhooks(gateway.services);
      expect(await fullPassAfter(requestedAt)).toMatchObject({ mode: 'full', status: 'completed' });
    });
  });
}
