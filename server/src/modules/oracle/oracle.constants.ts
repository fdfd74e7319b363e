/** Limits of the ORACLE API and nightly job. */
export const MAX_FORECAST_DAYS = 90;
/** Entities with fewer days of data are skipped by the nightly job (and recorded as skipped). */
export const MIN_NIGHTLY_DAYS = 14;
/** The nightly job's horizon. */
export const NIGHTLY_HORIZON_DAYS = 30;

/**
 * The unique key of a stored prediction (the predictions table's unique index): a run with the same
 * inputs as one stored before inserts nothing, whichever of two concurrent runs comes first.
 */
export const PREDICTION_KEY = [
  'organization_id',
  'type',
  'entity_type',
  'entity_id',
  'metric',
  'inputs_hash',
  'step',
] as const;
