import { and, eq, isNull, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { type SyncedKind, syncedRecords } from '../schema';
import type { AccountRef } from './sync';

/**
 * Reads of the synced copy for `source=synced`: the same filters as the live lists, evaluated in SQL over the
 * stored unified records, in the order the live lists use (employees and day-based absences by Personio id,
 * hour-based absences and types in the order Personio listed them, which is the order the copy first saw them).
 */

export interface SyncedRow {
  data: Record<string, unknown>;
  remoteDeletedAt: Date | null;
  /** Where the next page starts after this row. */
  key: SyncedKey;
}

/** Keyset position: bucket (0 integer ids by length and value, 1 others by first sight), then the tie-breakers. */
export type SyncedKey = [bucket: number, rank: number, remoteId: string];

const bucket = sql<number>`(case when ${syncedRecords.remoteId} ~ '^[0-9]+$' then 0 else 1 end)`;
const rank = sql<number>`(case when ${syncedRecords.remoteId} ~ '^[0-9]+$' then length(${syncedRecords.remoteId}) else ${syncedRecords.seq} end)`;

export async function listSyncedRecords(
  db: Database,
  input: AccountRef & {
    kind: SyncedKind;
    after: SyncedKey | null;
    limit: number;
    includeDeleted: boolean;
    /** Conditions on `synced_records.data`, built with the helpers below. */
    where: (SQL | undefined)[];
    /** Order purely by first sight (types), instead of integer ids first. */
    bySight?: boolean;
  },
): Promise<SyncedRow[]> {
  // A cast, not a bare constant: ORDER BY reads a bare integer as a column number.
  const bucketOf = input.bySight ? sql<number>`1::int` : bucket;
  const rankOf = input.bySight ? sql<number>`${syncedRecords.seq}` : rank;
  const page = sql`(select ${syncedRecords.data} as data, ${syncedRecords.remoteDeletedAt} as deleted_at,
      ${syncedRecords.remoteId} as remote_id, ${syncedRecords.seq} as seq, ${bucketOf} as bucket, ${rankOf} as rank
    from ${syncedRecords}
    where ${and(
      eq(syncedRecords.environmentId, input.environmentId),
      eq(syncedRecords.linkedAccountId, input.linkedAccountId),
      eq(syncedRecords.kind, input.kind),
      input.includeDeleted ? undefined : isNull(syncedRecords.remoteDeletedAt),
      input.after
        ? sql`(${bucketOf}, ${rankOf}, ${syncedRecords.remoteId}) > (${input.after[0]}::int, ${input.after[1]}::bigint, ${input.after[2]})`
        : undefined,
      ...input.where,
    )}
    order by ${sql.join([...(input.bySight ? [] : [bucketOf]), rankOf, syncedRecords.remoteId], sql`, `)}
    limit ${input.limit})`;
  // The page as one JSON text of [data, deleted_at, remote_id, seq] rows: PGlite's cost is mostly per row and
  // per value sent back (an int8 a row alone tripled a page's cost), so one value instead of four a row; the
  // keyset position is computed here from the id and seq instead of being selected.
  const [result] = await db
    .select({
      page: sql<
        string | null
      >`'[' || string_agg(json_build_array(p.data, p.deleted_at, p.remote_id, p.seq::text)::text, ',' order by p.bucket, p.rank, p.remote_id) || ']'`,
    })
    .from(sql`${page} p`);
  const rows = result?.page
    ? (JSON.parse(result.page) as [Record<string, unknown>, string | null, string, string][])
    : [];
  return rows.map(([data, deletedAt, remoteId, seq]) => ({
    data,
    remoteDeletedAt: deletedAt === null ? null : new Date(deletedAt),
    key: readKey(remoteId, Number(seq), input.bySight ?? false),
  }));
}

/** The keyset position of a row, as `bucket` and `rank` above compute it in SQL. */
function readKey(remoteId: string, seq: number, bySight: boolean): SyncedKey {
  if (bySight) return [1, seq, remoteId];
  return INTEGER_ID.test(remoteId) ? [0, remoteId.length, remoteId] : [1, seq, remoteId];
}

/** The same test as `~ '^[0-9]+$'` in `bucket` and `rank`. */
const INTEGER_ID = /^[0-9]+$/;

export async function getSyncedRecord(
  db: Database,
  input: AccountRef & { kind: SyncedKind; remoteId: string; includeDeleted: boolean },
): Promise<Omit<SyncedRow, 'key'> | undefined> {
  const [row] = await db
    .select({ data: syncedRecords.data, remoteDeletedAt: syncedRecords.remoteDeletedAt })
    .from(syncedRecords)
    .where(
      and(
        eq(syncedRecords.environmentId, input.environmentId),
        eq(syncedRecords.linkedAccountId, input.linkedAccountId),
        eq(syncedRecords.kind, input.kind),
        eq(syncedRecords.remoteId, input.remoteId),
        input.includeDeleted ? undefined : isNull(syncedRecords.remoteDeletedAt),
      ),
    )
    .limit(1);
  return row;
}

/** `data->>field`, the text of one top-level field of the stored record. */
export const field = (name: string) => sql`(${syncedRecords.data}->>${name})`;
/** `data->field->>inner`, for references such as `employee.id`. */
export const nestedField = (name: string, inner: string) => sql`(${syncedRecords.data}->${name}->>${inner})`;

export function fieldIn(name: string, values: readonly string[]): SQL {
  return sql`${field(name)} in (${sql.join(
    values.map((value) => sql`${value}`),
    sql`, `,
  )})`;
}
