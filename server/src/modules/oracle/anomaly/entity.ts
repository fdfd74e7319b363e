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
import { countTailP } from './counts.ts';
import {
  type AnomalyDetectorOptions,
  type AnomalyPoint,
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

/** The count behind a metric and the count expected of it (see MetricReading.countP). */
function countBehind(row: EntityMetricsRow, metric: EntityMetric, expected: number | null) {
  if (expected === null || !(expected > 0)) return null;
  const { spend, impressions, clicks } = row;
  switch (metric) {
    case 'impressions':
    case 'clicks':
    case 'conversions':
      return row[metric] === null ? null : { actual: row[metric]!, lambda: expected };
    case 'ctr':
      return clicks === null || impressions === null
        ? null
        : { actual: clicks, lambda: impressions * expected };
    case 'cpc':
      return clicks === null || spend === null ? null : { actual: clicks, lambda: spend / expected };
    case 'cpm':
      return impressions === null || spend === null
        ? null
        : { actual: impressions, lambda: (1000 * spend) / expected };
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
        options,
      ),
    ]),
  ) as Record<EntityMetric, AnomalyPoint[]>;
  const readings = rows.map(
    (row, i) =>
      Object.fromEntries(
        METRICS.map((m) => {
          const p = points[m][i]!;
          const count = countBehind(row, m, p.expected);
          const countP = count ? countTailP(count.actual, count.lambda) : null;
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
