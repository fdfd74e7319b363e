/**
 * The one SQL query behind every metrics request, the same on SQLite and PostgreSQL: sums of
 * `daily_metrics` (or of its per-account rollup, when nothing below the account is asked for)
 * grouped by the requested entity columns, by the day or month, and by currency.
 * Rows already in the reporting currency are not split by day unless a time grouping asks for it;
 * rows in another currency are, so that each day converts at its own rate. Weeks are folded from
 * days in TypeScript (ISO weeks have no portable SQL spelling, and days are few).
 */
import { sql } from 'kysely';
import type { Executor } from '../../storage/db.ts';
import { existedDuring, type Period } from './analytics.lifespan.ts';
import type { MetricSums } from './kpis.ts';

export const entityDimensions = ['platform', 'client', 'account', 'campaign', 'adGroup', 'ad'] as const;
export const timeDimensions = ['day', 'week', 'month'] as const;
export const dimensions = [...timeDimensions, ...entityDimensions] as const;
export type Dimension = (typeof dimensions)[number];
export type EntityDimension = (typeof entityDimensions)[number];

export const entityColumn = {
  platform: 'platform',
  client: 'client_id',
  account: 'ad_account_id',
  campaign: 'campaign_id',
  adGroup: 'ad_group_id',
  ad: 'ad_id',
} as const satisfies Record<EntityDimension, string>;

export interface MetricFilter {
  clientIds?: string[];
  platforms?: string[];
  adAccountIds?: string[];
  campaignIds?: string[];
  adGroupIds?: string[];
  adIds?: string[];
}

export interface AggregateQuery {
  organizationId: string;
  from: string;
  to: string;
  filter: MetricFilter;
  dimensions: readonly Dimension[];
  reportingCurrency: string;
}

/** One SQL group: entity values, the time key (a day or a month, or null), the currency and sums. */
export interface AggregateRow {
  entities: Partial<Record<EntityDimension, string | null>>;
  /** `YYYY-MM-DD` when grouped by day (or week), `YYYY-MM` by month, else null. */
  time: string | null;
  /** The day to convert at: set for rows not in the reporting currency. */
  fxDate: string | null;
  currency: string;
  sums: MetricSums;
}

interface RawRow {
  [k: string]: unknown;
  t: string | null;
  fx_date: string | null;
  currency: string;
  impressions: number | string;
  clicks: number | string;
  spend_micros: number | string;
  conversions: number | string;
  conversion_value_micros: number | string;
  reach: number | string | null;
  impressions_with_reach: number | string;
}

/** Dimensions and filters below the ad account, which the per-account rollup cannot answer. */
const belowAccount = (q: AggregateQuery) =>
  q.dimensions.some((d) => d === 'campaign' || d === 'adGroup' || d === 'ad') ||
  Boolean(q.filter.campaignIds?.length || q.filter.adGroupIds?.length || q.filter.adIds?.length);

export async function aggregate(trx: Executor, q: AggregateQuery): Promise<AggregateRow[]> {
  const ents = entityDimensions.filter((d) => q.dimensions.includes(d));
  const byDay = q.dimensions.includes('day') || q.dimensions.includes('week');
  const byMonth = !byDay && q.dimensions.includes('month');
  const f = q.filter;
  // The rollup (migration 003) holds the same sums per account and day, kept by triggers; it is
  // read whenever nothing below the account is asked for. The two tables share these columns.
  const rollup = !belowAccount(q);
  const table = (rollup ? 'daily_metrics_by_account' : 'daily_metrics') as 'daily_metrics';
  const clientColumn = rollup ? sql<string | null>`nullif(client_key, '')` : sql<string | null>`client_id`;
  const clientFilter = rollup ? 'client_key' : 'client_id';

  let query = trx
    .selectFrom(table)
    .where('organization_id', '=', q.organizationId)
    .where('date', '>=', q.from)
    .where('date', '<=', q.to);
  if (f.clientIds?.length) query = query.where(sql.ref(clientFilter), 'in', f.clientIds);
  if (f.platforms?.length) query = query.where('platform', 'in', f.platforms);
  if (f.adAccountIds?.length) query = query.where('ad_account_id', 'in', f.adAccountIds);
  if (f.campaignIds?.length) query = query.where('campaign_id', 'in', f.campaignIds);
  if (f.adGroupIds?.length) query = query.where('ad_group_id', 'in', f.adGroupIds);
  if (f.adIds?.length) query = query.where('ad_id', 'in', f.adIds);

  const time = byDay
    ? sql<string | null>`date`
    : byMonth
      ? sql<string | null>`substr(date, 1, 7)`
      : sql<string | null>`null`;
  // Grouped by position: PostgreSQL does not see `currency = $1` in SELECT and `currency = $2` in
  // GROUP BY as the same expression.
  const fxDate = sql<string | null>`case when currency = ${q.reportingCurrency} then null else date end`;
  const sums = rollup
    ? [
        sql<number>`sum(conversions_micro)`.as('conversions'),
        sql<number | null>`sum(case when reach_rows > 0 then reach end)`.as('reach'),
        sql<number>`sum(impressions_with_reach)`.as('impressions_with_reach'),
      ]
    : [
        sql<number>`sum(conversions)`.as('conversions'),
        sql<number | null>`sum(reach)`.as('reach'),
        sql<number>`sum(case when reach is null then 0 else impressions end)`.as('impressions_with_reach'),
      ];
  const select = query.select((eb) => [
    ...ents.map((d) => (d === 'client' ? clientColumn.as(d) : eb.ref(entityColumn[d]).as(d))),
    time.as('t'),
    fxDate.as('fx_date'),
    'currency',
    eb.fn.sum<number>('impressions').as('impressions'),
    eb.fn.sum<number>('clicks').as('clicks'),
    eb.fn.sum<number>('spend_micros').as('spend_micros'),
    eb.fn.sum<number>('conversion_value_micros').as('conversion_value_micros'),
    ...sums,
  ]);
  const positions = Array.from({ length: ents.length + 3 }, (_, i) => i + 1).join(', ');
  const rows = (await select.groupBy(sql.raw(positions)).execute()) as RawRow[];
  const conversionsScale = rollup ? 1_000_000 : 1;

  return rows.map((r) => {
    const entities: Partial<Record<EntityDimension, string | null>> = {};
    for (const d of ents) entities[d] = (r[d] as string | null) ?? null;
    return {
      entities,
      time: r.t,
      fxDate: r.fx_date,
      currency: r.currency,
      sums: {
        impressions: Number(r.impressions),
        clicks: Number(r.clicks),
        spendMicros: Number(r.spend_micros),
        conversions: Number(r.conversions) / conversionsScale,
        conversionValueMicros: Number(r.conversion_value_micros),
        reachDailySum: r.reach === null ? null : Number(r.reach),
        impressionsWithReach: Number(r.impressions_with_reach),
      },
    };
  });
}

const NAME_TABLES = {
  client: 'clients',
  account: 'ad_accounts',
  campaign: 'campaigns',
  adGroup: 'ad_groups',
  ad: 'ads',
} as const;

/** Names of the entities a result mentions, per dimension, read in chunks of ids. */
export async function entityNames(
  trx: Executor,
  organizationId: string,
  ids: Partial<Record<Exclude<EntityDimension, 'platform'>, Set<string>>>,
): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const [dim, set] of Object.entries(ids) as Array<[keyof typeof NAME_TABLES, Set<string>]>) {
    const all = [...set];
    for (let i = 0; i < all.length; i += 500) {
      const rows = await trx
        .selectFrom(NAME_TABLES[dim])
        .select(['id', 'name'])
        .where('organization_id', '=', organizationId)
        .where('id', 'in', all.slice(i, i + 500))
        .execute();
      for (const r of rows) names.set(r.id, r.name);
    }
  }
  return names;
}

/** The entity dimensions from the top down: each level's table holds the ids of the levels above. */
const entityLevels = ['client', 'account', 'campaign', 'adGroup', 'ad'] as const;
export type EntityLevel = (typeof entityLevels)[number];
const levelFilter = {
  client: 'clientIds',
  account: 'adAccountIds',
  campaign: 'campaignIds',
  adGroup: 'adGroupIds',
  ad: 'adIds',
} as const satisfies Record<EntityLevel, keyof MetricFilter>;

/** The lowest entity level among `dimensions` (ad below ad group below campaign …), if any. */
export function finestLevel(dimensions: readonly Dimension[]): EntityLevel | null {
  for (let i = entityLevels.length - 1; i >= 0; i--) {
    const level = entityLevels[i] as EntityLevel;
    if (dimensions.includes(level)) return level;
  }
  return null;
}

/**
 * Every entity of one level that the filters select, whether or not it delivered (with `period`:
 * that existed during it, `analytics.lifespan.ts`), with the ids of
 * the levels above it and its platform (null for clients): what a metrics row of that level is
 * keyed by. A filter on the level itself or above reads the entity's own columns; a filter below it
 * (`adId` when listing campaigns) keeps the entities holding those children; `platform` on clients
 * keeps those with an ad account on the platform. Every table is read within the organization.
 */
export async function listEntities(
  trx: Executor,
  organizationId: string,
  level: EntityLevel,
  filter: MetricFilter,
  period?: Period,
): Promise<Array<Partial<Record<EntityDimension, string | null>>>> {
  const at = entityLevels.indexOf(level);
  const table = NAME_TABLES[level];
  // Kysely cannot type one query over five tables: columns are named by reference.
  let q = trx
    .selectFrom(`${table} as e` as 'ads as e')
    .where('e.organization_id', '=', organizationId)
    .select(sql.ref<string>('e.id').as(level));
  for (const parent of entityLevels.slice(0, at))
    q = q.select(sql.ref<string | null>(`e.${entityColumn[parent]}`).as(parent));
  if (level !== 'client') q = q.select(sql.ref<string>('e.platform').as('platform'));
  // Only what existed during the period (not launched after it, not removed before it).
  if (period) q = q.where(existedDuring(level, organizationId, period));

  for (const [i, other] of entityLevels.entries()) {
    const ids = filter[levelFilter[other]];
    if (!ids?.length) continue;
    if (i === at) q = q.where(sql.ref('e.id'), 'in', ids);
    else if (i < at) q = q.where(sql.ref(`e.${entityColumn[other]}`), 'in', ids);
    else {
      const holders = trx
        .selectFrom(NAME_TABLES[other] as 'ads')
        .select(sql.ref<string>(entityColumn[level]).as('id'))
        .where('organization_id', '=', organizationId)
        .where('id', 'in', ids);
      q = q.where(sql.ref('e.id'), 'in', holders);
    }
  }
  if (filter.platforms?.length) {
    if (level !== 'client') q = q.where(sql.ref('e.platform'), 'in', filter.platforms);
    else
      q = q.where(
        sql.ref('e.id'),
        'in',
        trx
          .selectFrom('ad_accounts')
          .select(sql.ref<string>('client_id').as('id'))
          .where('organization_id', '=', organizationId)
          .where('platform', 'in', filter.platforms),
      );
  }
  return (await q.orderBy(sql.ref('e.id')).execute()) as Array<
    Partial<Record<EntityDimension, string | null>>
  >;
}
