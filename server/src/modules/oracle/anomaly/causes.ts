/**
 * The likely cause of an anomaly in an ad entity's metrics, by documented rules over what the
 * detector expected and what happened for spend, impressions, clicks, conversions and the ratios
 * CTR = clicks/impressions, CPC = spend/clicks, CPM = 1000·spend/impressions.
 *
 * Conversions are small counts, so one quiet day proves nothing at 3 a day (P(0) = 5%): a tracking
 * break must be improbable as a Poisson count, which may take a few days of zeros to show.
 *
 * CPC = CPM / (1000·CTR): a click-through collapse raises CPC by itself, so a CPC rise counts as a
 * cost surge only while CTR holds; CPM is the price of the auction itself.
 *
 * | cause | rule (ratio = actual / expected; "significant" = the detector's surprise ≥ 0.25, p ≤ 1e-3, and the count behind the metric improbable as Poisson, p ≤ 1e-3) |
 * |---|---|
 * | tracking_break | over the last k ≤ 7 days (today included, today itself ≤ 10% of expected): conversions ≤ 10% of what the clicks that came should have brought, clicks ≥ 50% of expected, and so few that Poisson P(X ≤ actual) ≤ 1e-3/7 (Bonferroni over the 7 windows) |
 * | ctr_collapse   | CTR ≤ 60% of expected and significant, impressions ≥ 50% of expected |
 * | cost_surge     | CPM ≥ 130% of expected and significant, or CPC ≥ 130% and significant with CTR ≥ 80% |
 * | spend_spike    | spend ≥ 150% of expected and significant, CPM and CPC both < 130% (volume bought, not price) |
 */

import { poissonLowerTail } from './counts.ts';

export type AnomalyCause = 'tracking_break' | 'ctr_collapse' | 'cost_surge' | 'spend_spike';
export type EntityMetric = 'spend' | 'impressions' | 'clicks' | 'conversions' | 'ctr' | 'cpc' | 'cpm';

/** One metric at one point, as the detector saw it. */
export interface MetricReading {
  actual: number | null;
  expected: number | null;
  /** Detector surprise in [0, 1]. */
  surprise: number;
  /**
   * Poisson p of the count behind the metric (clicks for CTR and CPC, impressions for CPM, the
   * metric itself for counts) by the detector's count test (`countTestP`: two-sided, 1 between the
   * expected and the long-run rate); null for spend or when unknown.
   */
  countP?: number | null;
}

export interface CauseFinding {
  cause: AnomalyCause;
  /** In [0, 1]: the surprise of the deciding metric (tracking break: Poisson evidence). */
  confidence: number;
  /** The rule that fired, with the numbers, for people. */
  reason: string;
}

export const SIGNIFICANT = 0.25;
/** A count must be at least this improbable for its metric to count as significant. */
export const COUNT_SIGNIFICANT = 1e-3;
const TRACKING_DAYS = 7;
const TRACKING_P = 1e-3 / TRACKING_DAYS;

const ratioOf = (r: MetricReading | undefined) =>
  r && r.actual !== null && r.expected !== null && r.expected > 0 ? r.actual / r.expected : null;
const pct = (x: number) => `${Math.round(x * 100)}%`;

type Readings = Partial<Record<EntityMetric, MetricReading>>;

/**
 * The tracking-break rule over the trailing days (oldest first, today last): the shortest window
 * that is conclusive, or null.
 */
export function trackingBreak(trailing: readonly Readings[]): CauseFinding | null {
  const today = trailing[trailing.length - 1];
  const todayRatio = ratioOf(today?.conversions);
  if (todayRatio === null || todayRatio > 0.1) return null;
  let actual = 0;
  let lambda = 0;
  let clicks = 0;
  let expectedClicks = 0;
  for (let k = 1; k <= Math.min(TRACKING_DAYS, trailing.length); k++) {
    const day = trailing[trailing.length - k]!;
    const conv = day.conversions;
    const clk = day.clicks;
    if (conv?.actual == null || conv.expected == null || clk?.actual == null || !(clk.expected! > 0))
      return null;
    actual += conv.actual;
    // The conversions the clicks that did arrive should have brought.
    lambda += Math.max(0, conv.expected) * Math.min(1, clk.actual / clk.expected!);
    clicks += clk.actual;
    expectedClicks += clk.expected!;
    if (clicks < 0.5 * expectedClicks || lambda <= 0 || actual > 0.1 * lambda) continue;
    const p = poissonLowerTail(actual, lambda);
    if (p <= TRACKING_P)
      return {
        cause: 'tracking_break',
        confidence: 1 - p,
        reason: `${actual} conversions in ${k} day${k > 1 ? 's' : ''} against ~${lambda.toFixed(1)} expected from the clicks that came (${pct(clicks / expectedClicks)} of expected)`,
      };
  }
  return null;
}

/**
 * Every cause whose rule fires for `current`, most confident first. `trailing` (oldest first,
 * ending with `current`) lets the tracking-break rule add up a few quiet days.
 */
export function classifyCauses(current: Readings, trailing: readonly Readings[] = [current]): CauseFinding[] {
  const m = current;
  const out: CauseFinding[] = [];
  const r = Object.fromEntries(
    (['spend', 'impressions', 'clicks', 'conversions', 'ctr', 'cpc', 'cpm'] as const).map((k) => [
      k,
      ratioOf(m[k]),
    ]),
  ) as Record<EntityMetric, number | null>;
  const significant = (k: EntityMetric) =>
    (m[k]?.surprise ?? 0) >= SIGNIFICANT && (m[k]?.countP ?? 0) <= COUNT_SIGNIFICANT;

  const tracking = trackingBreak(trailing);
  if (tracking) out.push(tracking);
  if (
    r.ctr !== null &&
    r.ctr <= 0.6 &&
    significant('ctr') &&
    (r.impressions === null || r.impressions >= 0.5)
  )
    out.push({
      cause: 'ctr_collapse',
      confidence: m.ctr!.surprise,
      reason: `CTR at ${pct(r.ctr)} of expected${r.impressions !== null ? ` with impressions at ${pct(r.impressions)}` : ''}`,
    });
  const cpmSurge = r.cpm !== null && r.cpm >= 1.3 && significant('cpm');
  const cpcSurge = r.cpc !== null && r.cpc >= 1.3 && significant('cpc') && (r.ctr === null || r.ctr >= 0.8);
  if (cpmSurge || cpcSurge)
    out.push({
      cause: 'cost_surge',
      confidence: Math.max(cpmSurge ? m.cpm!.surprise : 0, cpcSurge ? m.cpc!.surprise : 0),
      reason: [cpmSurge ? `CPM at ${pct(r.cpm!)} of expected` : '', cpcSurge ? `CPC at ${pct(r.cpc!)}` : '']
        .filter(Boolean)
        .join(', '),
    });
  if (
    r.spend !== null &&
    r.spend >= 1.5 &&
    significant('spend') &&
    (r.cpm === null || r.cpm < 1.3) &&
    (r.cpc === null || r.cpc < 1.3)
  )
    out.push({
      cause: 'spend_spike',
      confidence: m.spend!.surprise,
      reason: `spend at ${pct(r.spend)} of expected with unit costs steady`,
    });
  return out.sort((a, b) => b.confidence - a.confidence);
}
