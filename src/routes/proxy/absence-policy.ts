import { ApiError } from '../../errors';

/**
 * The type catalogues (`v1/company/time-off-types`, `v2/absence-types`) name no one's absence and are
 * open through the unified API too; every other absence endpoint is closed.
 */
const TYPE_CATALOGUES = new Set(['timeofftypes', 'absencetypes']);

/**
 * Whether a proxy target reaches what `hide_absence_details` hides: individual absences with their
 * type and note (v1 `company/time-offs`, `company/absence-periods`; v2 `absence-periods` and their
 * `breakdowns`), balances per type (`company/employees/{id}/absences/balance`), and report data
 * (`company/custom-reports/reports/{id}`, which Personio documents as carrying absence columns).
 *
 * `target` is the canonical URL of `proxyTarget`, so its segments decode exactly once to what
 * Personio routes on. Segments are compared without case and without separators, and anywhere in the
 * path: a new or differently spelt absence endpoint (`absence_periods`, `V2/Absences`) is closed too.
 */
export function reachesHiddenAbsenceDetails(target: URL): boolean {
  const segments = target.pathname
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => decodedSegment(segment).toLowerCase());
  return segments.some((segment, index) => {
    const word = segment.replace(/[-_.~\s]/g, '');
    if ((word.includes('absence') || word.includes('timeoff')) && !TYPE_CATALOGUES.has(word)) return true;
    // A report's data (`…/reports/{id}`); the list of reports and the column labels hold none.
    return word === 'reports' && index + 1 < segments.length;
  });
}

/** Segments of the proxy's own path decode cleanly; the configured base path might not, and is taken as written. */
function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function hiddenAbsenceDetailsError(): ApiError {
  return new ApiError(
    'forbidden',
    'This linked account hides absence details (settings.hide_absence_details), so the proxy does not reach ' +
      'Personio endpoints that return absences, balances per absence type or report data. To reach them, turn the ' +
      'setting off: PATCH /linked-accounts/{id} with {"settings":{"hide_absence_details":false}}.',
    { details: { setting: 'hide_absence_details' } },
  );
}
