/**
 * Isolated outliers replaced before the models are fitted (the practice of R's `forecast::tsclean`,
 * written for our models): one day of spend at four times its usual level would otherwise hide the
 * weekly pattern from the seasonality test and be repeated by seasonal naive, so a clean weekly
 * series with one spike was forecast flat. A point is an outlier when its residual from a robust fit
 * (running median over one cycle for the level, per-phase medians for the season) exceeds OUTLIER_K
 * robust standard deviations. Left as they are: series with more than a few residuals beyond HEAVY_K σ
 * (heavy tails, not accidents), points within half a cycle of either end (the running median lags a
 * trend there; a jump at the end may be a new level), series with several seasons (the fit has one)
 * and intermittent series (zeros are not outliers). The thresholds were set on M4's held-out training
 * data (`eval/m4.eval.ts --dev`, see README), where looser ones made weekly forecasts worse.
 */

/** Residuals beyond this many robust standard deviations are outliers. */
export const OUTLIER_K = 8;
/** Deviations beyond this many σ count towards heavy tails. */
const HEAVY_K = 4;
/** The most points beyond HEAVY_K σ: 1 % of the series, at least 2; more means heavy tails, left alone. */
const MAX_SHARE = 0.01;
/** The last points are never replaced. */
const KEEP_LAST = 3;

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface OutlierCleaning {
  /** The series to fit: `x` itself when nothing was replaced. */
  values: Float64Array;
  /** Positions (0-based) replaced, with the value seen and the one fitted instead. */
  replaced: { index: number; value: number; fitted: number }[];
}

/**
 * Replaces isolated outliers of `x`, using the shortest of `seasons` the series is at least three
 * cycles long for as its season (none when there is no such period).
 */
export function replaceOutliers(x: Float64Array, seasons: number[]): OutlierCleaning {
  const n = x.length;
  const unchanged = { values: x, replaced: [] };
  // The robust fit has one season: with several (hourly: day and week), the residuals of the one
  // would hold the other's pattern, not noise.
  if (seasons.filter((p) => p > 1).length > 1) return unchanged;
  const m = seasons.filter((p) => p > 1 && n >= 3 * p)[0] ?? 1;
  if (n < Math.max(14, 3 * m)) return unchanged;
  // Level: centred running median over one cycle (odd length; 7 points without a season).
  const w = m > 1 ? m + ((m + 1) % 2) : 7;
  const half = w >> 1;
  const level = new Float64Array(n);
  for (let t = 0; t < n; t++)
    level[t] = median(Array.from(x.subarray(Math.max(0, t - half), Math.min(n, t + half + 1))));
  // Season: the median of each phase's deviation from the level.
  const season = new Float64Array(m);
  if (m > 1)
    for (let p = 0; p < m; p++) {
      const d: number[] = [];
      for (let t = p; t < n; t += m) d.push(x[t]! - level[t]!);
      season[p] = median(d);
    }
  const residual = Array.from(x, (v, t) => v - level[t]! - season[t % m]!);
  const centre = median(residual);
  // The noise level: the larger of the MAD's and the mean absolute deviation's estimates of σ. The
  // MAD alone collapses on a series that repeats itself almost exactly (every small deviation would
  // then count as an outlier); the mean, which the outliers themselves raise, only makes fewer.
  const dev = residual.map((r) => Math.abs(r - centre));
  const sigma = Math.max(1.4826 * median(dev), 1.2533 * (dev.reduce((a, b) => a + b, 0) / n));
  if (!(sigma > 0)) return unchanged;
  // Heavy tails: more points beyond HEAVY_K σ than the cap means large deviations are part of the
  // series (a promotion every week), not isolated accidents.
  const flagged: number[] = [];
  let large = 0;
  // Only where the running median is centred: near either end it lags a trend, and the lag would read
  // as outliers exactly where the forecast starts.
  for (let t = half; t < n - Math.max(half, KEEP_LAST); t++) {
    const d = Math.abs(residual[t]! - centre);
    if (d > HEAVY_K * sigma) large++;
    if (d > OUTLIER_K * sigma) flagged.push(t);
  }
  if (!flagged.length || large > Math.max(2, Math.ceil(MAX_SHARE * n))) return unchanged;
  const values = Float64Array.from(x);
  const floor = x.every((v) => v >= 0) ? 0 : Number.NEGATIVE_INFINITY;
  const replaced = flagged.map((t) => {
    const fitted = Math.max(floor, level[t]! + season[t % m]!);
    values[t] = fitted;
    return { index: t, value: x[t]!, fitted };
  });
  return { values, replaced };
}
