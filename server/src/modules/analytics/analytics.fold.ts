/**
 * Folding SQL groups into the requested groups: time keys (weeks from days), entity ids and names,
 * sums, KPIs, and the order of the rows.
 */
import type { Dimension, EntityDimension } from './analytics.repo.ts';
import { entityDimensions } from './analytics.repo.ts';
import { type Kpis, kpisOf, type MetricSums } from './kpis.ts';
import { isoWeekStart, monthOf } from './periods.ts';

export type Totals = Omit<MetricSums, 'impressionsWithReach'> & Kpis;

export interface MetricsRow extends Totals {
  day?: string;
  week?: string;
  month?: string;
  platform?: string | null;
  clientId?: string | null;
  clientName?: string | null;
  adAccountId?: string | null;
  adAccountName?: string | null;
  campaignId?: string | null;
  campaignName?: string | null;
  adGroupId?: string | null;
  adGroupName?: string | null;
  adId?: string | null;
  adName?: string | null;
}

/** Entity dimensions below the platform: the id field and the name field of a row. */
export const idKey = {
  client: ['clientId', 'clientName'],
  account: ['adAccountId', 'adAccountName'],
  campaign: ['campaignId', 'campaignName'],
  adGroup: ['adGroupId', 'adGroupName'],
  ad: ['adId', 'adName'],
} as const;

// Built property by property: object spread of these shapes is ten times slower, which shows on
// thousands of groups.
export const present = (s: MetricSums): Totals => {
  const k = kpisOf(s);
  return {
    impressions: s.impressions,
    clicks: s.clicks,
    spendMicros: s.spendMicros,
    // Platforms report fractional conversions; millionths are what the rollup keeps.
    conversions: Math.round(s.conversions * 1e6) / 1e6,
    conversionValueMicros: s.conversionValueMicros,
    reachDailySum: s.reachDailySum,
    ctr: k.ctr,
    cpcMicros: k.cpcMicros,
    cpmMicros: k.cpmMicros,
    cpaMicros: k.cpaMicros,
    roas: k.roas,
    conversionRate: k.conversionRate,
    frequency: k.frequency,
  };
};

export function timeKeys(groupBy: Dimension[], time: string | null) {
  const keys: Partial<Record<'day' | 'week' | 'month', string>> = {};
  if (time === null) return keys;
  if (groupBy.includes('day')) keys.day = time;
  if (groupBy.includes('week')) keys.week = isoWeekStart(time);
  if (groupBy.includes('month')) keys.month = monthOf(time);
  return keys;
}

const compareValues = (a: unknown, b: unknown): number => {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1; // nulls last either way
  if (b === null || b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
};

/** Default order: time ascending, then spend descending, then the entity dimensions by name. */
export function sortRows(rows: MetricsRow[], groupBy: Dimension[], sort: string | undefined) {
  const timeFirst = groupBy.filter((d) => d === 'day' || d === 'week' || d === 'month');
  const defaults: Array<[string, 1 | -1]> = [
    ...timeFirst.map((d): [string, 1] => [d, 1]),
    ['spendMicros', -1],
    ...groupBy
      .filter((d): d is EntityDimension => (entityDimensions as readonly string[]).includes(d))
      .map((d): [string, 1] => [d, 1]),
  ];
  const order: Array<[string, 1 | -1]> = sort
    ? [[sort.replace(/^-/, ''), sort.startsWith('-') ? -1 : 1], ...defaults]
    : defaults;
  // An entity dimension sorts by name, then id.
  const resolved = order.flatMap(([k, dir]): Array<[string, 1 | -1]> => {
    if (k in idKey) {
      const [idField, nameField] = idKey[k as keyof typeof idKey];
      return [
        [nameField, dir],
        [idField, dir],
      ];
    }
    return [[k, dir]];
  });
  rows.sort((a, b) => {
    for (const [k, dir] of resolved) {
      const av = (a as unknown as Record<string, unknown>)[k];
      const bv = (b as unknown as Record<string, unknown>)[k];
      if (av === null || av === undefined || bv === null || bv === undefined) {
        const c = compareValues(av, bv);
        if (c !== 0) return c;
        continue;
      }
      const c = compareValues(av, bv) * dir;
      if (c !== 0) return c;
    }
    return 0;
  });
}
