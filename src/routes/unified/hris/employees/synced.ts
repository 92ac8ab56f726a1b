import { sql } from 'drizzle-orm';
import type { Services } from '../../../../context';
import {
  field,
  fieldIn,
  getSyncedRecord,
  listSyncedRecords,
  type SyncedKey,
} from '../../../../db/queries/synced-reads';
import type { LinkedAccount } from '../../../../db/schema';
import { ApiError } from '../../../../errors';
import type { Employee, EmploymentStatus } from '../../../../models/employee';
import { keysetPage, openSyncedCopy, presentSynced, type SyncedPage } from '../../source';

/** Employees from the synced copy: the live list's filters and order (Personio id), with tombstones on request. */
export async function listSyncedEmployees(
  services: Pick<Services, 'db'>,
  linkedAccount: LinkedAccount,
  query: {
    limit: number;
    email?: string | undefined;
    employment_status?: EmploymentStatus[] | undefined;
    updated_after?: Date | undefined;
    include_deleted: boolean;
  },
  after: SyncedKey | null,
): Promise<SyncedPage<Employee>> {
  if (query.employment_status?.length && !covers(linkedAccount, 'employment_status')) {
    // As live: Personio would leave `status` out, so the filter cannot be applied.
    throw new ApiError(
      'provider_forbidden',
      'The employment_status filter needs the Personio attribute `status`, which this credential cannot read.',
      { details: { personio_attribute: 'status' } },
    );
  }
  const copy = await openSyncedCopy(services, linkedAccount);
  const rows = await listSyncedRecords(services.db, {
    ...copy.ref,
    kind: 'employee',
    after,
    limit: query.limit + 1,
    includeDeleted: query.include_deleted,
    where: [
      // Personio matches the address whatever its case (the simulator does the same).
      query.email ? sql`lower(${field('work_email')}) = ${query.email.trim().toLowerCase()}` : undefined,
      query.employment_status?.length ? fieldIn('employment_status', query.employment_status) : undefined,
      // As live: strictly after; a record without `updated_at` is kept.
      query.updated_after
        ? sql`(${field('updated_at')} is null or ${field('updated_at')}::timestamptz > ${query.updated_after.toISOString()}::timestamptz)`
        : undefined,
    ],
  });
  const page = keysetPage(rows, query.limit);
  return {
    items: page.rows.map((row) =>
      withCoverage(presentSynced<Employee>(row, query.include_deleted), linkedAccount),
    ),
    next: page.next,
    asOf: copy.asOf,
  };
}

export async function getSyncedEmployee(
  services: Pick<Services, 'db'>,
  linkedAccount: LinkedAccount,
  id: string,
  includeDeleted: boolean,
): Promise<{ employee: Employee | null; asOf: Date }> {
  const copy = await openSyncedCopy(services, linkedAccount);
  const row = await getSyncedRecord(services.db, {
    ...copy.ref,
    kind: 'employee',
    remoteId: id,
    includeDeleted,
  });
  return {
    employee: row ? withCoverage(presentSynced<Employee>(row, includeDeleted), linkedAccount) : null,
    asOf: copy.asOf,
  };
}

function covers(linkedAccount: Pick<LinkedAccount, 'fieldCoverage'>, name: string): boolean {
  return !linkedAccount.fieldCoverage?.unavailable.some((entry) => entry.field === name);
}

/**
 * Field coverage as live: a field the account's credential cannot read now is null, even where the copy holds
 * a value read under an earlier, wider credential.
 */
export function withCoverage(
  employee: Employee,
  linkedAccount: Pick<LinkedAccount, 'fieldCoverage'>,
): Employee {
  const unavailable = linkedAccount.fieldCoverage?.unavailable;
  if (!unavailable?.length) return employee;
  const masked: Record<string, unknown> = { ...employee };
  for (const { field: name } of unavailable) if (name in masked && name !== 'id') masked[name] = null;
  return masked as Employee;
}
