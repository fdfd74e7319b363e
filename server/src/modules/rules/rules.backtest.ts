/**
 * Backtest: replays a rule over the last N days of data, one evaluation per day as if it had run
 * that evening, and lists what it would have done — without proposing or writing anything. The
 * replay keeps its own state: an entity it "paused" stays paused for the following days, and the
 * rule's cooldown applies between its own would-be actions; an entity it paused is not evaluated
 * again (it would have stopped delivering). Past statuses and budgets are not stored,
 * so an entity counts as live on a day it delivered (impressions > 0).
 */
import type { Ctx } from '../auth/context.ts';
import { addDays, evaluateConditions } from './rules.conditions.ts';
import type { ScopedEntity } from './rules.data.ts';
import { prepare, type RunnerDeps } from './rules.runner.ts';
import type { BacktestView, RuleAction, RuleView } from './rules.schema.ts';

const money = (m: number) => (m / 1e6).toFixed(2);

function wouldDo(a: RuleAction, e: ScopedEntity, live: boolean): { type: string; detail: string } | null {
  switch (a.type) {
    case 'pause':
      return live ? { type: 'pause', detail: `pause ${e.level.replace('_', ' ')} "${e.name}"` } : null;
    case 'enable':
      return live ? null : { type: 'enable', detail: `enable ${e.level.replace('_', ' ')} "${e.name}"` };
    case 'budget': {
      if (e.dailyBudgetMicros === null) return null;
      const change =
        a.percent !== undefined ? `${a.percent}%` : `${money(a.amountMicros ?? 0)} (account currency)`;
      return {
        type: `budget_${a.direction}`,
        detail: `${a.direction} the daily budget of "${e.name}" by ${change} (from ${money(e.dailyBudgetMicros)} today)`,
      };
    }
    case 'notify':
      return { type: 'notify', detail: `notify ${a.emails?.join(', ') ?? 'owners and admins'}` };
  }
}

export async function backtest(
  deps: Pick<RunnerDeps, 'storage' | 'oracle'>,
  ctx: Ctx,
  rule: RuleView,
  days: number,
): Promise<BacktestView> {
  const prep = await prepare(deps, ctx, rule, days);
  const end = prep.end ?? '';
  const from = prep.end ? addDays(prep.end, -(days - 1)) : '';
  const paused = new Set<string>();
  const enabled = new Set<string>();
  const lastActed = new Map<string, string>();
  const cooldownDays = Math.ceil(rule.cooldownHours / 24);
  const out: BacktestView['days'] = [];
  const totals = {
    daysWithMatches: 0,
    matches: 0,
    actions: {} as Record<string, number>,
    skippedForCooldown: 0,
  };
  const entitiesHit = new Set<string>();
  for (let i = 0; prep.end && i < days; i++) {
    const date = addDays(from, i);
    const day: BacktestView['days'][number] = { date, evaluated: 0, matched: [] };
    for (const e of prep.entities) {
      const last = prep.lastDayOf(e);
      if (!last || last < date) continue;
      // Paused in the replay: it would have stopped delivering, so its later days say nothing.
      if (paused.has(e.id) && !rule.actions.some((a) => a.type === 'enable')) continue;
      const series = prep.series.get(e.id) ?? new Map();
      day.evaluated++;
      const { matched, leaves } = evaluateConditions(rule.conditions, series, date);
      if (!matched) continue;
      const acted = lastActed.get(e.id);
      if (acted && rule.cooldownHours > 0 && addDays(acted, cooldownDays) > date) {
        totals.skippedForCooldown++;
        continue;
      }
      const delivered = (series.get(date)?.impressions ?? 0) > 0;
      const live = (delivered && !paused.has(e.id)) || enabled.has(e.id);
      const actions = rule.actions
        .map((a) => wouldDo(a, e, live))
        .filter((x): x is { type: string; detail: string } => x !== null);
      if (!actions.length) continue;
      for (const a of actions) {
        totals.actions[a.type] = (totals.actions[a.type] ?? 0) + 1;
        if (a.type === 'pause') {
          paused.add(e.id);
          enabled.delete(e.id);
        }
        if (a.type === 'enable') {
          enabled.add(e.id);
          paused.delete(e.id);
        }
      }
      if (actions.some((a) => a.type !== 'notify')) lastActed.set(e.id, date);
      day.matched.push({ entityId: e.id, name: e.name, conditions: leaves, wouldDo: actions });
      entitiesHit.add(e.id);
      totals.matches++;
    }
    if (day.matched.length) totals.daysWithMatches++;
    out.push(day);
  }
  return {
    ruleId: rule.id,
    from,
    to: end,
    nowcast: prep.nowcast,
    note: `Replayed day by day against the metrics as stored now (settled days as finally reported). ${prep.nowcast.note}. Nothing was proposed or written.`,
    days: out,
    totals: { ...totals, entities: entitiesHit.size },
  };
}
