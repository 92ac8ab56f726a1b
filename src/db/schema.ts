import { sql } from 'drizzle-orm';
import {
  index,
  integer,
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

export const INTEGRATIONS = ['personio', 'personio-sandbox'] as const;
export type Integration = (typeof INTEGRATIONS)[number];

export interface FieldCoverage {
  /** When the coverage was measured against Personio's attributes endpoint. */
  checked_at: string;
  /** Unified employee fields this credential can fill. */
  available: string[];
  /** Unified fields it cannot, with the Personio attributes to whitelist for each. */
  unavailable: { field: string; personio_attributes: string[] }[];
}

export interface LinkedAccountSettings {
  hide_absence_details?: boolean;
}

export const linkedAccounts = pgTable(
  'linked_accounts',
  {
    id: text('id').primaryKey(),
    environmentId: text('environment_id')
      .notNull()
      .references(() => environments.id, { onDelete: 'cascade' }),
    integration: text('integration', { enum: INTEGRATIONS }).notNull(),
    originId: text('origin_id').notNull(),
    organizationName: text('organization_name'),
    email: text('email'),
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
    settings: jsonb('settings').$type<LinkedAccountSettings>().notNull().default(sql`'{}'::jsonb`),
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
    integration: text('integration', { enum: INTEGRATIONS }).notNull().default('personio'),
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

export type Environment = typeof environments.$inferSelect;
export type ApiKey = typeof apiKeys.$inferSelect;
export type LinkedAccount = typeof linkedAccounts.$inferSelect;
export type LinkToken = typeof linkTokens.$inferSelect;
export type IdempotencyRecord = typeof idempotencyRecords.$inferSelect;
