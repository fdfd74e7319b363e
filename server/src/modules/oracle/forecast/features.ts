/**
 * Series features the models need: the sample autocorrelation, M4's 90 % seasonality test and
 * R's classical decomposition (`decompose`), used to deseasonalise before fitting non-seasonal
 * models and to reseasonalise their forecasts.
 */

/** Sample autocorrelation at lags 1..maxLag, as R's `acf` computes it (biased, demeaned). */
export function acf(x: ArrayLike<number>, maxLag: number): number[] {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i]!;
  mean /= n;
  let denom = 0;
  for (let i = 0; i < n; i++) denom += (x[i]! - mean) ** 2;
  const out: number[] = [];
  for (let k = 1; k <= maxLag; k++) {
    let s = 0;
    for (let t = 0; t + k < n; t++) s += (x[t]! - mean) * (x[t + k]! - mean);
    out.push(denom > 0 ? s / denom : Number.NaN);
  }
  return out;
}

/**
 * M4's seasonality test: seasonal iff n ≥ 3m and |r_m| > 1.645·√((1 + 2·Σ_{k<m} r_k²)/n).
 * `rLagLimit` keeps R's quirk that `acf` stops at lag ⌊10·log10 n⌋ (beyond it: not seasonal); the
 * M4 benchmarks need it, our own models do not.
 */
export function isSeasonal(x: ArrayLike<number>, m: number, rLagLimit = false): boolean {
  const n = x.length;
  if (m <= 1 || n < 3 * m) return false;
  if (rLagLimit && m > Math.min(n - 1, Math.floor(10 * Math.log10(n)))) return false;
  const r = acf(x, m);
  let sum = 1;
  for (let k = 0; k < m - 1; k++) sum += 2 * r[k]! ** 2;
  const limit = (1.645 * Math.sqrt(sum)) / Math.sqrt(n);
  const rm = r[m - 1]!;
  return Number.isFinite(rm) && Math.abs(rm) > limit;
}

export interface Decomposition {
  type: 'multiplicative' | 'additive' | 'none';
  period: number;
  /** The seasonally adjusted series. */
  adjusted: Float64Array;
  /** Seasonal component in sample. */
  seasonal: Float64Array;
}

/** R's `decompose`: centred 2×m (even m) or m (odd m) moving average, indices from observation 1. */
export function decompose(
  x: ArrayLike<number>,
  m: number,
  type: 'multiplicative' | 'additive',
): Decomposition {
  const n = x.length;
  const weights =
    m % 2 === 0 ? [0.5, ...new Array<number>(m - 1).fill(1), 0.5] : new Array<number>(m).fill(1);
  const half = Math.floor(weights.length / 2);
  const detrended = new Float64Array(n).fill(Number.NaN);
  for (let t = half; t < n - half; t++) {
    let s = 0;
    for (let j = 0; j < weights.length; j++) s += weights[j]! * x[t - half + j]!;
    const trend = s / m;
    detrended[t] = type === 'multiplicative' ? x[t]! / trend : x[t]! - trend;
  }
  const figure = new Array<number>(m).fill(0);
  for (let p = 0; p < m; p++) {
    let s = 0;
    let c = 0;
    for (let t = p; t < n; t += m) {
      const v = detrended[t]!;
      if (!Number.isNaN(v)) {
        s += v;
        c++;
      }
    }
    figure[p] = c > 0 ? s / c : Number.NaN;
  }
  const mean = figure.reduce((a, b) => a + b, 0) / m;
  const norm = figure.map((f) => (type === 'multiplicative' ? f / mean : f - mean));
  const seasonal = new Float64Array(n);
  const adjusted = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const s = norm[t % m]!;
    seasonal[t] = s;
    adjusted[t] = type === 'multiplicative' ? x[t]! / s : x[t]! - s;
  }
  return { type, period: m, adjusted, seasonal };
}

/** No seasonal adjustment: the identity decomposition. */
export function noDecomposition(x: ArrayLike<number>): Decomposition {
  return {
    type: 'none',
    period: 1,
    adjusted: Float64Array.from(x),
    seasonal: new Float64Array(x.length).fill(1),
  };
}

/** The out-of-sample seasonal indices: the last m in-sample ones, repeated. */
export function seasonalOut(d: Decomposition, h: number): number[] {
  const n = d.seasonal.length;
  const m = d.period;
  const out = new Array<number>(h);
  for (let j = 0; j < h; j++) out[j] = d.type === 'none' ? 1 : d.seasonal[n - m + (j % m)]!;
  return out;
}

/** Puts the season back on deseasonalised forecasts (and scales their standard deviations). */
export function reseasonalise(
  d: Decomposition,
  mean: number[],
  sd: number[],
): { mean: number[]; sd: number[] } {
  if (d.type === 'none') return { mean, sd };
  const si = seasonalOut(d, mean.length);
  if (d.type === 'multiplicative')
    return { mean: mean.map((v, j) => v * si[j]!), sd: sd.map((v, j) => v * Math.abs(si[j]!)) };
  return { mean: mean.map((v, j) => v + si[j]!), sd };
}
