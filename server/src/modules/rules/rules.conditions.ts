/**
 * Condition evaluation (pure): metric windows summed from an entity's daily totals, ratios computed
 * from the sums (never averaged), values converted to the condition's unit, AND/OR over the results.
 * A metric that cannot be computed (no clicks for a CPC, no previous window) never matches.
 */
import type { Conditions, Group, Leaf, Metric, Unit } from './rules.schema.ts';

/** One entity on one day; conversions and revenue already nowcast-adjusted when `adjusted`. */
export interface DayTotals {
  spendMicros: number;
  impressions: number;
  clicks: number;
  conversions: number;
  revenueMicros: number;
  /** Sum of frequency × impressions over the rows that report frequency, and those impressions. */
  frequencyWeighted: number;
  frequencyImpressions: number;
  adjusted: boolean;
}

export interface LeafResult {
  metric: Metric;
  windowDays: number;
  op: Leaf['op'];
  threshold: number;
  unit: Unit;
  compare: string | null;
  /** In the condition's unit; null when it cannot be computed. */
  value: number | null;
  matched: boolean;
  /** The window includes days whose conversions or revenue are the nowcast's expected final values. */
  nowcastAdjusted: boolean;
}

/** The units each metric may be stated in; the first is how values are computed. */
export const allowedUnits: Record<Metric, Unit[]> = {
  spend: ['currency_micros'],
  revenue: ['currency_micros'],
  cpc: ['currency_micros'],
  cpa: ['currency_micros'],
  impressions: ['count'],
  clicks: ['count'],
  conversions: ['count'],
  ctr: ['ratio', 'percent'],
  roas: ['ratio', 'percent'],
  frequency: ['ratio'],
};
const usesConversions = new Set<Metric>(['conversions', 'revenue', 'cpa', 'roas']);

export const addDays = (date: string, n: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

const empty = (): DayTotals => ({
  spendMicros: 0,
  impressions: 0,
  clicks: 0,
  conversions: 0,
  revenueMicros: 0,
  frequencyWeighted: 0,
  frequencyImpressions: 0,
  adjusted: false,
});

/** Totals of the `days` days ending on `end` (inclusive). */
export function sumWindow(series: Map<string, DayTotals>, end: string, days: number): DayTotals {
  const out = empty();
  for (let i = 0; i < days; i++) {
    const d = series.get(addDays(end, -i));
    if (!d) continue;
    out.spendMicros += d.spendMicros;
    out.impressions += d.impressions;
    out.clicks += d.clicks;
    out.conversions += d.conversions;
    out.revenueMicros += d.revenueMicros;
    out.frequencyWeighted += d.frequencyWeighted;
    out.frequencyImpressions += d.frequencyImpressions;
    out.adjusted ||= d.adjusted;
  }
  return out;
}

/** The metric in its computing unit (micros, counts, ratios); null when undefined. */
export function metricValue(metric: Metric, t: DayTotals): number | null {
  const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
  switch (metric) {
    case 'spend':
      return t.spendMicros;
    case 'impressions':
      return t.impressions;
    case 'clicks':
      return t.clicks;
    case 'conversions':
      return t.conversions;
    case 'revenue':
      return t.revenueMicros;
    case 'ctr':
      return ratio(t.clicks, t.impressions);
    case 'cpc':
      return ratio(t.spendMicros, t.clicks);
    case 'cpa':
      return ratio(t.spendMicros, t.conversions);
    case 'roas':
      return ratio(t.revenueMicros, t.spendMicros);
    case 'frequency':
      return ratio(t.frequencyWeighted, t.frequencyImpressions);
  }
}

const compareOp = (v: number, op: Leaf['op'], x: number) =>
  op === '>' ? v > x : op === '>=' ? v >= x : op === '<' ? v < x : v <= x;
const round = (v: number) => Math.round(v * 1e6) / 1e6;

export function evaluateLeaf(leaf: Leaf, series: Map<string, DayTotals>, asOf: string): LeafResult {
  const days = leaf.window.days;
  const current = sumWindow(series, asOf, days);
  const base = {
    metric: leaf.metric,
    windowDays: days,
    op: leaf.op,
    threshold: leaf.value,
    unit: leaf.unit,
    compare: leaf.compare ?? null,
  };
  let value: number | null = metricValue(leaf.metric, current);
  let adjusted = current.adjusted && usesConversions.has(leaf.metric);
  if (leaf.compare === 'previous_window') {
    const previous = sumWindow(series, addDays(asOf, -days), days);
    const before = metricValue(leaf.metric, previous);
    adjusted ||= previous.adjusted && usesConversions.has(leaf.metric);
    value = value === null || before === null || before === 0 ? null : ((value - before) / before) * 100;
  } else if (value !== null && leaf.unit === 'percent') {
    value *= 100;
  }
  const shown = value === null ? null : round(value);
  return {
    ...base,
    value: shown,
    matched: shown !== null && compareOp(shown, leaf.op, leaf.value),
    nowcastAdjusted: adjusted,
  };
}

const isGroup = (c: Leaf | Group): c is Group => 'match' in c;

/** The tree's outcome and every leaf's result (all leaves are evaluated, so the run can show them). */
export function evaluateConditions(
  tree: Conditions,
  series: Map<string, DayTotals>,
  asOf: string,
): { matched: boolean; leaves: LeafResult[] } {
  const leaves: LeafResult[] = [];
  const combine = (match: 'all' | 'any', xs: boolean[]) =>
    match === 'all' ? xs.every(Boolean) : xs.some(Boolean);
  const outcomes = tree.conditions.map((c) => {
    if (!isGroup(c)) {
      const r = evaluateLeaf(c, series, asOf);
      leaves.push(r);
      return r.matched;
    }
    const inner = c.conditions.map((l) => {
      const r = evaluateLeaf(l, series, asOf);
      leaves.push(r);
      return r.matched;
    });
    return combine(c.match, inner);
  });
  return { matched: combine(tree.match, outcomes), leaves };
}

/** The longest look-back the tree needs (a previous-window comparison doubles its window). */
export function lookbackDays(tree: Conditions): number {
  const of = (l: Leaf) => l.window.days * (l.compare ? 2 : 1);
  return Math.max(...tree.conditions.map((c) => (isGroup(c) ? Math.max(...c.conditions.map(of)) : of(c))));
}

export function leavesOf(tree: Conditions): Leaf[] {
  return tree.conditions.flatMap((c) => (isGroup(c) ? c.conditions : [c]));
}
