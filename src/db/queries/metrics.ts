import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { linkedAccounts, syncStates, webhookDeliveries } from '../schema';

export interface DeploymentGauges {
  /** Webhook deliveries not yet delivered (nor given up), every environment. */
  webhookBacklog: number;
  /** Age in seconds of the oldest of them; 0 without backlog. */
  webhookOldestPendingSeconds: number;
  /** Seconds since the least recently synced active account's last complete pass; 0 when none has one. */
  syncLagSeconds: number;
  /** Active accounts that never completed a pass. */
  neverSynced: number;
}

/**
 * What `/metrics` reports of the whole deployment at scrape time. The metrics endpoint is the operator's,
 * not a tenant's, so it reads across environments (and takes no environment id).
 */
export async function deploymentGauges(db: Database, now: Date): Promise<DeploymentGauges> {
  const [[webhooks], [sync]] = await Promise.all([
    db
      .select({
        backlog: sql<number>`count(*)::int`,
        oldest: sql<string | null>`min(${webhookDeliveries.createdAt})::text`,
      })
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.status, 'pending')),
    db
      .select({
        oldest: sql<string | null>`min(${syncStates.lastCompletedAt})::text`,
        never: sql<number>`count(*) filter (where ${syncStates.lastCompletedAt} is null)::int`,
      })
      .from(linkedAccounts)
      .leftJoin(syncStates, eq(syncStates.linkedAccountId, linkedAccounts.id))
      .where(and(eq(linkedAccounts.status, 'active'), isNull(linkedAccounts.deletedAt))),
  ]);
  const ageSeconds = (instant: string | null | undefined) =>
    instant ? Math.max(0, (now.getTime() - new Date(instant).getTime()) / 1000) : 0;
  return {
    webhookBacklog: Number(webhooks?.backlog ?? 0),
    webhookOldestPendingSeconds: ageSeconds(webhooks?.oldest),
    syncLagSeconds: ageSeconds(sync?.oldest),
    neverSynced: Number(sync?.never ?? 0),
  };
}
