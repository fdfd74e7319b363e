/**
 * The model family. Every model maps a clean series and a horizon to point forecasts and per-step
 * standard deviations (its own error variance, before calibration). Non-seasonal models run on the
 * series deseasonalised at `period` when M4's seasonality test passes, and are reseasonalised after.
 */
import { autoEts, mstl } from './augurs.ts';
import { etsForecast, etsSd, fitEts } from './ets.ts';
import { type Decomposition, decompose, isSeasonal, noDecomposition, reseasonalise } from './features.ts';
import { shortMean } from './short.ts';
import { thetaClassic } from './theta.ts';

export interface PointSd {
  mean: number[];
  sd: number[];
}

export interface Model {
  /** Stable name stored with every forecast, e.g. `theta`, `damped@168`, `snaive@24`. */
  name: string;
  /** The model in plain words, lower case where the words allow ("damped-trend exponential smoothing with weekly seasonality", "the last week repeated"). */
  words: string;
  run(x: Float64Array, h: number): PointSd;
}

/** Every kind of model the forecaster builds, in words: the registry its descriptions come from. */
export const MODEL_KINDS = {
  naive: 'the last value repeated',
  drift: 'random walk with drift',
  ses: 'simple exponential smoothing',
  holt: "Holt's linear-trend exponential smoothing",
  damped: 'damped-trend exponential smoothing',
  theta: 'Theta method',
  ets: 'automatically selected exponential smoothing',
  snaive: 'the last season repeated',
  mstl: 'MSTL decomposition',
  mean: 'the mean of the observed values, without a trend',
} as const;
export type ModelKind = keyof typeof MODEL_KINDS;

/** A seasonal period in the series' steps as people say it (7 steps of a daily series: weekly). */
const SEASON_WORDS: Record<number, { adjective: string; cycle: string }> = {
  7: { adjective: 'weekly', cycle: 'week' },
  12: { adjective: 'yearly', cycle: 'year' },
  24: { adjective: 'daily', cycle: 'day' },
  52: { adjective: 'yearly', cycle: 'year' },
  168: { adjective: 'weekly', cycle: 'week' },
  365: { adjective: 'yearly', cycle: 'year' },
};
const seasonWords = (p: number) => SEASON_WORDS[p] ?? { adjective: `${p}-step`, cycle: `${p} steps` };
const andList = (xs: string[]) =>
  xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`;

/** Deseasonalises at `m` when the series tests seasonal there: multiplicative if all values are positive. */
export function seasonalAdjustment(x: Float64Array, m: number): Decomposition {
  if (m <= 1 || !isSeasonal(x, m)) return noDecomposition(x);
  let positive = true;
  for (const v of x) if (!(v > 0)) positive = false;
  if (positive) {
    const d = decompose(x, m, 'multiplicative');
    // Indices near zero would blow the adjusted series up; fall back to additive then.
    if (d.seasonal.every((s) => s > 0.05)) return d;
  }
  return decompose(x, m, 'additive');
}

function rmsDiff(x: ArrayLike<number>, lag: number): number {
  let s = 0;
  let c = 0;
  for (let t = lag; t < x.length; t++) {
    s += (x[t]! - x[t - lag]!) ** 2;
    c++;
  }
  return c > 0 ? Math.sqrt(s / c) : 0;
}

/** Random walk: the last value, sd σ·√j from the one-step differences. */
function naiveOn(x: ArrayLike<number>, h: number): PointSd {
  const sigma = rmsDiff(x, 1);
  const last = x[x.length - 1]!;
  return {
    mean: new Array<number>(h).fill(last),
    sd: Array.from({ length: h }, (_, j) => sigma * Math.sqrt(j + 1)),
  };
}

/** Random walk with drift (the line through the first and last points). */
function driftOn(x: ArrayLike<number>, h: number): PointSd {
  const n = x.length;
  const slope = n > 1 ? (x[n - 1]! - x[0]!) / (n - 1) : 0;
  let s = 0;
  for (let t = 1; t < n; t++) s += (x[t]! - x[t - 1]! - slope) ** 2;
  const sigma = n > 2 ? Math.sqrt(s / (n - 2)) : 0;
  return {
    mean: Array.from({ length: h }, (_, j) => x[n - 1]! + slope * (j + 1)),
    sd: Array.from({ length: h }, (_, j) => sigma * Math.sqrt((j + 1) * (1 + (j + 1) / Math.max(1, n - 1)))),
  };
}

type Inner = (y: Float64Array, h: number) => PointSd;

const inner: Record<string, Inner> = {
  naive: naiveOn,
  drift: driftOn,
  ses: (y, h) => {
    const f = fitEts(y, 'ses');
    return { mean: etsForecast(f, h), sd: etsSd(f, h) };
  },
  holt: (y, h) => {
    const f = fitEts(y, 'holt');
    return { mean: etsForecast(f, h), sd: etsSd(f, h) };
  },
  damped: (y, h) => {
    const f = fitEts(y, 'damped');
    return { mean: etsForecast(f, h), sd: etsSd(f, h) };
  },
  theta: (y, h) => thetaClassic(y, h, false),
  ets: (y, h) => autoEts(y, h),
  mean: (y, h) => {
    const f = shortMean(y, h);
    return { mean: f.mean, sd: f.sd };
  },
};

export type InnerModel = keyof typeof inner;

/** A non-seasonal model run on the series deseasonalised at `period` (1 = as is). */
export function adjusted(kind: string, period: number): Model {
  const fn = inner[kind];
  if (!fn) throw new Error(`unknown model ${kind}`);
  const base = MODEL_KINDS[kind as ModelKind];
  return {
    name: period > 1 ? `${kind}@${period}` : kind,
    // Run on the series with its season taken out and put back on the forecast.
    words: period > 1 ? `${base} with ${seasonWords(period).adjective} seasonality` : base,
    run(x, h) {
      const d = seasonalAdjustment(x, period);
      const f = fn(d.adjusted, h);
      return reseasonalise(d, f.mean, f.sd);
    },
  };
}

/** Seasonal naive: the last full season repeated, sd σ_m·√(⌊(j−1)/m⌋ + 1). */
export function seasonalNaive(period: number): Model {
  return {
    name: `snaive@${period}`,
    words: `the last ${seasonWords(period).cycle} repeated`,
    run(x, h) {
      const n = x.length;
      if (n < period) return naiveOn(x, h);
      const sigma = rmsDiff(x, period);
      return {
        mean: Array.from({ length: h }, (_, j) => x[n - period + (j % period)]!),
        sd: Array.from({ length: h }, (_, j) => sigma * Math.sqrt(Math.floor(j / period) + 1)),
      };
    },
  };
}

/** augurs MSTL (STL per period, AutoETS on the remainder trend) for the periods that fit twice. */
export function mstlModel(periods: number[]): Model {
  return {
    name: `mstl@${periods.join('+')}`,
    words: `${MODEL_KINDS.mstl} with ${andList(periods.map((p) => seasonWords(p).adjective))} seasonality`,
    run(x, h) {
      const fit = periods.filter((p) => x.length >= 2 * p);
      return fit.length ? mstl(x, h, fit) : inner.ses!(x, h);
    },
  };
}
