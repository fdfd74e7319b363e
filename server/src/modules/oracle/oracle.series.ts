/**
 * The daily series ORACLE reads for one entity: spend, conversions, revenue, impressions and clicks
 * per day, in the organization's reporting currency (converted by the analytics module), with days
 * without rows filled with zero. The series runs from the entity's first day with data (or `from`)
 * to the organization's latest day with data, so an entity that stopped running ends in zeros, but
 * never past the last complete day by the server clock (yesterday, UTC): today is still filling in.
 */
import type { Clock } from '../../platform/clock.ts';
import { conflict, invalidInput, noData, notFound } from '../../platform/errors.ts';
import type { Executor, Storage } from '../../storage/db.ts';
import { assertOwned } from '../../storage/owned.ts';
import type { Analytics } from '../analytics/index.ts';
import type { Ctx } from '../auth/context.ts';

export const entityTypes = ['ad', 'campaign', 'client', 'platform', 'organization'] as const;
export type EntityType = (typeof entityTypes)[number];

export interface EntityRef {
  type: EntityType;
  /** The row id; the platform's name for `platform`; '' for `organization`. */
  id: string;
}

export interface DailySeries {
  from: string;
  to: string;
  dates: string[];
  spendMicros: number[];
  conversions: number[];
  revenueMicros: number[];
  impressions: number[];
  clicks: number[];
  currency: string;
  warnings: string[];
  /** The server's day (UTC) when the series was read: `to` is before it. */
  today?: string;
  /** Ad-days of the entity in [from, to] with a negative spend, revenue or conversions (refunds). */
  negatives?: NegativeValue[];
}

export type NonNegativeMetric = 'spend' | 'revenue' | 'conversions';

/** One ad-day's negative value as reported (money in micros of its own currency). */
export interface NegativeValue {
  date: string;
  metric: NonNegativeMetric;
  value: number;
  currency: string;
  adId: string;
  adName: string | null;
}

/** The most negative ad-days read per entity (the error names the first and counts the rest). */
const MAX_NEGATIVES = 200;

const METRIC_COLUMN = {
  spend: 'spend_micros',
  revenue: 'conversion_value_micros',
  conversions: 'conversions',
} as const;
const METRICS = Object.keys(METRIC_COLUMN) as NonNegativeMetric[];

/**
 * The entity's ad-days in [from, to] with a negative value of one of `metrics` (default all three),
 * earliest first; up to MAX_NEGATIVES per metric, each metric read on its own so that many of one
 * cannot hide another. A platform can report a refund or a correction as a day's negative figure;
 * ORACLE does not fit on it (refuseNegative).
 */
export async function readNegatives(
  trx: Executor,
  organizationId: string,
  filter: { column: 'ad_id' | 'campaign_id' | 'client_id' | 'platform'; id: string } | null,
  from: string,
  to: string,
  metrics: readonly NonNegativeMetric[] = METRICS,
): Promise<NegativeValue[]> {
  const out: NegativeValue[] = [];
  for (const metric of new Set(metrics)) {
    const col = METRIC_COLUMN[metric];
    let q = trx
      .selectFrom('daily_metrics as m')
      .leftJoin('ads as a', (j) =>
        j.onRef('a.id', '=', 'm.ad_id').onRef('a.organization_id', '=', 'm.organization_id'),
      )
      .select(['m.date', 'm.ad_id', 'a.name', 'm.currency', `m.${col} as value`])
      .where('m.organization_id', '=', organizationId)
      .where('m.date', '>=', from)
      .where('m.date', '<=', to)
      .where(`m.${col}`, '<', 0);
    if (filter) q = q.where(`m.${filter.column}`, '=', filter.id);
    const rows = await q.orderBy('m.date').orderBy('m.ad_id').limit(MAX_NEGATIVES).execute();
    for (const r of rows)
      out.push({
        date: r.date,
        metric,
        value: Number(r.value),
        currency: r.currency,
        adId: r.ad_id,
        adName: r.name ?? null,
      });
  }
  // By day, then ad, then metric (spend, revenue, conversions), as one read of all three gave them.
  return out.sort(
    (x, y) =>
      (x.date < y.date ? -1 : x.date > y.date ? 1 : 0) ||
      (x.adId < y.adId ? -1 : x.adId > y.adId ? 1 : 0) ||
      METRICS.indexOf(x.metric) - METRICS.indexOf(y.metric),
  );
}

/**
 * 400 `invalid_input` when any of `metrics` is negative on some ad-day: "spend on 2026-11-20 is
 * −5.00 USD (ad "Spring promo" ad_…)", details { reason: 'negative_value', metric, date, value (in
 * currency units for money), valueMicros, currency, adId, adName, count, days }. Forecasts,
 * anomaly scans and allocations all refuse the same way (README: "Negative values").
 */
export function refuseNegative(
  negatives: readonly NegativeValue[] | undefined,
  metrics: readonly NonNegativeMetric[],
  purpose: string,
  entity?: EntityRef,
): void {
  const bad = (negatives ?? []).filter((n) => metrics.includes(n.metric));
  const first = bad[0];
  if (!first) return;
  const money = first.metric !== 'conversions';
  const amount = (n: NegativeValue) =>
    n.metric === 'conversions'
      ? `\u2212${Math.abs(n.value)}`
      : `\u2212${(Math.abs(n.value) / 1e6).toFixed(2)} ${n.currency}`;
  const ad = (n: NegativeValue) => `ad ${n.adName ? `"${n.adName}" ` : ''}${n.adId}`;
  const more =
    bad.length > 1
      ? `; ${bad.length - 1} more negative ${bad.length - 1 === 1 ? 'value' : 'values'} (${bad
          .slice(1, 4)
          .map((n) => `${n.metric} on ${n.date}: ${amount(n)}, ${ad(n)}`)
          .join('; ')}${bad.length > 4 ? '; …' : ''})`
      : '';
  throw invalidInput(
    `${first.metric} on ${first.date} is ${amount(first)} (${ad(first)})${more}: ${purpose} cannot use negative ${metrics.join(' or ')} (a refund or correction reported as a day's figure). Correct the data at the source, or exclude the ad.`,
    {
      reason: 'negative_value',
      metric: first.metric,
      date: first.date,
      value: money ? first.value / 1e6 : first.value,
      ...(money ? { valueMicros: first.value, currency: first.currency } : {}),
      adId: first.adId,
      adName: first.adName,
      ...(entity ? { entityType: entity.type, entityId: entity.id || null } : {}),
      count: bad.length,
      days: bad.slice(0, 20).map((n) => ({
        date: n.date,
        metric: n.metric,
        value: n.metric === 'conversions' ? n.value : n.value / 1e6,
        adId: n.adId,
      })),
    },
  );
}

/** The analytics module reads at most this many days at once. */
const MAX_DAYS = 1096;
const DAY_MS = 86_400_000;

export const addDays = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
const daysBetween = (a: string, b: string) =>
  Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS);

const filterOf = (e: EntityRef) =>
  e.type === 'ad'
    ? { adIds: [e.id] }
    : e.type === 'campaign'
      ? { campaignIds: [e.id] }
      : e.type === 'client'
        ? { clientIds: [e.id] }
        : e.type === 'platform'
          ? { platforms: [e.id] }
          : {};

const column = { ad: 'ad_id', campaign: 'campaign_id', client: 'client_id', platform: 'platform' } as const;
const label = { ad: 'Ad', campaign: 'Campaign', client: 'Client', platform: 'Platform' } as const;

export function createSeriesReader({
  storage,
  analytics,
  clock,
}: {
  storage: Storage;
  analytics: Pick<Analytics, 'metrics'>;
  /** Today (UTC) is incomplete: the series ends at the last day before it. */
  clock: Clock;
}) {
  /** 404 unless the ad, campaign or client is the organization's own. */
  async function assertEntity(trx: Executor, organizationId: string, e: EntityRef) {
    if (e.type !== 'ad' && e.type !== 'campaign' && e.type !== 'client') return;
    await assertOwned(trx, organizationId, e.type, e.id);
  }

  /** The entity's first day and the organization's last day with data; 404 for another organization's id. */
  async function span(ctx: Ctx, e: EntityRef) {
    return storage.withTenant(ctx.organizationId, async (trx) => {
      await assertEntity(trx, ctx.organizationId, e);
      let q = trx
        .selectFrom('daily_metrics')
        .select((eb) => eb.fn.min('date').as('first'))
        .where('organization_id', '=', ctx.organizationId);
      if (e.type !== 'organization') q = q.where(column[e.type], '=', e.id);
      const first = (await q.executeTakeFirst())?.first ?? null;
      if (first === null && e.type === 'platform') throw notFound(label.platform, e.id);
      const last = await trx
        .selectFrom('daily_metrics')
        .select((eb) => eb.fn.max('date').as('last'))
        .where('organization_id', '=', ctx.organizationId)
        .executeTakeFirst();
      return { first: first as string | null, last: (last?.last ?? null) as string | null };
    });
  }

  /** Sums per day and currency of the entity's rows. */
  async function sums(ctx: Ctx, e: EntityRef, from: string, to: string) {
    return storage.withTenant(ctx.organizationId, async (trx) => {
      let q = trx
        .selectFrom('daily_metrics')
        .select((eb) => [
          'date',
          'currency',
          eb.fn.sum<number>('spend_micros').as('spend'),
          eb.fn.sum<number>('conversions').as('conversions'),
          eb.fn.sum<number>('conversion_value_micros').as('revenue'),
          eb.fn.sum<number>('impressions').as('impressions'),
          eb.fn.sum<number>('clicks').as('clicks'),
          eb.fn.min<number>('spend_micros').as('minSpend'),
          eb.fn.min<number>('conversion_value_micros').as('minRevenue'),
          eb.fn.min<number>('conversions').as('minConversions'),
        ])
        .where('organization_id', '=', ctx.organizationId)
        .where('date', '>=', from)
        .where('date', '<=', to);
      if (e.type !== 'organization') q = q.where(column[e.type], '=', e.id);
      const rows = await q.groupBy(['date', 'currency']).execute();
      return rows.map((r) => ({
        date: r.date,
        currency: r.currency,
        spendMicros: Number(r.spend),
        conversions: Number(r.conversions),
        revenueMicros: Number(r.revenue),
        impressions: Number(r.impressions),
        clicks: Number(r.clicks),
        negative: METRICS.filter(
          (m) => Number({ spend: r.minSpend, revenue: r.minRevenue, conversions: r.minConversions }[m]) < 0,
        ),
      }));
    });
  }

  /** The entity's daily series; `invalid_input` when it has no data in the window. */
  async function read(ctx: Ctx, e: EntityRef, opts: { from?: string } = {}): Promise<DailySeries> {
    const { first, last: lastWithData } = await span(ctx, e);
    const what = e.type === 'organization' ? 'The organization' : `${label[e.type]} ${e.id}`;
    if (first === null || lastWithData === null)
      throw noData(`${what} has no daily metrics yet: there is nothing to predict from`, {
        entityType: e.type,
        entityId: e.id || null,
      });
    // Today (UTC, by the server clock) is still being reported: the series ends the day before.
    const today = clock.now().toISOString().slice(0, 10);
    const lastComplete = addDays(today, -1);
    let last = lastWithData;
    if (last > lastComplete) last = lastComplete;
    if (first > last)
      throw noData(
        `${what} has data only from ${first} on, and today (${today}, UTC) is not complete yet: there is nothing to predict from`,
        { entityType: e.type, entityId: e.id || null },
      );
    if (opts.from && opts.from > last)
      throw invalidInput(`from (${opts.from}) is after the latest complete day with data (${last})`, {
        field: 'from',
      });
    let from = opts.from && opts.from > first ? opts.from : first;
    if (daysBetween(from, last) >= MAX_DAYS) from = addDays(last, -(MAX_DAYS - 1));
    const n = daysBetween(from, last) + 1;
    const s: DailySeries = {
      from,
      to: last,
      dates: Array.from({ length: n }, (_, i) => addDays(from, i)),
      spendMicros: new Array(n).fill(0),
      conversions: new Array(n).fill(0),
      revenueMicros: new Array(n).fill(0),
      impressions: new Array(n).fill(0),
      clicks: new Array(n).fill(0),
      currency: '',
      warnings: [],
      today,
    };
    const add = (
      day: string,
      r: {
        spendMicros: number;
        conversions: number;
        revenueMicros: number;
        impressions: number;
        clicks: number;
      },
    ) => {
      const i = daysBetween(from, day);
      if (i < 0 || i >= n) return;
      s.spendMicros[i] = (s.spendMicros[i] as number) + r.spendMicros;
      s.conversions[i] = Math.round(((s.conversions[i] as number) + r.conversions) * 1e6) / 1e6;
      s.revenueMicros[i] = (s.revenueMicros[i] as number) + r.revenueMicros;
      s.impressions[i] = (s.impressions[i] as number) + r.impressions;
      s.clicks[i] = (s.clicks[i] as number) + r.clicks;
    };
    const native = await sums(ctx, e, from, last);
    // The ad-days behind a negative row minimum are read only when there is one (a rare refund).
    const negative = [...new Set(native.flatMap((r) => r.negative))];
    s.negatives = negative.length
      ? await storage.withTenant(ctx.organizationId, (trx) =>
          readNegatives(
            trx,
            ctx.organizationId,
            e.type === 'organization' ? null : { column: column[e.type], id: e.id },
            from,
            last,
            negative,
          ),
        )
      : [];
    // One currency (the usual case: an ad, a campaign, most clients): its own amounts, no rates needed.
    const currencies = [...new Set(native.map((r) => r.currency))];
    if (currencies.length <= 1) {
      s.currency = currencies[0] ?? '';
      for (const r of native) add(r.date, r);
      return s;
    }
    // Several currencies: converted to the reporting currency by the analytics module.
    const res = await analytics.metrics(ctx, {
      from,
      to: last,
      groupBy: ['day'],
      filter: filterOf(e),
      limit: 10_000,
    });
    if (res.warnings.some((w) => w.code === 'fx_rate_missing'))
      throw conflict(
        `${what} spends in ${currencies.join(', ')} and some exchange rates to ${res.currency} are missing: load them (PUT /api/v1/analytics/fx-rates) to forecast it`,
        { currencies, reportingCurrency: res.currency },
      );
    s.currency = res.currency;
    s.warnings = res.warnings.map((w) => w.message);
    for (const r of res.rows)
      if (r.day)
        add(r.day, {
          spendMicros: r.spendMicros,
          conversions: r.conversions,
          revenueMicros: r.conversionValueMicros,
          impressions: r.impressions,
          clicks: r.clicks,
        });
    return s;
  }

  return { read, assertEntity };
}

export type SeriesReader = ReturnType<typeof createSeriesReader>;
