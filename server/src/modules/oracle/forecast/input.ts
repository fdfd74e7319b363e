/**
 * Input rules for `forecast()`: what a series may contain and what we do with it. Anything we
 * cannot forecast honestly is an `invalid_input` AppError (HTTP 400) with a message a user can act
 * on; anything we can repair (gaps) is repaired and reported in the diagnostics.
 */
import { AppError } from '../../../platform/errors.ts';

export type Frequency = 'hourly' | 'daily' | 'weekly';

/** Longest horizon: 90 days of hourly data. */
export const MAX_HORIZON = 2160;
export const MAX_SEASON = 8760;
/** Larger magnitudes would overflow the squared errors the models minimise. */
export const MAX_ABS_VALUE = 1e15;

/** Seasonal periods used when the caller gives a frequency but no season. */
export const DEFAULT_SEASONS: Record<Frequency, number[]> = {
  hourly: [24, 168],
  daily: [7],
  weekly: [52],
};

export interface CleanSeries {
  values: Float64Array;
  /** Leading missing values dropped before the first observation. */
  dropped: number;
  /** Interior or trailing missing values filled in. */
  imputed: number;
  warnings: string[];
}

const bad = (message: string, details?: Record<string, unknown>) =>
  new AppError('invalid_input', message, details);

/**
 * Validates and repairs a series: `null`, `undefined` and NaN are missing; leading missing values are
 * dropped, interior gaps linearly interpolated, trailing ones carried forward. Infinite values, and
 * negative values when `nonNegative`, are rejected with their position.
 */
export function cleanSeries(
  series: readonly (number | null | undefined)[],
  nonNegative: boolean,
): CleanSeries {
  if (!Array.isArray(series) || series.length === 0)
    throw bad('The series is empty: at least one observation is needed to forecast');
  const raw = series.map((v, i) => {
    if (v === null || v === undefined) return Number.NaN;
    if (typeof v !== 'number') throw bad(`Value at position ${i} is not a number`, { position: i });
    if (Math.abs(v) > MAX_ABS_VALUE)
      throw bad(`Value at position ${i} is ${Number.isFinite(v) ? 'too large' : 'infinite'}`, {
        position: i,
      });
    if (nonNegative && v < 0)
      throw bad(`Value at position ${i} is negative (${v}); this quantity cannot be negative`, {
        position: i,
        value: v,
      });
    return v;
  });
  const first = raw.findIndex((v) => !Number.isNaN(v));
  if (first < 0) throw bad('The series has no observed values (all missing)');
  const x = raw.slice(first);
  let imputed = 0;
  let lastObs = 0;
  for (let i = 1; i < x.length; i++) {
    if (!Number.isNaN(x[i]!)) {
      for (let k = lastObs + 1; k < i; k++) {
        x[k] = x[lastObs]! + ((x[i]! - x[lastObs]!) * (k - lastObs)) / (i - lastObs);
        imputed++;
      }
      lastObs = i;
    }
  }
  for (let k = lastObs + 1; k < x.length; k++) {
    x[k] = x[lastObs]!;
    imputed++;
  }
  const warnings: string[] = [];
  if (first > 0) warnings.push(`${first} leading missing value${first === 1 ? '' : 's'} dropped`);
  if (imputed > 0)
    warnings.push(`${imputed} missing value${imputed === 1 ? '' : 's'} filled by interpolation`);
  if (imputed > x.length / 2)
    warnings.push('more than half of the series was missing: treat the forecast with care');
  return { values: Float64Array.from(x), dropped: first, imputed, warnings };
}

export function checkHorizon(horizon: unknown): number {
  if (typeof horizon !== 'number' || !Number.isInteger(horizon) || horizon < 1 || horizon > MAX_HORIZON)
    throw bad(`horizon must be a whole number from 1 to ${MAX_HORIZON}`, { horizon });
  return horizon;
}

/** The seasonal periods to consider: `season` if given (1 = none), else the frequency's defaults. */
export function resolveSeasons(
  season: number | readonly number[] | undefined,
  frequency: Frequency | undefined,
) {
  if (season === undefined) return frequency ? DEFAULT_SEASONS[frequency] : [];
  const list = typeof season === 'number' ? [season] : [...season];
  for (const p of list)
    if (!Number.isInteger(p) || p < 1 || p > MAX_SEASON)
      throw bad(`season must be a whole number from 1 to ${MAX_SEASON}`, { season: p });
  return [...new Set(list.filter((p) => p > 1))].sort((a, b) => a - b);
}
