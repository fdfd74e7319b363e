/**
 * What guardrails and the expected impact need to know about an entity, read inside the caller's
 * tenant transaction: the entity now, today's and recent applied write-backs on it, pauses in the
 * last hour, live ads of its ad group, and spend of the month.
 */
import { notFound } from '../../platform/errors.ts';
import type { Executor } from '../../storage/db.ts';
import type { Facts, ProposalKind } from './proposals.policy.ts';

export type Level = 'campaign' | 'ad_group' | 'ad';
const table = { campaign: 'campaigns', ad_group: 'ad_groups', ad: 'ads' } as const;
const metricColumn = { campaign: 'campaign_id', ad_group: 'ad_group_id', ad: 'ad_id' } as const;

export interface EntityNow {
  id: string;
  name: string;
  status: string;
  clientId: string | null;
  adAccountId: string;
  currency: string;
  dailyBudgetMicros: number | null;
  adGroupId: string | null;
}

export async function loadEntity(trx: Executor, org: string, level: Level, id: string): Promise<EntityNow> {
  const row = await trx
    .selectFrom(table[level])
    .selectAll()
    .where('organization_id', '=', org)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound(level.replace('_', ' '), id);
  const account = await trx
    .selectFrom('ad_accounts')
    .select('currency')
    .where('organization_id', '=', org)
    .where('id', '=', row.ad_account_id)
    .executeTakeFirst();
  const r = row as typeof row & { daily_budget_micros?: number | null; ad_group_id?: string };
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    clientId: row.client_id,
    adAccountId: row.ad_account_id,
    currency: account?.currency ?? 'USD',
    dailyBudgetMicros: r.daily_budget_micros == null ? null : Number(r.daily_budget_micros),
    adGroupId: r.ad_group_id ?? null,
  };
}

const num = (v: unknown) => (v == null ? 0 : Number(v));

export async function gatherFacts(
  trx: Executor,
  org: string,
  p: {
    kind: ProposalKind;
    level: Level;
    entity: EntityNow;
    budgetAfter: number | null;
    now: Date;
    withMonthSpend: boolean;
    agentAutoApprovePct: number | null;
  },
): Promise<Facts & { avgDailySpendMicros7d: number; spendLastDay: string | null }> {
  const { entity, now } = p;
  const dayStart = `${now.toISOString().slice(0, 10)}T00:00:00.000Z`;
  const applied = () =>
    trx
      .selectFrom('write_actions')
      .select(['before', 'applied_at'])
      .where('organization_id', '=', org)
      .where('entity_id', '=', entity.id)
      .where('status', '=', 'applied');
  const firstBudgetToday = await applied()
    .where('type', '=', 'set_daily_budget')
    .where('applied_at', '>=', dayStart)
    .orderBy('applied_at', 'asc')
    .limit(1)
    .executeTakeFirst();
  const startOfDay = firstBudgetToday?.before
    ? ((JSON.parse(firstBudgetToday.before) as { dailyBudgetMicros?: number | null }).dailyBudgetMicros ??
      null)
    : entity.dailyBudgetMicros;
  // A change counts from the moment it is under way: a write-back still pending at the platform, or
  // a proposal approved and not yet applied, is as recent as an applied one.
  const lastApplied = (await applied().orderBy('applied_at', 'desc').limit(1).executeTakeFirst())?.applied_at;
  const pendingWrite = (
    await trx
      .selectFrom('write_actions')
      .select('created_at')
      .where('organization_id', '=', org)
      .where('entity_id', '=', entity.id)
      .where('status', '=', 'pending')
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst()
  )?.created_at;
  const approvedUnapplied = (
    await trx
      .selectFrom('proposals')
      .select('decided_at')
      .where('organization_id', '=', org)
      .where('entity_id', '=', entity.id)
      .where('status', '=', 'approved')
      .orderBy('decided_at', 'desc')
      .limit(1)
      .executeTakeFirst()
  )?.decided_at;
  const last = [lastApplied, pendingWrite, approvedUnapplied]
    .filter((t): t is string => typeof t === 'string')
    .sort()
    .pop();
  const hourAgo = new Date(now.getTime() - 3_600_000).toISOString();
  const pauses = await trx
    .selectFrom('write_actions')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('organization_id', '=', org)
    .where('status', '=', 'applied')
    .where('type', '=', 'set_status')
    .where('payload', 'like', '%"paused"%')
    .where('applied_at', '>=', hourAgo)
    .executeTakeFirst();
  let liveAdsAfterPause: number | null = null;
  if (p.kind === 'pause' && p.level === 'ad' && entity.adGroupId) {
    const live = await trx
      .selectFrom('ads')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('organization_id', '=', org)
      .where('ad_group_id', '=', entity.adGroupId)
      .where('status', '=', 'active')
      .where('id', '!=', entity.id)
      .executeTakeFirst();
    liveAdsAfterPause = num(live?.n);
  }
  const spend7 = await averageDailySpend7d(trx, org, p.level, entity);
  return {
    kind: p.kind,
    level: p.level,
    entityId: entity.id,
    budgetBefore: entity.dailyBudgetMicros,
    budgetAfter: p.budgetAfter,
    budgetAtStartOfDay: startOfDay,
    hoursSinceLastChange: last ? (now.getTime() - Date.parse(last)) / 3_600_000 : null,
    pausesLastHour: num(pauses?.n),
    liveAdsAfterPause,
    projectedMonthSpendMicros: p.withMonthSpend ? await projectMonth(trx, org, p) : null,
    agentAutoApprovePct: p.agentAutoApprovePct,
    at: now.toISOString(),
    currency: entity.currency,
    avgDailySpendMicros7d: spend7.micros,
    spendLastDay: spend7.lastDay,
  };
}

/**
 * The entity's average daily spend over the same 7 days a rule's "spend 7d" reads: the 7 days ending
 * on its ad account's last day of data, that day included (today too, when today's numbers are
 * already synced), whether or not the entity spent on each. No data in the account: 0.
 */
export async function averageDailySpend7d(
  trx: Executor,
  org: string,
  level: Level,
  entity: Pick<EntityNow, 'id' | 'adAccountId'>,
): Promise<{ micros: number; lastDay: string | null }> {
  const last = (
    await trx
      .selectFrom('daily_metrics')
      .select((eb) => eb.fn.max('date').as('last'))
      .where('organization_id', '=', org)
      .where('ad_account_id', '=', entity.adAccountId)
      .executeTakeFirst()
  )?.last as string | null | undefined;
  if (!last) return { micros: 0, lastDay: null };
  const from = new Date(Date.parse(`${last}T00:00:00Z`) - 6 * 86_400_000).toISOString().slice(0, 10);
  const spend = await trx
    .selectFrom('daily_metrics')
    .select((eb) => eb.fn.sum<string>('spend_micros').as('s'))
    .where('organization_id', '=', org)
    .where(metricColumn[level], '=', entity.id)
    .where('date', '>=', from)
    .where('date', '<=', last)
    .executeTakeFirst();
  return { micros: Math.round(num(spend?.s) / 7), lastDay: last };
}

/** Month-to-date spend plus the rest of the month at the active campaigns' budgets after the change. */
async function projectMonth(
  trx: Executor,
  org: string,
  p: { kind: ProposalKind; level: Level; entity: EntityNow; budgetAfter: number | null; now: Date },
): Promise<number> {
  const clientId = p.entity.clientId;
  const monthStart = `${p.now.toISOString().slice(0, 7)}-01`;
  let spent = trx
    .selectFrom('daily_metrics')
    .select((eb) => eb.fn.sum<string>('spend_micros').as('s'))
    .where('organization_id', '=', org)
    .where('date', '>=', monthStart);
  if (clientId) spent = spent.where('client_id', '=', clientId);
  let budgets = trx
    .selectFrom('campaigns')
    .select((eb) => eb.fn.sum<string>('daily_budget_micros').as('s'))
    .where('organization_id', '=', org)
    .where('status', '=', 'active');
  if (clientId) budgets = budgets.where('client_id', '=', clientId);
  const y = p.now.getUTCFullYear();
  const m = p.now.getUTCMonth();
  const daysLeft = new Date(Date.UTC(y, m + 1, 0)).getUTCDate() - p.now.getUTCDate() + 1;
  const before = p.entity.dailyBudgetMicros ?? 0;
  const delta =
    p.kind === 'budget_change'
      ? (p.budgetAfter ?? 0) - before
      : p.kind === 'enable' && p.level === 'campaign' && p.entity.status !== 'active'
        ? before
        : 0;
  const s = await spent.executeTakeFirst();
  const b = await budgets.executeTakeFirst();
  return num(s?.s) + daysLeft * (num(b?.s) + delta);
}
