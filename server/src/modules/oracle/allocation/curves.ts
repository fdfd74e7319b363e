/**
 * Saturating response curves with carry-over, per channel (or campaign):
 *
 *   y[p,t] = a_p + Σ_k γ_k z_k[p,t] + Σ_c β_c · sat( adstock(x_c[p,·]; α_c)[t] / s_c ; λ_c ) + ε
 *
 * a_p a per-panel (geo) intercept, z controls (trend, seasonality, events, …), s_c = max of x_c.
 * The non-linear (α_c, λ_c) are found by Nelder–Mead on the residual sum of squares with γ, β
 * profiled out by least squares; uncertainty by a residual bootstrap (refit on ŷ + resampled ε).
 * ROAS_c = Σ_p w_p Σ_t contribution / Σ_p w_p Σ_t x (w_p = panelScale, e.g. population when y and
 * x are per capita).
 */
import { invalidInput } from '../../../platform/errors.ts';
import { minimize } from '../clv/numerics.ts';
import { type OlsFit, olsNonNegativeBaseline, olsWithin } from './ols.ts';
import { adstockWeights, L_MAX, type Saturation, saturate } from './transforms.ts';

export interface MmmInput {
  panels: number;
  /** Row-major panels × T. */
  y: Float64Array;
  controls: Array<{ name: string; values: Float64Array }>;
  media: Array<{ name: string; spend: Float64Array }>;
  /** Multiplier turning a panel's per-unit y and x back into totals (default 1). */
  panelScale?: number[];
  /** A fixed effect per week, shared by the panels (needs panels > 1; drop trend/seasonality controls). */
  timeEffects?: boolean;
  /**
   * Number of adstock weights, lags 0 … window − 1 (default L_MAX = 8, PyMC-Marketing's l_max).
   * Meridian's default max_lag = 8 is a window of 9.
   */
  adstockWindow?: number;
  /**
   * Organic media (no spend, e.g. organic impressions): each gets its own carry-over and Hill
   * saturation and a coefficient ≥ 0, as Meridian models organic media; only the posterior sampler
   * and the MAP (`posterior.ts`, `prior.ts`) model them. They have no ROI and are not allocated.
   */
  organic?: Array<{ name: string; values: Float64Array }>;
}

export interface ChannelParams {
  alpha: number;
  lambda: number;
  beta: number;
  /** s_c: spend is divided by it before saturation. */
  scale: number;
  /** Saturation family (default logistic). */
  shape?: Saturation;
  /**
   * A coefficient per panel (geo) in place of `beta` (per-geo media effects, `perGeoMedia` in
   * `posterior.ts`); `beta` then holds their spend-weighted equivalent for display only.
   */
  panelBeta?: number[];
}

export interface ChannelCurve {
  name: string;
  params: ChannelParams;
  /** Total historical spend and fitted contribution (panelScale applied). */
  spend: number;
  contribution: number;
  roas: number;
  /** 5 % and 95 % bootstrap quantiles of ROAS (null without bootstrap). */
  roasInterval: [number, number] | null;
  draws: ChannelParams[];
}

export interface MmmFit {
  channels: ChannelCurve[];
  controls: Array<{ name: string; coef: number }>;
  r2: number;
  evaluations: number;
  /**
   * With `baseline: 'nonNegative'`: the fitted baseline (intercept) and which constraint held at the
   * optimum ('baseline': the unconstrained fit put the baseline below 0; 'media': no spend effect).
   */
  baseline?: { intercept: number; bound: 'none' | 'baseline' | 'media' };
}

export interface FitOptions {
  bootstrap?: number;
  seed?: number;
  maxEvaluations?: number;
  /** Saturation family of every channel (default logistic). */
  saturation?: Saturation;
  /**
   * 'free' (default): the intercept is whatever least squares gives, as the MMM evaluations fit it.
   * 'nonNegative': intercept ≥ 0 and β ≥ 0 (`olsNonNegativeBaseline`), so the channel's fitted
   * contribution never exceeds the observed outcome; for one channel, one panel and no controls (the
   * per-campaign curves of the allocation API).
   */
  baseline?: 'free' | 'nonNegative';
}

const ALPHA_MAX = 0.95;
const toParams = (theta: number[], c: number) => ({
  alpha: ALPHA_MAX / (1 + Math.exp(-theta[2 * c]!)),
  lambda: Math.exp(theta[2 * c + 1]!),
});

export function validateMmmInput(input: MmmInput) {
  const n = input.y.length;
  if (input.panels < 1 || n % input.panels !== 0) throw invalidInput('y length must be panels × weeks');
  if (input.timeEffects && input.panels < 2) throw invalidInput('time effects need more than one panel');
  if (input.media.length === 0) throw invalidInput('at least one media channel is needed');
  const T = n / input.panels;
  // At least two observations per parameter: weeks for one panel, geo-weeks for a panel.
  const parameters = input.media.length * 3 + input.controls.length;
  if (input.panels === 1 && T < 2 * parameters)
    throw invalidInput('too few weeks for the number of channels and controls');
  if (n < 2 * parameters) throw invalidInput('too few observations for the number of channels and controls');
  for (const s of [...input.media.map((m) => m.spend), ...input.controls.map((c) => c.values), input.y])
    if (s.length !== n || s.some((v) => !Number.isFinite(v)))
      throw invalidInput('every series must have panels × weeks finite values');
  for (const m of input.media)
    if (m.spend.some((v) => v < 0)) throw invalidInput(`negative spend in channel ${m.name}`);
  for (const o of input.organic ?? [])
    if (o.values.length !== n || o.values.some((v) => !(v >= 0) || !Number.isFinite(v)))
      throw invalidInput(`organic channel ${o.name} must have panels × weeks finite values ≥ 0`);
  const w = input.adstockWindow;
  if (w !== undefined && !(Number.isInteger(w) && w >= 1 && w <= 104))
    throw invalidInput('adstockWindow must be an integer from 1 to 104');
}

/** adstock(v; α) / s per panel, concatenated (normalized weights over `window` lags). */
export function adstockPanels(
  v: Float64Array,
  panels: number,
  alpha: number,
  scale: number,
  window = L_MAX,
): Float64Array {
  const T = v.length / panels;
  const w = adstockWeights(alpha, window);
  const L = w.length;
  let sum = 0;
  for (let l = 0; l < L; l++) sum += w[l]!;
  const k = 1 / (sum * scale);
  const out = new Float64Array(v.length);
  for (let p = 0; p < panels; p++) {
    const base = p * T;
    for (let t = 0; t < T; t++) {
      let a = 0;
      const top = Math.min(L - 1, t);
      for (let l = 0; l <= top; l++) a += w[l]! * v[base + t - l]!;
      out[base + t] = a * k;
    }
  }
  return out;
}

/** adstock(x_c; α) / s per panel, concatenated. */
export function adstockedScaled(input: MmmInput, c: number, alpha: number, scale: number): Float64Array {
  return adstockPanels(input.media[c]!.spend, input.panels, alpha, scale, input.adstockWindow);
}

function design(input: MmmInput, theta: number[], scales: number[], shape: Saturation) {
  const media = input.media.map((_, c) => {
    const { alpha, lambda } = toParams(theta, c);
    const a = adstockedScaled(input, c, alpha, scales[c]!);
    for (let i = 0; i < a.length; i++) a[i] = saturate(a[i]!, lambda, shape);
    return a;
  });
  return [...input.controls.map((z) => z.values), ...media];
}

type LeastSquares = (
  y: Float64Array,
  cols: Float64Array[],
) => OlsFit & { bound?: 'none' | 'baseline' | 'media' };

function fitOnce(
  input: MmmInput,
  y: Float64Array,
  scales: number[],
  starts: number[][],
  maxEval: number,
  shape: Saturation,
  ls: LeastSquares,
) {
  const objective = (theta: number[]) => ls(y, design(input, theta, scales, shape)).rss;
  let best: { x: number[]; value: number } | null = null;
  let evaluations = 0;
  for (const s of starts) {
    const r = minimize(objective, s, { maxEvaluations: maxEval, step: 1, xTol: 1e-5, fTol: 1e-10 });
    evaluations += r.evaluations;
    if (!best || r.value < best.value) best = r;
  }
  const ols = ls(y, design(input, best!.x, scales, shape));
  const k = input.controls.length;
  const params = input.media.map(
    (_, c): ChannelParams => ({
      ...toParams(best!.x, c),
      beta: ols.coef[k + c]!,
      scale: scales[c]!,
      ...(shape === 'logistic' ? {} : { shape }),
    }),
  );
  return { theta: best!.x, params, ols, evaluations };
}

/** Σ_p w_p Σ_t β·sat(m·A) for the historical pattern scaled by m (m = 1: fitted contribution). */
export function channelTotals(input: MmmInput, c: number, p: ChannelParams) {
  const a = adstockedScaled(input, c, p.alpha, p.scale);
  const x = input.media[c]!.spend;
  const T = x.length / input.panels;
  let spend = 0;
  let contribution = 0;
  for (let q = 0; q < input.panels; q++) {
    const w = input.panelScale?.[q] ?? 1;
    for (let t = 0; t < T; t++) {
      spend += w * x[q * T + t]!;
      contribution += w * (p.panelBeta?.[q] ?? p.beta) * saturate(a[q * T + t]!, p.lambda, p.shape);
    }
  }
  return { spend, contribution };
}

function quantile(v: number[], q: number) {
  const s = [...v].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (i - lo);
}

export function fitResponseCurves(input: MmmInput, opts: FitOptions = {}): MmmFit {
  validateMmmInput(input);
  if (input.organic?.length)
    throw invalidInput(
      'organic channels are modelled by the posterior sampler and the MAP, not least squares',
    );
  const maxEval = opts.maxEvaluations ?? 3000;
  const scales = input.media.map((m) => Math.max(...m.spend) || 1);
  const starts = [0.5, 3].map((lambda) =>
    input.media.flatMap(() => [Math.log(0.3 / 0.65), Math.log(lambda)]),
  );
  const shape = opts.saturation ?? 'logistic';
  const constrained = opts.baseline === 'nonNegative';
  if (
    constrained &&
    (input.panels !== 1 || input.media.length !== 1 || input.controls.length > 0 || input.timeEffects)
  )
    throw invalidInput('a non-negative baseline is fitted for one channel, one panel and no controls');
  const ls: LeastSquares = constrained
    ? (y, cols) => olsNonNegativeBaseline(y, cols[0]!)
    : (y, cols) => olsWithin(y, cols, input.panels, input.timeEffects);
  const main = fitOnce(input, input.y, scales, starts, maxEval, shape, ls);
  const resid = input.y.map((v, i) => v - main.ols.fitted[i]!);
  let seed = opts.seed ?? 1;
  const rand = () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  const draws: ChannelParams[][] = [];
  let evaluations = main.evaluations;
  for (let b = 0; b < (opts.bootstrap ?? 0); b++) {
    const yb = main.ols.fitted.map((f) => f + resid[Math.floor(rand() * resid.length)]!);
    const r = fitOnce(input, yb, scales, [main.theta], Math.min(maxEval, 600), shape, ls);
    evaluations += r.evaluations;
    draws.push(r.params);
  }
  const mean = input.y.reduce((s, v) => s + v, 0) / input.y.length;
  const tss = input.y.reduce((s, v) => s + (v - mean) ** 2, 0);
  const channels = input.media.map((m, c): ChannelCurve => {
    const params = main.params[c]!;
    const { spend, contribution } = channelTotals(input, c, params);
    const roasDraws = draws.map((d) => channelTotals(input, c, d[c]!).contribution / spend);
    return {
      name: m.name,
      params,
      spend,
      contribution,
      roas: spend > 0 ? contribution / spend : 0,
      roasInterval: roasDraws.length > 1 ? [quantile(roasDraws, 0.05), quantile(roasDraws, 0.95)] : null,
      draws: draws.map((d) => d[c]!),
    };
  });
  return {
    channels,
    controls: input.controls.map((z, i) => ({ name: z.name, coef: main.ols.coef[i]! })),
    r2: 1 - main.ols.rss / tss,
    evaluations,
    ...(constrained
      ? { baseline: { intercept: main.ols.intercepts[0]!, bound: main.ols.bound ?? 'none' } }
      : {}),
  };
}
