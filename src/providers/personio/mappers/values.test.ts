import { describe, expect, it } from 'vitest';
import { instant } from './values';

/** The plain definition `instant` must keep to. */
function reference(value: unknown): string | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  const normalised = value.trim().replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const time = Date.parse(normalised);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

describe('instant', () => {
  it.each([
    '2024-01-05T10:00:00+01:00',
    '2024-01-05T10:00:00+0100',
    '2024-01-05T10:00:00-0530',
    '2024-01-05T10:00:00Z',
    '2024-01-05T10:00:00.123+02:00',
    ' 2024-01-05T10:00:00+01:00 ',
    '\u00a02024-01-05T10:00:00+0100\u00a0',
    '2024-01-05T10:00:00+01:00\n',
    '2024-01-05',
    '',
    '   ',
    'not a date',
    '2024-13-45T10:00:00+01:00',
  ])('normalises %j like the plain definition', (value) => {
    expect(instant(value)).toBe(reference(value));
  });

  it('gives UTC ISO 8601, and null for what is not a string', () => {
    expect(instant('2024-01-05T10:00:00+0100')).toBe('2024-01-05T09:00:00.000Z');
    expect(instant(null)).toBeNull();
    expect(instant(1_700_000_000)).toBeNull();
  });
});
