/**
 * Anomalies of one ad entity (account, campaign, ad group or ad) across its daily or hourly
 * metrics, with the likely cause. This is the function the nightly job calls per entity:
 *
 *   const days = scanEntityMetrics(rows);              // rows: the entity's last ~120 days, in order
 *   const fresh = days.filter((d) => d.date > lastScanned && d.flagged);
 *
 * It is stateless and deterministic: it replays the history it is given (each point still sees
 * only its past), so a retried job gives the same answer and nothing has to be persisted between
 * runs. 120 days × 7 series is about a thousand detector steps, well under a millisecond each.
 */
import {
  type AnomalyCause,
  type CauseFinding,
  COUNT_SIGNIFICANT,
  classifyCauses,
  type EntityMetric,
  type MetricReading,
} from './causes.ts';
import {
  type AnomalyDetectorOptions,
  type AnomalyPoint,
  countTestP,
  detectAnomalies,
  type Severity,
} from './detector.ts';
import { parseTime } from './series.csv.ts';

export interface EntityMetricsRow {
  /** `YYYY-MM-DD` (daily) or any time `parseTime` reads (hourly). */
  date: string;
  spend: number | null;
  impressions: number | null;
  clicks: number | null;
  conversions: number | null;
}

export interface EntityDayResult {
  date: string;
  /** Any metric flagged, or a cause rule fired. */
  flagged: boolean;
  /** Highest alert score over the metrics. */
  score: number;
  severity: Severity;
  /** The most confident cause, when a rule fired. */
  cause: AnomalyCause | null;
  causes: CauseFinding[];
  /** Metrics flagged on this day. */
  flaggedMetrics: EntityMetric[];
  metrics: Record<EntityMetric, AnomalyPoint>;
}

const METRICS: EntityMetric[] = ['spend', 'impressions', 'clicks', 'conversions', 'ctr', 'cpc', 'cpm'];
const SEVERITY_ORDER: Severity[] = ['none', 'low', 'medium', 'high', 'critical'];

const ratio = (a: number | null, b: number | null, k = 1) =>
  a !== null && b !== null && b > 0 && Number.isFinite(a) && Number.isFinite(b) ? (k * a) / b : null;

function seriesOf(row: EntityMetricsRow, metric: EntityMetric): number | null {
  switch (metric) {
    case 'ctr':
      return ratio(row.clicks, row.impressions);
    case 'cpc':
      return ratio(row.spend, row.clicks);
    case 'cpm':
      return ratio(row.spend, row.impressions, 1000);
    default:
      return row[metric];
  }
}

/** Metrics that are event counts: their detectors add the count test (`countTestP`). */
const COUNTS = new Set<EntityMetric>(['impressions', 'clicks', 'conversions']);
/** Days of history behind a long-run rate: the daily detector's (12 weeks). */
const LONG_RUN_DAYS = 84;

/**
 * The count behind a metric (clicks for CTR and CPC, impressions for CPM, the metric itself for
 * counts), the count the detector's expected value implies, and the count the entity's long-run
 * rate over the days before (sums over the last 84, +½ event) implies; `countTestP` judges it.
 */
function countBehind(
  rows: readonly EntityMetricsRow[],
  i: number,
  metric: EntityMetric,
  expected: number | null,
) {
  if (expected === null || !Number.isFinite(expected)) return null;
  const row = rows[i]!;
  const past = rows.slice(Math.max(0, i - LONG_RUN_DAYS), i);
  /** Σ num / Σ den over the past days with both (+½ on num), or null with none. */
  const rate = (num: (r: EntityMetricsRow) => number | null, den: (r: EntityMetricsRow) => number | null) => {
    let a = 0;
    let b = 0;
    for (const r of past) {
      const x = num(r);
      const y = den(r);
      if (x === null || y === null || !Number.isFinite(x) || !Number.isFinite(y)) continue;
      a += x;
      b += y;
    }
    return b > 0 ? (a + 0.5) / b : null;
  };
  const { spend, impressions, clicks } = row;
  switch (metric) {
    case 'impressions':
    case 'clicks':
    case 'conversions': {
      const actual = row[metric];
      if (actual === null) return null;
      return {
        actual,
        lambda: expected,
        longRun: rate(
          (r) => r[metric],
          () => 1,
        ),
      };
    }
    case 'ctr': {
      if (clicks === null || impressions === null) return null;
      const perImpression = rate(
        (r) => r.clicks,
        (r) => r.impressions,
      );
      return {
        actual: clicks,
        lambda: impressions * expected,
        longRun: perImpression === null ? null : impressions * perImpression,
      };
    }
    case 'cpc':
    case 'cpm': {
      const count = metric === 'cpc' ? 'clicks' : 'impressions';
      const actual = row[count];
      if (actual === null || spend === null || !(expected > 0)) return null;
      const perSpend = rate(
        (r) => r[count],
        (r) => r.spend,
      );
      return {
        actual,
        lambda: ((metric === 'cpm' ? 1000 : 1) * spend) / expected,
        longRun: perSpend === null ? null : spend * perSpend,
      };
    }
    default:
      return null;
  }
}

export function scanEntityMetrics(
  rows: readonly EntityMetricsRow[],
  options: AnomalyDetectorOptions = {},
): EntityDayResult[] {
  const times = rows.map((r) => parseTime(r.date) ?? Number.NaN);
  const points = Object.fromEntries(
    METRICS.map((m) => [
      m,
      detectAnomalies(
        rows.map((r, i) => ({ t: times[i]!, value: seriesOf(r, m) })),
        { ...options, counts: COUNTS.has(m) },
      ),
    ]),
  ) as Record<EntityMetric, AnomalyPoint[]>;
  const readings = rows.map(
    (_row, i) =>
      Object.fromEntries(
        METRICS.map((m) => {
          const p = points[m][i]!;
          const count = countBehind(rows, i, m, p.expected);
          const countP = count ? countTestP(count.actual, count.lambda, count.longRun ?? 0) : null;
          // The count gate: a flag on a handful of clicks that chance explains is withdrawn.
          if (p.flag && countP !== null && countP > COUNT_SIGNIFICANT)
            points[m][i] = { ...p, flag: false, severity: 'none', direction: null };
          return [m, { actual: p.value, expected: p.expected, surprise: p.surprise, countP }];
        }),
      ) as Record<EntityMetric, MetricReading>,
  );
  return rows.map((row, i) => {
    const metrics = Object.fromEntries(METRICS.map((m) => [m, points[m][i]!])) as Record<
      EntityMetric,
      AnomalyPoint
    >;
    const causes = classifyCauses(readings[i]!, readings.slice(Math.max(0, i - 6), i + 1));
    const flaggedMetrics = METRICS.filter((m) => metrics[m].flag);
    let severity = flaggedMetrics.reduce<Severity>(
      (s, m) =>
        SEVERITY_ORDER.indexOf(metrics[m].severity) > SEVERITY_ORDER.indexOf(s) ? metrics[m].severity : s,
      'none',
    );
    // A fired cause rule is worth a look even when no single series crossed the threshold.
    if (causes.length > 0 && SEVERITY_ORDER.indexOf(severity) < SEVERITY_ORDER.indexOf('medium'))
      severity = 'medium';
    return {
      date: row.date,
      flagged: flaggedMetrics.length > 0 || causes.length > 0,
      score: Math.max(...METRICS.map((m) => metrics[m].score)),
      severity,
      cause: causes[0]?.cause ?? null,
      causes,
      flaggedMetrics,
      metrics,
    };
  });
}
