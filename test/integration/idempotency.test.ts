import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client';
import { createEnvironment } from '../../src/db/queries/environments';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  deleteExpiredIdempotencyRecords,
  renewIdempotencyLease,
} from '../../src/db/queries/idempotency';
import { idempotencyRecords } from '../../src/db/schema';
import { ApiError } from '../../src/errors';
import {
  IDEMPOTENCY_HEARTBEAT_MS,
  IDEMPOTENCY_LEASE_MS,
  IDEMPOTENCY_TTL_MS,
  requestFingerprint,
  withIdempotency,
} from '../../src/lib/idempotency';
import { type Backend, openStorage, type Storage } from '../support/gateway';

const T0 = new Date('2026-03-01T10:00:00Z');
const later = (ms: number) => new Date(T0.getTime() + ms);
const claimed = (claimedAt = T0, resumed = false) => ({ state: 'claimed', claimedAt, resumed });
const running = (claimedAt = T0) => ({
  state: 'in_progress',
  leaseEndsAt: new Date(claimedAt.getTime() + IDEMPOTENCY_LEASE_MS),
});

describe.each<Backend>(['pglite', 'postgres'])('idempotency records over %s', (backend) => {
  let storage: Storage;
  let db: Database;
  let environmentId: string;
  let otherEnvironmentId: string;

  beforeAll(async () => {
    storage = await openStorage(backend);
    db = storage.database.db;
    environmentId = (await createEnvironment(db, { name: 'A', mode: 'test' })).id;
    otherEnvironmentId = (await createEnvironment(db, { name: 'B', mode: 'test' })).id;
  });

  afterAll(async () => {
    await storage?.close();
  });

  const claim = (key: string, requestHash: string, now = T0, scope = 'la_x', env = environmentId) =>
    claimIdempotencyKey(db, {
      environmentId: env,
      scope,
      key,
      requestHash,
      now,
      ttlMs: IDEMPOTENCY_TTL_MS,
      leaseMs: IDEMPOTENCY_LEASE_MS,
    });

  const finish = (key: string, requestHash: string, claimedAt = T0, scope = 'la_x') =>
    completeIdempotencyKey(db, {
      environmentId,
      scope,
      key,
      requestHash,
      claimedAt,
      status: 201,
      body: { result: { id: '7' } },
      expiresAt: new Date(claimedAt.getTime() + IDEMPOTENCY_TTL_MS),
    });

  it('claims once; a duplicate is in progress, another request a mismatch, a finished one its response', async () => {
    expect(await claim('k1', 'h1')).toEqual(claimed());
    expect(await claim('k1', 'h1')).toEqual(running());
    expect(await claim('k1', 'h2')).toEqual({ state: 'mismatch' });
    await finish('k1', 'h1');
    expect(await claim('k1', 'h1')).toEqual({
      state: 'completed',
      status: 201,
      body: { result: { id: '7' } },
    });
    expect(await claim('k1', 'h2')).toEqual({ state: 'mismatch' });
  });

  it('keeps keys apart per scope and environment', async () => {
    expect(await claim('k2', 'h1')).toEqual(claimed());
    expect(await claim('k2', 'h1', T0, 'la_y')).toEqual(claimed());
    expect(await claim('k2', 'h1', T0, 'la_x', otherEnvironmentId)).toEqual(claimed());
  });

  it('takes over an abandoned claim of the same request once its lease ran out, as resumed', async () => {
    expect(await claim('k3', 'h1')).toEqual(claimed());
    expect(await claim('k3', 'h1', later(IDEMPOTENCY_LEASE_MS - 1000))).toEqual(running());
    expect(await claim('k3', 'h2', later(IDEMPOTENCY_LEASE_MS + 1000))).toEqual({ state: 'mismatch' });
    const takeover = later(IDEMPOTENCY_LEASE_MS + 1000);
    expect(await claim('k3', 'h1', takeover)).toEqual(claimed(takeover, true));

    // The first holder, late, can neither finish nor renew what is now the second claim.
    await finish('k3', 'h1', T0);
    expect(
      await renewIdempotencyLease(db, {
        environmentId,
        scope: 'la_x',
        key: 'k3',
        requestHash: 'h1',
        claimedAt: T0,
        leaseEndsAt: later(IDEMPOTENCY_TTL_MS),
      }),
    ).toBe(false);
    expect(await claim('k3', 'h1', takeover)).toEqual(running(takeover));

    await finish('k3', 'h1', takeover);
    expect((await claim('k3', 'h2', later(IDEMPOTENCY_TTL_MS))).state).toBe('mismatch');
    expect(await claim('k3', 'h2', later(IDEMPOTENCY_LEASE_MS + IDEMPOTENCY_TTL_MS + 1000))).toEqual(
      claimed(later(IDEMPOTENCY_LEASE_MS + IDEMPOTENCY_TTL_MS + 1000)),
    );
  });

  it('keeps a renewed claim from being taken over', async () => {
    expect(await claim('k4', 'h1')).toEqual(claimed());
    const renewed = await renewIdempotencyLease(db, {
      environmentId,
      scope: 'la_x',
      key: 'k4',
      requestHash: 'h1',
      claimedAt: T0,
      leaseEndsAt: later(2 * IDEMPOTENCY_LEASE_MS),
    });
    expect(renewed).toBe(true);
    expect(await claim('k4', 'h1', later(IDEMPOTENCY_LEASE_MS + 1000))).toEqual({
      state: 'in_progress',
      leaseEndsAt: later(2 * IDEMPOTENCY_LEASE_MS),
    });
    expect(await claim('k4', 'h1', later(2 * IDEMPOTENCY_LEASE_MS))).toEqual(
      claimed(later(2 * IDEMPOTENCY_LEASE_MS), true),
    );
  });

  it('deletes only the expired records of one environment', async () => {
    await claim('old', 'h', T0, 'la_z');
    await claim('old', 'h', T0, 'la_z', otherEnvironmentId);
    await claim('new', 'h', later(IDEMPOTENCY_TTL_MS), 'la_z');
    await deleteExpiredIdempotencyRecords(db, {
      environmentId,
      now: later(IDEMPOTENCY_TTL_MS),
      ttlMs: IDEMPOTENCY_TTL_MS,
    });
    const keys = async (env: string) =>
      (
        await db
          .select({ key: idempotencyRecords.key })
          .from(idempotencyRecords)
          .where(and(eq(idempotencyRecords.environmentId, env), eq(idempotencyRecords.scope, 'la_z')))
      ).map((row) => row.key);
    expect(await keys(environmentId)).toEqual(['new']);
    expect(await keys(otherEnvironmentId)).toEqual(['old']);
  });

  it('withIdempotency keeps a failure whose outcome is unknown, and replays it as the same error', async () => {
    const request = {
      environmentId,
      scope: 'la_u',
      method: 'POST',
      path: '/things',
      body: { a: 1 },
      now: T0,
    };
    let runs = 0;
    const timedOut = async () => {
      runs++;
      throw new ApiError('provider_timeout', 'Personio did not answer in time.');
    };
    await expect(withIdempotency(db, { ...request, key: 'u1' }, timedOut)).rejects.toMatchObject({
      code: 'provider_timeout',
    });
    const replay = await withIdempotency(db, { ...request, key: 'u1' }, timedOut).catch((error) => error);
    expect(replay).toBeInstanceOf(ApiError);
    expect(replay).toMatchObject({ code: 'provider_timeout', headers: { 'Idempotent-Replayed': 'true' } });
    expect(runs).toBe(1);

    const badGateway = async () => ({ status: 502, body: { upstream: 'bad gateway' } });
    await withIdempotency(db, { ...request, key: 'u2' }, badGateway);
    const kept = await withIdempotency(db, { ...request, key: 'u2' }, timedOut);
    expect(kept).toEqual({ response: { status: 502, body: { upstream: 'bad gateway' } }, replayed: true });
  });

  it('withIdempotency stores successes, and frees the key after a thrown error or an error response', async () => {
    const request = {
      environmentId,
      scope: 'la_w',
      method: 'POST',
      path: '/things',
      body: { b: 2, a: 1 },
      now: T0,
    };
    let runs = 0;
    const failing = async () => {
      runs++;
      throw new ApiError('provider_error', 'upstream failed');
    };
    await expect(withIdempotency(db, { ...request, key: 'w1' }, failing)).rejects.toThrow('upstream failed');
    const refused = await withIdempotency(db, { ...request, key: 'w1' }, async () => {
      runs++;
      return { status: 422, body: { error: 'no' } };
    });
    expect(refused).toEqual({ response: { status: 422, body: { error: 'no' } }, replayed: false });
    const created = await withIdempotency(db, { ...request, key: 'w1' }, async () => {
      runs++;
      return { status: 201, body: { result: { id: '1' } } };
    });
    expect(created.replayed).toBe(false);
    const replay = await withIdempotency(db, { ...request, key: 'w1', body: { a: 1, b: 2 } }, failing);
    expect(replay).toEqual({ response: { status: 201, body: { result: { id: '1' } } }, replayed: true });
    expect(runs).toBe(3);
    await expect(
      withIdempotency(db, { ...request, key: 'w1', path: '/other' }, failing),
    ).rejects.toMatchObject({ code: 'conflict' });
  });

  it("withIdempotency answers a duplicate 409 with Retry-After at the end of the first request's lease", async () => {
    const request = { environmentId, scope: 'la_r', method: 'POST', path: '/things', body: {}, key: 'r1' };
    expect(await claim('r1', await fingerprintOf(request), T0, 'la_r')).toEqual(claimed());
    const duplicate = await withIdempotency(db, { ...request, now: later(5000) }, async () => {
      throw new Error('must not run');
    }).catch((error) => error);
    expect(duplicate).toBeInstanceOf(ApiError);
    expect(duplicate).toMatchObject({
      code: 'conflict',
      headers: { 'Retry-After': String((IDEMPOTENCY_LEASE_MS - 5000) / 1000) },
    });
  });

  it('withIdempotency renews the lease while the request runs, so it is not taken over', async () => {
    const request = { environmentId, scope: 'la_h', method: 'POST', path: '/things', body: {}, key: 'h1' };
    const hash = await fingerprintOf(request);
    let finish: (value: { status: number; body: unknown }) => void = () => {};
    const running = withIdempotency(
      db,
      { ...request, now: T0 },
      () => new Promise((resolve) => (finish = resolve)),
    );
    const deadline = Date.now() + 10 * IDEMPOTENCY_HEARTBEAT_MS;
    let leaseEndsAt = later(IDEMPOTENCY_LEASE_MS);
    while (leaseEndsAt <= later(IDEMPOTENCY_LEASE_MS) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const [record] = await db
        .select({ expiresAt: idempotencyRecords.expiresAt })
        .from(idempotencyRecords)
        .where(and(eq(idempotencyRecords.scope, 'la_h'), eq(idempotencyRecords.key, 'h1')));
      leaseEndsAt = record!.expiresAt;
    }
    expect(leaseEndsAt.getTime()).toBeGreaterThan(later(IDEMPOTENCY_LEASE_MS).getTime());
    // Past the first lease, a retry finds the request still running.
    expect((await claim('h1', hash, later(IDEMPOTENCY_LEASE_MS + 1), 'la_h')).state).toBe('in_progress');
    finish({ status: 201, body: { result: { id: '9' } } });
    expect(await running).toEqual({
      response: { status: 201, body: { result: { id: '9' } } },
      replayed: false,
    });
  });

  it('withIdempotency resumes an abandoned key, telling the write that its outcome is unknown', async () => {
    const request = { environmentId, scope: 'la_a', method: 'POST', path: '/things', body: {}, key: 'a1' };
    await claim('a1', await fingerprintOf(request), T0, 'la_a');
    const runs: boolean[] = [];
    const outcome = await withIdempotency(
      db,
      { ...request, now: later(IDEMPOTENCY_LEASE_MS) },
      async ({ resumed }) => {
        runs.push(resumed);
        return { status: 201, body: { result: { id: 'found' } } };
      },
    );
    expect(outcome).toEqual({
      response: { status: 201, body: { result: { id: 'found' } } },
      replayed: false,
    });
    expect(runs).toEqual([true]);
  });

  it('withIdempotency refuses an abandoned key whose result cannot be looked up, and keeps that answer', async () => {
    const request = { environmentId, scope: 'la_p', method: 'POST', path: '/things', body: {}, key: 'p1' };
    await claim('p1', await fingerprintOf(request), T0, 'la_p');
    let runs = 0;
    const execute = async () => {
      runs++;
      return { status: 201, body: {} };
    };
    const now = later(IDEMPOTENCY_LEASE_MS);
    const refused = await withIdempotency(db, { ...request, now }, execute, { onAbandoned: 'refuse' }).catch(
      (error) => error,
    );
    expect(refused).toMatchObject({
      code: 'conflict',
      details: [{ field: 'Idempotency-Key', message: 'outcome unknown' }],
    });
    const replay = await withIdempotency(db, { ...request, now }, execute, { onAbandoned: 'refuse' }).catch(
      (error) => error,
    );
    expect(replay).toMatchObject({
      code: 'conflict',
      message: refused.message,
      headers: { 'Idempotent-Replayed': 'true' },
    });
    expect(runs).toBe(0);
  });
});

async function fingerprintOf(request: { method: string; path: string; body: unknown }): Promise<string> {
  return requestFingerprint(request.method, request.path, request.body);
}
