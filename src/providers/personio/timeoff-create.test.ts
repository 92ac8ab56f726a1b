import { describe, expect, it } from 'vitest';
import type { TimeoffType } from '../../models/timeoff';
import type { NewTimeoffRequest } from '../types';
import { checkAgainstType } from './timeoff-create';

const type = (units: TimeoffType['units'], halfDays: boolean | null): TimeoffType => ({
  id: '1',
  name: 'Type',
  category: null,
  units,
  half_days_allowed: halfDays,
  approval_required: true,
});

const request = (change: Partial<NewTimeoffRequest> = {}): NewTimeoffRequest => ({
  employeeId: '1001',
  timeoffTypeId: '1',
  startDate: '2026-03-02',
  endDate: '2026-03-02',
  startHalfDay: false,
  endHalfDay: false,
  startTime: null,
  endTime: null,
  employeeNote: null,
  skipApproval: false,
  ...change,
});

const fields = (issues: { field: string }[]) => issues.map((issue) => issue.field);

describe('checkAgainstType', () => {
  it('accepts whole and half days on a day-based type, and half days when Personio does not say', () => {
    expect(
      checkAgainstType(request({ endDate: '2026-03-06', endHalfDay: true }), type('days', true)),
    ).toEqual([]);
    expect(checkAgainstType(request({ startHalfDay: true }), type('days', null))).toEqual([]);
  });

  it('refuses half days the type does not allow, and times on a day-based type', () => {
    expect(
      fields(checkAgainstType(request({ endDate: '2026-03-03', endHalfDay: true }), type('days', false))),
    ).toEqual(['end_half_day']);
    expect(
      fields(checkAgainstType(request({ startTime: '09:00', endTime: '10:00' }), type('days', true))),
    ).toEqual(['start_time']);
  });

  it('wants times within one hour-based day, and half days (not times) over several', () => {
    expect(checkAgainstType(request({ startTime: '09:00', endTime: '10:00' }), type('hours', true))).toEqual(
      [],
    );
    expect(fields(checkAgainstType(request(), type('hours', true)))).toEqual(['start_time']);
    expect(
      fields(
        checkAgainstType(
          request({ startTime: '09:00', endTime: '10:00', startHalfDay: true }),
          type('hours', true),
        ),
      ),
    ).toEqual(['start_half_day']);
    expect(
      checkAgainstType(request({ endDate: '2026-03-04', startHalfDay: true }), type('hours', true)),
    ).toEqual([]);
    expect(
      fields(
        checkAgainstType(
          request({ endDate: '2026-03-04', startTime: '09:00', endTime: '10:00' }),
          type('hours', true),
        ),
      ),
    ).toEqual(['start_time']);
  });
});
