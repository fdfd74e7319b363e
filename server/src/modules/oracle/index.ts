/** ORACLE: forecasting, anomalies and customer value models, and the predictions API over them. */
export { forecastMetrics } from './oracle.forecast.ts';
export { ORACLE_NIGHTLY_CRON, oracleJobs, oracleNightlyJob, runNightly } from './oracle.jobs.ts';
export { oracleRoutes } from './oracle.routes.ts';
export { entityTypes } from './oracle.series.ts';
export { createOracle, type Oracle, type StoredForecast } from './oracle.service.ts';
