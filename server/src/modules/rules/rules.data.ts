/**
 * What an evaluation reads: the entities in scope (resolved now, so new children of a client or
 * campaign are included), their daily totals, and the late-conversion nowcast that replaces the
 * conversions and revenue of recent, still-filling days by their expected final values.
 */
import { sql } from 'kysely';
import type { Executor } from '../../storage/db.ts';
import type { Ctx } from '../auth/context.ts';
import type { Oracle } from '../oracle/index.ts';
import type { DayTotals } from './rules.conditions.ts';
import type { RuleLevel, Scope } from './rules.schema.ts';

export interface ScopedEntity {
  id: string;
  level: RuleLevel;
  name: string;
  status: string;
  adAccountId: string;
  dailyBudgetMicros: number | null;
  /** The ad account's currency: money in the rule's reasons is written in it. */
  currency: string;
}

const tables = { campaign: 'campaigns', ad_group: 'ad_groups', ad: 'ads' } as const;
const metricColumn = { campaign: 'campaign_id', ad_group: 'ad_group_id', ad: 'ad_id' } as const;

export async function resolveScope(trx: Executor, org: string, scope: Scope): Promise<ScopedEntity[]> {
  const level = scope.level;
  let q = trx
    .selectFrom(tables[level])
    .selectAll()
    .where('organization_id', '=', org)
    .where('status', '!=', 'removed');
  if (scope.entityIds) q = q.where('id', 'in', scope.entityIds);
  if (scope.clientId) q = q.where('client_id', '=', scope.clientId);
  // Only ad groups and ads have a campaign_id (validated with the scope).
  if (scope.campaignId && level !== 'campaign')
    q = q.where(sql.ref('campaign_id'), '=', scope.campaignId) as typeof q;
  const rows = await q.orderBy('id').execute();
  const accountIds = [...new Set(rows.map((r) => r.ad_account_id))];
  const currencies = new Map(
    accountIds.length
      ? (
          await trx
            .selectFrom('ad_accounts')
            .select(['id', 'currency'])
            .where('organization_id', '=', org)
            .where('id', 'in', accountIds)
            .execute()
        ).map((a) => [a.id, a.currency])
      : [],
  );
  return rows.map((r) => {
    const budget = (r as { daily_budget_micros?: number | null }).daily_budget_micros;
    return {
      id: r.id,
      level,
      name: r.name,
      status: r.status,
      adAccountId: r.ad_account_id,
      dailyBudgetMicros: budget == null ? null : Number(budget),
      currency: currencies.get(r.ad_account_id) ?? 'USD',
    };
  });
}

/** Multipliers of one account's day: expected final over reported, for conversions and revenue. */
export interface DayFactor {
  conversions: number;
  revenue: number;
}

export interface NowcastFactors {
  factors: Map<string, DayFactor>;
  accounts: Array<{ adAccountId: string; adjusted: boolean; lastDay: string | null }>;
  lastDay: Map<string, string | null>;
}

/** The nowcast of every account of the organization, as per-account-day multipliers. */
export async function nowcastFactors(
  oracle: Pick<Oracle, 'nowcast'>,
  ctx: Ctx,
  accountIds: Set<string>,
): Promise<NowcastFactors> {
  const out: NowcastFactors = { factors: new Map(), accounts: [], lastDay: new Map() };
  if (!accountIds.size) return out;
  const { accounts } = await oracle.nowcast(ctx, { days: 28 });
  for (const a of accounts) {
    if (!accountIds.has(a.adAccountId)) continue;
    out.accounts.push({ adAccountId: a.adAccountId, adjusted: a.adjusted, lastDay: a.lastDay });
    out.lastDay.set(a.adAccountId, a.lastDay);
    if (!a.adjusted) continue;
    for (const d of a.days) {
      const conv =
        d.reportedConversions > 0
          ? d.expectedConversions / d.reportedConversions
          : d.completion > 0
            ? 1 / d.completion
            : 1;
      const revenue = d.reportedValueMicros > 0 ? d.expectedValueMicros / d.reportedValueMicros : conv;
      if (conv > 1.0001 || revenue > 1.0001)
        out.factors.set(`${a.adAccountId}|${d.date}`, { conversions: conv, revenue });
    }
  }
  return out;
}

const num = (v: unknown) => (v == null ? 0 : Number(v));

/** Daily totals per entity over [from, to], with the nowcast applied to the days it covers. */
export async function loadSeries(
  trx: Executor,
  org: string,
  entities: ScopedEntity[],
  range: { from: string; to: string },
  factors: Map<string, DayFactor>,
): Promise<Map<string, Map<string, DayTotals>>> {
  const out = new Map<string, Map<string, DayTotals>>();
  const first = entities[0];
  if (!first) return out;
  const col = metricColumn[first.level];
  const account = new Map(entities.map((e) => [e.id, e.adAccountId]));
  for (let i = 0; i < entities.length; i += 500) {
    const ids = entities.slice(i, i + 500).map((e) => e.id);
    const rows = await trx
      .selectFrom('daily_metrics')
      .select((eb) => [
        eb.ref(col).as('entity'),
        'date',
        eb.fn.sum<string>('spend_micros').as('spend'),
        eb.fn.sum<string>('impressions').as('impressions'),
        eb.fn.sum<string>('clicks').as('clicks'),
        eb.fn.sum<string>('conversions').as('conversions'),
        eb.fn.sum<string>('conversion_value_micros').as('revenue'),
        sql<string>`sum(case when frequency is not null then frequency * impressions else 0 end)`.as('fw'),
        sql<string>`sum(case when frequency is not null then impressions else 0 end)`.as('fi'),
      ])
      .where('organization_id', '=', org)
      .where(col, 'in', ids)
      .where('date', '>=', range.from)
      .where('date', '<=', range.to)
      .groupBy([col, 'date'])
      .execute();
    for (const r of rows) {
      const id = String(r.entity);
      const f = factors.get(`${account.get(id)}|${r.date}`);
      const series = out.get(id) ?? new Map<string, DayTotals>();
      series.set(r.date, {
        spendMicros: num(r.spend),
        impressions: num(r.impressions),
        clicks: num(r.clicks),
        conversions: num(r.conversions) * (f?.conversions ?? 1),
        revenueMicros: num(r.revenue) * (f?.revenue ?? 1),
        frequencyWeighted: num(r.fw),
        frequencyImpressions: num(r.fi),
        adjusted: f !== undefined,
      });
      out.set(id, series);
    }
  }
  return out;
}
