/**
 * Per-organization retention (SOC 2-style defaults: audit 7 years, agent and workflow executions 90
 * days, daily metrics 2 years) and the purge that enforces it. The purge is itself audited and keeps
 * the audit chain verifiable (see `audit.purgeBefore`).
 */
import { z } from 'zod';
import type { Clock } from '../../platform/clock.ts';
import type { Executor, Storage } from '../../storage/db.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { Ctx } from '../auth/context.ts';

export const retentionDefaults = { auditDays: 7 * 365 + 2, executionsDays: 90, metricsDays: 2 * 365 + 1 };

export const retentionPolicySchema = z.strictObject({
  // An audit trail shorter than a year would not survive an annual SOC 2 audit period.
  auditDays: z.number().int().min(365).max(36_500),
  executionsDays: z.number().int().min(1).max(36_500),
  metricsDays: z.number().int().min(30).max(36_500),
});
export type RetentionPolicy = z.infer<typeof retentionPolicySchema>;

/**
 * Tables other modules register for purging: `column` is the ISO timestamp compared to the cutoff
 * of the named policy. Executions and metrics tables arrive with their modules.
 */
export interface PurgeTarget {
  table: string;
  column: string;
  policy: 'executionsDays' | 'metricsDays';
}

const DAY = 86_400_000;

export function createRetention({
  storage,
  audit,
  clock,
  targets = [],
}: {
  storage: Storage;
  audit: Audit;
  clock: Clock;
  targets?: PurgeTarget[];
}) {
  async function initPolicy(trx: Executor, organizationId: string) {
    await trx
      .insertInto('retention_policies')
      .values({
        organization_id: organizationId,
        audit_days: retentionDefaults.auditDays,
        executions_days: retentionDefaults.executionsDays,
        metrics_days: retentionDefaults.metricsDays,
        updated_at: clock.now().toISOString(),
      })
      .execute();
  }

  async function readPolicy(trx: Executor, organizationId: string): Promise<RetentionPolicy> {
    const row = await trx
      .selectFrom('retention_policies')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .executeTakeFirst();
    return row
      ? { auditDays: row.audit_days, executionsDays: row.executions_days, metricsDays: row.metrics_days }
      : { ...retentionDefaults };
  }

  const get = (ctx: Ctx) =>
    storage.withTenant(ctx.organizationId, (trx) => readPolicy(trx, ctx.organizationId));

  async function update(ctx: Ctx, policy: RetentionPolicy) {
    return storage.withTenant(ctx.organizationId, async (trx) => {
      const before = await readPolicy(trx, ctx.organizationId);
      const values = {
        audit_days: policy.auditDays,
        executions_days: policy.executionsDays,
        metrics_days: policy.metricsDays,
        updated_at: clock.now().toISOString(),
      };
      await trx
        .insertInto('retention_policies')
        .values({ organization_id: ctx.organizationId, ...values })
        .onConflict((oc) => oc.column('organization_id').doUpdateSet(values))
        .execute();
      await audit.recordFor(trx, ctx, {
        action: 'retention.policy_updated',
        target: { type: 'organization', id: ctx.organizationId },
        input: policy,
        metadata: { before, after: policy },
      });
      return policy;
    });
  }

  /** Purges one organization's expired rows in one transaction, with one audit entry. */
  async function purge(organizationId: string) {
    return storage.withTenant(organizationId, async (trx) => {
      const policy = await readPolicy(trx, organizationId);
      const now = clock.now().getTime();
      const cutoff = (days: number) => new Date(now - days * DAY).toISOString();
      const deleted: Record<string, number> = {
        audit_log: await audit.purgeBefore(trx, organizationId, cutoff(policy.auditDays)),
      };
      for (const t of targets) {
        const res = await trx
          // biome-ignore lint/suspicious/noExplicitAny: registered tables are not in this module's schema
          .deleteFrom(t.table as any)
          // biome-ignore lint/suspicious/noExplicitAny: idem
          .where('organization_id' as any, '=', organizationId)
          // biome-ignore lint/suspicious/noExplicitAny: idem
          .where(t.column as any, '<', cutoff(policy[t.policy]))
          .executeTakeFirst();
        deleted[t.table] = Number(res.numDeletedRows);
      }
      await audit.record(trx, {
        organizationId,
        actor: { type: 'system', id: null },
        action: 'retention.purged',
        target: { type: 'organization', id: organizationId },
        metadata: { policy, deleted },
      });
      return { policy, deleted };
    });
  }

  async function purgeAll() {
    const orgs = await storage.db.selectFrom('organizations').select('id').orderBy('id').execute();
    const results = [];
    for (const o of orgs) results.push({ organizationId: o.id, ...(await purge(o.id)) });
    return results;
  }

  return { initPolicy, get, update, purge, purgeAll };
}

export type Retention = ReturnType<typeof createRetention>;
