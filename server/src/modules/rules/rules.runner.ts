/**
 * Running a rule: a stored run per trigger (a cron tick, or a manual run), the evaluation
 * (rules.evaluate.ts), and the scheduler. A scheduled tick runs once: its key is unique, and the
 * proposals carry idempotency keys, so a retried job proposes nothing twice.
 */
import { newId } from '../../platform/ids.ts';
import { decodeCursor, type Page, toPage } from '../../platform/pagination.ts';
import { nextTick } from '../../queue/index.ts';
import type { RuleRunsTable } from '../../storage/schema.ts';
import { type Ctx, systemCtx } from '../auth/context.ts';
import { evaluateRule, type RunnerDeps } from './rules.evaluate.ts';
import { type RunResult, toRule, toRun } from './rules.model.ts';
import type { RunView } from './rules.schema.ts';
import { findRule } from './rules.service.ts';

export { prepare, type RunnerDeps } from './rules.evaluate.ts';

export function createRunner(deps: RunnerDeps) {
  const { storage, audit, clock } = deps;

  async function run(
    ctx: Ctx,
    ruleId: string,
    trigger: 'manual' | 'schedule',
    key?: string,
  ): Promise<RunView> {
    const org = ctx.organizationId;
    const triggerKey = key ?? newId('ruleRun');
    const claimed = await storage.withTenant(org, async (trx) => {
      const rule = toRule(await findRule(trx, org, ruleId));
      const existing = await trx
        .selectFrom('rule_runs')
        .selectAll()
        .where('organization_id', '=', org)
        .where('rule_id', '=', ruleId)
        .where('trigger_key', '=', triggerKey)
        .executeTakeFirst();
      if (existing) return { rule, row: existing };
      const row: RuleRunsTable = {
        id: newId('ruleRun'),
        organization_id: org,
        rule_id: ruleId,
        trigger,
        trigger_key: triggerKey,
        status: 'running',
        evaluated: 0,
        matched: 0,
        proposed: 0,
        result: null,
        error: null,
        started_at: clock.now().toISOString(),
        finished_at: null,
      };
      await trx.insertInto('rule_runs').values(row).execute();
      return { rule, row };
    });
    // A run that finished is not repeated; one left 'running' by a crash is run again (idempotent).
    if (claimed.row.status !== 'running') return toRun(claimed.row);
    const { rule, row } = claimed;
    let outcome: (RunResult & { proposed: number }) | null = null;
    let error: string | null = null;
    try {
      outcome = await evaluateRule(deps, ctx, rule, triggerKey);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    const finished = await storage.withTenant(org, async (trx) => {
      const now = clock.now();
      const entities = outcome?.entities ?? [];
      const matched = entities.filter((x) => x.matched).length;
      await trx
        .updateTable('rule_runs')
        .set({
          status: error ? 'failed' : 'succeeded',
          evaluated: entities.length,
          matched,
          proposed: outcome?.proposed ?? 0,
          result: outcome
            ? JSON.stringify({ nowcast: outcome.nowcast, entities, notifications: outcome.notifications })
            : null,
          error: error?.slice(0, 1000) ?? null,
          finished_at: now.toISOString(),
        })
        .where('organization_id', '=', org)
        .where('id', '=', row.id)
        .execute();
      await trx
        .updateTable('rules')
        .set({
          last_run_at: now.toISOString(),
          ...(trigger === 'schedule' && rule.enabled
            ? { next_run_at: nextTick(rule.schedule.cron, now).toISOString() }
            : {}),
        })
        .where('organization_id', '=', org)
        .where('id', '=', ruleId)
        .execute();
      await audit.recordFor(trx, ctx, {
        action: error ? 'rules.run_failed' : 'rules.ran',
        target: { type: 'rule', id: ruleId },
        metadata: {
          runId: row.id,
          trigger,
          evaluated: entities.length,
          matched,
          proposed: outcome?.proposed ?? 0,
          nowcastUsed: outcome?.nowcast?.used ?? false,
          error,
        },
      });
      return trx
        .selectFrom('rule_runs')
        .selectAll()
        .where('organization_id', '=', ctx.organizationId)
        .where('id', '=', row.id)
        .executeTakeFirstOrThrow();
    });
    return toRun(finished);
  }

  const runs = (ctx: Ctx, ruleId: string, f: { limit: number; cursor?: string }): Promise<Page<RunView>> => {
    const cursor = decodeCursor(f.cursor, 'id');
    return storage.withTenant(ctx.organizationId, async (trx) => {
      await findRule(trx, ctx.organizationId, ruleId);
      let q = trx
        .selectFrom('rule_runs')
        .selectAll()
        .where('organization_id', '=', ctx.organizationId)
        .where('rule_id', '=', ruleId);
      if (cursor) q = q.where('id', '<', cursor);
      const rows = await q
        .orderBy('id', 'desc')
        .limit(f.limit + 1)
        .execute();
      return toPage(rows.map(toRun), f.limit, (r) => r.id);
    });
  };

  /** The scheduler: every enabled rule whose tick is due, in every organization (or one). */
  async function runDue(organizationId?: string) {
    const now = clock.now().toISOString();
    const orgs = organizationId
      ? [organizationId]
      : (await storage.db.selectFrom('organizations').select('id').orderBy('id').execute()).map((o) => o.id);
    const out = { rules: 0, succeeded: 0, failed: 0 };
    for (const org of orgs) {
      const due = await storage.withTenant(org, (trx) =>
        trx
          .selectFrom('rules')
          .select(['id', 'next_run_at'])
          .where('organization_id', '=', org)
          .where('enabled', '=', 1)
          .where('next_run_at', '<=', now)
          .orderBy('id')
          .execute(),
      );
      for (const r of due) {
        out.rules++;
        const result = await run(systemCtx(org), r.id, 'schedule', `tick:${r.next_run_at}`).catch(() => null);
        if (result?.status === 'succeeded') out.succeeded++;
        else out.failed++;
      }
    }
    return out;
  }

  return { run, runs, runDue };
}
