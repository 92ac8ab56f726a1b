import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPersonioSandbox, SANDBOX_CREDENTIALS } from '../../src/sandbox/personio/index';
import { waitFor } from '../support/wait';
import { type Body, bearer, tokenFor } from './sandbox-client';

/**
 * The simulator's `uuid` mode for v2 absence ids (REFERENCE §1: v2 absence ids are UUIDs, v1 time-off ids
 * integers): every v2 route and webhook payload shows UUIDs derived from the v1 ids, never the v1 ids, and
 * accepts only those; the default mode keeps the v1 ids.
 */

const BASE = 'http://sandbox.test';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const roomy = { perSecond: 10_000, burst: 10_000 };

describe('Personio simulator: distinct v2 absence ids', () => {
  const delivered: Body[] = [];
  const sandbox = createPersonioSandbox({
    employees: 20,
    seed: 5,
    v2AbsenceIds: 'uuid',
    v2RateLimits: { 'absence-periods': roomy, breakdowns: roomy, 'absence-types': roomy },
    webhookTransport: {
      async send(request) {
        delivered.push(JSON.parse(request.body));
        return { status: 200 };
      },
    },
  });
  let token = '';
  let v1Token = '';

  const request = async (path: string, init: { method?: string; json?: unknown; auth?: string } = {}) => {
    const response = await sandbox.fetch(
      new Request(`${BASE}${path}`, {
        method: init.method ?? 'GET',
        headers: {
          authorization: init.auth ?? bearer(token),
          ...(init.json === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: init.json === undefined ? undefined : JSON.stringify(init.json),
      }),
    );
    return { status: response.status, body: (await response.json().catch(() => null)) as Body };
  };

  beforeAll(async () => {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: SANDBOX_CREDENTIALS.full.clientId,
      client_secret: SANDBOX_CREDENTIALS.full.clientSecret,
    });
    const issued = await sandbox.fetch(new Request(`${BASE}/v2/auth/token`, { method: 'POST', body: form }));
    token = ((await issued.json()) as Body).access_token;
    v1Token = await tokenFor(sandbox, SANDBOX_CREDENTIALS.full);
  });
  afterAll(() => sandbox.webhooks.stop());

  it('names periods and types by UUIDs of their own, derived from the v1 ids, and reads them back by those', async () => {
    const personId = sandbox.employeeIds()[1]!;
    const v1 = await request(`/v1/company/time-offs?employees[]=${personId}&limit=200`, {
      auth: bearer(v1Token),
    });
    const timeOff = v1.body.data[0].attributes;
    const periods = (await request(`/v2/absence-periods?person.id=${personId}&limit=100`)).body
      ._data as Body[];
    expect(periods.length).toBeGreaterThan(0);
    for (const period of periods) {
      expect(period.id).toMatch(UUID);
      expect(period.absence_type.id).toMatch(UUID);
    }
    const twin = periods.find((period) =>
      period.starts_from.date_time.startsWith(timeOff.start_date.slice(0, 10)),
    );
    expect(twin).toBeDefined();
    expect(twin.id).not.toBe(String(timeOff.id));

    // Deterministic: a second simulator of the same seed names them alike.
    const again = createPersonioSandbox({ employees: 20, seed: 5, v2AbsenceIds: 'uuid' });
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: SANDBOX_CREDENTIALS.full.clientId,
      client_secret: SANDBOX_CREDENTIALS.full.clientSecret,
    });
    const issued = await again.fetch(new Request(`${BASE}/v2/auth/token`, { method: 'POST', body: form }));
    const otherToken = ((await issued.json()) as Body).access_token;
    const listed = await again.fetch(
      new Request(`${BASE}/v2/absence-periods?person.id=${personId}&limit=100`, {
        headers: { authorization: bearer(otherToken) },
      }),
    );
    expect(((await listed.json()) as Body)._data.map((period: Body) => period.id)).toEqual(
      periods.map((period) => period.id),
    );

    expect((await request(`/v2/absence-periods/${twin.id}`)).body.id).toBe(twin.id);
    const days = await request(`/v2/absence-periods/${twin.id}/breakdowns`);
    expect(days.status).toBe(200);
    expect(days.body._data.length).toBeGreaterThan(0);
    const byId = await request(`/v2/absence-periods?id=${twin.id.toUpperCase()}`);
    expect(byId.body._data.map((period: Body) => period.id)).toEqual([twin.id]);
    const byType = await request(
      `/v2/absence-periods?person.id=${personId}&absence_type.id=${twin.absence_type.id}`,
    );
    expect(byType.body._data.every((period: Body) => period.absence_type.id === twin.absence_type.id)).toBe(
      true,
    );
    expect((await request(`/v2/absence-types/${twin.absence_type.id}`)).body.id).toBe(twin.absence_type.id);

    // The v1 ids mean nothing to v2 in this mode.
    expect(timeOff.time_off_type.attributes.id).toEqual(expect.any(Number));
    expect((await request(`/v2/absence-periods/${timeOff.id}`)).status).toBe(404);
    expect((await request(`/v2/absence-periods/${timeOff.id}/breakdowns`)).status).toBe(404);
    expect((await request(`/v2/absence-periods?id=${timeOff.id}`)).body._data).toEqual([]);
    expect((await request(`/v2/absence-types/${timeOff.time_off_type.attributes.id}`)).status).toBe(404);
  });

  it('names periods by their UUIDs in webhook payloads', async () => {
    const created = await request('/v2/webhooks', {
      method: 'POST',
      json: {
        url: 'https://receiver.test/hooks',
        status: 'ENABLED',
        auth_type: 'TOKEN',
        token: 'secret-token-1',
        enabled_events: ['absence-period.updated.status', 'absence-period.deleted'],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const personId = sandbox.employeeIds()[3]!;
    const v1 = await request(`/v1/company/time-offs?employees[]=${personId}&limit=200`, {
      auth: bearer(v1Token),
    });
    const v1Id = String(v1.body.data[0].attributes.id);
    expect(sandbox.changes.setAbsenceStatus(v1Id, 'rejected')).toBe(true);
    const payload = await waitFor(
      async () => delivered.find((body) => body.event_name === 'absence-period.updated.status')?.payload,
      'the delivery',
    );
    expect(payload.id).toMatch(UUID);
    expect(payload.id).not.toBe(v1Id);
    expect(payload.person.id).toBe(String(personId));
    expect((await request(`/v2/absence-periods/${payload.id}`)).body.approval.status).toBe('REJECTED');
  });

  it('switches between the modes at run time, also over HTTP', async () => {
    const control = (json?: unknown) =>
      request('/v1/_sandbox/v2-absence-ids', {
        method: json === undefined ? 'GET' : 'PUT',
        json,
        auth: bearer(v1Token),
      });
    expect((await control()).body.data).toEqual({ mode: 'uuid' });
    expect((await control({ mode: 'nope' })).status).toBe(422);
    expect((await control({ mode: 'v1' })).body.data).toEqual({ mode: 'v1' });
    const personId = sandbox.employeeIds()[1]!;
    const periods = (await request(`/v2/absence-periods?person.id=${personId}&limit=100`)).body
      ._data as Body[];
    expect(periods.some((period) => /^\d+$/.test(period.id))).toBe(true);
    expect(periods.every((period) => /^\d+$/.test(period.absence_type.id))).toBe(true);
    sandbox.setV2AbsenceIds('uuid');
    expect((await control()).body.data).toEqual({ mode: 'uuid' });
  });
});
