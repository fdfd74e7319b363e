/**
 * A recent day's final count from what is reported so far: Poisson–gamma (negative binomial)
 * nowcast on the account's completion curve. Pure: no I/O.
 *
 * Model, per account and metric (conversions, or value in units of μ(1 + c²): nowcast/value.ts). A
 * day's final count N has a rate λ; each of its conversions is reported by age a with probability F
 * (the completion curve), independently, so what is reported so far R ~ Poisson(λF) and what is
 * still to come M = N − R ~ Poisson(λ(1 − F)), independent of R given λ.
 * - Prior on λ: conversions need not follow spend in proportion. For each elasticity b in
 *   ELASTICITIES (0, 0.1, …, 1) the day's rate has mean c_b·(exposure ÷ centre)^b (exposure = the
 *   day's spend; a day with rows counts 1 when the account spends nothing; centre = the geometric
 *   mean exposure of the reference days), c_b = (Σ R + ½) ÷ Σ F·(exposure ÷ centre)^b over the other
 *   days of the last REFERENCE_DAYS (the Poisson rate of a thinned count, Jeffreys' ½ so that a quiet
 *   account is not certain of zero), and squared coefficient of variation (1 + φ_b)(1 + v_b) − 1:
 *   φ_b = 1/k the day-to-day overdispersion around that rate (method of moments on the same days,
 *   whose reported counts are negative binomial with the same shape after thinning) and v_b the
 *   relative variance of c_b itself. The b are weighted by how well each explains the reference days
 *   (Poisson likelihood tempered by the dispersion 1 + φ·Σm² ÷ Σm, flat prior on [0, 1]) and the
 *   mixture is matched by one gamma in mean and variance. On a usual day (exposure near the centre)
 *   b hardly matters; a day spending twice as much expects 2^b times as many conversions, averaged
 *   over what the account's history allows — with a steady history between 1 and 2 times and a wider
 *   prior. (Version 2 took b = 1: the same day of a spend spike expected as many more conversions as
 *   spend, and its band missed; see eval/nowcast.eval.ts.)
 * - Posterior: λ | R ~ gamma(α + R, β + F), so M | R is negative binomial with size α + R and mean
 *   (α + R)(1 − F) ÷ (β + F). A young day leans on the account's rate, an old one on its own count.
 * - F is itself an estimate: the day's completion is integrated over F ~ normal(fraction, se²)
 *   (5-point Gauss–Hermite, clamped to [MIN_FRACTION, 1]), each point weighted by how likely it
 *   makes R.
 * The answer: the mean of R + M (unbiased, so that days add up over a window), its median (the
 * single-day figure with the smallest absolute error: when fewer than ln 2 ≈ 0.69 conversions are
 * still expected it is the reported figure itself), and the 10th/90th and 2.5th/97.5th percentiles
 * (80% and 95% bands; M is a whole count, so where most of its mass is on 0 the bands cover more than
 * their nominal share). Without a usable rate (no exposure, no reference days) the prior is flat:
 * the mean is R ÷ F and a day with nothing reported stays at 0.
 */
import { type CompletionPoint, completionAt } from './completion.ts';

/** Days before (and after) a scored day whose counts give the account's rate and overdispersion. */
export const REFERENCE_DAYS = 42;
const MIN_FRACTION = 0.05;
/** Probabilists' Gauss–Hermite nodes and weights (5 points, weights summing to 1). */
const GH = [
  [-2.856970013872806, 0.011257411327720691],
  [-1.355626179974266, 0.22207592200561266],
  [0, 0.5333333333333333],
  [1.355626179974266, 0.22207592200561266],
  [2.856970013872806, 0.011257411327720691],
] as const;
/** Above this many counts still to come a component is taken as normal (continuity-corrected). */
const NORMAL_ABOVE = 400;
/** The grid of the remaining count never exceeds this: beyond it, moment-matched normal quantiles. */
const MAX_GRID = 200_000;

export interface SeriesDay {
  /** Days from the day to its last sync. */
  age: number;
  /** Reported so far (conversions, or value ÷ unit). */
  reported: number;
  /** What the rate is proportional to (spend). */
  exposure: number;
  /** The day has rows (false: nothing ran, or the account did not exist yet). */
  active: boolean;
}

export interface DayPrediction {
  completion: number;
  mean: number;
  median: number;
  lo80: number;
  hi80: number;
  lo95: number;
  hi95: number;
  /**
   * Probability the model itself gives the 80% and 95% bands (at least 0.8 and 0.95: the count is
   * whole, so a band holds its ends' whole mass). What coverage should be if the model is right.
   */
  mass80: number;
  mass95: number;
  /** P(final ≤ x) under the model (for scoring: the probability integral transform). */
  cdf: (final: number) => number;
}

const finite = (v: number, fallback: number) => (Number.isFinite(v) ? v : fallback);

function normalCdf(x: number): number {
  // Abramowitz–Stegun 7.1.26 on erf, |error| < 1.5e-7.
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

function normalQuantile(p: number): number {
  // Acklam's rational approximation, relative error < 1.2e-9.
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const q = Math.min(1 - 1e-12, Math.max(1e-12, p));
  if (q < 0.02425) {
    const u = Math.sqrt(-2 * Math.log(q));
    return (
      (((((c[0]! * u + c[1]!) * u + c[2]!) * u + c[3]!) * u + c[4]!) * u + c[5]!) /
      ((((d[0]! * u + d[1]!) * u + d[2]!) * u + d[3]!) * u + 1)
    );
  }
  if (q > 1 - 0.02425) return -normalQuantile(1 - q);
  const u = q - 0.5;
  const r = u * u;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * u) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/** A negative binomial of the remaining count: size (∞ for Poisson) and mean. */
interface Component {
  weight: number;
  size: number;
  mean: number;
}

const variance = (c: Component) => c.mean + (Number.isFinite(c.size) ? (c.mean * c.mean) / c.size : 0);

/** P(M ≤ m) for m = 0..n−1 of one component. */
function componentCdf(c: Component, n: number): Float64Array {
  const out = new Float64Array(n);
  if (!(c.mean > 0)) {
    out.fill(1);
    return out;
  }
  if (c.mean > NORMAL_ABOVE) {
    const sd = Math.sqrt(variance(c));
    for (let m = 0; m < n; m++) out[m] = normalCdf((m + 0.5 - c.mean) / sd);
    return out;
  }
  // pmf(0) = p^size, pmf(m) = pmf(m−1)·(size + m − 1)/m·(1 − p), p = size ÷ (size + mean); Poisson
  // when the size is (nearly) infinite.
  const poisson = !Number.isFinite(c.size) || c.size > 1e8;
  const q = poisson ? 0 : c.mean / (c.size + c.mean);
  let pmf = poisson ? Math.exp(-c.mean) : Math.exp(-c.size * Math.log1p(c.mean / c.size));
  let cum = 0;
  for (let m = 0; m < n; m++) {
    if (m > 0) pmf *= poisson ? c.mean / m : ((c.size + m - 1) / m) * q;
    cum += pmf;
    out[m] = Math.min(1, cum);
  }
  return out;
}

/**
 * Quantiles of the mixture's remaining count (smallest m with P(M ≤ m) ≥ p) and the mass between
 * pairs of them (P(q_i ≤ M ≤ q_j) for each [i, j] of `between`).
 */
function mixtureQuantiles(
  components: Component[],
  ps: number[],
  between: Array<[number, number]>,
): { q: number[]; mass: number[]; cdf: (m: number) => number } {
  const live = components.filter((c) => c.weight > 0);
  const mean = live.reduce((s, c) => s + c.weight * c.mean, 0);
  if (!(mean > 0)) return { q: ps.map(() => 0), mass: between.map(() => 1), cdf: (m) => (m < 0 ? 0 : 1) };
  const second = live.reduce((s, c) => s + c.weight * (variance(c) + c.mean * c.mean), 0);
  const sd = Math.sqrt(Math.max(0, second - mean * mean));
  const top = Math.ceil(Math.max(...live.map((c) => c.mean + 12 * Math.sqrt(variance(c)) + 10)));
  if (top > MAX_GRID)
    return {
      q: ps.map((p) => Math.max(0, mean + sd * normalQuantile(p))),
      mass: between.map(([i, j]) => (ps[j] as number) - (ps[i] as number)),
      cdf: (m) => normalCdf((m - mean) / Math.max(1e-9, sd)),
    };
  const cdf = new Float64Array(top + 1);
  for (const c of live) {
    const one = componentCdf(c, top + 1);
    for (let m = 0; m <= top; m++) cdf[m] = (cdf[m] as number) + c.weight * (one[m] as number);
  }
  const q = ps.map((p) => {
    for (let m = 0; m <= top; m++)
      if ((cdf[m] as number) >= p - 1e-12) {
        return m;
      }
    return top;
  });
  const at = (m: number) => (m < 0 ? 0 : m >= top ? 1 : Math.min(1, cdf[Math.floor(m)] as number));
  return { q, mass: between.map(([i, j]) => at(q[j] as number) - at((q[i] as number) - 1)), cdf: at };
}

/**
 * Elasticities of the rate to exposure the prior averages over: a day's expected count is
 * c·(exposure ÷ centre)^b, b in [0, 1] (0: conversions do not follow spend at all; 1: in proportion).
 */
const ELASTICITIES = Array.from({ length: 11 }, (_, i) => i / 10);

/** The account's rate per unit of exposure and its prior on a day, from the other reference days. */
interface Rate {
  /** Geometric mean of the reference days' exposure: the level the elasticity pivots on. */
  centre: number;
  /** Σ reported over the reference days. */
  reported: number;
  /**
   * Per elasticity b: Σ F·x and Σ (F·x)² over the reference days (x = (exposure ÷ centre)^b), the
   * overdispersion φ = 1/k around c·F·x (0: Poisson), and the posterior weight of b.
   */
  fits: Array<{ b: number; expected: number; expected2: number; phi: number; weight: number }>;
}

function rateOf(curve: CompletionPoint[], days: SeriesDay[]): Rate {
  const ref = days.filter((d) => d.age < REFERENCE_DAYS && d.exposure > 0);
  const f = (d: SeriesDay) => completionAt(curve, d.age).fraction;
  const reported = ref.reduce((s, d) => s + Math.max(0, d.reported), 0);
  const centre = ref.length ? Math.exp(ref.reduce((s, d) => s + Math.log(d.exposure), 0) / ref.length) : 1;
  const fits = ELASTICITIES.map((b) => {
    const x = ref.map((d) => f(d) * (d.exposure / centre) ** b);
    const expected = x.reduce((s, v) => s + v, 0);
    const expected2 = x.reduce((s, v) => s + v * v, 0);
    const c = expected > 0 ? reported / expected : 0;
    let phi = 0;
    // Poisson log-likelihood of the reference days with the level c profiled out.
    let logLik = 0;
    let num = 0;
    let den = 0;
    ref.forEach((d, j) => {
      const m = c * (x[j] as number);
      const r = Math.max(0, d.reported);
      if (r > 0 && m > 0) logLik += r * Math.log(m);
      logLik -= m;
      num += (r - m) ** 2 - m;
      den += m * m;
    });
    if (ref.length >= 3 && reported > 0 && expected > 0)
      phi = den > 0 ? Math.min(10, Math.max(0, (num * ref.length) / (ref.length - 1) / den)) : 0;
    // Overdispersion makes the Poisson likelihood too sure: it is tempered by the dispersion
    // Σ(m + φm²) ÷ Σ m = 1 + φ·Σm² ÷ Σm (quasi-likelihood).
    const dispersion = reported > 0 ? 1 + phi * ((c * c * expected2) / (c * expected)) : 1;
    return {
      b,
      expected,
      expected2,
      phi: finite(phi, 0),
      logLik: finite(logLik, 0),
      dispersion: finite(dispersion, 1),
    };
  });
  // One dispersion for every b (the best fit's), so that the likelihoods stay comparable; flat prior.
  const best = fits.reduce((a, z) => (z.logLik > a.logLik ? z : a));
  const ws = fits.map((z) => Math.exp((z.logLik - best.logLik) / Math.max(1, best.dispersion)));
  const total = ws.reduce((s, w) => s + w, 0);
  return {
    centre: finite(centre, 1),
    reported,
    fits: fits.map((z, j) => ({
      b: z.b,
      expected: z.expected,
      expected2: z.expected2,
      phi: z.phi,
      weight: total > 0 ? (ws[j] as number) / total : 1 / fits.length,
    })),
  };
}

/**
 * The prior gamma(α, β) on a day's rate, leaving the day itself out; null when there is none. Per
 * elasticity b the day's rate has mean c_b·(exposure ÷ centre)^b and squared coefficient of variation
 * (1 + φ)(1 + v) − 1; the mixture over b (its posterior weights) is matched by one gamma in mean and
 * variance, so a day spending far from the reference days' level gets a wider prior as well as a
 * mean that does not assume conversions grow in proportion to spend.
 */
function priorOf(rate: Rate, day: SeriesDay, f: number): { alpha: number; beta: number } | null {
  const own = day.age < REFERENCE_DAYS && day.exposure > 0;
  if (!(day.exposure > 0)) return null;
  const reported = rate.reported - (own ? Math.max(0, day.reported) : 0);
  let mean = 0;
  let second = 0;
  let weights = 0;
  for (const z of rate.fits) {
    const x = (day.exposure / rate.centre) ** z.b;
    const expected = z.expected - (own ? f * x : 0);
    const expected2 = z.expected2 - (own ? (f * x) ** 2 : 0);
    if (!(expected > 0) || !(z.weight > 0) || !Number.isFinite(x)) continue;
    const m = ((reported + 0.5) / expected) * x;
    // Relative variance of the level: Var(Σ R) ÷ (Σ m)² = (Σ m + φ Σ m²) ÷ (Σ m)².
    const v = 1 / (reported + 0.5) + (z.phi * Math.max(0, expected2)) / (expected * expected);
    const cv2 = (1 + z.phi) * (1 + v) - 1;
    mean += z.weight * m;
    second += z.weight * m * m * (1 + cv2);
    weights += z.weight;
  }
  if (!(weights > 0) || !(mean > 0)) return null;
  mean /= weights;
  second /= weights;
  const cv2 = Math.max(1e-9, second / (mean * mean) - 1);
  const alpha = Math.min(1e9, 1 / cv2);
  if (!Number.isFinite(alpha) || !Number.isFinite(mean)) return null;
  return { alpha, beta: alpha / mean };
}

/**
 * The final count of each scored day (indices into `days`), given the curve of the metric. `days`
 * should hold the account's recent days (at least the last REFERENCE_DAYS, one entry a day); `unit`
 * scales counts back (value per conversion for value).
 */
export function predictFinals(
  curve: CompletionPoint[],
  days: SeriesDay[],
  scored: number[],
  unit = 1,
): DayPrediction[] {
  const perDay = !days.some((d) => d.age < REFERENCE_DAYS && d.active && d.exposure > 0);
  // An account that spends nothing: each day with rows is one unit of exposure.
  const series = days.map((d) => ({
    ...d,
    exposure: !d.active ? 0 : perDay ? 1 : Math.max(0, finite(d.exposure, 0)),
  }));
  const rate = rateOf(curve, series);
  return scored.map((i) => {
    const day = series[i] as SeriesDay;
    const r = Math.max(0, finite(day.reported, 0));
    const c = completionAt(curve, day.age);
    const fraction = Math.max(MIN_FRACTION, Math.min(1, finite(c.fraction, 1)));
    const settled = (x: number): number => (x < r * unit - 1e-9 ? 0 : 1);
    const answer = (mean: number, q: number[], mass = [1, 1], cdf = settled) => ({
      completion: fraction,
      mean: (r + mean) * unit,
      median: (r + (q[0] as number)) * unit,
      lo80: (r + (q[1] as number)) * unit,
      hi80: (r + (q[2] as number)) * unit,
      lo95: (r + (q[3] as number)) * unit,
      hi95: (r + (q[4] as number)) * unit,
      mass80: mass[0] as number,
      mass95: mass[1] as number,
      // Remaining counts are whole: P(final ≤ x) = P(M ≤ ⌊x ÷ unit − R⌋).
      cdf: (x: number) => (cdf === settled ? settled(x) : cdf(Math.floor(x / unit - r + 1e-9))),
    });
    if (fraction >= 1) return answer(0, [0, 0, 0, 0, 0]);
    const se = Math.max(0, finite(c.se, 0));
    const points = (se > 0 ? GH : ([[0, 1]] as const)).map(([z, w]) => ({
      f: Math.max(MIN_FRACTION, Math.min(1, fraction + z * se)),
      w,
    }));
    const prior = priorOf(rate, day, fraction);
    let components: Component[];
    if (prior) {
      const { alpha, beta } = prior;
      // Weight each F by the marginal likelihood of R: negative binomial, size α, mean α·F ÷ β.
      const logLik = points.map(
        ({ f }) => alpha * Math.log(beta / (beta + f)) + r * Math.log(f / (beta + f)),
      );
      const top = Math.max(...logLik);
      const ws = points.map((p, j) => p.w * Math.exp((logLik[j] as number) - top));
      const total = ws.reduce((s, w) => s + w, 0);
      components = points.map(({ f }, j) => ({
        weight: (ws[j] as number) / total,
        size: alpha + r,
        mean: ((alpha + r) * (1 - f)) / (beta + f),
      }));
    } else {
      // Flat prior: M | R, F is negative binomial with size R and mean R(1 − F)/F.
      components = points.map(({ f, w }) => ({ weight: w, size: r, mean: r > 0 ? (r * (1 - f)) / f : 0 }));
    }
    components = components.map((k) => ({
      weight: finite(k.weight, 0),
      size: k.size > 0 ? k.size : 1,
      mean: Math.max(0, finite(k.mean, 0)),
    }));
    if (!components.some((k) => k.weight > 0)) return answer(0, [0, 0, 0, 0, 0]);
    const mean = components.reduce((s, k) => s + k.weight * k.mean, 0);
    const { q, mass, cdf } = mixtureQuantiles(
      components,
      [0.5, 0.1, 0.9, 0.025, 0.975],
      [
        [1, 2],
        [3, 4],
      ],
    );
    return answer(mean, q, mass, cdf);
  });
}
