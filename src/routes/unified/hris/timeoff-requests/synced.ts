import { sql } from 'drizzle-orm';
import type { Services } from '../../../../context';
import {
  field,
  fieldIn,
  getSyncedRecord,
  listSyncedRecords,
  nestedField,
  type SyncedKey,
} from '../../../../db/queries/synced-reads';
import type { LinkedAccount } from '../../../../db/schema';
import type { TimeoffRequest, TimeoffStatus } from '../../../../models/timeoff';
import { invalidParameter, keysetPage, openSyncedCopy, presentSynced, type SyncedPage } from '../../source';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Time-off requests from the synced copy, with the live list's filters, overlap window and order (day-based by
 * id, then hour-based in Personio's order). The copy holds the requests that overlap the sync window, so a
 * window side left open is the copy's edge, and a window reaching past it is refused: the answer would be short.
 */
export async function listSyncedTimeoffRequests(
  services: Pick<Services, 'db'>,
  linkedAccount: Pick<LinkedAccount, 'id' | 'environmentId'>,
  query: {
    limit: number;
    employee_id?: string | undefined;
    timeoff_type_id?: string | undefined;
    status?: TimeoffStatus[] | undefined;
    updated_after?: Date | undefined;
    start_date?: string | undefined;
    end_date?: string | undefined;
    include_deleted: boolean;
  },
  after: SyncedKey | null,
): Promise<SyncedPage<TimeoffRequest>> {
  const copy = await openSyncedCopy(services, linkedAccount);
  const window = copy.window;
  if (window && query.start_date !== undefined && query.start_date < window.start) {
    throw outsideWindow('start_date', window);
  }
  if (window && query.end_date !== undefined && query.end_date > window.end) {
    throw outsideWindow('end_date', window);
  }
  const start = query.start_date ?? window?.start;
  const end = query.end_date ?? window?.end;
  const rows = await listSyncedRecords(services.db, {
    ...copy.ref,
    kind: 'timeoff_request',
    after,
    limit: query.limit + 1,
    includeDeleted: query.include_deleted,
    where: [
      query.employee_id !== undefined
        ? sql`${nestedField('employee', 'id')} = ${query.employee_id}`
        : undefined,
      query.timeoff_type_id !== undefined
        ? sql`${nestedField('timeoff_type', 'id')} = ${query.timeoff_type_id}`
        : undefined,
      query.status?.length ? fieldIn('status', query.status) : undefined,
      // Overlap, as live: starts by the window's last day, ends on or after its first (an open end always does).
      end !== undefined ? sql`${field('start_date')} <= ${end}` : undefined,
      start !== undefined
        ? sql`(${field('end_date')} is null or ${field('end_date')} >= ${start})`
        : undefined,
      query.updated_after
        ? sql`(${field('updated_at')} is null or ${field('updated_at')}::timestamptz > ${query.updated_after.toISOString()}::timestamptz)`
        : undefined,
    ],
  });
  const page = keysetPage(rows, query.limit);
  return {
    // hris-operations adds external ids and applies the privacy setting, for both sources.
    items: page.rows.map((row) => presentSynced<TimeoffRequest>(row, query.include_deleted)),
    next: page.next,
    asOf: copy.asOf,
  };
}

export async function getSyncedTimeoffRequest(
  services: Pick<Services, 'db'>,
  linkedAccount: Pick<LinkedAccount, 'id' | 'environmentId'>,
  id: string,
  includeDeleted: boolean,
): Promise<{ request: TimeoffRequest | null; asOf: Date }> {
  const copy = await openSyncedCopy(services, linkedAccount);
  const row = await getSyncedRecord(services.db, {
    ...copy.ref,
    kind: 'timeoff_request',
    // Personio's UUIDs are lower case; live lookups ignore the case too.
    remoteId: UUID.test(id) ? id.toLowerCase() : id,
    includeDeleted,
  });
  return { request: row ? presentSynced<TimeoffRequest>(row, includeDeleted) : null, asOf: copy.asOf };
}

function outsideWindow(name: 'start_date' | 'end_date', window: { start: string; end: string }) {
  return invalidParameter(
    name,
    `reaches outside the synced copy's window (${window.start} to ${window.end}), so the copy cannot answer ` +
      'completely; use source=live, or widen settings.sync_window_days_back / sync_window_days_ahead',
  );
}
