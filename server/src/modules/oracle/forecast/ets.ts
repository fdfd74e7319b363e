/**
 * Additive-error exponential smoothing without seasonality: SES = ETS(A,N,N), Holt = ETS(A,A,N),
 * damped Holt = ETS(A,Ad,N), estimated exactly as `forecast` 8.2 does for the M4 benchmarks
 * (one-step MSE objective, its bounds and starting values, R's Nelder–Mead). Seasonality is handled
 * outside, by decomposing first (see features.ts). Recursions follow etscalc.c operation by
 * operation so that the optimiser walks the same path as R's.
 */
import { nelderMead } from './nelder-mead.ts';

export type EtsKind = 'ses' | 'holt' | 'damped';

export interface EtsFit {
  kind: EtsKind;
  alpha: number;
  beta: number;
  phi: number;
  /** Final level and trend, the forecast origin. */
  level: number;
  trend: number;
  /** Residual variance of one-step errors, sum(e²)/(n − parameters). */
  sigma2: number;
  /** In-sample one-step forecasts (fitted values). */
  fitted: Float64Array;
}

const LOWER = { alpha: 1e-4, beta: 1e-4, phi: 0.8 };
const UPPER = { alpha: 0.9999, beta: 0.9999, phi: 0.98 };

/** Runs the recursions; returns the running-mean one-step MSE as etscalc computes it. */
function run(
  y: ArrayLike<number>,
  trended: boolean,
  alpha: number,
  beta: number,
  phi: number,
  l0: number,
  b0: number,
  fitted?: Float64Array,
): { mse: number; level: number; trend: number } {
  let l = l0;
  let b = trended ? b0 : 0;
  let amse = 0;
  const n = y.length;
  for (let i = 0; i < n; i++) {
    const phib = trended ? phi * b : 0;
    const q = l + phib;
    if (fitted) fitted[i] = q;
    const yi = y[i]!;
    const tmp = yi - q;
    amse = (amse * i + tmp * tmp) / (i + 1);
    const oldl = l;
    l = q + alpha * (yi - q);
    if (trended) b = phib + (beta / alpha) * (l - oldl - phib);
  }
  return { mse: amse, level: l, trend: b };
}

function initialStates(y: ArrayLike<number>, trended: boolean): [number, number] {
  const maxn = Math.min(10, y.length);
  if (!trended) {
    let s = 0;
    for (let i = 0; i < maxn; i++) s += y[i]!;
    return [s / maxn, 0];
  }
  if (maxn < 2) return [y[0]!, 0];
  // OLS of y[0..maxn) on t = 1..maxn; l0 is the intercept (value at t = 0), b0 the slope.
  let st = 0;
  let sy = 0;
  for (let i = 0; i < maxn; i++) {
    st += i + 1;
    sy += y[i]!;
  }
  const mt = st / maxn;
  const my = sy / maxn;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < maxn; i++) {
    sxy += (i + 1 - mt) * (y[i]! - my);
    sxx += (i + 1 - mt) ** 2;
  }
  let b0 = sxy / sxx;
  let l0 = my - b0 * mt;
  if (Math.abs(l0 + b0) < 1e-8) {
    l0 *= 1.001;
    b0 *= 0.999;
  }
  return [l0, b0];
}

/** Fits SES, Holt or damped Holt to `y` (at least 1 point; a trend needs 2). */
export function fitEts(y: ArrayLike<number>, kind: EtsKind): EtsFit {
  const trended = kind !== 'ses' && y.length >= 2;
  const damped = kind === 'damped' && trended;
  const [l0, b0] = initialStates(y, trended);
  const alpha0 = LOWER.alpha + 0.5 * (UPPER.alpha - LOWER.alpha);
  const beta0 = LOWER.beta + 0.1 * (Math.min(UPPER.beta, alpha0) - LOWER.beta);
  const phi0 = LOWER.phi + 0.99 * (UPPER.phi - LOWER.phi);
  const start = !trended ? [alpha0, l0] : damped ? [alpha0, beta0, phi0, l0, b0] : [alpha0, beta0, l0, b0];
  const objective = (p: number[]) => {
    const alpha = p[0]!;
    if (alpha < LOWER.alpha || alpha > UPPER.alpha) return Number.POSITIVE_INFINITY;
    if (!trended) return run(y, false, alpha, 0, 1, p[1]!, 0).mse;
    const beta = p[1]!;
    if (beta < LOWER.beta || beta > alpha || beta > UPPER.beta) return Number.POSITIVE_INFINITY;
    if (!damped) return run(y, true, alpha, beta, 1, p[2]!, p[3]!).mse;
    const phi = p[2]!;
    if (phi < LOWER.phi || phi > UPPER.phi) return Number.POSITIVE_INFINITY;
    return run(y, true, alpha, beta, phi, p[3]!, p[4]!).mse;
  };
  const best = nelderMead(objective, start).x;
  const alpha = best[0]!;
  const beta = trended ? best[1]! : 0;
  const phi = damped ? best[2]! : 1;
  const l = !trended ? best[1]! : damped ? best[3]! : best[2]!;
  const b = !trended ? 0 : damped ? best[4]! : best[3]!;
  const fitted = new Float64Array(y.length);
  const end = run(y, trended, alpha, beta, phi, l, b, fitted);
  const params = 1 + 1 + (trended ? 2 : 0) + (damped ? 1 : 0);
  let sse = 0;
  for (let i = 0; i < y.length; i++) sse += (y[i]! - fitted[i]!) ** 2;
  const dof = Math.max(1, y.length - params);
  return {
    kind: trended ? kind : 'ses',
    alpha,
    beta,
    phi,
    level: end.level,
    trend: end.trend,
    sigma2: sse / dof,
    fitted,
  };
}

/** Point forecasts ℓ + (φ + … + φ^j)·b for j = 1..h. */
export function etsForecast(fit: EtsFit, h: number): number[] {
  const out = new Array<number>(h);
  let damp = 0;
  let pow = 1;
  for (let j = 0; j < h; j++) {
    pow *= fit.phi;
    damp += fit.kind === 'ses' ? 0 : pow;
    out[j] = fit.level + damp * fit.trend;
  }
  return out;
}

/**
 * Forecast standard deviations of the class-1 (linear, additive-error) models:
 * v_h = σ²·(1 + Σ_{j<h} c_j²) with c_j = α + β·(φ + … + φ^j).
 */
export function etsSd(fit: EtsFit, h: number): number[] {
  const out = new Array<number>(h);
  let acc = 0;
  let damp = 0;
  let pow = 1;
  for (let j = 0; j < h; j++) {
    out[j] = Math.sqrt(fit.sigma2 * (1 + acc));
    pow *= fit.phi;
    damp += pow;
    const c = fit.alpha + (fit.kind === 'ses' ? 0 : fit.beta * damp);
    acc += c * c;
  }
  return out;
}
