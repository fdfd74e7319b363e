/**
 * Series too short to backtest (a new ad's first days): the mean of the observed values, no trend,
 * with Student-t intervals that widen with the horizon. Two or three days hold no information about
 * a trend (Theta fitted one through two points and projected 1.60 → 340× ROAS in three weeks), so
 * none is projected.
 *
 * The spread is the normal model's with unknown mean and variance, the variance given a weak prior
 * worth SHORT_PRIOR_DF degrees of freedom at SHORT_PRIOR_CV × |mean| (a scaled-inverse-χ² prior):
 *   s² = (ν₀·(c·|ȳ|)² + (n − 1)·s_y²) / (ν₀ + n − 1),  df = ν₀ + n − 1,
 * so one or two points, which say nothing (or next to nothing) about the spread, get a floor relative
 * to their level, and the floor fades as days accumulate. The one-step interval is the posterior
 * predictive ȳ ± t_df · s·√(1 + 1/n); step j widens as a random walk whose step is that spread,
 * sd_j = s·√(j + 1/n), since a new series' level can wander. One point is never more certain than
 * two that agree with it (smaller df and the full prior). A series of zeros stays 0 with a zero band
 * (a floor relative to a level of 0 is 0).
 */
import { Z80, Z95 } from './intervals.ts';
import type { PointSd } from './models.ts';

/** Prior spread of a day around the level, relative to the level (30 %). */
export const SHORT_PRIOR_CV = 0.3;
/** Weight of that prior, in degrees of freedom (as if two earlier observations had shown it). */
export const SHORT_PRIOR_DF = 2;

/** The mean model on all of `x`: flat at the mean, sd_j = s·√(j + 1/n) (steps j = 1..h). */
export function shortMean(x: ArrayLike<number>, h: number): PointSd & { df: number; scale: number } {
  const n = x.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += x[i]!;
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (x[i]! - mean) ** 2;
  const prior = (SHORT_PRIOR_CV * Math.abs(mean)) ** 2;
  const df = SHORT_PRIOR_DF + n - 1;
  const scale = Math.sqrt((SHORT_PRIOR_DF * prior + ss) / df);
  return {
    mean: new Array<number>(h).fill(mean),
    sd: Array.from({ length: h }, (_, j) => scale * Math.sqrt(j + 1 + 1 / n)),
    df,
    scale,
  };
}

/**
 * P(|T| < t) for Student's t with `df` (a whole number ≥ 1) degrees of freedom, in closed form
 * (Abramowitz & Stegun 26.7.3–26.7.4).
 */
function tTwoSided(t: number, df: number): number {
  const theta = Math.atan(Math.abs(t) / Math.sqrt(df));
  const c2 = Math.cos(theta) ** 2;
  const s = Math.sin(theta);
  if (df % 2 === 1) {
    let term = 1;
    let acc = df > 1 ? 1 : 0;
    for (let k = 3; k <= df - 2; k += 2) {
      term *= ((k - 1) / k) * c2;
      acc += term;
    }
    return (2 / Math.PI) * (theta + s * Math.cos(theta) * acc);
  }
  let term = 1;
  let acc = 1;
  for (let k = 2; k <= df - 2; k += 2) {
    term *= ((k - 1) / k) * c2;
    acc += term;
  }
  return s * acc;
}

/** The `p` quantile (0.5 < p < 1) of Student's t with `df` whole degrees of freedom, by bisection. */
export function tQuantile(p: number, df: number): number {
  const target = 2 * p - 1;
  let lo = 0;
  let hi = 1;
  while (tTwoSided(hi, df) < target) hi *= 2;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (tTwoSided(mid, df) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Calibration factors that turn the normal bands mean ± z·c·sd into Student-t ones. */
export function tFactors(df: number): { c80: number; c95: number; cells: number } {
  return { c80: tQuantile(0.9, df) / Z80, c95: tQuantile(0.975, df) / Z95, cells: 0 };
}
