/** Rows of rules and rule_runs as the API shows them. */
import type { RuleRunsTable, RulesTable } from '../../storage/schema.ts';
import type { RuleView, RunView } from './rules.schema.ts';

export const toRule = (r: RulesTable): RuleView => ({
  id: r.id,
  name: r.name,
  description: r.description,
  enabled: Number(r.enabled) === 1,
  scope: JSON.parse(r.scope),
  conditions: JSON.parse(r.conditions),
  actions: JSON.parse(r.actions),
  schedule: { cron: r.schedule_cron },
  cooldownHours: Number(r.cooldown_hours),
  nextRunAt: r.next_run_at,
  lastRunAt: r.last_run_at,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export type RunResult = Pick<RunView, 'nowcast' | 'entities' | 'notifications'>;

export const toRun = (r: RuleRunsTable): RunView => {
  const result: RunResult = r.result
    ? JSON.parse(r.result)
    : { nowcast: null, entities: [], notifications: [] };
  return {
    id: r.id,
    ruleId: r.rule_id,
    trigger: r.trigger,
    status: r.status,
    evaluated: Number(r.evaluated),
    matched: Number(r.matched),
    proposed: Number(r.proposed),
    nowcast: result.nowcast,
    entities: result.entities,
    notifications: result.notifications,
    error: r.error,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
};
