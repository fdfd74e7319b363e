/** Limits of the ORACLE API and nightly job. */
export const MAX_FORECAST_DAYS = 90;
/** Entities with fewer days of data are skipped by the nightly job (and recorded as skipped). */
export const MIN_NIGHTLY_DAYS = 14;
/** The nightly job's horizon. */
export const NIGHTLY_HORIZON_DAYS = 30;
