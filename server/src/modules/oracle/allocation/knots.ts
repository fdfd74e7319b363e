/**
 * Time effects as a piecewise-linear curve through K equally spaced knots (Meridian's time-varying
 * intercept: μ_t = Σ_k W[t,k] b_k, W interpolating linearly between the two neighbouring knots), and a
 * choice of K by BIC on the panel-averaged outcome — an equally spaced stand-in for Meridian's
 * automatic knot selection, which picks knot positions by an adaptive-ridge spline and an
 * information criterion.
 */
import { invalidInput } from '../../../platform/errors.ts';
import { solveLinear } from './ols.ts';

/** The T × K interpolation weights, column-major (one Float64Array of length T per knot). */
export function knotWeights(T: number, K: number): Float64Array[] {
  if (!Number.isInteger(K) || K < 1 || K > T)
    throw invalidInput('knots must be between 1 and the number of weeks');
  if (K === 1) return [new Float64Array(T).fill(1)];
  const gap = (T - 1) / (K - 1);
  return Array.from({ length: K }, (_, k) =>
    Float64Array.from({ length: T }, (_, t) => Math.max(0, 1 - Math.abs(t - k * gap) / gap)),
  );
}

/**
 * Knot columns as controls of a panel model (row-major panels × T). The first knot is left out: with
 * panel intercepts the K weights sum to one and one of them is redundant.
 */
export function knotControls(panels: number, T: number, K: number) {
  return weightControls(panels, T, knotWeights(T, K));
}

/**
 * The same for any knot weights whose columns sum to one every week (e.g. `aks.ts` `knotWeightsAt`
 * for knots at chosen weeks): every column but the first, repeated for each panel.
 */
export function weightControls(panels: number, T: number, W: Float64Array[]) {
  return W.slice(1).map((w, k) => ({
    name: `knot${k + 1}`,
    values: Float64Array.from({ length: panels * T }, (_, i) => w[i % T]!),
  }));
}

/** BIC of y_t on the K-knot basis, for K = 1 … maxK; returns the K with the lowest BIC and the table. */
export function selectKnots(y: ArrayLike<number>, maxK = Math.floor(y.length / 3)) {
  const T = y.length;
  const table: Array<{ knots: number; bic: number }> = [];
  for (let K = 1; K <= Math.max(1, Math.min(maxK, T)); K++) {
    const W = knotWeights(T, K);
    const xtx = W.map((a) => W.map((b) => a.reduce((s, v, t) => s + v * b[t]!, 0)));
    const xty = W.map((a) => a.reduce((s, v, t) => s + v * y[t]!, 0));
    const b = solveLinear(xtx, xty);
    let rss = 0;
    for (let t = 0; t < T; t++) {
      let f = 0;
      for (let k = 0; k < K; k++) f += b[k]! * W[k]![t]!;
      rss += (y[t]! - f) ** 2;
    }
    table.push({ knots: K, bic: T * Math.log(Math.max(rss, 1e-300) / T) + K * Math.log(T) });
  }
  const best = table.reduce((a, r) => (r.bic < a.bic ? r : a));
  return { knots: best.knots, table };
}
