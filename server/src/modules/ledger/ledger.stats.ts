/**
 * The ledger's estimator, pure: difference in differences of a changed entity against comparable
 * untouched ones, on the log of an efficiency (objective per unit of spend) between a pre-period and
 * a post-period.
 *
 * Why a prediction interval over the controls and not a bootstrap of days: with one treated entity,
 * the uncertainty that matters is how far one untouched entity's change strays from the controls'
 * average (its own trend, its own noise), not the day-to-day noise of the average. The spread of the
 * controls' own changes measures exactly that, so the interval is the one for a new draw from them:
 * mean ± t(n−1) · s · √(1 + 1/n). A treated change outside it is what the ledger calls an effect.
 */

export interface UnitFigures {
  unitId: string;
  preSpend: number;
  preObjective: number;
  postSpend: number;
  postObjective: number;
  preDaysWithSpend: number;
  postDaysWithSpend: number;
}

export type Verdict = 'helped' | 'hurt' | 'inconclusive';

export interface Estimate {
  /** Log change of the treated unit minus the controls' mean log change. */
  effect: number;
  effectPct: number;
  loPct: number;
  hiPct: number;
  treatedChange: number;
  controlsMeanChange: number;
  controlsSd: number;
  controls: number;
}

export interface DidResult {
  verdict: Verdict;
  reason: string;
  /** Efficiency (objective per spend): the verdict's metric. */
  efficiency: Estimate | null;
  /** Spend per day and objective per day, for context (a budget increase buys volume at some price). */
  spend: Estimate | null;
  objective: Estimate | null;
}

export const LEVEL = 0.95;
export const MIN_CONTROLS = 3;

/** ln(post efficiency ÷ pre efficiency); null when either window has no spend or no objective. */
export function efficiencyChange(u: UnitFigures): number | null {
  if (!(u.preSpend > 0 && u.postSpend > 0 && u.preObjective > 0 && u.postObjective > 0)) return null;
  return Math.log(u.postObjective / u.postSpend / (u.preObjective / u.preSpend));
}

/** ln(post per day ÷ pre per day) of one quantity, given the two windows' lengths. */
const volumeChange = (pre: number, post: number, preDays: number, postDays: number) =>
  pre > 0 && post > 0 ? Math.log(post / postDays / (pre / preDays)) : null;

function estimate(treated: number, controls: number[], level: number): Estimate | null {
  const n = controls.length;
  if (n < 2) return null;
  const mean = controls.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(controls.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  const effect = treated - mean;
  const half = studentTQuantile(1 - (1 - level) / 2, n - 1) * sd * Math.sqrt(1 + 1 / n);
  const pct = (x: number) => (Math.exp(x) - 1) * 100;
  return {
    effect,
    effectPct: pct(effect),
    loPct: pct(effect - half),
    hiPct: pct(effect + half),
    treatedChange: treated,
    controlsMeanChange: mean,
    controlsSd: sd,
    controls: n,
  };
}

/**
 * Scores one change. `controls` should already be comparable (same platform and level, untouched,
 * similar pre-period spend: see `pickControls`); those without spend or objective in a window are
 * dropped here. Helped: the whole interval above zero; hurt: below; otherwise inconclusive.
 */
export function differenceInDifferences(
  treated: UnitFigures,
  controls: UnitFigures[],
  windows: { preDays: number; postDays: number },
  opts: { level?: number; minControls?: number } = {},
): DidResult {
  const level = opts.level ?? LEVEL;
  const minControls = opts.minControls ?? MIN_CONTROLS;
  const t = efficiencyChange(treated);
  const usable = controls.filter((c) => efficiencyChange(c) !== null);
  const vol = (pick: (u: UnitFigures) => [number, number]) => {
    const tv = volumeChange(...pick(treated), windows.preDays, windows.postDays);
    const cv = usable
      .map((c) => volumeChange(...pick(c), windows.preDays, windows.postDays))
      .filter((v): v is number => v !== null);
    return tv === null || cv.length < minControls ? null : estimate(tv, cv, level);
  };
  const spend = vol((u) => [u.preSpend, u.postSpend]);
  const objective = vol((u) => [u.preObjective, u.postObjective]);
  if (t === null)
    return {
      verdict: 'inconclusive',
      reason: 'The changed entity had no spend or no conversions in the pre- or the post-period',
      efficiency: null,
      spend,
      objective,
    };
  if (usable.length < minControls)
    return {
      verdict: 'inconclusive',
      reason: `Too few comparable untouched entities: ${usable.length} (at least ${minControls})`,
      efficiency: null,
      spend,
      objective,
    };
  const e = estimate(
    t,
    usable.map((c) => efficiencyChange(c) as number),
    level,
  ) as Estimate;
  const verdict: Verdict = e.loPct > 0 ? 'helped' : e.hiPct < 0 ? 'hurt' : 'inconclusive';
  const reason =
    verdict === 'inconclusive'
      ? `The ${level * 100}% interval (${e.loPct.toFixed(1)}% to ${e.hiPct.toFixed(1)}%) includes no effect`
      : `The whole ${level * 100}% interval (${e.loPct.toFixed(1)}% to ${e.hiPct.toFixed(1)}%) is ${verdict === 'helped' ? 'above' : 'below'} the untouched entities' change`;
  return { verdict, reason, efficiency: e, spend, objective };
}

/**
 * Comparable controls: pre-period spend within a factor `maxRatio` of the treated unit's, nearest
 * first (on the log scale), at most `max`. Similar size means similar noise, which the interval
 * assumes.
 */
export function pickControls(
  treated: UnitFigures,
  candidates: UnitFigures[],
  { maxRatio = 3, max = 20 }: { maxRatio?: number; max?: number } = {},
): UnitFigures[] {
  if (!(treated.preSpend > 0)) return [];
  return candidates
    .filter((c) => c.unitId !== treated.unitId && c.preSpend > 0)
    .map((c) => ({ c, d: Math.abs(Math.log(c.preSpend / treated.preSpend)) }))
    .filter(({ d }) => d <= Math.log(maxRatio))
    .sort((x, y) => x.d - y.d || (x.c.unitId < y.c.unitId ? -1 : 1))
    .slice(0, max)
    .map(({ c }) => c);
}

// --- Student's t quantile (regularized incomplete beta, continued fraction) -------------------

function lnGamma(x: number): number {
  const g = [
    676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  const z = x - 1;
  let a = 0.99999999999980993;
  for (let i = 0; i < g.length; i++) a += (g[i] as number) / (z + i + 1);
  const tt = z + g.length - 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(tt) - tt + Math.log(a);
}

function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-14) break;
  }
  return h;
}

/** I_x(a, b). */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2)
    ? (front * betaContinuedFraction(a, b, x)) / a
    : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t (bisection on the CDF: exact to 1e-10, a few dozen steps). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) throw new RangeError('p in (0, 1) and df > 0');
  let lo = -1e3;
  let hi = 1e3;
  for (let i = 0; i < 200 && hi - lo > 1e-10; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
