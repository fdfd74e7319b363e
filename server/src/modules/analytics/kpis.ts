/**
 * Additive metrics and the KPIs derived from them. KPIs are always ratios of sums over the whole
 * group (CTR = Σclicks / Σimpressions), never averages of per-row ratios, which would weigh a day
 * with 10 impressions like a day with 10 million. A KPI whose denominator is 0 is null.
 */

/** The sums every group carries; money in micros of the reporting currency. */
export interface MetricSums {
  impressions: number;
  clicks: number;
  spendMicros: number;
  conversions: number;
  conversionValueMicros: number;
  /**
   * Σ of the platforms' daily reach, over rows that report reach. Unique reach does not add up
   * across days (or ads): the same person reached on two days counts twice, so this overstates the
   * unique reach of any period longer than a day and is named for what it is.
   */
  reachDailySum: number | null;
  /** Σ impressions of the rows that report reach: the numerator of `frequency`. */
  impressionsWithReach: number;
}

export interface Kpis {
  /** clicks / impressions */
  ctr: number | null;
  /** spend / clicks, in micros */
  cpcMicros: number | null;
  /** spend × 1000 / impressions, in micros */
  cpmMicros: number | null;
  /** spend / conversions, in micros */
  cpaMicros: number | null;
  /** conversion value / spend */
  roas: number | null;
  /** conversions / clicks */
  conversionRate: number | null;
  /**
   * Average daily frequency: impressions ÷ reachDailySum over the rows that report reach. Because
   * reach is summed per day, this is how often a reached person saw an ad on a day, not over the
   * whole period (which the platforms alone can compute).
   */
  frequency: number | null;
}

export const emptySums = (): MetricSums => ({
  impressions: 0,
  clicks: 0,
  spendMicros: 0,
  conversions: 0,
  conversionValueMicros: 0,
  reachDailySum: null,
  impressionsWithReach: 0,
});

export function addInto(acc: MetricSums, x: MetricSums): MetricSums {
  acc.impressions += x.impressions;
  acc.clicks += x.clicks;
  acc.spendMicros += x.spendMicros;
  acc.conversions += x.conversions;
  acc.conversionValueMicros += x.conversionValueMicros;
  if (x.reachDailySum !== null) acc.reachDailySum = (acc.reachDailySum ?? 0) + x.reachDailySum;
  acc.impressionsWithReach += x.impressionsWithReach;
  return acc;
}

const ratio = (num: number, den: number | null): number | null =>
  den === null || den === 0 ? null : num / den;
const micros = (v: number | null) => (v === null ? null : Math.round(v));

export function kpisOf(s: MetricSums): Kpis {
  return {
    ctr: ratio(s.clicks, s.impressions),
    cpcMicros: micros(ratio(s.spendMicros, s.clicks)),
    cpmMicros: micros(ratio(s.spendMicros * 1000, s.impressions)),
    cpaMicros: micros(ratio(s.spendMicros, s.conversions)),
    roas: ratio(s.conversionValueMicros, s.spendMicros),
    conversionRate: ratio(s.conversions, s.clicks),
    frequency: s.reachDailySum ? ratio(s.impressionsWithReach, s.reachDailySum) : null,
  };
}

export const sumKeys = [
  'impressions',
  'clicks',
  'spendMicros',
  'conversions',
  'conversionValueMicros',
  'reachDailySum',
] as const;
export const kpiKeys = [
  'ctr',
  'cpcMicros',
  'cpmMicros',
  'cpaMicros',
  'roas',
  'conversionRate',
  'frequency',
] as const;
export type MetricKey = (typeof sumKeys)[number] | (typeof kpiKeys)[number];

export interface Delta {
  previous: number | null;
  change: number | null;
  /** change / |previous|; null when previous is 0 or missing. */
  changeRatio: number | null;
}

/** Period-over-period change of every sum and KPI. */
export function deltas(current: MetricSums & Kpis, previous: MetricSums & Kpis): Record<MetricKey, Delta> {
  const out = {} as Record<MetricKey, Delta>;
  for (const k of [...sumKeys, ...kpiKeys]) {
    const c = current[k];
    const p = previous[k];
    const change = c === null || p === null ? null : c - p;
    out[k] = { previous: p, change, changeRatio: change === null || !p ? null : change / Math.abs(p) };
  }
  return out;
}
