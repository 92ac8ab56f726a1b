import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

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

export type Environment = typeof environments.$inferSelect;
export type ApiKey = typeof apiKeys.$inferSelect;
export type LinkedAccount = typeof linkedAccounts.$inferSelect;
