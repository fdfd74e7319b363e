/**
 * ORACLE: forecasting, anomalies, creative fatigue, late-conversion nowcast, forecast scorecard,
 * client churn risk and customer value models, and the predictions API over them.
 */
export type { StoredFatigue } from './oracle.fatigue.ts';
export { forecastMetrics } from './oracle.forecast.ts';
export { ORACLE_NIGHTLY_CRON, oracleJobs, oracleNightlyJob, runNightly } from './oracle.jobs.ts';
export type { AccountNowcast, NowcastDay } from './oracle.nowcast.ts';
export { oracleRoutes } from './oracle.routes.ts';
export type { ForecastScore, Replacement } from './oracle.scorecard.ts';
export { entityTypes } from './oracle.series.ts';
export { createOracle, type Oracle, type StoredForecast } from './oracle.service.ts';
