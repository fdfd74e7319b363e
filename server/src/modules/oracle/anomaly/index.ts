/**
 * ORACLE anomalies: a streaming, seasonality-aware, robust detector for hourly and daily metric
 * series (score, flag, severity per point), the likely cause across an ad entity's metrics, and
 * NAB's scoring to measure it. See README.md.
 */
export {
  type AnomalyCause,
  type CauseFinding,
  classifyCauses,
  type EntityMetric,
  type MetricReading,
} from './causes.ts';
export { registerAnomaliesCommand, runAnomalies } from './cli.ts';
export {
  type AnomalyDetector,
  type AnomalyDetectorOptions,
  type AnomalyPoint,
  createAnomalyDetector,
  DEFAULT_THRESHOLD,
  detectAnomalies,
  type Severity,
} from './detector.ts';
export { type EntityDayResult, type EntityMetricsRow, scanEntityMetrics } from './entity.ts';
export {
  type CostProfile,
  NAB_PROFILES,
  type NabFile,
  normalizedScore,
  scoreCorpus,
  scoreFile,
  sweepThreshold,
} from './nab.scoring.ts';
export { parseTime, SeriesCsvError } from './series.csv.ts';
