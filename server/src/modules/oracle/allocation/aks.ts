/**
 * Meridian's Automatic Knot Selection (AKS) for the time effects of a geo model, reimplemented from
 * the algorithm in google/meridian `meridian/model/knots.py` class `AKS` as released in v1.7.0 (the
 * version the published Getting Started notebook ran; kept verbatim by Meridian as
 * `meridian/schema/serde/legacy_aks.py` for models saved with ≤ 1.7.0):
 *
 * 1. Data: the KPI per geo and week divided by the geo's population, standardized by the mean and
 *    standard deviation over all geos and weeks (Meridian's KPI transform), then centered on each
 *    geo's mean (`InputData.scaled_centered_kpi`, "population-scaled and mean-centered by geo"),
 *    regressed on the week index t (the same t repeated for every geo; no geo terms).
 * 2. Basis: B-splines of degree 1 (hat functions) with boundary knots 0 and T − 1 and candidate
 *    interior knots every week 1 … T − 2 except the last one (T − 3 candidates): T − 1 columns.
 * 3. Penalty: adaptive ridge (Frommlet & Nuel 2016, an L0 approximation) on the second differences
 *    of the spline coefficients — one difference per candidate knot, zero where the line does not
 *    bend there: coefficients = (XᵀX + λ DᵀWD)⁻¹ Xᵀy, then w_j = 1 / (Δ²_j + ε²), ε = 1e-5, repeated
 *    until the selection weights s_j = w_j Δ²_j move by less than 1e-6; a knot is kept when s_j > 0.99.
 *    λ runs through 100 values log-spaced from 0.1 to 100, divided by √(number of geos), each
 *    started from the previous one's weights; at most 1,000 ridge solves in all.
 * 4. Criterion: for each λ, least squares of y on the degree-1 B-spline basis with the kept knots;
 *    AIC = 2·(kept + 2) + RSS / σ₀², where σ₀² is the full basis's residual mean square SQUARED (the
 *    source squares `mse_resid`; Meridian fixed this in v1.8.0, after the notebook ran — kept here
 *    because the published numbers came from it). Among the λ whose kept count lies in
 *    [1, candidates − number of media, organic, non-media and control variables], the lowest AIC
 *    wins, ties to the larger λ.
 * 5. The kept knots (interior only; v1.8.0 later added 0 and T − 1) become the time-effect knots:
 *    μ_t = Σ_k W[k,t]·b_k with W interpolating linearly between the two neighbouring knots and flat
 *    (all weight on the end knot) before the first and after the last (`knotWeightsAt`, Meridian's
 *    `l1_distance_weights`); a single knot is one common intercept.
 */
import { invalidInput } from '../../../platform/errors.ts';

/** Meridian's scaled, geo-centred KPI: rows panels × T, population one value per panel. */
export function aksScaledKpi(kpi: ArrayLike<number>, population: ArrayLike<number>, panels: number) {
  const n = kpi.length;
  const T = n / panels;
  if (!Number.isInteger(T) || T < 1 || population.length !== panels)
    throw invalidInput('kpi must be panels × weeks and population one value per panel');
  const v = Float64Array.from({ length: n }, (_, i) => {
    const p = population[Math.floor(i / T)]!;
    return p > 0 ? kpi[i]! / p : 0;
  });
  let mean = 0;
  for (const x of v) mean += x;
  mean /= n;
  let ss = 0;
  for (const x of v) ss += (x - mean) ** 2;
  const sd = Math.sqrt(ss / n);
  for (let i = 0; i < n; i++) v[i] = sd > 0 ? (v[i]! - mean) / sd : 0;
  for (let g = 0; g < panels; g++) {
    let m = 0;
    for (let t = 0; t < T; t++) m += v[g * T + t]!;
    m /= T;
    for (let t = 0; t < T; t++) v[g * T + t]! -= m;
  }
  return v;
}

/**
 * Degree-1 B-spline basis at week t for nodes [0, knots…, T − 1] (sorted, distinct): the index of the
 * left node and the weights of it and the next (the hat functions, which sum to 1).
 */
function hat(nodes: number[], t: number): [number, number, number] {
  let j = 0;
  while (j < nodes.length - 2 && t >= nodes[j + 1]!) j++;
  const a = nodes[j]!;
  const b = nodes[j + 1]!;
  const right = (t - a) / (b - a);
  return [j, 1 - right, right];
}

/** A symmetric positive-definite band matrix: band[d][i] = A[i][i + d], d ≤ bandwidth. */
function bandSolve(band: Float64Array[], rhs: Float64Array): Float64Array {
  const n = rhs.length;
  const m = band.length - 1;
  // Cholesky A = L Lᵀ, L stored by sub-diagonal: l[d][i] = L[i][i − d].
  const l = band.map(() => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    for (let d = Math.min(m, i); d >= 0; d--) {
      const j = i - d;
      let s = band[d]![j]!;
      for (let k = Math.max(0, i - m); k < j; k++) s -= l[i - k]![i]! * l[j - k]![j]!;
      if (d === 0) {
        if (!(s > 0)) throw invalidInput('the spline system is not positive definite');
        l[0]![i] = Math.sqrt(s);
      } else l[d]![i] = s / l[0]![j]!;
    }
  }
  const z = Float64Array.from(rhs);
  for (let i = 0; i < n; i++) {
    for (let d = 1; d <= Math.min(m, i); d++) z[i]! -= l[d]![i]! * z[i - d]!;
    z[i]! /= l[0]![i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let d = 1; d <= Math.min(m, n - 1 - i); d++) z[i]! -= l[d]![i + d]! * z[i + d]!;
    z[i]! /= l[0]![i]!;
  }
  return z;
}

/** Per-week sums Σ_g y[g,t], Σ y², for a panels × T series. */
function weekSums(y: ArrayLike<number>, T: number) {
  const s = new Float64Array(T);
  let yy = 0;
  for (let i = 0; i < y.length; i++) {
    s[i % T]! += y[i]!;
    yy += y[i]! ** 2;
  }
  return { s, yy };
}

/** XᵀX (tridiagonal, as bands) and Xᵀy of the degree-1 basis on nodes, every week once per panel. */
function normalEquations(nodes: number[], T: number, panels: number, s: Float64Array) {
  const p = nodes.length;
  const band = [new Float64Array(p), new Float64Array(p)];
  const xty = new Float64Array(p);
  for (let t = 0; t < T; t++) {
    const [j, a, b] = hat(nodes, t);
    band[0]![j]! += panels * a * a;
    band[0]![j + 1]! += panels * b * b;
    band[1]![j]! += panels * a * b;
    xty[j]! += a * s[t]!;
    xty[j + 1]! += b * s[t]!;
  }
  return { band, xty };
}

/** Least squares of y on the degree-1 basis with the given nodes: the residual sum of squares. */
function splineRss(nodes: number[], T: number, panels: number, sums: { s: Float64Array; yy: number }) {
  const { band, xty } = normalEquations(nodes, T, panels, sums.s);
  const coef = bandSolve(band, xty);
  // RSS = Σy² − 2 Σ_t f_t S_t + G Σ_t f_t², f_t the fitted week value.
  let rss = sums.yy;
  for (let t = 0; t < T; t++) {
    const [j, a, b] = hat(nodes, t);
    const f = a * coef[j]! + b * coef[j + 1]!;
    rss += panels * f * f - 2 * f * sums.s[t]!;
  }
  return Math.max(rss, 0);
}

export interface AksOptions {
  /**
   * Number of media, RF, organic, non-media and control variables of the model: the default largest
   * number of knots is the candidates minus this (Meridian's `max_internal_knots`).
   */
  features: number;
  basePenalty?: number[];
  minInternalKnots?: number;
  maxInternalKnots?: number;
  maxIterations?: number;
}

export interface AksResult {
  /** Selected knot weeks (0-based, sorted, interior: 1 … T − 3). */
  knots: number[];
  /** Per penalty (in order): the penalty, the knots it kept and their AIC. */
  path: Array<{ penalty: number; knots: number[]; aic: number }>;
  /** Penalties whose adaptive ridge converged within the iteration budget (Meridian needs all). */
  converged: number;
}

/** Meridian's `np.logspace(-1, 2, 100)`. */
export const AKS_BASE_PENALTY = Array.from({ length: 100 }, (_, i) => 10 ** (-1 + (3 * i) / 99));

/**
 * AKS on y (panels × T, row-major; Meridian's scaled geo-centred KPI, `aksScaledKpi`). Returns the
 * selected interior knots. Throws invalid_input when too few weeks or the knot range is empty.
 */
export function automaticKnotSelection(y: ArrayLike<number>, panels: number, opts: AksOptions): AksResult {
  const T = y.length / panels;
  if (!Number.isInteger(panels) || panels < 1 || !Number.isInteger(T) || T < 5)
    throw invalidInput('AKS needs panels × weeks data with at least 5 weeks');
  for (let i = 0; i < y.length; i++)
    if (!Number.isFinite(y[i]!)) throw invalidInput('AKS needs finite values');
  // Candidates: every interior week but the last one.
  const candidates = Array.from({ length: T - 3 }, (_, i) => i + 1);
  const minKnots = opts.minInternalKnots ?? 1;
  const maxKnots = opts.maxInternalKnots ?? candidates.length - opts.features;
  if (minKnots > candidates.length)
    throw invalidInput('the minimum number of knots exceeds the candidate knots');
  if (maxKnots < minKnots)
    throw invalidInput('the maximum number of knots is below the minimum (too many variables for the weeks)');
  const penalties = (opts.basePenalty ?? AKS_BASE_PENALTY).map((b) => b / Math.sqrt(panels));
  const maxIterations = opts.maxIterations ?? 1000;
  const epsilon = 1e-5;
  const tol = 1e-6;

  const sums = weekSums(y, T);
  const nodes = [0, ...candidates, T - 1];
  const p = nodes.length;
  const { band: xtx, xty } = normalEquations(nodes, T, panels, sums.s);
  const fullRss = splineRss(nodes, T, panels, sums);
  const sigma0sq = (fullRss / (y.length - p)) ** 2;
  if (!(sigma0sq > 0)) throw invalidInput('AKS needs a series with residual variation');

  const q = p - 2; // one second difference per candidate knot
  let w = new Float64Array(q).fill(1);
  let oldSel = new Float64Array(q).fill(1);
  const path: AksResult['path'] = [];
  let k = 0;
  for (let it = 0; it < maxIterations && k < penalties.length; it++) {
    // A = XᵀX + λ DᵀWD (bandwidth 2), D the second-difference operator.
    const lambda = penalties[k]!;
    const band = [Float64Array.from(xtx[0]!), Float64Array.from(xtx[1]!), new Float64Array(p)];
    for (let j = 0; j < q; j++) {
      const c = lambda * w[j]!;
      const d = [1, -2, 1];
      for (let a = 0; a < 3; a++) for (let b = a; b < 3; b++) band[b - a]![j + a]! += c * d[a]! * d[b]!;
    }
    const par = bandSolve(band, xty);
    const sel = new Float64Array(q);
    const nextW = new Float64Array(q);
    let change = 0;
    for (let j = 0; j < q; j++) {
      const diff = par[j]! - 2 * par[j + 1]! + par[j + 2]!;
      nextW[j] = 1 / (diff * diff + epsilon * epsilon);
      sel[j] = nextW[j]! * diff * diff;
      change = Math.max(change, Math.abs(oldSel[j]! - sel[j]!));
    }
    w = nextW;
    if (change < tol) {
      const kept = candidates.filter((_, j) => sel[j]! > 0.99);
      const rss = splineRss([0, ...kept, T - 1], T, panels, sums);
      path.push({ penalty: lambda, knots: kept, aic: 2 * (kept.length + 2) + rss / sigma0sq });
      k++;
    }
    oldSel = sel;
  }
  let best: (typeof path)[number] | null = null;
  for (const r of path)
    if (r.knots.length >= minKnots && r.knots.length <= maxKnots && (!best || r.aic <= best.aic)) best = r;
  if (!best) throw invalidInput('no penalty kept a number of knots inside the allowed range');
  return { knots: best.knots, path, converged: path.length };
}

/**
 * Meridian's knot interpolation (`l1_distance_weights`) for knots at the given weeks: K arrays of
 * length T; between two knots the weights are linear in the distance, before the first knot and after
 * the last all weight is on the end knot; one knot is a weight of 1 everywhere. Every week's weights
 * sum to 1.
 */
export function knotWeightsAt(T: number, locations: number[]): Float64Array[] {
  if (!Number.isInteger(T) || T < 1) throw invalidInput('weeks must be a positive integer');
  if (locations.length < 1) throw invalidInput('at least one knot is needed');
  for (let i = 0; i < locations.length; i++) {
    const k = locations[i]!;
    if (!Number.isInteger(k) || k < 0 || k >= T) throw invalidInput('knots must be weeks 0 … T − 1');
    if (i > 0 && k <= locations[i - 1]!) throw invalidInput('knots must be sorted and distinct');
  }
  const K = locations.length;
  const W = Array.from({ length: K }, () => new Float64Array(T));
  if (K === 1) {
    W[0]!.fill(1);
    return W;
  }
  for (let t = 0; t < T; t++) {
    if (t <= locations[0]!) W[0]![t] = 1;
    else if (t >= locations[K - 1]!) W[K - 1]![t] = 1;
    else {
      let j = 0;
      while (locations[j + 1]! < t) j++;
      const a = locations[j]!;
      const b = locations[j + 1]!;
      W[j + 1]![t] = (t - a) / (b - a);
      W[j]![t] = 1 - W[j + 1]![t]!;
    }
  }
  return W;
}
