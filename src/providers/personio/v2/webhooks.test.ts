import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../errors';
import { parseNotification, presentedToken } from './webhooks';

const received = new Date('2026-11-30T12:00:00Z');

describe('Personio webhook notifications', () => {
  it("name the employee of person and employment events, the person's time-off for absence-period events", () => {
    const at = '2026-11-30T11:59:58Z';
    expect(
      parseNotification({ event_name: 'person.updated', occurred_at: at, payload: { id: '1001' } }, received),
    ).toEqual([{ kind: 'employee', remoteId: '1001', occurredAt: '2026-11-30T11:59:58.000Z' }]);
    expect(
      parseNotification(
        {
          event_name: 'employment.terminated',
          occurred_at: at,
          payload: { id: 'emp-uuid', person: { id: 1002 } },
        },
        received,
      ),
    ).toEqual([{ kind: 'employee', remoteId: '1002', occurredAt: '2026-11-30T11:59:58.000Z' }]);
    expect(
      parseNotification(
        {
          event_name: 'absence-period.updated.status',
          occurred_at: at,
          payload: { id: 'b1c7', person: { id: '7' } },
        },
        received,
      ),
    ).toEqual([
      {
        kind: 'timeoff_request',
        remoteId: 'b1c7',
        occurredAt: '2026-11-30T11:59:58.000Z',
        scope: { employeeId: '7' },
      },
    ]);
  });

  it('an absence-period event without its person leaves the person to be asked for', () => {
    expect(
      parseNotification({ event_name: 'absence-period.deleted', payload: { id: 'b1c7' } }, received),
    ).toEqual([
      {
        kind: 'timeoff_request',
        remoteId: 'b1c7',
        occurredAt: received.toISOString(),
        scope: { employeeId: null },
      },
    ]);
    expect(parseNotification({ event_name: 'absence-period.created', payload: {} }, received)).toEqual([]);
  });

  it('an employment event without its person, a ping or an unsynced resource names nothing', () => {
    expect(
      parseNotification({ event_name: 'employment.updated', payload: { id: 'emp-uuid' } }, received),
    ).toEqual([]);
    expect(parseNotification({ event_name: 'ping', payload: {} }, received)).toEqual([]);
    expect(
      parseNotification({ event_name: 'attendance-period.created', payload: { id: 'a' } }, received),
    ).toEqual([]);
  });

  it('an unreadable time is the time of receipt', () => {
    expect(
      parseNotification(
        { event_name: 'person.created', occurred_at: 'soon', payload: { id: '5' } },
        received,
      ),
    ).toEqual([{ kind: 'employee', remoteId: '5', occurredAt: received.toISOString() }]);
  });

  it('a body that is not a notification is invalid_input', () => {
    for (const body of [
      null,
      [],
      'x',
      {},
      { event_name: 3 },
      { event_name: 'person.updated', payload: { id: {} } },
    ]) {
      const error = (() => {
        try {
          parseNotification(body, received);
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).kind).toBe('invalid_input');
    }
  });

  it('the token is the Authorization header as sent', () => {
    expect(presentedToken(new Headers({ authorization: ' abc ' }))).toBe('abc');
    expect(presentedToken(new Headers())).toBeNull();
  });
});
