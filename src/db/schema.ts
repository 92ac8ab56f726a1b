import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  index,
  integer,
  json,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
};

export const environments = pgTable('environments', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** `test` environments issue `sk_test_` keys, `live` ones `sk_live_` keys. */
  mode: text('mode', { enum: ['test', 'live'] }).notNull(),
  ...timestamps,
});

export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    environmentId: text('environment_id')
      .notNull()
      .references(() => environments.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** The first characters of the key, shown in listings; the key itself is never stored. */
    prefix: text('prefix').notNull(),
    hash: text('hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (table) => [
    uniqueIndex('api_keys_hash_idx').on(table.hash),
    index('api_keys_environment_idx').on(table.environmentId),
  ],
);

export const LINKED_ACCOUNT_STATUSES = ['active', 'needs_reauth', 'disabled'] as const;
export type LinkedAccountStatus = (typeof LINKED_ACCOUNT_STATUSES)[number];

/** The integrations built in; the provider registry (`src/providers/registry.ts`) decides which are served. */
export const INTEGRATIONS = ['personio', 'personio-sandbox'] as const;
/** A provider integration id (see the provider registry), e.g. `personio`. */
export type Integration = string;

export interface FieldCoverage {
  /** When the coverage was measured against the provider. */
  checked_at: string;
  /** Unified employee fields this credential can fill. */
  available: string[];
  /** Unified fields it cannot, with the provider's fields to grant for each (any one fills it). */
  unavailable: { field: string; remote_fields: string[] }[];
  /** Stored only (not in the API): the provider fields the credential could read, for field mappings' coverage. */
  readable_remote_fields?: string[];
}

/** Whether a credential may read and write one unified resource; `null`: not checked or not applicable. */
export interface ResourceRights {
  read: boolean | null;
  write: boolean | null;
}

/** What a credential may do with each unified resource (and attendances, through the proxy), checked live. */
export interface ResourceAccess {
  checked_at: string;
  employees: ResourceRights;
  timeoff_requests: ResourceRights;
  timeoff_types: ResourceRights;
  timeoff_balances: ResourceRights;
  attendances: ResourceRights;
}

export interface LinkedAccountSettings {
  hide_absence_details?: boolean;
  /** Change feed: reconciliation passes on (default) or off. */
  sync_enabled?: boolean;
  /** Minutes between passes (default 15, at least 1). */
  sync_interval_minutes?: number;
  /** Time-off requests kept in the synced copy: days back and ahead of today (default 400 / 730). */
  sync_window_days_back?: number;
  sync_window_days_ahead?: number;
  /** Minutes between full passes, the ones that see deletions (default 60); passes between are incremental. */
  sync_full_interval_minutes?: number;
  /** Minutes between refreshes of the synced balances (default 1440, a day). */
  sync_balances_interval_minutes?: number;
  /** Where unified reads are served from when the request names no `source` (default `live`). */
  default_source?: 'live' | 'synced';
  /** `v1` (default): Personio v1 only; `auto`: v2 where the credential has it and it is better (opt-in). */
  personio_api_version?: 'auto' | 'v1';
}

/** What the linked credential can do beyond the provider's base API, found out when it was validated. */
export interface LinkedAccountCapabilities {
  /** Personio issued this credential a v2 token. */
  personio_v2: boolean;
  /** The credential may register inbound webhooks with the provider (Personio: `personio:webhooks:write`). */
  webhooks?: boolean;
  /**
   * Personio: its v2 absence ids are its v1 ids (compared at the check); null when nothing could be
   * compared. Only `true` lets time-off lists go through v2.
   */
  personio_v2_shared_absence_ids?: boolean | null;
  checked_at: string;
}

export const linkedAccounts = pgTable(
  'linked_accounts',
  {
    id: text('id').primaryKey(),
    environmentId: text('environment_id')
      .notNull()
      .references(() => environments.id, { onDelete: 'cascade' }),
    integration: text('integration').$type<Integration>().notNull(),
    originId: text('origin_id').notNull(),
    organizationName: text('organization_name'),
    email: text('email'),
    /** What tells this connection apart: the admin's name for it, else the Personio company's where readable. */
    label: text('label'),
    /** Compact JWE (dir + A256GCM) of `{ client_id, client_secret }`; null once erased. */
    credentials: text('credentials'),
    credentialsKeyId: text('credentials_key_id'),
    /**
     * Recognises the same Personio company linked again (Personio v1 exposes no company id):
     * a digest of stable company facts, set by the link flow.
     */
    companyFingerprint: text('company_fingerprint'),
    status: text('status', { enum: LINKED_ACCOUNT_STATUSES }).notNull().default('active'),
    fieldCoverage: jsonb('field_coverage').$type<FieldCoverage>(),
    resourceAccess: jsonb('resource_access').$type<ResourceAccess>(),
    settings: jsonb('settings').$type<LinkedAccountSettings>().notNull().default(sql`'{}'::jsonb`),
    /** Null until the credential is validated (linked, reconnected or checked) by a version that records it. */
    capabilities: jsonb('capabilities').$type<LinkedAccountCapabilities>(),
    ...timestamps,
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
    deletedAt: timestamp('deleted_at', { withTimezone: true, mode: 'date' }),
  },
  (table) => [
    index('linked_accounts_environment_idx').on(table.environmentId, table.createdAt),
    index('linked_accounts_origin_idx').on(table.environmentId, table.originId),
  ],
);

/**
 * Link tokens for the hosted link page. The token handed out is signed (jose) and names this row;
 * the row makes it single use (`consumed_at`) and carries what the page needs.
 */
export const linkTokens = pgTable(
  'link_tokens',
  {
    id: text('id').primaryKey(),
    environmentId: text('environment_id')
      .notNull()
      .references(() => environments.id, { onDelete: 'cascade' }),
    integration: text('integration').$type<Integration>().notNull().default('personio'),
    /** Set when the token reconnects an existing linked account. */
    linkedAccountId: text('linked_account_id').references(() => linkedAccounts.id, { onDelete: 'cascade' }),
    originId: text('origin_id').notNull(),
    organizationName: text('organization_name'),
    email: text('email'),
    redirectUri: text('redirect_uri'),
    allowedOrigins: jsonb('allowed_origins').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    state: text('state'),
    /** Progress of the flow between page steps (validated coverage, pending choice), never credentials in clear. */
    session: jsonb('session').$type<Record<string, unknown>>(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    consumedAt: timestamp('consumed_at', { withTimezone: true, mode: 'date' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (table) => [index('link_tokens_environment_idx').on(table.environmentId, table.createdAt)],
);

/**
 * `Idempotency-Key` records for writes: the first request's fingerprint and, once finished, its
 * response. A replay returns the stored response; the same key with another body is a conflict.
 */
export const idempotencyRecords = pgTable(
  'idempotency_records',
  {
    environmentId: text('environment_id')
      .notNull()
      .references(() => environments.id, { onDelete: 'cascade' }),
    /** The linked account, or '' for writes that concern none. */
    scope: text('scope').notNull(),
    key: text('key').notNull(),
    /** SHA-256 of method, path and canonical body. */
    requestHash: text('request_hash').notNull(),
    status: text('status', { enum: ['in_progress', 'completed'] })
      .notNull()
      .default('in_progress'),
    responseStatus: integer('response_status'),
    responseBody: jsonb('response_body'),
    /** When the current request claimed the key; also tells a claim apart from one that took it over. */
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** `in_progress`: the end of the running request's lease (renewed while it runs); `completed`: of the TTL. */
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.environmentId, table.scope, table.key] }),
    index('idempotency_records_expires_idx').on(table.expiresAt),
  ],
);

/**
 * A caller's own id for a time-off request it created (`external_id`), unique per linked account for as long
 * as the absence exists: a second create with the same id returns the first absence instead of writing. A
 * create holds its row `pending` on a lease while it writes (like an idempotency key), so concurrent
 * duplicates wait for it, and a retry after a process died takes it over and first looks for the absence.
 */
export const timeoffExternalIds = pgTable(
  'timeoff_external_ids',
  {
    environmentId: text('environment_id')
      .notNull()
      .references(() => environments.id, { onDelete: 'cascade' }),
    linkedAccountId: text('linked_account_id')
      .notNull()
      .references(() => linkedAccounts.id, { onDelete: 'cascade' }),
    externalId: text('external_id').notNull(),
    status: text('status', { enum: ['pending', 'created'] })
      .notNull()
      .default('pending'),
    /** The provider's id of the absence, once created. */
    timeoffRequestId: text('timeoff_request_id'),
    /** When the current create claimed the row; fences out an older holder. */
    claimedAt: timestamp('claimed_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** `pending`: the end of the running create's lease. */
    leaseEndsAt: timestamp('lease_ends_at', { withTimezone: true, mode: 'date' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.linkedAccountId, table.externalId] }),
    index('timeoff_external_ids_request_idx').on(table.linkedAccountId, table.timeoffRequestId),
  ],
);

export const SYNCED_KINDS = ['employee', 'timeoff_type', 'timeoff_request'] as const;
export type SyncedKind = (typeof SYNCED_KINDS)[number];

/**
 * The synced copy: the last unified record seen of every employee, time-off type and time-off request of a
 * linked account. `content_hash` covers the record without volatile fields; a page writes a row only while
 * the hash it read is still there (compare-and-set), which is what keeps two writers from both emitting.
 */
export const syncedRecords = pgTable(
  'synced_records',
  {
    environmentId: text('environment_id')
      .notNull()
      .references(() => environments.id, { onDelete: 'cascade' }),
    linkedAccountId: text('linked_account_id')
      .notNull()
      .references(() => linkedAccounts.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: SYNCED_KINDS }).notNull(),
    remoteId: text('remote_id').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    contentHash: text('content_hash').notNull(),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    remoteDeletedAt: timestamp('remote_deleted_at', { withTimezone: true, mode: 'date' }),
    /**
     * Order of first sight: a pass inserts in Personio's list order, so synced reads can list hour-based
     * absences and types in Personio's order, which nothing in the records themselves reproduces.
     */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.linkedAccountId, table.kind, table.remoteId] }),
    // The order synced reads list in (see db/queries/synced-reads.ts, which must use the same expressions):
    // a page is an ordered index scan that stops at `limit` matches instead of a sort of the whole account.
    index('synced_records_read_order_idx').on(
      table.linkedAccountId,
      table.kind,
      sql`(case when ${table.remoteId} ~ '^[0-9]+$' then 0 else 1 end)`,
      sql`(case when ${table.remoteId} ~ '^[0-9]+$' then length(${table.remoteId}) else ${table.seq} end)`,
      table.remoteId,
    ),
  ],
);

/**
 * The change feed. `seq` is the walk order: event inserts of an environment are serialised by a
 * transaction-level advisory lock, so a lower `seq` is never committed after a higher one and a cursor
 * over `seq` never skips an event that commits late.
 */
export const events = pgTable(
  'events',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    id: text('id').notNull(),
    environmentId: text('environment_id')
      .notNull()
      .references(() => environments.id, { onDelete: 'cascade' }),
    /** Null for events about the environment itself (`webhook_endpoint.disabled`). */
    linkedAccountId: text('linked_account_id'),
    type: text('type').notNull(),
    data: jsonb('data').$type<{ object: unknown; previous_attributes?: Record<string, unknown> }>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('events_id_idx').on(table.id),
    index('events_environment_idx').on(table.environmentId, table.seq),
    index('events_account_idx').on(table.environmentId, table.linkedAccountId, table.seq),
    index('events_created_idx').on(table.createdAt),
  ],
);

export const SYNC_PASS_STATUSES = ['running', 'completed', 'failed'] as const;
export type SyncPassStatus = (typeof SYNC_PASS_STATUSES)[number];

export interface SyncCounts {
  upstream_pages: number;
  records_seen: number;
  created: number;
  updated: number;
  deleted: number;
  events: number;
}

/** Where an interrupted pass resumes: the stage it was in and the provider's position inside it. */
export interface SyncPosition {
  stage: SyncedKind | 'deletions';
  position: unknown;
  /** The time-off window the pass walks, fixed when it starts. */
  window?: { start: string; end: string };
  /** Incremental passes: records changed after this instant (ISO 8601). */
  since?: string;
  /** Set by an incremental pass that found more dates taking effect than it reads again: the next pass is full. */
  fullPassNeeded?: boolean;
}

/** One reconciliation pass of a linked account: what it did, how long it took, how it ended. */
export const syncPasses = pgTable(
  'sync_passes',
  {
    id: text('id').primaryKey(),
    environmentId: text('environment_id')
      .notNull()
      .references(() => environments.id, { onDelete: 'cascade' }),
    linkedAccountId: text('linked_account_id')
      .notNull()
      .references(() => linkedAccounts.id, { onDelete: 'cascade' }),
    status: text('status', { enum: SYNC_PASS_STATUSES }).notNull().default('running'),
    /** The account's first completed pass writes the copy without events. */
    initial: boolean('initial').notNull(),
    trigger: text('trigger', { enum: ['schedule', 'manual'] }).notNull(),
    /** `full` walks everything and decides deletions; `incremental` reads only what changed since `position.since`. */
    mode: text('mode', { enum: ['full', 'incremental'] })
      .notNull()
      .default('full'),
    counts: jsonb('counts').$type<SyncCounts>().notNull(),
    position: jsonb('position').$type<SyncPosition | null>(),
    error: text('error'),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
  },
  (table) => [index('sync_passes_account_idx').on(table.linkedAccountId, table.startedAt)],
);

/**
 * Per linked account: who holds the pass lease (one pass at a time across processes) and whether a
 * pass was asked for while one ran.
 */
export const syncStates = pgTable('sync_states', {
  linkedAccountId: text('linked_account_id')
    .primaryKey()
    .references(() => linkedAccounts.id, { onDelete: 'cascade' }),
  environmentId: text('environment_id')
    .notNull()
    .references(() => environments.id, { onDelete: 'cascade' }),
  leaseOwner: text('lease_owner'),
  leaseUntil: timestamp('lease_until', { withTimezone: true, mode: 'date' }),
  /** The pass the lease holder runs (or ran when it died): a new holder resumes it. */
  currentPassId: text('current_pass_id'),
  requestedAt: timestamp('requested_at', { withTimezone: true, mode: 'date' }),
  /** A request made before this was covered by that pass. */
  lastPassStartedAt: timestamp('last_pass_started_at', { withTimezone: true, mode: 'date' }),
  lastCompletedAt: timestamp('last_completed_at', { withTimezone: true, mode: 'date' }),
  /** When the last complete refresh of the synced balances began (they are refreshed on a slower schedule). */
  balancesRefreshedAt: timestamp('balances_refreshed_at', { withTimezone: true, mode: 'date' }),
});

/**
 * Synced time-off balances: one row per employee with Personio's balances in its order (unified records),
 * rewritten by each refresh; a refresh removes employees it no longer saw when it completes.
 */
export const syncedBalances = pgTable(
  'synced_balances',
  {
    environmentId: text('environment_id')
      .notNull()
      .references(() => environments.id, { onDelete: 'cascade' }),
    linkedAccountId: text('linked_account_id')
      .notNull()
      .references(() => linkedAccounts.id, { onDelete: 'cascade' }),
    employeeId: text('employee_id').notNull(),
    // json, not jsonb: only ever read whole, and json is sent back as stored, where jsonb is rebuilt into text
    // on every read (most of a synced balances page's cost in PGlite).
    balances: json('balances').$type<Record<string, unknown>[]>().notNull(),
    refreshedAt: timestamp('refreshed_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.linkedAccountId, table.employeeId] }),
    // Personio's employee order (integer ids), as db/queries/synced-balances.ts reads it.
    index('synced_balances_read_order_idx').on(
      table.linkedAccountId,
      sql`length(${table.employeeId})`,
      table.employeeId,
    ),
  ],
);

/**
 * Where an environment's events are sent. The signing secret is stored as JWE (like credentials); during
 * a rotation the previous one keeps signing beside the new one until `previous_secret_expires_at`.
 */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: text('id').primaryKey(),
    environmentId: text('environment_id')
      .notNull()
      .references(() => environments.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    description: text('description'),
    /** Exact types and `resource.*` patterns. */
    eventTypes: jsonb('event_types').$type<string[]>().notNull(),
    /** Only events of these accounts; null: every account of the environment. */
    linkedAccountIds: jsonb('linked_account_ids').$type<string[] | null>(),
    enabled: boolean('enabled').notNull().default(true),
    /** Why the gateway turned the endpoint off (`gone`: it answered 410; `failing`: 3 days of failures). */
    disabledReason: text('disabled_reason'),
    secret: text('secret').notNull(),
    previousSecret: text('previous_secret'),
    previousSecretExpiresAt: timestamp('previous_secret_expires_at', { withTimezone: true, mode: 'date' }),
    /** The first failed attempt since the last success; null while deliveries succeed. */
    failingSince: timestamp('failing_since', { withTimezone: true, mode: 'date' }),
    ...timestamps,
  },
  (table) => [index('webhook_endpoints_environment_idx').on(table.environmentId, table.createdAt)],
);

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/**
 * The outbox: one row per event and endpoint, written in the transaction that stores the event. The row
 * is the durable state; a worker claims it with a lease before an attempt, so no two processes send the
 * same attempt at once, and a claim that dies with its process expires and is swept up again.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    environmentId: text('environment_id')
      .notNull()
      .references(() => environments.id, { onDelete: 'cascade' }),
    endpointId: text('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    eventId: text('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    eventType: text('event_type').notNull(),
    status: text('status', { enum: WEBHOOK_DELIVERY_STATUSES }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, mode: 'date' }),
    leaseOwner: text('lease_owner'),
    leaseUntil: timestamp('lease_until', { withTimezone: true, mode: 'date' }),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true, mode: 'date' }),
    /**
     * Bumped by a manual retry: an attempt in flight records its outcome, but decides the delivery's next
     * state only if the revision it claimed is still current.
     */
    revision: integer('revision').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (table) => [
    index('webhook_deliveries_due_idx').on(table.nextAttemptAt).where(sql`${table.status} = 'pending'`),
    index('webhook_deliveries_endpoint_idx').on(table.endpointId, table.createdAt),
    // An endpoint's next due deliveries, claimed several at a time.
    index('webhook_deliveries_endpoint_due_idx')
      .on(table.endpointId, table.nextAttemptAt)
      .where(sql`${table.status} = 'pending'`),
    index('webhook_deliveries_event_idx').on(table.eventId),
    // Attempts in flight per endpoint (the concurrency cap counts them); a finished attempt clears its lease.
    index('webhook_deliveries_leased_idx').on(table.endpointId).where(sql`${table.leaseUntil} is not null`),
  ],
);

/** Every attempt of a delivery, as the deliveries log shows it. */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    deliveryId: text('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
    attemptedAt: timestamp('attempted_at', { withTimezone: true, mode: 'date' }).notNull(),
    responseStatus: integer('response_status'),
    latencyMs: integer('latency_ms').notNull(),
    /** The first KiB of the answer. */
    responseBody: text('response_body'),
    /** Why no answer came (timeout, refused target, connection error). */
    error: text('error'),
  },
  (table) => [index('webhook_attempts_delivery_idx').on(table.deliveryId, table.id)],
);

/** A field mapping as stored (see `src/models/field-mapping.ts` for what each part means). */
export interface StoredFieldMapping {
  target: string;
  remote_field: string | null;
  transform?: { trim?: boolean; date_format?: string; value_map?: Record<string, string | null> };
  /** Environment mappings: the customer's admin picks `remote_field` on the link page. */
  customer_label?: string;
}

/**
 * Field mappings: the environment's defaults (`scope` empty) and each linked account's overrides (`scope` the
 * account id). One row per scope, replaced whole by a PUT.
 */
export const fieldMappings = pgTable(
  'field_mappings',
  {
    environmentId: text('environment_id')
      .notNull()
      .references(() => environments.id, { onDelete: 'cascade' }),
    scope: text('scope').notNull(),
    mappings: jsonb('mappings').$type<StoredFieldMapping[]>().notNull(),
    ...timestamps,
  },
  (table) => [primaryKey({ columns: [table.environmentId, table.scope] })],
);

export type FieldMappingsRow = typeof fieldMappings.$inferSelect;

export const INBOUND_WEBHOOK_STATUSES = ['active', 'failed'] as const;
export type InboundWebhookStatus = (typeof INBOUND_WEBHOOK_STATUSES)[number];

/**
 * The webhook Roster registered with a linked account's provider, pointing at its own inbound route. The
 * token the provider sends back is stored as JWE; `failed` keeps the account on polling with the reason.
 */
export const inboundWebhooks = pgTable('inbound_webhooks', {
  linkedAccountId: text('linked_account_id')
    .primaryKey()
    .references(() => linkedAccounts.id, { onDelete: 'cascade' }),
  environmentId: text('environment_id')
    .notNull()
    .references(() => environments.id, { onDelete: 'cascade' }),
  status: text('status', { enum: INBOUND_WEBHOOK_STATUSES }).notNull(),
  /** The provider's id of the webhook; null when registration failed. */
  remoteId: text('remote_id'),
  token: text('token'),
  error: text('error'),
  /** When the newest change handled so far happened at the provider: catch-up reads its events from here. */
  lastEventAt: timestamp('last_event_at', { withTimezone: true, mode: 'date' }),
  registeredAt: timestamp('registered_at', { withTimezone: true, mode: 'date' }),
  ...timestamps,
});

export type Environment = typeof environments.$inferSelect;
export type InboundWebhook = typeof inboundWebhooks.$inferSelect;
export type ApiKey = typeof apiKeys.$inferSelect;
export type LinkedAccount = typeof linkedAccounts.$inferSelect;
export type LinkToken = typeof linkTokens.$inferSelect;
export type IdempotencyRecord = typeof idempotencyRecords.$inferSelect;
export type SyncedRecord = typeof syncedRecords.$inferSelect;
export type EventRow = typeof events.$inferSelect;
export type SyncPass = typeof syncPasses.$inferSelect;
export type SyncState = typeof syncStates.$inferSelect;
export type WebhookEndpoint = typeof webhookEndpoints.$inferSelect;
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;
export type WebhookAttempt = typeof webhookAttempts.$inferSelect;

/** One upstream call of a gateway request, as the request log keeps it: never a body, a query or a header. */
export interface RequestLogUpstreamCall {
  method: string;
  /** The path on the provider's host, without the query string. */
  path: string;
  /** `null` when no answer came (timeout, lost connection). */
  status: number | null;
  duration_ms: number;
  /** 1 for the first try of a call, 2 and up for its retries. */
  attempt: number;
}

/** What every API-key call did, kept `REQUEST_LOG_RETENTION_DAYS`: no bodies, no query strings, no secrets. */
export const requestLogs = pgTable(
  'request_logs',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    /** The `req_…` id the caller saw in `X-Request-Id`. */
    id: text('id').notNull(),
    /**
     * No foreign key: a log row is written only for a call the environment's key authenticated, and a
     * per-row key check was a third of the cost of writing a batch in embedded PostgreSQL.
     */
    environmentId: text('environment_id').notNull(),
    linkedAccountId: text('linked_account_id'),
    apiKeyId: text('api_key_id'),
    method: text('method').notNull(),
    /** The route template (`/unified/hris/employees/:id`), never the raw path. */
    route: text('route').notNull(),
    status: integer('status').notNull(),
    durationMs: integer('duration_ms').notNull(),
    errorCode: text('error_code'),
    /** `json`, not `jsonb`: stored as written and returned as stored (never queried into). */
    upstream: json('upstream').$type<RequestLogUpstreamCall[]>().notNull(),
    retries: integer('retries').notNull(),
    rateLimitWaits: integer('rate_limit_waits').notNull(),
    rateLimitWaitMs: integer('rate_limit_wait_ms').notNull(),
    tokenExchanges: integer('token_exchanges').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (table) => [
    index('request_logs_environment_idx').on(table.environmentId, table.seq),
    index('request_logs_created_idx').on(table.createdAt),
  ],
);
