import { z } from '@hono/zod-openapi';
import type { Services } from '../../context';
import { getInboundWebhook } from '../../db/queries/inbound-webhooks';
import { recentSyncPasses } from '../../db/queries/sync';
import { balancesRefreshedAt } from '../../db/queries/synced-balances';
import { INBOUND_WEBHOOK_STATUSES, type LinkedAccount, SYNC_PASS_STATUSES } from '../../db/schema';
import { inboundWebhookView } from '../../services/inbound-webhooks';
import { syncPassObject } from '../../sync/pass';
import { syncSettings, syncWindow } from '../../sync/settings';
import { singleEnvelope } from '../common';

const SyncCountsSchema = z.object({
  upstream_pages: z.number().int(),
  records_seen: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  deleted: z.number().int(),
  events: z.number().int(),
});

export const SyncPassSchema = z
  .object({
    id: z.string().openapi({ example: 'sp_7TqW2mXb7YcN1pLdZe4kR9' }),
    object: z.literal('sync_pass'),
    linked_account_id: z.string(),
    status: z.enum(SYNC_PASS_STATUSES),
    initial: z
      .boolean()
      .openapi({ description: 'The first pass fills the copy without emitting record events.' }),
    trigger: z.enum(['schedule', 'manual']),
    mode: z.enum(['full', 'incremental']).openapi({
      description: '`full` walks every record and finds deletions; `incremental` reads only what changed.',
    }),
    started_at: z.string().openapi({ format: 'date-time' }),
    finished_at: z.string().nullable().openapi({ format: 'date-time' }),
    duration_ms: z.number().int().nullable(),
    counts: SyncCountsSchema,
    error: z.string().nullable(),
  })
  .openapi('SyncPass');

export const InboundWebhookSchema = z
  .object({
    status: z.enum(INBOUND_WEBHOOK_STATUSES).openapi({
      description:
        '`failed`: registration failed (see `error`); the account stays on polling until it succeeds.',
    }),
    error: z.string().nullable(),
    registered_at: z.string().nullable().openapi({ format: 'date-time' }),
    last_event_at: z.string().nullable().openapi({
      format: 'date-time',
      description:
        'The newest provider change handled; after downtime the provider’s event history is read from here.',
    }),
  })
  .openapi('InboundWebhook');

export const SyncStatusSchema = z
  .object({
    linked_account_id: z.string(),
    enabled: z.boolean().openapi({ description: 'Scheduled passes on (settings `sync_enabled`).' }),
    interval_minutes: z.number().int(),
    full_interval_minutes: z.number().int().openapi({ description: 'Minutes between full passes.' }),
    window: z.object({
      start_date: z.string().openapi({ format: 'date' }),
      end_date: z.string().openapi({ format: 'date' }),
    }),
    running: SyncPassSchema.nullable().openapi({ description: 'The pass in progress, if any.' }),
    last_pass: SyncPassSchema.nullable().openapi({
      description: 'The last pass that finished (completed or failed).',
    }),
    last_completed_at: z.string().nullable().openapi({ format: 'date-time' }),
    balances_refreshed_at: z
      .string()
      .nullable()
      .openapi({
        format: 'date-time',
        description:
          'When the last complete refresh of the synced balances began (after a pass, every ' +
          '`sync_balances_interval_minutes`); `null` before the first.',
      }),
    next_pass_at: z
      .string()
      .nullable()
      .openapi({ format: 'date-time', description: 'When the next scheduled pass is due.' }),
    inbound_webhook: InboundWebhookSchema.nullable().openapi({
      description:
        'The webhook registered with the provider for this account (changes arrive within seconds; scheduled ' +
        'passes only reconcile); `null` when the credential may not register one.',
    }),
  })
  .openapi('SyncStatus');

export const SyncStatusResult = singleEnvelope(SyncStatusSchema).openapi('SyncStatusResult');

export async function syncStatus(services: Services, linkedAccount: LinkedAccount) {
  const ref = { environmentId: linkedAccount.environmentId, linkedAccountId: linkedAccount.id };
  const passes = await recentSyncPasses(services.db, ref, 20);
  const running = passes.find((pass) => pass.status === 'running');
  const finished = passes.find((pass) => pass.status !== 'running');
  const completed = passes.find((pass) => pass.status === 'completed');
  const settings = syncSettings(linkedAccount.settings);
  const window = syncWindow(linkedAccount.settings, services.now());
  const next = await services.jobs.nextScheduledRun(linkedAccount);
  return {
    linked_account_id: linkedAccount.id,
    enabled: settings.enabled,
    interval_minutes: settings.intervalMinutes,
    full_interval_minutes: settings.fullIntervalMinutes,
    window: { start_date: window.start, end_date: window.end },
    running: running ? syncPassObject(running) : null,
    last_pass: finished ? syncPassObject(finished) : null,
    last_completed_at: completed?.finishedAt?.toISOString() ?? null,
    balances_refreshed_at: (await balancesRefreshedAt(services.db, ref))?.toISOString() ?? null,
    next_pass_at: next?.toISOString() ?? null,
    inbound_webhook: inboundWebhookView(await getInboundWebhook(services.db, ref)),
  };
}
