import { describe, expect, it } from 'vitest';
import { recordEvents } from './types';

const employee = (fields: Record<string, unknown>) => ({
  id: '1001',
  first_name: 'Mara',
  job_title: 'Engineer',
  employment_status: 'active',
  termination_date: null,
  updated_at: '2026-01-01T00:00:00.000Z',
  ...fields,
});

const types = (events: { type: string }[]) => events.map((event) => event.type);

describe('recordEvents', () => {
  it('a new active employee is created and hired; a new pending one only created', () => {
    expect(types(recordEvents('employee', null, employee({})))).toEqual([
      'employee.created',
      'employee.hired',
    ]);
    expect(types(recordEvents('employee', null, employee({ employment_status: 'pending' })))).toEqual([
      'employee.created',
    ]);
  });

  it('an updated_at-only change is no event; a real change carries the old values of what changed', () => {
    expect(
      recordEvents('employee', employee({}), employee({ updated_at: '2026-02-01T00:00:00.000Z' })),
    ).toEqual([]);
    const [updated] = recordEvents(
      'employee',
      employee({}),
      employee({ job_title: 'Lead', updated_at: '2026-02-01T00:00:00.000Z' }),
    );
    expect(updated).toEqual({
      type: 'employee.updated',
      data: {
        object: employee({ job_title: 'Lead', updated_at: '2026-02-01T00:00:00.000Z' }),
        previous_attributes: { job_title: 'Engineer', updated_at: '2026-01-01T00:00:00.000Z' },
      },
    });
  });

  it('hired on pending → active and on a rehire, not on a return from leave', () => {
    const hired = (from: string) =>
      types(recordEvents('employee', employee({ employment_status: from }), employee({}))).includes(
        'employee.hired',
      );
    expect(hired('pending')).toBe(true);
    expect(hired('inactive')).toBe(true);
    expect(hired('leave')).toBe(false);
  });

  it('terminated once: when the date is set, not again when the status follows', () => {
    const dated = employee({ termination_date: '2026-12-31' });
    expect(types(recordEvents('employee', employee({}), dated))).toEqual([
      'employee.updated',
      'employee.terminated',
    ]);
    expect(types(recordEvents('employee', dated, { ...dated, employment_status: 'inactive' }))).toEqual([
      'employee.updated',
    ]);
    expect(
      types(recordEvents('employee', employee({}), employee({ employment_status: 'inactive' }))),
    ).toEqual(['employee.updated', 'employee.terminated']);
  });

  it('time-off status transitions, and none for a request first seen approved', () => {
    const request = (status: string) => ({ id: '9', status, start_date: '2026-08-03' });
    for (const [status, type] of [
      ['approved', 'timeoff_request.approved'],
      ['declined', 'timeoff_request.declined'],
      ['cancelled', 'timeoff_request.cancelled'],
    ]) {
      expect(types(recordEvents('timeoff_request', request('requested'), request(status!)))).toEqual([
        'timeoff_request.updated',
        type,
      ]);
    }
    expect(types(recordEvents('timeoff_request', null, request('approved')))).toEqual([
      'timeoff_request.created',
    ]);
  });

  it('a deletion carries the last record seen, without remote data', () => {
    expect(
      recordEvents('timeoff_type', { id: '301', name: 'Vacation', remote_data: { x: 1 } }, null),
    ).toEqual([{ type: 'timeoff_type.deleted', data: { object: { id: '301', name: 'Vacation' } } }]);
  });
});
