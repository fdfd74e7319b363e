/**
 * Special functions and a derivative-free optimizer for the CLV models. Written here (about 150 lines)
 * rather than pulled in: we need lnΓ to ~1e-15, a Gauss hypergeometric series that never overflows
 * for heavy buyers, and a minimizer that treats a non-finite objective as "worse", none of which
 * simple-statistics or ml-matrix provide together.
 */

const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9: relative error about 1e-15). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const y = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (y + i);
  const t = y + LANCZOS_G + 0.5;
  return HALF_LOG_2PI + (y + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** ln(eᵃ + eᵇ) without overflow. */
export function logAddExp(a: number, b: number): number {
  if (a === Number.NEGATIVE_INFINITY) return b;
  if (b === Number.NEGATIVE_INFINITY) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/**
 * Σ_{k≥1} h_k with h_1 = first and h_{k+1} = h_k (a+k)(b+k) / ((c+k)(k+1)) z, 0 ≤ z < 1: the tail of a
 * Gauss hypergeometric series ₂F₁(a, b; c; z) scaled by c/(ab) — the form the BG/NBD conditional
 * expectation needs with its removable singularities taken out. Terms eventually shrink like zᵏ.
 */
export function hypergeometricTail(first: number, a: number, b: number, c: number, z: number): number {
  if (!(z >= 0 && z < 1)) throw new RangeError(`hypergeometric series needs 0 ≤ z < 1 (z = ${z})`);
  let term = first;
  let sum = first;
  for (let k = 1; k < 10_000_000; k++) {
    term *= (((a + k) * (b + k)) / ((c + k) * (k + 1))) * z;
    sum += term;
    if (Math.abs(term) <= 1e-17 * Math.abs(sum) && k > Math.abs(a) + Math.abs(b) + 2) return sum;
    if (!Number.isFinite(sum)) break;
  }
  throw new RangeError(`hypergeometric series did not converge (z = ${z})`);
}

export interface MinimizeResult {
  x: number[];
  value: number;
  evaluations: number;
  converged: boolean;
  /** The search stalled against the box |xᵢ| ≤ bound: the minimum is at infinity in some direction. */
  atBound: boolean;
}

interface Settings {
  step: number;
  xTol: number;
  fTol: number;
  bound: number;
}

/**
 * Nelder–Mead with the dimension-adapted coefficients of Gao & Han (2012), restarted from its best
 * point until a restart no longer improves the value (guards against a collapsed simplex). Points
 * outside the box |xᵢ| ≤ bound, and non-finite values, count as +∞. A search that stalls within 1
 * of the box edge stops early with `atBound`: the likelihoods fitted here only run to the edge when
 * the data cannot pin a parameter down, and crawling along the edge would cost thousands of calls.
 */
export function minimize(
  f: (x: number[]) => number,
  start: number[],
  opts: Partial<Settings> & { maxEvaluations?: number } = {},
): MinimizeResult {
  const settings: Settings = { step: 0.5, xTol: 1e-8, fTol: 1e-11, bound: 12, ...opts };
  const maxEvaluations = opts.maxEvaluations ?? 4000;
  let evaluations = 0;
  const g = (x: number[]) => {
    evaluations++;
    if (x.some((v) => Math.abs(v) > settings.bound)) return Number.POSITIVE_INFINITY;
    const v = f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  let best = { x: start.slice(), value: g(start) };
  for (let restart = 0; restart < 10; restart++) {
    const run = nelderMead(g, best.x, settings, () => evaluations < maxEvaluations);
    const improved = best.value - run.value;
    if (run.value <= best.value) best = run;
    const done = { ...best, evaluations, atBound: run.atBound };
    if (run.atBound) return { ...done, converged: false };
    if (evaluations >= maxEvaluations) return { ...done, converged: false };
    if (restart > 0 && !(improved > settings.fTol)) return { ...done, converged: true };
  }
  return { ...best, evaluations, converged: true, atBound: false };
}

function nelderMead(f: (x: number[]) => number, start: number[], s: Settings, budget: () => boolean) {
  const n = start.length;
  const [alpha, beta, gamma, delta] = [1, 1 + 2 / n, 0.75 - 1 / (2 * n), 1 - 1 / n];
  let simplex = [start.slice(), ...start.map((_, i) => start.map((v, j) => (i === j ? v + s.step : v)))];
  let values = simplex.map(f);
  const combine = (a: number[], b: number[], t: number) => a.map((v, i) => v + t * (b[i]! - v));
  let stalled = 0;
  let atBound = false;
  while (budget()) {
    const order = values.map((_, i) => i).sort((i, j) => values[i]! - values[j]!);
    simplex = order.map((i) => simplex[i]!);
    values = order.map((i) => values[i]!);
    const spreadF = values[n]! - values[0]!;
    const spreadX = Math.max(
      ...simplex.slice(1).map((p) => Math.max(...p.map((v, i) => Math.abs(v - simplex[0]![i]!)))),
    );
    if (spreadF <= s.fTol && spreadX <= s.xTol) break;
    const bestBefore = values[0]!;
    const nearEdge = simplex[0]!.some((v) => Math.abs(v) > s.bound - 1);
    const centroid = start.map((_, i) => simplex.slice(0, n).reduce((s, p) => s + p[i]!, 0) / n);
    const worst = simplex[n]!;
    const reflected = combine(centroid, worst, -alpha);
    const fr = f(reflected);
    if (fr < values[0]!) {
      const expanded = combine(centroid, worst, -alpha * beta);
      const fe = f(expanded);
      [simplex[n], values[n]] = fe < fr ? [expanded, fe] : [reflected, fr];
    } else if (fr < values[n - 1]!) {
      [simplex[n], values[n]] = [reflected, fr];
    } else {
      const outside = fr < values[n]!;
      const contracted = combine(centroid, outside ? reflected : worst, gamma);
      const fc = f(contracted);
      if (fc < (outside ? fr : values[n]!)) [simplex[n], values[n]] = [contracted, fc];
      else {
        for (let i = 1; i <= n; i++) {
          simplex[i] = combine(simplex[0]!, simplex[i]!, delta);
          values[i] = f(simplex[i]!);
        }
      }
    }
    const newBest = Math.min(...values);
    stalled = nearEdge && bestBefore - newBest <= 1e-9 * Math.abs(bestBefore) ? stalled + 1 : 0;
    if (stalled > 20 * n) {
      atBound = true;
      break;
    }
  }
  const i0 = values.indexOf(Math.min(...values));
  return { x: simplex[i0]!, value: values[i0]!, atBound };
}
