/**
 * Window totals per unit (ad account, campaign or ad group) from `daily_metrics`: spend, conversions,
 * value and days with spend before and after a change, for the treated unit and its candidates.
 */
import type { Executor } from '../../storage/db.ts';
import type { Placement, UnitLevel } from './ledger.data.ts';
import type { UnitFigures } from './ledger.stats.ts';

const unitColumn = { ad_account: 'ad_account_id', campaign: 'campaign_id', ad_group: 'ad_group_id' } as const;

/** A unit's totals over the pre- and post-windows: spend, conversions and value (micros). */
export interface UnitWindowRow {
  unitId: string;
  clientId: string | null;
  currency: string;
  placement: Placement;
  pre: { spend: number; conversions: number; value: number; days: number };
  post: { spend: number; conversions: number; value: number; days: number };
}

/** The estimator's view of a unit: conversions or value as the objective. */
export const figuresOf = (u: UnitWindowRow, revenue: boolean): UnitFigures => ({
  unitId: u.unitId,
  preSpend: u.pre.spend,
  preObjective: revenue ? u.pre.value : u.pre.conversions,
  postSpend: u.post.spend,
  postObjective: revenue ? u.post.value : u.post.conversions,
  preDaysWithSpend: u.pre.days,
  postDaysWithSpend: u.post.days,
});

/**
 * Spend, conversions and value per unit of a level on one platform over a pre- and a post-window
 * (inclusive dates), for every unit with a row in either window, with its days with spend.
 */
export async function unitWindows(
  trx: Executor,
  org: string,
  q: { level: UnitLevel; platform: string; pre: [string, string]; post: [string, string] },
): Promise<UnitWindowRow[]> {
  const col = unitColumn[q.level];
  const rows = await trx
    .selectFrom('daily_metrics')
    .select((eb) => [
      eb.ref(col).as('unit'),
      'date',
      'ad_account_id',
      'campaign_id',
      'client_id',
      'currency',
      eb.fn.sum<number>('spend_micros').as('spend'),
      eb.fn.sum<number>('conversions').as('conversions'),
      eb.fn.sum<number>('conversion_value_micros').as('value'),
    ])
    .where('organization_id', '=', org)
    .where('platform', '=', q.platform)
    .where('date', '>=', q.pre[0])
    .where('date', '<=', q.post[1])
    .groupBy([col, 'date', 'ad_account_id', 'campaign_id', 'client_id', 'currency'])
    .execute();
  const units = new Map<string, UnitWindowRow>();
  const days = new Map<string, { pre: Set<string>; post: Set<string> }>();
  for (const r of rows) {
    const id = r.unit as string;
    const window =
      r.date >= q.pre[0] && r.date <= q.pre[1]
        ? 'pre'
        : r.date >= q.post[0] && r.date <= q.post[1]
          ? 'post'
          : null;
    if (!window) continue;
    let u = units.get(id);
    if (!u) {
      u = {
        unitId: id,
        clientId: r.client_id,
        currency: r.currency,
        placement: {
          adAccountId: r.ad_account_id,
          campaignId: r.campaign_id,
          adGroupId: q.level === 'ad_group' ? id : null,
          adId: null,
          clientId: r.client_id,
          platform: q.platform,
        },
        pre: { spend: 0, conversions: 0, value: 0, days: 0 },
        post: { spend: 0, conversions: 0, value: 0, days: 0 },
      };
      units.set(id, u);
    }
    const spend = Number(r.spend);
    u[window].spend += spend;
    u[window].conversions += Number(r.conversions);
    u[window].value += Number(r.value);
    // A unit's day can span several rows (accounts, currencies): count each day once.
    if (spend > 0) {
      const d = days.get(id) ?? { pre: new Set<string>(), post: new Set<string>() };
      d[window].add(r.date);
      days.set(id, d);
    }
  }
  for (const [id, u] of units) {
    u.pre.days = days.get(id)?.pre.size ?? 0;
    u.post.days = days.get(id)?.post.size ?? 0;
  }
  return [...units.values()].sort((a, b) => (a.unitId < b.unitId ? -1 : 1));
}

/** The organization's last day with data (null without any). */
export async function lastDataDay(trx: Executor, org: string): Promise<string | null> {
  const r = await trx
    .selectFrom('daily_metrics')
    .select((eb) => eb.fn.max('date').as('d'))
    .where('organization_id', '=', org)
    .executeTakeFirst();
  return (r?.d as string | null | undefined) ?? null;
}
