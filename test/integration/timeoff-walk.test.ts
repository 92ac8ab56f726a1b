import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimeoffRequest, TimeoffType } from '../../src/models/timeoff';
import type { PersonioSandboxOptions } from '../../src/sandbox/personio';
import {
  type Backend,
  createPersonioSandbox,
  createTenant,
  openStorage,
  type Storage,
  startGateway,
  type Tenant,
  type TestGateway,
  walk,
} from '../support/gateway';
import { type GroundTruth, overlaps, sandboxAbsences, send, UNPACED } from '../support/timeoff';

/** A sync window of 365 days around the seed anchor (2026-01-01): 61 days back, 304 ahead. */
const WINDOW = { start: '2025-11-01', end: '2026-10-31' };
const windowQuery = `start_date=${WINDOW.start}&end_date=${WINDOW.end}`;

const ids = (items: { id: string }[]) => items.map((item) => item.id);

async function setUp(storage: Storage, options: PersonioSandboxOptions = {}) {
  const sandbox = createPersonioSandbox({ employees: 300, seed: 7, ...options });
  const setup = await startGateway(storage, sandbox, undefined, UNPACED);
  const tenant = await createTenant(setup);
  const gateway = await startGateway(storage, sandbox, tenant, UNPACED);
  return { sandbox, tenant, gateway, truth: await sandboxAbsences(sandbox) };
}

/** The expected ids in the unified order: day-based absences first, then hour-based, each in Personio order. */
function expectedIds(truth: GroundTruth[], keep: (absence: GroundTruth) => boolean): string[] {
  return [
    ...truth.filter((absence) => absence.units === 'days' && keep(absence)),
    ...truth.filter((absence) => absence.units === 'hours' && keep(absence)),
  ].map((absence) => absence.id);
}

describe.each<Backend>(['pglite', 'postgres'])('unified time-off requests over %s', (backend) => {
  let storage: Storage;
  let gateway: TestGateway;
  let tenant: Tenant;
  let truth: GroundTruth[];

  beforeAll(async () => {
    storage = await openStorage(backend);
    ({ gateway, tenant, truth } = await setUp(storage));
  });

  afterAll(async () => {
    await storage?.close();
  });

  it('the seeded data has what the window test needs: absences across both edges, outside, and both units', () => {
    const inWindow = truth.filter((absence) => overlaps(absence, WINDOW));
    expect(inWindow.some((absence) => absence.firstDay < WINDOW.start)).toBe(true);
    expect(inWindow.some((absence) => absence.lastDay > WINDOW.end)).toBe(true);
    expect(inWindow.some((absence) => absence.firstDay < WINDOW.start && absence.lastDay > WINDOW.end)).toBe(
      true,
    );
    expect(truth.some((absence) => !overlaps(absence, WINDOW))).toBe(true);
    // More than one upstream page (200) of each kind, so page boundaries and the offset reading matter.
    expect(truth.filter((absence) => absence.units === 'days').length).toBeGreaterThan(400);
    expect(truth.filter((absence) => absence.units === 'hours').length).toBeGreaterThan(200);
  });

  it.each([3, 200])(
    'a 365-day window walk returns every overlapping absence exactly once and nothing else (limit=%i)',
    async (limit) => {
      const { items } = await walk<TimeoffRequest>(
        gateway,
        `/unified/hris/timeoff-requests?limit=${limit}&${windowQuery}`,
      );
      expect(new Set(ids(items)).size).toBe(items.length);
      expect(ids(items)).toEqual(expectedIds(truth, (absence) => overlaps(absence, WINDOW)));
      for (const item of items) {
        expect(
          item.start_date <= WINDOW.end && (item.end_date === null || item.end_date >= WINDOW.start),
        ).toBe(true);
      }
    },
  );

  it('mixed day- and hour-based absences paginate without loss or repeats across the switch', async () => {
    const { items, pages } = await walk<TimeoffRequest>(gateway, '/unified/hris/timeoff-requests?limit=7');
    expect(ids(items)).toEqual(expectedIds(truth, () => true));
    // No empty or extra page at the switch from day- to hour-based, nor at the end.
    expect(pages).toBe(Math.ceil(truth.length / 7));
    const switchPage = items.findIndex((item) => item.units === 'hours');
    expect(items.slice(0, switchPage).every((item) => item.units === 'days')).toBe(true);
    expect(items.slice(switchPage).every((item) => item.units === 'hours')).toBe(true);
  });

  it('filters by status, employee and type, combined with the window', async () => {
    const approved = await walk<TimeoffRequest>(
      gateway,
      `/unified/hris/timeoff-requests?limit=200&${windowQuery}&status=approved`,
    );
    expect(ids(approved.items)).toEqual(
      expectedIds(truth, (absence) => overlaps(absence, WINDOW) && absence.status === 'approved'),
    );

    const open = await walk<TimeoffRequest>(
      gateway,
      '/unified/hris/timeoff-requests?limit=50&status=requested,declined',
    );
    expect(ids(open.items)).toEqual(
      expectedIds(truth, (absence) => ['pending', 'rejected'].includes(absence.status)),
    );
    expect(new Set(open.items.map((item) => item.status))).toEqual(new Set(['requested', 'declined']));

    const employeeId = truth.find((absence) => absence.units === 'hours')!.employeeId;
    const mine = await walk<TimeoffRequest>(
      gateway,
      `/unified/hris/timeoff-requests?limit=5&employee_id=${employeeId}`,
    );
    expect(ids(mine.items)).toEqual(expectedIds(truth, (absence) => absence.employeeId === employeeId));
    expect(mine.items.length).toBeGreaterThan(0);

    const sick = await walk<TimeoffRequest>(
      gateway,
      `/unified/hris/timeoff-requests?limit=200&${windowQuery}&timeoff_type_id=302`,
    );
    expect(ids(sick.items)).toEqual(
      expectedIds(truth, (absence) => overlaps(absence, WINDOW) && absence.typeId === '302'),
    );
    const doctor = await walk<TimeoffRequest>(
      gateway,
      '/unified/hris/timeoff-requests?limit=200&timeoff_type_id=306',
    );
    expect(ids(doctor.items)).toEqual(expectedIds(truth, (absence) => absence.typeId === '306'));
    expect(doctor.items.length).toBeGreaterThan(0);
  });

  it('filters by updated_after strictly after the instant', async () => {
    const everything = (await walk<TimeoffRequest>(gateway, '/unified/hris/timeoff-requests?limit=200'))
      .items;
    const stamps = everything.map((item) => item.updated_at!).sort();
    const cut = stamps[Math.floor(stamps.length * 0.7)]!;
    const { items } = await walk<TimeoffRequest>(
      gateway,
      `/unified/hris/timeoff-requests?limit=50&updated_after=${encodeURIComponent(cut)}`,
    );
    expect(ids(items)).toEqual(
      ids(everything.filter((item) => Date.parse(item.updated_at!) > Date.parse(cut))),
    );
    expect(items.length).toBeGreaterThan(0);
  });

  it('gets a day-based and an hour-based request by id, and 404 for unknown or malformed ids', async () => {
    const dayBased = truth.find((absence) => absence.units === 'days')!;
    const hourBased = truth.find((absence) => absence.units === 'hours')!;
    for (const absence of [dayBased, hourBased]) {
      const { status, body } = await send(
        gateway,
        tenant,
        'GET',
        `/unified/hris/timeoff-requests/${absence.id}`,
      );
      expect(status).toBe(200);
      expect(body.result).toMatchObject({
        id: absence.id,
        units: absence.units,
        start_date: absence.firstDay,
      });
    }
    for (const unknown of ['99999999', '00000000-0000-4000-8000-000000000000', 'not-an-id']) {
      const { status, body } = await send(
        gateway,
        tenant,
        'GET',
        `/unified/hris/timeoff-requests/${unknown}`,
      );
      expect(status).toBe(404);
      expect(body.error.code).toBe('not_found');
    }
  });

  it('lists the time-off types with units, half days and approval', async () => {
    const { items } = await walk<TimeoffType>(gateway, '/unified/hris/timeoff-types?limit=3');
    expect(items.map((type) => type.id)).toEqual(['301', '302', '303', '304', '308', '305', '306', '307']);
    expect(items.find((type) => type.id === '305')).toEqual({
      id: '305',
      name: 'Mobile work',
      category: 'offsite_work',
      units: 'hours',
      half_days_allowed: true,
      approval_required: false,
    });
    expect(items.find((type) => type.id === '303')).toMatchObject({
      units: 'days',
      half_days_allowed: false,
    });
  });

  it('refuses a cursor reused with another window, and a window that ends before it starts', async () => {
    const first = await send(gateway, tenant, 'GET', `/unified/hris/timeoff-requests?limit=2&${windowQuery}`);
    const cursor = encodeURIComponent(first.body.next_cursor);
    const other = await send(
      gateway,
      tenant,
      'GET',
      `/unified/hris/timeoff-requests?limit=2&start_date=2025-11-02&end_date=${WINDOW.end}&cursor=${cursor}`,
    );
    expect(other.status).toBe(400);
    expect(other.body.error.details[0].field).toBe('cursor');
    const backwards = await send(
      gateway,
      tenant,
      'GET',
      '/unified/hris/timeoff-requests?start_date=2026-02-01&end_date=2026-01-01',
    );
    expect(backwards.status).toBe(400);
    expect(backwards.body.error.details[0].field).toBe('end_date');
    const badStatus = await send(gateway, tenant, 'GET', '/unified/hris/timeoff-requests?status=pending');
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.error.details[0].field).toBe('status');
  });
});

describe('window walks stay exact under other readings of Personio behaviour', () => {
  let storage: Storage;

  beforeAll(async () => {
    storage = await openStorage('pglite');
  });

  afterAll(async () => {
    await storage?.close();
  });

  it.each<[string, PersonioSandboxOptions]>([
    ['time-offs filter start_date as "starts inside the window"', { timeOffWindow: 'start-within' }],
    [
      'offsets are 1-based pages (0 read as 1)',
      {
        offsetSemantics: {
          timeOffs: 'page-from-1',
          absencePeriods: 'page-from-1',
          timeOffTypes: 'page-from-1',
        },
      },
    ],
    ['offsets count records', { offsetSemantics: { timeOffs: 'record', absencePeriods: 'record' } }],
  ])('when %s', async (_name, options) => {
    const { gateway, truth } = await setUp(storage, options);
    for (const limit of [3, 200]) {
      const { items } = await walk<TimeoffRequest>(
        gateway,
        `/unified/hris/timeoff-requests?limit=${limit}&${windowQuery}`,
      );
      expect(ids(items)).toEqual(expectedIds(truth, (absence) => overlaps(absence, WINDOW)));
    }
  });

  it('returns the same window under 429s, 5xx and latency, retried through', async () => {
    const { gateway, sandbox, truth } = await setUp(storage, {
      offsetSemantics: { timeOffs: 'page-from-1' },
    });
    sandbox.setFaults({ rateLimitedRate: 0.2, serverErrorRate: 0.05, latencyMs: [0, 3], seed: 8 });
    sandbox.resetStats();
    const { items } = await walk<TimeoffRequest>(
      gateway,
      `/unified/hris/timeoff-requests?limit=50&${windowQuery}`,
    );
    expect(ids(items)).toEqual(expectedIds(truth, (absence) => overlaps(absence, WINDOW)));
    expect(sandbox.stats.byStatus[429]).toBeGreaterThan(3);
  });

  it('detects the offset reading with at most one extra upstream request per collection', async () => {
    const { gateway, sandbox, truth } = await setUp(storage, {
      offsetSemantics: { timeOffs: 'record', absencePeriods: 'page-from-1' },
    });
    sandbox.resetStats();
    await walk<TimeoffRequest>(gateway, '/unified/hris/timeoff-requests?limit=200');
    const dayPages = Math.ceil(truth.filter((absence) => absence.units === 'days').length / 200);
    const hourPages = Math.ceil(truth.filter((absence) => absence.units === 'hours').length / 200);
    // Every unified page re-reads the upstream page it stopped in; the detection adds one request each.
    const upstream = sandbox.stats.byRoute;
    expect(upstream['GET /v1/company/time-offs']).toBeLessThanOrEqual(2 * dayPages + 1);
    expect(upstream['GET /v1/company/absence-periods']).toBeLessThanOrEqual(2 * hourPages + 1);
  });
});
