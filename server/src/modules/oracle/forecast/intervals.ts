/**
 * Prediction intervals. Each model supplies per-step standard deviations from its own error
 * variance; the rolling-origin backtest then calibrates their scale: the 80 % and 95 % quantiles
 * of |error| / sd over all backtest cells of the whole procedure (selection included, see
 * `procedureRuns`), divided by the normal quantiles, give one factor per level, shrunk towards 1
 * when there are few cells.
 */
import type { OriginRun } from './backtest.ts';

export const Z80 = 1.2815515655446004;
export const Z95 = 1.959963984540054;
/** Pseudo-cells of prior weight on "the model's own variance is right". */
const PRIOR_CELLS = 20;
const MIN_FACTOR = 0.5;
const MAX_FACTOR = 6;

function quantile(sorted: number[], p: number): number {
  const pos = (sorted.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export interface Calibration {
  c80: number;
  c95: number;
  cells: number;
}

/** Scale factors for the model sds from backtest runs of the chosen forecast. */
export function calibrate(runs: OriginRun[]): Calibration {
  const u: number[] = [];
  for (const r of runs)
    for (let j = 0; j < r.actual.length; j++) {
      const sd = r.sd[j]!;
      if (sd > 0) u.push(Math.abs(r.actual[j]! - r.mean[j]!) / sd);
    }
  if (u.length < 5) return { c80: 1, c95: 1, cells: u.length };
  u.sort((a, b) => a - b);
  const w = u.length / (u.length + PRIOR_CELLS);
  const clamp = (v: number) => Math.min(MAX_FACTOR, Math.max(MIN_FACTOR, v));
  return {
    c80: clamp(w * (quantile(u, 0.8) / Z80) + (1 - w)),
    c95: clamp(w * (quantile(u, 0.95) / Z95) + (1 - w)),
    cells: u.length,
  };
}

export interface Bands {
  lo80: number[];
  hi80: number[];
  lo95: number[];
  hi95: number[];
}

/** Symmetric normal bands mean ± z·c·sd, floored at 0 for quantities that cannot be negative. */
export function bands(mean: number[], sd: number[], cal: Calibration, nonNegative: boolean): Bands {
  const floor = (v: number) => (nonNegative ? Math.max(0, v) : v);
  const k80 = Z80 * cal.c80;
  // The 95 % band never falls inside the 80 % one, whatever the two factors say.
  const k95 = Math.max(Z95 * cal.c95, k80);
  return {
    lo80: mean.map((m, j) => floor(m - k80 * sd[j]!)),
    hi80: mean.map((m, j) => floor(m + k80 * sd[j]!)),
    lo95: mean.map((m, j) => floor(m - k95 * sd[j]!)),
    hi95: mean.map((m, j) => floor(m + k95 * sd[j]!)),
  };
}
