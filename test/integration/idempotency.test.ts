import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client';
import { createEnvironment } from '../../src/db/queries/environments';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  deleteExpiredIdempotencyRecords,
} from '../../src/db/queries/idempotency';
import { idempotencyRecords } from '../../src/db/schema';
import { ApiError } from '../../src/errors';
import { IDEMPOTENCY_LEASE_MS, IDEMPOTENCY_TTL_MS, withIdempotency } from '../../src/lib/idempotency';
import { type Backend, openStorage, type Storage } from '../support/gateway';

const T0 = new Date('2026-03-01T10:00:00Z');
const later = (ms: number) => new Date(T0.getTime() + ms);

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

  it('claims once; a duplicate is in progress, another request a mismatch, a finished one its response', async () => {
    expect(await claim('k1', 'h1')).toEqual({ state: 'claimed' });
    expect(await claim('k1', 'h1')).toEqual({ state: 'in_progress' });
    expect(await claim('k1', 'h2')).toEqual({ state: 'mismatch' });
    await completeIdempotencyKey(db, {
      environmentId,
      scope: 'la_x',
      key: 'k1',
      requestHash: 'h1',
      status: 201,
      body: { result: { id: '7' } },
    });
    expect(await claim('k1', 'h1')).toEqual({
      state: 'completed',
      status: 201,
      body: { result: { id: '7' } },
    });
    expect(await claim('k1', 'h2')).toEqual({ state: 'mismatch' });
  });

  it('keeps keys apart per scope and environment', async () => {
    expect(await claim('k2', 'h1')).toEqual({ state: 'claimed' });
    expect(await claim('k2', 'h1', T0, 'la_y')).toEqual({ state: 'claimed' });
    expect(await claim('k2', 'h1', T0, 'la_x', otherEnvironmentId)).toEqual({ state: 'claimed' });
  });

  it('takes over an expired key, and an abandoned claim of the same request after the lease', async () => {
    expect(await claim('k3', 'h1')).toEqual({ state: 'claimed' });
    expect(await claim('k3', 'h1', later(IDEMPOTENCY_LEASE_MS - 1000))).toEqual({ state: 'in_progress' });
    expect(await claim('k3', 'h2', later(IDEMPOTENCY_LEASE_MS + 1000))).toEqual({ state: 'mismatch' });
    expect(await claim('k3', 'h1', later(IDEMPOTENCY_LEASE_MS + 1000))).toEqual({ state: 'claimed' });

    await completeIdempotencyKey(db, {
      environmentId,
      scope: 'la_x',
      key: 'k3',
      requestHash: 'h1',
      status: 200,
      body: {},
    });
    expect((await claim('k3', 'h2', later(IDEMPOTENCY_TTL_MS))).state).toBe('mismatch');
    expect(await claim('k3', 'h2', later(IDEMPOTENCY_LEASE_MS + IDEMPOTENCY_TTL_MS + 1000))).toEqual({
      state: 'claimed',
    });
  });

  it('deletes only the expired records of one environment', async () => {
    await claim('old', 'h', T0, 'la_z');
    await claim('old', 'h', T0, 'la_z', otherEnvironmentId);
    await claim('new', 'h', later(IDEMPOTENCY_TTL_MS), 'la_z');
    await deleteExpiredIdempotencyRecords(db, { environmentId, now: later(IDEMPOTENCY_TTL_MS) });
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
});
