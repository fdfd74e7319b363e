/**
 * One evaluation of a rule: resolve the scope now, read each entity's days (recent days
 * nowcast-adjusted), evaluate the conditions as of the account's last day of data, and turn the
 * actions of matching entities into proposals with source { type: 'rule', ruleId } — the guardrails
 * decide whether each is applied or waits for approval. Notifications go out by mail and are
 * returned for the stored run. Shared with the backtest: `prepare` (scope, nowcast, series).
 */
import type { Clock } from '../../platform/clock.ts';
import { isAppError } from '../../platform/errors.ts';
import { moneyText, numberText, percentText } from '../../platform/format.ts';
import { newId } from '../../platform/ids.ts';
import type { Mailer } from '../../platform/mailer.ts';
import type { Storage } from '../../storage/db.ts';
import type { Audit } from '../audit/audit.service.ts';
import { type Ctx, systemCtx } from '../auth/context.ts';
import type { Oracle } from '../oracle/index.ts';
import type { Proposals, ProposeInput } from '../proposals/index.ts';
import { addDays, evaluateConditions, lookbackDays } from './rules.conditions.ts';
import { loadSeries, nowcastFactors, resolveScope, type ScopedEntity } from './rules.data.ts';
import type { RunResult } from './rules.model.ts';
import type { RuleAction, RuleView } from './rules.schema.ts';

export const STALE_AFTER_DAYS = 3;

export interface RunnerDeps {
  storage: Storage;
  audit: Audit;
  clock: Clock;
  mailer: Mailer;
  oracle: Pick<Oracle, 'nowcast'>;
  proposals: Pick<Proposals, 'propose'>;
}

/** Scope, nowcast and series: what both a run and a backtest evaluate against. */
export async function prepare(
  deps: Pick<RunnerDeps, 'storage' | 'oracle'>,
  ctx: Ctx,
  rule: RuleView,
  extraDays = 0,
) {
  const org = ctx.organizationId;
  const entities = await deps.storage.withTenant(org, (trx) => resolveScope(trx, org, rule.scope));
  const nowcast = await nowcastFactors(deps.oracle, ctx, new Set(entities.map((e) => e.adAccountId)));
  const lastDays = [...nowcast.lastDay.values()].filter((d): d is string => d !== null).sort();
  const end = lastDays[lastDays.length - 1] ?? null;
  const from = end ? addDays(end, -(lookbackDays(rule.conditions) + extraDays)) : null;
  const series =
    end && from
      ? await deps.storage.withTenant(org, (trx) =>
          loadSeries(trx, org, entities, { from, to: end }, nowcast.factors),
        )
      : new Map();
  const adjustedDays = new Set([...nowcast.factors.keys()].map((k) => k.split('|')[1]));
  const note = nowcast.accounts.some((a) => a.adjusted)
    ? `Conversions and revenue of the ${adjustedDays.size} most recent, still incomplete days are the ORACLE nowcast's expected final values, not the numbers reported so far`
    : 'No account has enough restatement history for a nowcast: recent conversions and revenue are as reported';
  return {
    entities,
    series,
    end,
    nowcast: { used: nowcast.accounts.some((a) => a.adjusted), note, accounts: nowcast.accounts },
    lastDayOf: (e: ScopedEntity) => nowcast.lastDay.get(e.adAccountId) ?? null,
  };
}

/** One condition as people read it, e.g. "spend 7d = $1,070.89 (>= $200.00)", "ctr change vs previous 7d = -41.0% (< -40.0%)". */
const describe =
  (currency: string) =>
  (l: {
    metric: string;
    compare: string | null;
    windowDays: number;
    value: number | null;
    unit: string;
    op: string;
    threshold: number;
  }) => {
    const show = (v: number) =>
      l.compare || l.unit === 'percent'
        ? percentText(v)
        : l.unit === 'currency_micros'
          ? moneyText(v, currency)
          : numberText(v, l.unit === 'count' ? 0 : Math.abs(v) < 1 ? 4 : 2);
    return `${l.metric} ${l.compare ? 'change vs previous ' : ''}${l.windowDays}d = ${l.value === null ? 'n/a' : show(l.value)} (${l.op} ${show(l.threshold)})`;
  };

/** The proposal an action asks for on an entity, or why it does not apply. */
export function proposalFor(
  action: Exclude<RuleAction, { type: 'notify' }>,
  e: ScopedEntity,
): { input: ProposeInput } | { skip: string } {
  const target =
    e.level === 'campaign'
      ? { campaignId: e.id }
      : e.level === 'ad_group'
        ? { adGroupId: e.id }
        : { adId: e.id };
  if (action.type === 'pause')
    return e.status === 'active' ? { input: { kind: 'pause', ...target } } : { skip: `already ${e.status}` };
  if (action.type === 'enable')
    return e.status === 'paused' ? { input: { kind: 'enable', ...target } } : { skip: `already ${e.status}` };
  if (e.dailyBudgetMicros === null) return { skip: 'no daily budget to change' };
  const sign = action.direction === 'increase' ? 1 : -1;
  return {
    input: {
      kind: 'budget_change',
      ...target,
      ...(action.percent !== undefined
        ? { percent: sign * action.percent }
        : { amountMicros: sign * (action.amountMicros ?? 0) }),
    },
  };
}

type EntityEval = RunResult['entities'][number];

async function recipients(storage: Storage, org: string, action: Extract<RuleAction, { type: 'notify' }>) {
  if (action.emails) return action.emails;
  // Owners and admins of the organization (users is shared, memberships is the tenant's).
  return storage.withTenant(org, async (trx) =>
    (
      await trx
        .selectFrom('memberships')
        .innerJoin('users', 'users.id', 'memberships.user_id')
        .select('users.email')
        .where('memberships.organization_id', '=', org)
        .where('memberships.role', 'in', ['owner', 'admin'])
        .execute()
    ).map((r) => r.email),
  );
}

export async function evaluateRule(
  deps: RunnerDeps,
  ctx: Ctx,
  rule: RuleView,
  key: string,
): Promise<RunResult & { proposed: number }> {
  const { storage, clock, mailer, proposals } = deps;
  const prep = await prepare(deps, ctx, rule);
  const ruleCtx: Ctx = { ...systemCtx(ctx.organizationId), actor: { type: 'system', id: rule.id } };
  const now = clock.now();
  const today = now.toISOString().slice(0, 10);
  const cooldowns = await storage.withTenant(ctx.organizationId, (trx) =>
    trx
      .selectFrom('rule_cooldowns')
      .select(['entity_id', 'last_acted_at'])
      .where('organization_id', '=', ctx.organizationId)
      .where('rule_id', '=', rule.id)
      .execute(),
  );
  const cooledUntil = new Map(
    cooldowns.map((c) => [c.entity_id, Date.parse(c.last_acted_at) + rule.cooldownHours * 3_600_000]),
  );
  const entities: EntityEval[] = [];
  let proposed = 0;
  for (const e of prep.entities) {
    const asOf = prep.lastDayOf(e);
    const base = { entityId: e.id, level: e.level, name: e.name, asOf };
    if (!asOf) {
      entities.push({ ...base, matched: false, skipped: 'no_data', conditions: [], actions: [] });
      continue;
    }
    const { matched, leaves } = evaluateConditions(rule.conditions, prep.series.get(e.id) ?? new Map(), asOf);
    const stale = asOf < addDays(today, -STALE_AFTER_DAYS);
    const cooling = (cooledUntil.get(e.id) ?? 0) > now.getTime();
    const skipped = !matched ? null : stale ? 'stale_data' : cooling ? 'cooldown' : null;
    const actions: EntityEval['actions'] = [];
    if (matched && !skipped) {
      for (const a of rule.actions) {
        if (a.type === 'notify') {
          actions.push({
            type: 'notify',
            outcome: 'notified',
            proposalId: null,
            status: null,
            detail: null,
          });
          continue;
        }
        const plan = proposalFor(a, e);
        if ('skip' in plan) {
          actions.push({
            type: a.type,
            outcome: 'skipped',
            proposalId: null,
            status: null,
            detail: plan.skip,
          });
          continue;
        }
        try {
          const { proposal } = await proposals.propose(
            ruleCtx,
            {
              ...plan.input,
              reason: `Rule "${rule.name}": ${leaves.map(describe(e.currency)).join('; ')}`,
              idempotencyKey: `rule:${rule.id}:${key}:${e.id}`,
            },
            { type: 'rule', ruleId: rule.id },
          );
          proposed++;
          actions.push({
            type: a.type,
            outcome: 'proposed',
            proposalId: proposal.id,
            status: proposal.status,
            detail: null,
          });
          await storage.withTenant(ctx.organizationId, async (trx) => {
            const at = now.toISOString();
            const done = await trx
              .updateTable('rule_cooldowns')
              .set({ last_acted_at: at, proposal_id: proposal.id })
              .where('organization_id', '=', ctx.organizationId)
              .where('rule_id', '=', rule.id)
              .where('entity_id', '=', e.id)
              .executeTakeFirst();
            if (Number(done.numUpdatedRows) === 0)
              await trx
                .insertInto('rule_cooldowns')
                .values({
                  id: newId('ruleCooldown'),
                  organization_id: ctx.organizationId,
                  rule_id: rule.id,
                  entity_id: e.id,
                  last_acted_at: at,
                  proposal_id: proposal.id,
                })
                .execute();
          });
        } catch (err) {
          // A refusal (already at that budget, entity changed) is this entity's outcome, not the run's.
          if (!isAppError(err)) throw err;
          actions.push({
            type: a.type,
            outcome: 'refused',
            proposalId: null,
            status: null,
            detail: err.message,
          });
        }
      }
    }
    entities.push({ ...base, matched, skipped, conditions: leaves, actions });
  }
  const notifications: RunResult['notifications'] = [];
  const notify = rule.actions.find((a) => a.type === 'notify');
  const hits = entities.filter((x) => x.matched && !x.skipped);
  const currencyOf = new Map(prep.entities.map((e) => [e.id, e.currency]));
  if (notify && hits.length) {
    const to = await recipients(storage, ctx.organizationId, notify);
    const subject = `Omnify rule "${rule.name}": ${hits.length} ${hits.length === 1 ? 'match' : 'matches'}`;
    const text = [
      notify.message ?? `The rule "${rule.name}" matched:`,
      ...hits.map(
        (h) =>
          `- ${h.name} (${h.level} ${h.entityId}): ${h.conditions.map(describe(currencyOf.get(h.entityId) ?? 'USD')).join('; ')}`,
      ),
      prep.nowcast.note,
    ].join('\n');
    for (const address of to) await mailer.send({ to: address, subject, text });
    notifications.push({ to, subject, entities: hits.length });
  }
  return { nowcast: prep.nowcast, entities, notifications, proposed };
}

/** Runs a rule once for `key` (a cron tick, or a fresh id for a manual run); a finished key is returned as is. */
