/** The write-back a proposal asks for, computed from the request and the entity as it is now. */
import { AppError, invalidInput } from '../../platform/errors.ts';
import { moneyText } from '../../platform/format.ts';
import type { Executor } from '../../storage/db.ts';
import { type EntityNow, gatherFacts, type Level, loadEntity } from './proposals.facts.ts';
import type { Draft, ProposedWrite } from './proposals.model.ts';
import { effectivePolicy } from './proposals.policies.ts';
import type { ProposeInput } from './proposals.service.ts';

/**
 * An enable of an entity already active, or a pause of one already paused: a 409 `conflict` whose
 * `details.reason` is `already_in_state` (with `status`, `level`, `entityId`, `entityName`), so
 * programs can tell it from other conflicts. In-process callers (the workflow `proposal` step, which
 * takes it as done) check `instanceof` and read the typed fields. The entity's state is
 * `entityStatus`: `status` is AppError's HTTP status (409).
 */
export class AlreadyInStateError extends AppError {
  constructor(
    readonly entityStatus: 'active' | 'paused',
    readonly level: Level,
    readonly entityId: string,
    readonly entityName: string,
  ) {
    super('conflict', `This ${level.replace('_', ' ')} is already ${entityStatus}`, {
      reason: 'already_in_state',
      status: entityStatus,
      level,
      entityId,
      entityName,
    });
    this.name = 'AlreadyInStateError';
  }
}

/** A budget change, pause or enable of a campaign, ad group or ad: the write, snapshots, impact, facts. */
export async function draftAds(
  trx: Executor,
  org: string,
  input: ProposeInput,
  level: Level,
  entityId: string,
  now: Date,
  opts: { agentAutoApprovePct: number | null },
): Promise<Draft> {
  const entity = await loadEntity(trx, org, level, entityId);
  const { write, budgetAfter } = plannedWrite(input, level, entity);
  const policy = await effectivePolicy(trx, org, entity.clientId);
  const { avgDailySpendMicros7d, spendLastDay, ...facts } = await gatherFacts(trx, org, {
    kind: input.kind,
    level,
    entity,
    budgetAfter,
    now,
    withMonthSpend: policy.monthlySpendCeilingMicros !== null,
    agentAutoApprovePct: opts.agentAutoApprovePct,
  });
  const before = { status: entity.status, dailyBudgetMicros: entity.dailyBudgetMicros };
  const after =
    write.type === 'set_status'
      ? { ...before, status: write.status }
      : { ...before, dailyBudgetMicros: budgetAfter };
  const dailyDelta =
    input.kind === 'budget_change'
      ? (budgetAfter ?? 0) - (entity.dailyBudgetMicros ?? 0)
      : input.kind === 'pause'
        ? -avgDailySpendMicros7d
        : (entity.dailyBudgetMicros ?? avgDailySpendMicros7d);
  const money = (m: number) => moneyText(m, entity.currency);
  const what = `${level.replace('_', ' ')} "${entity.name}"`;
  // Read by people wherever it is shown (dashboard, API, notifications): money in its currency.
  const summary =
    input.kind === 'budget_change'
      ? `${dailyDelta >= 0 ? 'Raise' : 'Lower'} the daily budget of ${what} from ${money(entity.dailyBudgetMicros ?? 0)} to ${money(budgetAfter ?? 0)} (${dailyDelta >= 0 ? '+' : '-'}${money(Math.abs(dailyDelta))} a day)`
      : input.kind === 'pause'
        ? `Pause ${what}: about ${money(Math.abs(dailyDelta))} a day less spend (its 7-day average${spendLastDay ? ` up to ${spendLastDay}` : ''})`
        : `Enable ${what}: about ${money(Math.abs(dailyDelta))} a day more spend`;
  return {
    clientId: entity.clientId,
    write,
    before,
    after,
    policy,
    facts,
    impact: {
      dailyBudgetDeltaMicros: dailyDelta,
      monthlyBudgetDeltaMicros: Math.round(dailyDelta * 30.4),
      avgDailySpendMicros7d,
      currency: entity.currency,
      summary,
    },
  };
}

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
    // No platform takes a daily budget of 0 (Google Ads, Meta and LinkedIn all refuse it): stopping
    // the spend is a pause.
    if (budgetAfter === 0)
      throw invalidInput('A daily budget of 0 is refused by the platforms: propose a pause instead');
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
  // 409 with a reason programs can tell from other conflicts: the workflow `proposal` step takes an
  // enable of an active campaign (or a pause of a paused one) as done.
  if (entity.status === status) throw new AlreadyInStateError(status, level, entityId, entity.name);
  return { write: { type: 'set_status', level, entityId, status }, budgetAfter: null };
}
