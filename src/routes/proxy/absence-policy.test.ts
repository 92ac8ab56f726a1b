import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../errors';
import { personioDefinition } from '../../providers/personio/definition';
import { reachesHiddenAbsenceDetails } from './absence-policy';
import { proxyTarget } from './target';

const BASE = 'https://api.personio.de/v1';

/** Every Personio path that returns absences, their balances per type, or report data (v1 and v2). */
const CLOSED = [
  'company/time-offs',
  'company/time-offs/90001',
  'v1/company/time-offs',
  'company/absence-periods',
  'company/absence-periods/e2a4c9d0-55b1-4c1e-8d7a-2f3b4c5d6e7f',
  'company/employees/4711/absences/balance',
  'company/custom-reports/reports/8f1c',
  'v2/absence-periods',
  'v2/absence-periods/e2a4c9d0-55b1-4c1e-8d7a-2f3b4c5d6e7f',
  'v2/absence-periods/e2a4c9d0-55b1-4c1e-8d7a-2f3b4c5d6e7f/breakdowns',
  // Spellings Personio does not use today, in case it routes them (or adds them) one day.
  'Company/Time-Offs',
  'COMPANY/TIME-OFFS/1',
  'company/time_offs',
  'company/timeoffs',
  'v2/Absence-Periods',
  'v2/absences',
  'v2/absence-balances',
  'V2/absence-periods',
  'v1/v2/absence-periods',
];

/** Neighbours that stay open: the type catalogues, report metadata, and everything else. */
const OPEN = [
  'company/employees',
  'company/employees/4711',
  'company/employees/attributes',
  'company/time-off-types',
  'v2/absence-types',
  'v2/absence-types/0c6e1f5a-7d2b-4f7e-9f0a-3a1c2b4d5e6f',
  'company/attendances',
  'company/custom-reports/reports',
  'company/custom-reports/columns',
  'v2/persons',
  'v2/attendance-periods',
];

const closed = (path: string, query = '') =>
  reachesHiddenAbsenceDetails(proxyTarget(path, query, BASE, personioDefinition.proxy!));

describe('the proxy paths closed while absence details are hidden', () => {
  it.each(CLOSED)('closes %s', (path) => {
    expect(closed(path)).toBe(true);
    expect(closed(`${path}`, 'limit=1&offset=0')).toBe(true);
  });

  it.each(OPEN)('leaves %s open', (path) => {
    expect(closed(path)).toBe(false);
  });

  it.each([
    'company/time%2Doffs',
    'company/time%2doffs',
    'company/%74ime-offs',
    'company/%74%69%6D%65%2D%6F%66%66%73',
    'company/absence%2Dperiods',
    'company/time%252Doffs',
    'company%2Ftime-offs',
    'company/employees/1/%61bsences/balance',
    '%76%32/absence-periods',
    '%76%32/%61bsence-periods/x/breakdowns',
  ])('closes %s: the policy sees the path Personio routes on', (path) => {
    expect(closed(path)).toBe(true);
  });

  it('refuses every percent-encoding and casing of a closed path, or leaves it out of the proxy', () => {
    const unreserved = /[A-Za-z0-9\-._~]/;
    const hex = (character: string) => character.charCodeAt(0).toString(16).padStart(2, '0');
    // One way to write a character: as it is, %xx, %XX, or %25xx (encoded twice).
    const spelling = (character: string) =>
      fc.constantFrom(
        ...(unreserved.test(character) ? [character, character.toUpperCase(), character.toLowerCase()] : []),
        `%${hex(character)}`,
        `%${hex(character).toUpperCase()}`,
        `%25${hex(character)}`,
      );
    const encoded = fc
      .constantFrom(...CLOSED)
      .chain((path) =>
        fc.tuple(
          ...[...path].map((character) => (character === '/' ? fc.constant('/') : spelling(character))),
        ),
      )
      .map((characters) => characters.join(''));
    fc.assert(
      fc.property(encoded, (path) => {
        let target: URL;
        try {
          target = proxyTarget(path, '', BASE, personioDefinition.proxy!);
        } catch (error) {
          // Refused outright (too many layers of encoding, say): also never reaches Personio.
          expect(error).toBeInstanceOf(ApiError);
          return;
        }
        expect(reachesHiddenAbsenceDetails(target)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
