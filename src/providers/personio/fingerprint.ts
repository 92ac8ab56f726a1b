import { sha256Hex } from '../../crypto/encoding';

/**
 * Personio v1 exposes no company id. Employee ids are assigned by Personio across all companies and
 * `id` is readable by every credential whatever its whitelist, so the lowest employee id (the first
 * of the id-ordered list) names the company for any credential of it. It changes only if that very
 * employee record is deleted, in which case a re-link is simply not recognised as the same company.
 */
export async function personioCompanyFingerprint(
  integration: string,
  lowestEmployeeId: string,
): Promise<string> {
  return `v1:${(await sha256Hex(`roster:personio-company:${integration}:${lowestEmployeeId}`)).slice(0, 32)}`;
}
