import { describe, expect, it } from 'vitest';
import days from '../../../../test/fixtures/personio/absence-period-days.json';
import partial from '../../../../test/fixtures/personio/absence-period-partial.json';
import timeOff from '../../../../test/fixtures/personio/time-off.json';
import {
  TimeoffBalanceSchema,
  TimeoffRequestSchema,
  type TimeoffType,
  TimeoffTypeSchema,
} from '../../../models/timeoff';
import { AbsencePeriodSchema, TimeOffPeriodSchema, TimeOffTypeSchema } from '../timeoff-schemas';
import { mapAbsencePeriod, mapBalance, mapTimeOffPeriod, mapTimeoffStatus, mapTimeoffType } from './timeoff';

const dayBased = TimeOffPeriodSchema.parse(timeOff);
const partialDay = AbsencePeriodSchema.parse(partial);
const wholeDays = AbsencePeriodSchema.parse(days);

/** A fixture with some attributes replaced, including by values of other shapes Personio might send. */
const withAttributes = (raw: { attributes: object }, change: Record<string, unknown>) => ({
  ...raw,
  attributes: { ...raw.attributes, ...change },
});

describe('mapTimeOffPeriod (day-based)', () => {
  it('maps a time-off, reading compact offsets and keeping Personio calendar dates', () => {
    const request = mapTimeOffPeriod(dayBased);
    expect(request).toEqual({
      id: '90001',
      employee: { id: '4711' },
      timeoff_type: { id: '301', name: 'Annual leave' },
      status: 'approved',
      start_date: '2025-08-04',
      end_date: '2025-08-08',
      start_half_day: false,
      end_half_day: true,
      start_time: null,
      end_time: null,
      timezone: null,
      amount: 4.5,
      units: 'days',
      employee_note: 'Summer trip',
      created_at: '2025-07-01T07:12:00.000Z',
      updated_at: '2025-07-02T08:00:00.000Z',
    });
    expect(TimeoffRequestSchema.safeParse(request).success).toBe(true);
  });

  it('adds remote_data only when asked', () => {
    expect(mapTimeOffPeriod(dayBased)).not.toHaveProperty('remote_data');
    expect(mapTimeOffPeriod(dayBased, { includeRemoteData: true }).remote_data).toEqual(dayBased);
  });

  it('reads 0/1 half-day flags, a string days_count, and an empty comment as null', () => {
    const request = mapTimeOffPeriod(
      TimeOffPeriodSchema.parse(
        withAttributes(timeOff, { half_day_start: 1, half_day_end: '0', days_count: '2,5', comment: '' }),
      ),
    );
    expect(request).toMatchObject({
      start_half_day: true,
      end_half_day: false,
      amount: 2.5,
      employee_note: null,
    });
  });
});

describe('mapTimeoffStatus', () => {
  it.each([
    ['approved', 'approved'],
    ['pending', 'requested'],
    ['rejected', 'declined'],
    ['cancelled', 'cancelled'],
    ['canceled', 'cancelled'],
    ['APPROVED', 'approved'],
    ['something-new', null],
    [null, null],
  ])('%s → %s', (personio, unified) => {
    expect(mapTimeoffStatus(personio)).toBe(unified);
  });
});

describe('mapAbsencePeriod (hour-based)', () => {
  it('gives a partial day its local times in the period time zone (summer time)', () => {
    const request = mapAbsencePeriod(partialDay);
    expect(request).toEqual({
      id: 'e2a4c9d0-55b1-4c1e-8d7a-2f3b4c5d6e7f',
      employee: { id: '4711' },
      timeoff_type: { id: '306', name: "Doctor's appointment" },
      status: 'requested',
      start_date: '2026-07-06',
      end_date: '2026-07-06',
      start_half_day: false,
      end_half_day: false,
      start_time: '09:30',
      end_time: '11:00',
      timezone: 'Europe/Berlin',
      amount: 1.5,
      units: 'hours',
      employee_note: null,
      created_at: '2026-06-20T14:29:56.510Z',
      updated_at: '2026-06-20T14:29:56.510Z',
    });
    expect(TimeoffRequestSchema.safeParse(request).success).toBe(true);
  });

  it('uses winter time in winter', () => {
    const winter = AbsencePeriodSchema.parse(
      withAttributes(partial, { start: '2026-01-12T08:00:00.000Z', end: '2026-01-12T10:15:00.000Z' }),
    );
    expect(mapAbsencePeriod(winter)).toMatchObject({
      start_date: '2026-01-12',
      start_time: '09:00',
      end_time: '11:15',
    });
  });

  it('maps whole days (midnight to midnight) to inclusive dates without times, as in the official example', () => {
    const request = mapAbsencePeriod(wholeDays);
    expect(request).toMatchObject({
      start_date: '2022-06-01',
      end_date: '2022-06-02',
      start_time: null,
      end_time: null,
      start_half_day: true,
      amount: 16,
      timeoff_type: { id: '45678', name: 'Absence Type Name' },
      employee_note: 'this is a comment',
    });
  });

  it("falls back to Personio's per-day breakdown when the time zone is missing", () => {
    const withoutZone = AbsencePeriodSchema.parse(withAttributes(days, { timezone: undefined }));
    expect(mapAbsencePeriod(withoutZone)).toMatchObject({
      start_date: '2022-06-01',
      end_date: '2022-06-02',
      timezone: null,
    });
    const unknownZone = AbsencePeriodSchema.parse(withAttributes(days, { timezone: 'Mars/Olympus' }));
    expect(mapAbsencePeriod(unknownZone)).toMatchObject({ start_date: '2022-06-01', timezone: null });
  });

  it('keeps an open-ended period open, and reads a bare absence_type object', () => {
    const open = AbsencePeriodSchema.parse(
      withAttributes(partial, {
        end: null,
        absence_type: {
          id: '2f1c9a4e-5b7d-4c3e-9a1f-6d8e0b2c4a71',
          name: 'Mobile work',
          time_off_type_id: 305,
        },
      }),
    );
    expect(mapAbsencePeriod(open)).toMatchObject({
      start_date: '2026-07-06',
      end_date: null,
      end_time: null,
      timeoff_type: { id: '305', name: 'Mobile work' },
    });
  });

  it('sums the breakdown when the effective duration is missing', () => {
    const noTotal = AbsencePeriodSchema.parse(withAttributes(days, { effective_duration: undefined }));
    expect(mapAbsencePeriod(noTotal).amount).toBe(16);
  });
});

describe('mapTimeoffType and mapBalance', () => {
  const vacation = mapTimeoffType(
    TimeOffTypeSchema.parse({
      type: 'TimeOffType',
      attributes: {
        id: 301,
        name: 'Paid vacation',
        category: 'paid_vacation',
        unit: 'day',
        approval_required: true,
        half_day_requests_enabled: true,
      },
    }),
  );
  const homeOffice = mapTimeoffType(
    TimeOffTypeSchema.parse({
      type: 'TimeOffType',
      attributes: {
        id: 1235,
        name: 'Home office',
        category: 'offsite_work',
        unit: 'hour',
        approval_required: true,
      },
    }),
  );

  it('maps units and says null where Personio is silent', () => {
    expect(vacation).toEqual({
      id: '301',
      name: 'Paid vacation',
      category: 'paid_vacation',
      units: 'days',
      half_days_allowed: true,
      approval_required: true,
    });
    expect(homeOffice).toMatchObject({ units: 'hours', half_days_allowed: null });
    expect(TimeoffTypeSchema.safeParse(homeOffice).success).toBe(true);
  });

  it('takes the unit of a balance from the type list, and leaves used null', () => {
    const types = new Map<string, TimeoffType>([
      ['301', vacation],
      ['1235', homeOffice],
    ]);
    const balance = mapBalance(
      { id: 301, name: 'Paid vacation', category: 'paid_vacation', balance: 12.5, available_balance: 8 },
      '4711',
      types,
    );
    expect(balance).toEqual({
      employee: { id: '4711' },
      timeoff_type: { id: '301', name: 'Paid vacation' },
      balance: 12.5,
      available_balance: 8,
      used: null,
      units: 'days',
    });
    expect(TimeoffBalanceSchema.safeParse(balance).success).toBe(true);
    expect(mapBalance({ id: 999, balance: '3' }, '4711', types)).toMatchObject({ units: null, balance: 3 });
  });
});
