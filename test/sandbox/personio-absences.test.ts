import { describe, expect, it } from 'vitest';
import {
  createPersonioSandbox,
  type PersonioSandbox,
  SANDBOX_CREDENTIALS,
} from '../../src/sandbox/personio/index';
import { deleteJson, everything, getAuthed, postForm } from './absence-client';
import type { Body } from './sandbox-client';
import { tokenFor } from './sandbox-client';

const day = (value: string) => value.slice(0, 10);
const idsOf = (items: Body[]) => items.map((item) => item.attributes.id);

async function open(options: Parameters<typeof createPersonioSandbox>[0] = {}) {
  const sandbox = createPersonioSandbox({ employees: 80, seed: 5, ...options });
  return { sandbox, token: await tokenFor(sandbox, SANDBOX_CREDENTIALS.full) };
}

describe('seeded absences', () => {
  it('cover every status, half days, long spans and both units, deterministically per seed', async () => {
    const { sandbox, token } = await open();
    const timeOffs = await everything(sandbox, '/company/time-offs', token);
    const periods = await everything(sandbox, '/company/absence-periods', token);
    const statuses = new Set([...timeOffs, ...periods].map((item) => item.attributes.status));
    expect(statuses).toEqual(new Set(['approved', 'pending', 'rejected', 'cancelled']));
    expect(timeOffs.some((item) => item.attributes.half_day_start || item.attributes.half_day_end)).toBe(
      true,
    );
    const spanDays = (item: Body) =>
      (Date.parse(day(item.attributes.end_date)) - Date.parse(day(item.attributes.start_date))) / 86_400_000;
    expect(timeOffs.some((item) => spanDays(item) >= 90)).toBe(true);
    expect(periods.some((item) => item.attributes.breakdowns.length > 1)).toBe(true);
    expect(periods.some((item) => item.attributes.breakdowns.length === 1)).toBe(true);
    for (const period of periods) {
      const minutes = period.attributes.breakdowns.reduce(
        (sum: number, entry: Body) => sum + entry.effective_duration,
        0,
      );
      expect(period.attributes.effective_duration).toBe(minutes);
    }

    const again = await open();
    expect(await everything(again.sandbox, '/company/time-offs', again.token)).toEqual(timeOffs);
    expect(await everything(again.sandbox, '/company/absence-periods', again.token)).toEqual(periods);
    const other = await open({ seed: 6 });
    expect(idsOf(await everything(other.sandbox, '/company/absence-periods', other.token))).not.toEqual(
      idsOf(periods),
    );
  });

  it('reports the seeded balances through the balance endpoint', async () => {
    const { sandbox, token } = await open();
    for (const id of sandbox.employeeIds().slice(0, 10)) {
      const { body } = await getAuthed(sandbox, `/company/employees/${id}/absences/balance`, token);
      expect(
        body.data.map((entry: Body) => ({
          typeId: entry.id,
          balance: entry.balance,
          availableBalance: entry.available_balance,
        })),
      ).toEqual(sandbox.seededBalances(id));
    }
    expect(sandbox.seededBalances(sandbox.employeeIds()[0]!).length).toBeGreaterThan(0);
  });
});

describe('offset semantics', () => {
  async function pageIds(sandbox: PersonioSandbox, token: string, path: string, offset: number) {
    const { body } = await getAuthed(sandbox, `${path}?limit=10&offset=${offset}`, token);
    return idsOf(body.data);
  }

  it.each(['/company/time-offs', '/company/absence-periods'])(
    '%s reads offset as a 0-based page number by default',
    async (path) => {
      const { sandbox, token } = await open();
      const all = idsOf(await everything(sandbox, path, token));
      expect(await pageIds(sandbox, token, path, 0)).toEqual(all.slice(0, 10));
      expect(await pageIds(sandbox, token, path, 1)).toEqual(all.slice(10, 20));
      expect(await pageIds(sandbox, token, path, 2)).toEqual(all.slice(20, 30));
    },
  );

  it('can read it as a 1-based page (0 read as 1) or as a record offset instead', async () => {
    const fromOne = await open({ offsetSemantics: { timeOffs: 'page-from-1' } });
    const all = idsOf(await everything(fromOne.sandbox, '/company/time-offs', fromOne.token));
    expect(await pageIds(fromOne.sandbox, fromOne.token, '/company/time-offs', 0)).toEqual(all.slice(0, 10));
    expect(await pageIds(fromOne.sandbox, fromOne.token, '/company/time-offs', 1)).toEqual(all.slice(0, 10));
    expect(await pageIds(fromOne.sandbox, fromOne.token, '/company/time-offs', 2)).toEqual(all.slice(10, 20));

    const records = await open({ offsetSemantics: { absencePeriods: 'record' } });
    const periods = idsOf(await everything(records.sandbox, '/company/absence-periods', records.token));
    expect(await pageIds(records.sandbox, records.token, '/company/absence-periods', 3)).toEqual(
      periods.slice(3, 13),
    );
  });

  it('time-off types take a record offset', async () => {
    const { sandbox, token } = await open();
    const all = (await getAuthed(sandbox, '/company/time-off-types', token)).body.data;
    const { body } = await getAuthed(sandbox, '/company/time-off-types?limit=2&offset=3', token);
    expect(body.data).toEqual(all.slice(3, 5));
  });
});

describe('filters', () => {
  const window = { start: '2026-02-01', end: '2026-02-28' };
  const overlaps = (start: string, end: string | null) =>
    start <= window.end && (end === null || end >= window.start);

  it('time-offs: the window means overlap by default, or starting inside it when configured', async () => {
    for (const mode of ['overlap', 'start-within'] as const) {
      const { sandbox, token } = await open({ timeOffWindow: mode });
      const all = await everything(sandbox, '/company/time-offs', token);
      const filtered = await everything(
        sandbox,
        `/company/time-offs?start_date=${window.start}&end_date=${window.end}`,
        token,
      );
      const expected = all.filter((item) => {
        const start = day(item.attributes.start_date);
        const end = day(item.attributes.end_date);
        return mode === 'overlap' ? overlaps(start, end) : start >= window.start && start <= window.end;
      });
      expect(idsOf(filtered)).toEqual(idsOf(expected));
      expect(expected.some((item) => day(item.attributes.start_date) < window.start)).toBe(
        mode === 'overlap',
      );
    }
  });

  it('absence periods: the window means intersection', async () => {
    const { sandbox, token } = await open();
    const all = await everything(sandbox, '/company/absence-periods', token);
    const filtered = await everything(
      sandbox,
      `/company/absence-periods?start_date=${window.start}&end_date=${window.end}`,
      token,
    );
    const dates = (item: Body) => item.attributes.breakdowns.map((entry: Body) => entry.date).sort();
    const expected = all.filter((item) => overlaps(dates(item)[0], dates(item).at(-1)));
    expect(idsOf(filtered)).toEqual(idsOf(expected));
    expect(expected.length).toBeGreaterThan(0);
  });

  it('employees[] and updated_from/updated_to narrow both lists', async () => {
    const { sandbox, token } = await open();
    const [first, second] = sandbox.employeeIds();
    for (const path of ['/company/time-offs', '/company/absence-periods']) {
      const all = await everything(sandbox, path, token);
      const mine = await everything(sandbox, `${path}?employees[]=${first}&employees[]=${second}`, token);
      expect(idsOf(mine)).toEqual(
        idsOf(all.filter((item) => [first, second].includes(item.attributes.employee.attributes.id.value))),
      );
    }
    const timeOffs = await everything(sandbox, '/company/time-offs', token);
    const updated = await everything(
      sandbox,
      '/company/time-offs?updated_from=2025-10-01&updated_to=2025-11-30',
      token,
    );
    const inRange = timeOffs.filter((item) => {
      const date = day(item.attributes.updated_at);
      return date >= '2025-10-01' && date <= '2025-11-30';
    });
    expect(idsOf(updated)).toEqual(idsOf(inRange));
    expect(inRange.length).toBeGreaterThan(0);
  });

  it('rejects malformed filters with 400', async () => {
    const { sandbox, token } = await open();
    for (const query of ['start_date=01.02.2026', 'employees[]=abc', 'limit=0', 'offset=-1']) {
      expect((await getAuthed(sandbox, `/company/time-offs?${query}`, token)).status).toBe(400);
    }
    expect((await getAuthed(sandbox, '/company/absence-periods?updated_from=yesterday', token)).status).toBe(
      400,
    );
    expect(
      (
        await getAuthed(
          sandbox,
          '/company/absence-periods?absence_types[]=00000000-0000-4000-8000-000000000000',
          token,
        )
      ).status,
    ).toBe(404);
  });
});

describe('writes', () => {
  it('creates, lists, counts and deletes a time-off; skip_approval=false leaves it pending', async () => {
    const { sandbox, token } = await open();
    const employeeId = String(sandbox.employeeIds()[3]);
    sandbox.resetStats();
    const created = await postForm(sandbox, '/company/time-offs', token, {
      employee_id: employeeId,
      time_off_type_id: '301',
      start_date: '2031-01-06',
      end_date: '2031-01-06',
      half_day_start: 'true',
      half_day_end: 'false',
      skip_approval: '0',
    });
    expect(created.status).toBe(200);
    expect(created.body.data.attributes).toMatchObject({ status: 'pending', days_count: 0.5 });
    expect(sandbox.stats.byRoute['POST /v1/company/time-offs']).toBe(1);

    const mine = await everything(sandbox, `/company/time-offs?employees[]=${employeeId}`, token);
    expect(idsOf(mine)).toContain(created.body.data.attributes.id);
    await deleteJson(sandbox, `/company/time-offs/${created.body.data.attributes.id}`, token);
    const after = await everything(sandbox, `/company/time-offs?employees[]=${employeeId}`, token);
    expect(idsOf(after)).not.toContain(created.body.data.attributes.id);
  });

  it('types without approval are approved even with skip_approval=false', async () => {
    const { sandbox, token } = await open();
    const created = await postForm(sandbox, '/company/time-offs', token, {
      employee_id: String(sandbox.employeeIds()[4]),
      time_off_type_id: '302',
      start_date: '2031-02-03',
      end_date: '2031-02-04',
      half_day_start: '0',
      half_day_end: '0',
      skip_approval: '0',
    });
    expect(created.body.data.attributes.status).toBe('approved');
  });

  it('refuses half days on a type without them, a date range that ends first, and unknown employees', async () => {
    const { sandbox, token } = await open();
    const base = {
      employee_id: String(sandbox.employeeIds()[4]),
      time_off_type_id: '303',
      start_date: '2031-03-02',
      end_date: '2031-03-06',
      half_day_start: '1',
      half_day_end: '0',
    };
    expect((await postForm(sandbox, '/company/time-offs', token, base)).status).toBe(422);
    const backwards = await postForm(sandbox, '/company/time-offs', token, {
      ...base,
      half_day_start: '0',
      end_date: '2031-03-01',
    });
    expect(backwards.status).toBe(422);
    expect(backwards.body.error.error_data).toHaveProperty('end_date');
    const nobody = await postForm(sandbox, '/company/time-offs', token, {
      ...base,
      half_day_start: '0',
      employee_id: '999999',
    });
    expect(nobody.status).toBe(404);
  });

  it('creates an hour-based period that shows up in its list and can be deleted', async () => {
    const { sandbox, token } = await open();
    const employeeId = String(sandbox.employeeIds()[9]);
    const created = await postForm(sandbox, '/company/absence-periods', token, {
      employee_id: employeeId,
      time_off_type_id: '307',
      start_date: '2031-07-01',
      end_date: '2031-07-01',
      start_time: '14:00',
      end_time: '17:30',
      comment: 'Leaving early',
      skip_approval: 'false',
    });
    expect(created.status).toBe(201);
    expect(created.body.data.attributes).toMatchObject({ status: 'pending', effective_duration: 210 });
    const id = created.body.data.attributes.id;
    const listed = await everything(sandbox, `/company/absence-periods?absence_periods[]=${id}`, token);
    expect(idsOf(listed)).toEqual([id]);
    const all = await everything(sandbox, '/company/absence-periods', token);
    expect(idsOf(all).at(-1)).toBe(id);
    expect((await deleteJson(sandbox, `/company/absence-periods/${id}`, token)).status).toBe(200);
    expect(await everything(sandbox, `/company/absence-periods?absence_periods[]=${id}`, token)).toEqual([]);
  });
});
