/** The write-back a proposal asks for, computed from the request and the entity as it is now. */
import { conflict, invalidInput } from '../../platform/errors.ts';
import type { EntityNow, Level } from './proposals.facts.ts';
import type { ProposedWrite } from './proposals.model.ts';
import type { ProposeInput } from './proposals.service.ts';

export function plannedWrite(
  input: ProposeInput,
  level: Level,
  entity: EntityNow,
): { write: ProposedWrite; budgetAfter: number | null } {
  const entityId = entity.id;
  if (input.kind === 'budget_change') {
    if (level === 'ad') throw invalidInput('Ads have no budget: name a campaign or an ad group');
    const before = entity.dailyBudgetMicros;
    if (before === null) throw invalidInput(`This ${level.replace('_', ' ')} has no daily budget to change`);
    const ways = [input.percent, input.amountMicros, input.dailyBudgetMicros].filter((v) => v !== undefined);
    if (ways.length !== 1) throw invalidInput('Send exactly one of percent, amountMicros, dailyBudgetMicros');
    const budgetAfter =
      input.dailyBudgetMicros ??
      (input.amountMicros !== undefined
        ? before + input.amountMicros
        : Math.round(before * (1 + (input.percent ?? 0) / 100)));
    if (budgetAfter < 0) throw invalidInput('The change would make the budget negative');
    if (budgetAfter === before) throw invalidInput('The budget is already at that amount');
    return {
      write: { type: 'set_daily_budget', level, entityId, dailyBudgetMicros: budgetAfter },
      budgetAfter,
    };
  }
  if (
    input.percent !== undefined ||
    input.amountMicros !== undefined ||
    input.dailyBudgetMicros !== undefined
  )
    throw invalidInput(`A ${input.kind} takes no amount`);
  const status = input.kind === 'pause' ? 'paused' : 'active';
  if (entity.status === status) throw conflict(`This ${level.replace('_', ' ')} is already ${status}`);
  return { write: { type: 'set_status', level, entityId, status }, budgetAfter: null };
}
