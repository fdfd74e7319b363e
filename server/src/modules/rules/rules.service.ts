/**
 * Automation rules: create, read, change, enable/disable and delete, each audited in its
 * transaction. A rule's next cron tick is kept on the row (null while disabled) for the scheduler.
 * Running, the scheduler and backtests live in rules.runner.ts and rules.backtest.ts.
 */
import type { Clock } from '../../platform/clock.ts';
import { notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import { decodeCursor, type Page, toPage } from '../../platform/pagination.ts';
import { nextTick } from '../../queue/index.ts';
import type { Executor, Storage } from '../../storage/db.ts';
import type { RulesTable } from '../../storage/schema.ts';
import type { Audit } from '../audit/audit.service.ts';
import type { Ctx } from '../auth/context.ts';
import { toRule } from './rules.model.ts';
import type { RuleInput, RulePatch, RuleView } from './rules.schema.ts';
import { validateActions, validateConditions, validateCron, validateScope } from './rules.validate.ts';

export const DEFAULT_COOLDOWN_HOURS = 24;

export interface RulesDeps {
  storage: Storage;
  audit: Audit;
  clock: Clock;
}

export async function findRule(trx: Executor, org: string, id: string): Promise<RulesTable> {
  const row = await trx
    .selectFrom('rules')
    .selectAll()
    .where('organization_id', '=', org)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('Rule', id);
  return row;
}

export function createRuleStore({ storage, audit, clock }: RulesDeps) {
  async function validate(trx: Executor, org: string, r: RuleInput) {
    validateConditions(r.conditions);
    validateActions(r.scope.level, r.actions);
    validateCron(r.schedule.cron, clock.now());
    await validateScope(trx, org, r.scope);
  }
  const next = (cron: string, enabled: boolean) =>
    enabled ? nextTick(cron, clock.now()).toISOString() : null;

  async function create(ctx: Ctx, input: RuleInput): Promise<RuleView> {
    const org = ctx.organizationId;
    return storage.withTenant(org, async (trx) => {
      await validate(trx, org, input);
      const now = clock.now().toISOString();
      const enabled = input.enabled ?? true;
      const row: RulesTable = {
        id: newId('rule'),
        organization_id: org,
        name: input.name,
        description: input.description ?? null,
        enabled: enabled ? 1 : 0,
        level: input.scope.level,
        scope: JSON.stringify(input.scope),
        conditions: JSON.stringify(input.conditions),
        actions: JSON.stringify(input.actions),
        schedule_cron: input.schedule.cron.trim(),
        cooldown_hours: input.cooldownHours ?? DEFAULT_COOLDOWN_HOURS,
        next_run_at: next(input.schedule.cron, enabled),
        last_run_at: null,
        created_by: ctx.userId ?? ctx.actor.id,
        created_at: now,
        updated_at: now,
      };
      await trx.insertInto('rules').values(row).execute();
      await audit.recordFor(trx, ctx, {
        action: 'rules.created',
        target: { type: 'rule', id: row.id },
        input,
      });
      return toRule(row);
    });
  }

  async function update(ctx: Ctx, id: string, patch: RulePatch): Promise<RuleView> {
    const org = ctx.organizationId;
    return storage.withTenant(org, async (trx) => {
      const current = toRule(await findRule(trx, org, id));
      const merged: RuleInput = {
        name: patch.name ?? current.name,
        // null removes the description; absent keeps it.
        ...(patch.description === null || !(patch.description ?? current.description)
          ? {}
          : { description: patch.description ?? current.description ?? undefined }),
        enabled: patch.enabled ?? current.enabled,
        scope: patch.scope ?? current.scope,
        conditions: patch.conditions ?? current.conditions,
        actions: patch.actions ?? current.actions,
        schedule: patch.schedule ?? current.schedule,
        cooldownHours: patch.cooldownHours ?? current.cooldownHours,
      };
      await validate(trx, org, merged);
      const enabled = merged.enabled ?? true;
      const rescheduled = patch.schedule !== undefined || patch.enabled !== undefined;
      await trx
        .updateTable('rules')
        .set({
          name: merged.name,
          description: merged.description ?? null,
          enabled: enabled ? 1 : 0,
          level: merged.scope.level,
          scope: JSON.stringify(merged.scope),
          conditions: JSON.stringify(merged.conditions),
          actions: JSON.stringify(merged.actions),
          schedule_cron: merged.schedule.cron.trim(),
          cooldown_hours: merged.cooldownHours ?? DEFAULT_COOLDOWN_HOURS,
          ...(rescheduled ? { next_run_at: next(merged.schedule.cron, enabled) } : {}),
          updated_at: clock.now().toISOString(),
        })
        .where('organization_id', '=', org)
        .where('id', '=', id)
        .execute();
      await audit.recordFor(trx, ctx, {
        action: 'rules.updated',
        target: { type: 'rule', id },
        input: patch,
      });
      return toRule(await findRule(trx, org, id));
    });
  }

  const setEnabled = (ctx: Ctx, id: string, enabled: boolean) =>
    storage.withTenant(ctx.organizationId, async (trx) => {
      const row = await findRule(trx, ctx.organizationId, id);
      await trx
        .updateTable('rules')
        .set({
          enabled: enabled ? 1 : 0,
          next_run_at: next(row.schedule_cron, enabled),
          updated_at: clock.now().toISOString(),
        })
        .where('organization_id', '=', ctx.organizationId)
        .where('id', '=', id)
        .execute();
      await audit.recordFor(trx, ctx, {
        action: enabled ? 'rules.enabled' : 'rules.disabled',
        target: { type: 'rule', id },
      });
      return toRule(await findRule(trx, ctx.organizationId, id));
    });

  const remove = (ctx: Ctx, id: string) =>
    storage.withTenant(ctx.organizationId, async (trx) => {
      const row = await findRule(trx, ctx.organizationId, id);
      // Runs and cooldowns go with the rule (ON DELETE CASCADE); its proposals stay, naming it.
      await trx
        .deleteFrom('rule_cooldowns')
        .where('organization_id', '=', ctx.organizationId)
        .where('rule_id', '=', id)
        .execute();
      await trx
        .deleteFrom('rule_runs')
        .where('organization_id', '=', ctx.organizationId)
        .where('rule_id', '=', id)
        .execute();
      await trx
        .deleteFrom('rules')
        .where('organization_id', '=', ctx.organizationId)
        .where('id', '=', id)
        .execute();
      await audit.recordFor(trx, ctx, {
        action: 'rules.deleted',
        target: { type: 'rule', id },
        // The name as `before`, as other deletions keep theirs: the audit log names the gone rule
        // from it. Not the whole rule: the append-only log need not hold its notify addresses.
        metadata: { before: { name: row.name } },
      });
    });

  const get = (ctx: Ctx, id: string) =>
    storage.withTenant(ctx.organizationId, async (trx) =>
      toRule(await findRule(trx, ctx.organizationId, id)),
    );

  async function list(
    ctx: Ctx,
    f: { enabled?: 'true' | 'false'; limit: number; cursor?: string },
  ): Promise<Page<RuleView>> {
    const cursor = decodeCursor(f.cursor, 'id');
    return storage.withTenant(ctx.organizationId, async (trx) => {
      let q = trx.selectFrom('rules').selectAll().where('organization_id', '=', ctx.organizationId);
      if (f.enabled) q = q.where('enabled', '=', f.enabled === 'true' ? 1 : 0);
      if (cursor) q = q.where('id', '<', cursor);
      const rows = await q
        .orderBy('id', 'desc')
        .limit(f.limit + 1)
        .execute();
      return toPage(rows.map(toRule), f.limit, (r) => r.id);
    });
  }

  return { create, update, setEnabled, remove, get, list };
}
