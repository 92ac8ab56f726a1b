import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv, Services } from '../../context';
import { lastCompletedPass } from '../../db/queries/sync';
import type { SyncedKey, SyncedRow } from '../../db/queries/synced-reads';
import type { LinkedAccount } from '../../db/schema';
import { ApiError } from '../../errors';
import { queryBinding } from '../../lib/cursor';
import type { Page } from '../../providers/types';
import { booleanQuery } from '../common';

/**
 * `source=live|synced`: every unified read can be answered by Personio (live) or from the synced copy the
 * reconciliation passes keep. The account's `default_source` applies when the request names none.
 */

export const SOURCES = ['live', 'synced'] as const;
export type Source = (typeof SOURCES)[number];

export const DATA_AS_OF_HEADER = 'X-Roster-Data-As-Of';

export const SourceQuery = z.object({
  source: z
    .enum(SOURCES, { error: 'must be live or synced' })
    .optional()
    .openapi({
      description:
        '`live` asks Personio; `synced` reads the copy kept by sync passes (no upstream call; the answer carries ' +
        '`X-Roster-Data-As-Of`). Default: the linked account’s `settings.default_source`, else `live`.',
      example: 'synced',
    }),
  include_deleted: booleanQuery.openapi({
    type: 'boolean',
    description:
      'With `source=synced`: also records deleted in Personio (tombstones), each with `remote_deleted_at`.',
  }),
});

export const SourceQueryNoTombstones = SourceQuery.pick({ source: true });

export const DATA_AS_OF_RESPONSE_HEADER = {
  [DATA_AS_OF_HEADER]: {
    description:
      'Synced reads only: when the last completed sync pass began (RFC 3339). Every change Personio had made ' +
      'before then is in the answer; later ones are not.',
    schema: { type: 'string' as const, format: 'date-time' },
  },
};

export function resolveSource(
  linkedAccount: Pick<LinkedAccount, 'settings'>,
  query: { source?: Source | undefined; include_deleted?: boolean; include_remote_data?: boolean },
): Source {
  const source = query.source ?? linkedAccount.settings.default_source ?? 'live';
  if (source === 'live' && query.include_deleted) {
    throw invalidParameter(
      'include_deleted',
      'needs source=synced: Personio does not report deleted records, only the synced copy keeps them',
    );
  }
  if (source === 'synced' && query.include_remote_data) {
    throw invalidParameter(
      'include_remote_data',
      "is not available with source=synced: the copy keeps unified records, not Personio's objects; use source=live",
    );
  }
  return source;
}

export function invalidParameter(name: string, message: string): ApiError {
  return new ApiError('invalid_request', `Invalid query parameter \`${name}\`: ${message}`, {
    details: [{ field: name, message }],
  });
}

/**
 * The linked account's copy, or 409 while no pass has completed (an empty copy would look like a company
 * without employees). `asOf` is what the route sends as `X-Roster-Data-As-Of`.
 */
export async function openSyncedCopy(
  services: Pick<Services, 'db'>,
  linkedAccount: Pick<LinkedAccount, 'id' | 'environmentId'>,
) {
  const ref = { environmentId: linkedAccount.environmentId, linkedAccountId: linkedAccount.id };
  const state = await lastCompletedPass(services.db, ref);
  if (!state) {
    throw new ApiError(
      'conflict',
      'The synced copy of this linked account is not ready: no sync pass has completed yet. Read with ' +
        'source=live, or wait for the first pass (GET /linked-accounts/{id}/sync shows its progress).',
      { details: { source: 'synced', last_completed_pass: null } },
    );
  }
  return { ref, window: state.window, asOf: state.startedAt };
}

/** Sets `X-Roster-Data-As-Of` on a synced answer (a live one has none). */
export function setDataAsOf(c: Context<AppEnv>, dataAsOf: Date | null | undefined): void {
  if (dataAsOf) c.header(DATA_AS_OF_HEADER, dataAsOf.toISOString());
}

/** A stored record as the API shows it: with `remote_deleted_at` only when tombstones were asked for. */
export function presentSynced<Item>(
  row: Pick<SyncedRow, 'data' | 'remoteDeletedAt'>,
  includeDeleted: boolean,
) {
  const item = row.data as Item;
  if (!includeDeleted) return item;
  return { ...item, remote_deleted_at: row.remoteDeletedAt?.toISOString() ?? null } as Item;
}

/** A page read from the copy, with the time the copy is as of. */
export interface SyncedPage<Item> {
  items: Item[];
  next: SyncedKey | null;
  asOf: Date;
}

const SyncedCursorSchema = z.object({
  synced: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative(), z.string().max(128)]),
});

/**
 * One page of a list that either source can answer, with one cursor format: the cursor is bound to the query
 * as live cursors are, and also says which source issued it, so a walk never switches source silently (a
 * cursor of the other source is refused, also when the account's default changed mid-walk).
 */
export async function sourcedPage<Item>(
  services: Services,
  query: {
    resource: string;
    linkedAccountId: string;
    filters: Record<string, unknown>;
    cursor: string | undefined;
    source: Source;
    includeDeleted: boolean;
  },
  live: (position: unknown) => Promise<Page<Item>>,
  synced: (after: SyncedKey | null) => Promise<SyncedPage<Item>>,
): Promise<{ items: Item[]; nextCursor: string | null; dataAsOf: Date | null }> {
  const filters = { ...query.filters, include_deleted: query.includeDeleted ? true : undefined };
  const binding = queryBinding(query.resource, query.linkedAccountId, filters);
  const state = query.cursor ? await services.cursors.decode(query.cursor, binding) : null;
  const issuedBy: Source | null =
    state === null ? null : typeof state === 'object' && 'synced' in state ? 'synced' : 'live';
  if (issuedBy !== null && issuedBy !== query.source) {
    throw invalidParameter(
      'cursor',
      `was issued by a ${issuedBy} read and cannot continue as a ${query.source} one; send source=${issuedBy} ` +
        'to finish the walk, or start a new walk without a cursor',
    );
  }
  if (query.source === 'live') {
    const page = await live(state);
    return {
      items: page.items,
      nextCursor: page.next ? await services.cursors.encode(page.next, binding) : null,
      dataAsOf: null,
    };
  }
  let after: SyncedKey | null = null;
  if (state !== null) {
    const parsed = SyncedCursorSchema.safeParse(state);
    if (!parsed.success) throw invalidParameter('cursor', 'is not a cursor of this list');
    after = parsed.data.synced;
  }
  const page = await synced(after);
  return {
    items: page.items,
    nextCursor: page.next ? await services.cursors.encode({ synced: page.next }, binding) : null,
    dataAsOf: page.asOf,
  };
}

/** Reads `limit + 1` rows to know whether more follow without a second query. */
export function keysetPage<Row extends { key: SyncedKey }>(rows: Row[], limit: number) {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  return { rows: page, next: more ? page.at(-1)!.key : null };
}
