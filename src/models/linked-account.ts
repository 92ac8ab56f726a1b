import { z } from '@hono/zod-openapi';
import { LINKED_ACCOUNT_STATUSES, type LinkedAccount } from '../db/schema';
import { balancesIntervalMinutes } from '../sync/balances';
import { syncSettings } from '../sync/settings';

export const FieldCoverageSchema = z
  .object({
    checked_at: z.string().openapi({ format: 'date-time', description: 'When the provider was asked.' }),
    available: z
      .array(z.string())
      .openapi({ description: 'Unified Employee fields the credential can fill.', example: ['first_name'] }),
    unavailable: z
      .array(
        z.object({
          field: z.string().openapi({ example: 'job_title' }),
          remote_fields: z.array(z.string()).openapi({
            description:
              "The provider's fields to grant the credential (Personio: attributes to whitelist); any one fills the field.",
            example: ['position'],
          }),
        }),
      )
      .openapi({
        description:
          'Fields that stay `null` because the provider leaves out what the credential may not read.',
      }),
  })
  .openapi('FieldCoverage');

const Rights = z.object({
  read: z.boolean().nullable(),
  write: z.boolean().nullable().openapi({ description: '`null`: not checked, or not a writable resource.' }),
});

export const ResourceAccessSchema = z
  .object({
    checked_at: z.string().openapi({ format: 'date-time', description: 'When the provider was asked.' }),
    employees: Rights,
    timeoff_requests: Rights,
    timeoff_types: Rights,
    timeoff_balances: Rights,
    attendances: Rights.openapi({ description: 'Through the proxy (`/proxy/company/attendances`).' }),
  })
  .openapi('ResourceAccess', {
    description:
      "What the credential may read and write, per unified resource, from the provider's access rights (checked " +
      'live when linking and on `POST /linked-accounts/{id}/check`); `null` when the provider did not say.',
  });

export const LinkedAccountSettingsSchema = z
  .object({
    hide_absence_details: z.boolean().openapi({
      description:
        "Privacy: time-off requests of this account leave out their type, note and remote data; per-type balances and the proxy's absence endpoints are refused (403).",
    }),
    sync_enabled: z.boolean().openapi({ description: 'Change feed: scheduled sync passes (default on).' }),
    sync_interval_minutes: z.number().int().openapi({ description: 'Minutes between passes (default 15).' }),
    sync_full_interval_minutes: z.number().int().openapi({
      description:
        'Minutes between full passes, the ones that see deletions (default 60); others are incremental.',
    }),
    sync_window_days_back: z.number().int().openapi({
      description: 'Time-off requests kept in the synced copy from this many days back (default 400)…',
    }),
    sync_window_days_ahead: z
      .number()
      .int()
      .openapi({ description: '…to this many days ahead (default 730).' }),
    sync_balances_interval_minutes: z.number().int().openapi({
      description: 'Minutes between refreshes of the synced balances (default 1440, a day).',
    }),
    default_source: z.enum(['live', 'synced']).openapi({
      description:
        'Where unified reads go when the request has no `source` parameter: `live` (Personio, the default) or ' +
        '`synced` (the copy kept by sync passes).',
    }),
    personio_api_version: z.enum(['auto', 'v1']).openapi({
      description:
        '`v1` (default): Personio v1 only; `auto`: Personio v2 for the calls where it is better, when the ' +
        'credential has v2 access (`capabilities.personio_v2`) and its v2 absence ids are its v1 ids ' +
        '(`capabilities.personio_v2_shared_absence_ids`).',
    }),
  })
  .openapi('LinkedAccountSettings');

export const LinkedAccountCapabilitiesSchema = z
  .object({
    personio_v2: z.boolean().openapi({ description: 'The credential obtained a Personio v2 token.' }),
    webhooks: z
      .boolean()
      .optional()
      .openapi({
        description:
          'The credential may register webhooks (Personio: the `personio:webhooks:write` scope): changes then ' +
          'arrive within seconds and scheduled passes only reconcile. Absent when last checked by an older version.',
      }),
    personio_v2_shared_absence_ids: z
      .boolean()
      .nullable()
      .optional()
      .openapi({
        description:
          "Personio's v2 absence ids were found to be its v1 ids (a page of absences read both ways and " +
          'compared). Only when `true` does `personio_api_version: auto` read time-off lists through v2, so ' +
          'unified ids never depend on the version; `null`: nothing could be compared; absent: not checked yet.',
      }),
    checked_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('LinkedAccountCapabilities', {
    description:
      'What the credential can do, found when it was linked, reconnected or checked; `null` before.',
  });

export const LinkedAccountSchema = z
  .object({
    id: z.string().openapi({ example: 'la_4kR9sTqW2mXb7YcN1pLdZe' }),
    integration: z.string().openapi({
      description: 'The provider integration, e.g. `personio` or `personio-sandbox`.',
      example: 'personio',
    }),
    status: z.enum(LINKED_ACCOUNT_STATUSES).openapi({
      description:
        '`needs_reauth`: the provider refused the stored credentials; unified and proxy calls answer ' +
        '`424 provider_unauthorized` until the customer links again (a link token with `linked_account_id`).',
    }),
    end_user: z.object({
      origin_id: z.string().openapi({ description: 'Your id for the customer.', example: 'customer-42' }),
      organization_name: z.string().nullable(),
      email: z.string().nullable(),
    }),
    label: z
      .string()
      .nullable()
      .openapi({
        description:
          'A name that tells this connection apart from others: what the admin typed on the link page, else the ' +
          "provider's company name (Personio: the legal entity) where the credential can read it; `PATCH` changes it.",
        example: 'Acme GmbH',
      }),
    field_coverage: FieldCoverageSchema.nullable(),
    resource_access: ResourceAccessSchema.nullable(),
    settings: LinkedAccountSettingsSchema,
    capabilities: LinkedAccountCapabilitiesSchema.nullable(),
    created_at: z.string().openapi({ format: 'date-time' }),
    updated_at: z.string().openapi({ format: 'date-time' }),
    last_used_at: z
      .string()
      .nullable()
      .openapi({ format: 'date-time', description: 'Last unified or proxy call (minute precision).' }),
  })
  .openapi('LinkedAccount', {
    description: "A customer's linked HRIS account. Credentials are never returned.",
  });

export type LinkedAccountResource = z.infer<typeof LinkedAccountSchema>;

/** The public view of a linked account: everything but credentials and internal bookkeeping. */
export function toLinkedAccountResource(linkedAccount: LinkedAccount): LinkedAccountResource {
  const sync = syncSettings(linkedAccount.settings);
  return LinkedAccountSchema.parse({
    id: linkedAccount.id,
    integration: linkedAccount.integration,
    status: linkedAccount.status,
    end_user: {
      origin_id: linkedAccount.originId,
      organization_name: linkedAccount.organizationName,
      email: linkedAccount.email,
    },
    label: linkedAccount.label,
    field_coverage: linkedAccount.fieldCoverage,
    resource_access: linkedAccount.resourceAccess,
    settings: {
      hide_absence_details: linkedAccount.settings.hide_absence_details ?? false,
      sync_enabled: sync.enabled,
      sync_interval_minutes: sync.intervalMinutes,
      sync_full_interval_minutes: sync.fullIntervalMinutes,
      sync_window_days_back: sync.windowDaysBack,
      sync_window_days_ahead: sync.windowDaysAhead,
      personio_api_version: linkedAccount.settings.personio_api_version ?? 'v1',
      sync_balances_interval_minutes: balancesIntervalMinutes(linkedAccount.settings),
      default_source: linkedAccount.settings.default_source ?? 'live',
    },
    capabilities: linkedAccount.capabilities ?? null,
    created_at: linkedAccount.createdAt.toISOString(),
    updated_at: linkedAccount.updatedAt.toISOString(),
    last_used_at: linkedAccount.lastUsedAt?.toISOString() ?? null,
  });
}
