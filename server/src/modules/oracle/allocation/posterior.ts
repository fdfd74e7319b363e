/**
 * Posterior draws of the response curves under priors (Meridian's defaults: ROI ~ LogNormal(0.2, 0.9),
 * adstock α ~ Uniform, half-saturation ~ TruncatedNormal(0.8, 0.8) on [0.1, 10] in units of the
 * channel's median non-zero spend), by adaptive random-walk Metropolis on θ = (logit α, log λ, log β)
 * per channel, started at the MAP. Controls and fixed effects are profiled out by least squares at each
 * step and σ² is profiled: the target is the concentrated likelihood, (−n/2)·ln(RSS/n), times the
 * priors with their Jacobians — an approximation of the full posterior that Meridian samples by NUTS.
 *
 * Why draws and not the MAP: where the data say little about a channel, the posterior mean of its ROI
 * stays near the prior mean (e^{μ+σ²/2} ≈ 1.83 for Meridian's prior) while the MAP goes to the prior
 * mode (e^{μ−σ²} ≈ 0.54), so rankings and recommendations differ. Allocation on draws maximises the
 * expected response (the mean curve over draws), as Meridian's optimizer does.
 *
 * Organic media (`input.organic`) are sampled too, (logit α, log h) each under the same α and
 * half-saturation priors, with their coefficient ≥ 0 profiled with the controls (`prior.ts`).
 *
 * The proposal covariance adapts during burn-in only (scaled empirical covariance, 2.38²/d, with a
 * step factor steered toward 25 % acceptance); the kept chain uses a fixed proposal.
 */
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { invalidInput } from '../../../platform/errors.ts';
import type { AllocationEntity } from './allocate.ts';
import { adstockedScaled, type ChannelParams, channelTotals, type MmmInput } from './curves.ts';
import { residualProfiler } from './ols.ts';
import {
  type CurvePriors,
  mapWithPriors,
  medianNonZero,
  type OrganicParams,
  organicColumn,
} from './prior.ts';
import { channelResponse } from './response.ts';
import { halfSaturation, saturate } from './transforms.ts';

const ALPHA_MAX = 0.95;

export interface PosteriorOptions {
  /** Kept draws (after thinning); default 500. */
  draws?: number;
  burnIn?: number;
  thin?: number;
  seed?: number;
  /** Start at this point instead of the MAP (organic channels then start at α = alphaMax/2, h = prior mean). */
  start?: ChannelParams[];
  /** Independent chains (default 1), run one after another; R̂ needs at least one (split halves). */
  chains?: number;
}

export interface RoiSummary {
  mean: number;
  median: number;
  p05: number;
  p95: number;
}

export interface CurvePosterior {
  draws: ChannelParams[][];
  roi: RoiSummary[];
  /** Split-R̂ of each channel's ROI across chains (and halves): above ~1.1, not converged. */
  rhat: number[];
  acceptance: number;
  evaluations: number;
}

function summary(v: number[]): RoiSummary {
  const s = [...v].sort((a, b) => a - b);
  const q = (p: number) => {
    const i = (s.length - 1) * p;
    const lo = Math.floor(i);
    return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (i - lo);
  };
  return { mean: v.reduce((a, b) => a + b, 0) / v.length, median: q(0.5), p05: q(0.05), p95: q(0.95) };
}

/** Standard normal draws from a seeded Park–Miller generator (Box–Muller). */
function normals(seed: number) {
  let state = seed % 2147483647 || 1;
  const u = () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
  return { u, z: () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()) };
}

export function sampleCurvePosterior(
  input: MmmInput,
  start: ChannelParams[],
  priors: CurvePriors & Required<Pick<CurvePriors, 'halfSaturation'>>,
  opts: PosteriorOptions = {},
): CurvePosterior {
  const keep = opts.draws ?? 500;
  const thin = opts.thin ?? 4;
  const burnIn = opts.burnIn ?? 3000;
  if (keep < 2 || thin < 1 || burnIn < 0)
    throw invalidInput('draws ≥ 2, thin ≥ 1 and burnIn ≥ 0 are required');
  const n = input.y.length;
  const C = start.length;
  const organic = input.organic ?? [];
  const O = organic.length;
  const d = 3 * C + 2 * O;
  const { roi: prior, halfSaturation: hs } = priors;
  const alphaMax = priors.alphaMax ?? ALPHA_MAX;
  const organicMedians = organic.map((o) => medianNonZero(o.values));
  const spend = start.map((p, c) => channelTotals(input, c, { ...p, beta: 1 }).spend);
  const medians = input.media.map((m) => medianNonZero(m.spend));
  const w = Float64Array.from(
    { length: n },
    (_, i) => input.panelScale?.[Math.floor(i / (n / input.panels))] ?? 1,
  );
  const rssOf = residualProfiler(
    input.controls.map((z) => z.values),
    input.panels,
    input.timeEffects,
  );
  // Coordinates per channel: (logit α/0.95, log h, log ROI), h = half-saturation in median-spend
  // units. ROI is what the data pin down best and h what they pin down least; sampling them apart
  // (β follows from ROI given α and h) avoids the λ–β ridge that stalls a walk on (α, λ, β).
  const lambdaOf = (c: number, h: number, shape: ChannelParams['shape']) =>
    (halfSaturation(shape) * start[c]!.scale) / (h * medians[c]!);
  let evaluations = 0;
  /** Log target, the curves and the ROI of each channel at θ. */
  const target = (theta: number[]): { lp: number; roi: number[]; params: ChannelParams[] } => {
    evaluations++;
    const rest = Float64Array.from(input.y);
    let lp = 0;
    const roi: number[] = [];
    const params: ChannelParams[] = [];
    for (let c = 0; c < C; c++) {
      const p0 = start[c]!;
      const s = 1 / (1 + Math.exp(-theta[3 * c]!));
      const h = Math.exp(theta[3 * c + 1]!);
      const r = Math.exp(theta[3 * c + 2]!);
      if (!(h >= hs.lo && h <= hs.hi)) return { lp: Number.NEGATIVE_INFINITY, roi, params };
      lp += Math.log(s * (1 - s)); // α uniform: Jacobian of the logit
      lp += -((h - hs.mean) ** 2) / (2 * hs.sd ** 2) + Math.log(h); // TruncatedNormal × Jacobian h
      lp += -((Math.log(r) - prior.mu) ** 2) / (2 * prior.sigma ** 2); // LogNormal × Jacobian ROI
      const p: ChannelParams = {
        alpha: alphaMax * s,
        lambda: lambdaOf(c, h, p0.shape),
        beta: 0,
        scale: p0.scale,
        ...(p0.shape ? { shape: p0.shape } : {}),
      };
      const a = adstockedScaled(input, c, p.alpha, p.scale);
      let unit = 0;
      for (let i = 0; i < n; i++) {
        a[i] = saturate(a[i]!, p.lambda, p.shape);
        unit += w[i]! * a[i]!;
      }
      if (!(unit > 0)) return { lp: Number.NEGATIVE_INFINITY, roi, params };
      p.beta = (r * spend[c]!) / unit;
      for (let i = 0; i < n; i++) rest[i]! -= p.beta * a[i]!;
      roi.push(r);
      params.push(p);
    }
    // Organic channels: (logit α, log h), α uniform, h under the half-saturation prior, β ≥ 0 profiled.
    const organicCols: Float64Array[] = [];
    for (let j = 0; j < O; j++) {
      const s = 1 / (1 + Math.exp(-theta[3 * C + 2 * j]!));
      const h = Math.exp(theta[3 * C + 2 * j + 1]!);
      if (!(h >= hs.lo && h <= hs.hi)) return { lp: Number.NEGATIVE_INFINITY, roi, params };
      lp += Math.log(s * (1 - s));
      lp += -((h - hs.mean) ** 2) / (2 * hs.sd ** 2) + Math.log(h);
      organicCols.push(organicColumn(input, j, alphaMax * s, h, organicMedians[j]!));
    }
    const rss = O ? rssOf.withColumns(rest, organicCols) : rssOf(rest);
    lp += (-n / 2) * Math.log(rss / n);
    return { lp: Number.isFinite(lp) ? lp : Number.NEGATIVE_INFINITY, roi, params };
  };
  const map = opts.start ? null : mapWithPriors(input, start, priors);
  const init = opts.start ?? map!.params;
  const organicInit: OrganicParams[] =
    map?.organic ?? organic.map(() => ({ alpha: alphaMax / 2, halfSaturation: hs.mean }));
  const theta0 = init.flatMap((p, c) => {
    const a = Math.min(Math.max(p.alpha / alphaMax, 1e-4), 1 - 1e-4);
    const h = (halfSaturation(p.shape) / p.lambda) * (p.scale / medians[c]!);
    const t = channelTotals(input, c, p);
    return [Math.log(a / (1 - a)), Math.log(h), Math.log(Math.max(t.contribution, 1e-12) / t.spend)];
  });
  for (const o of organicInit) {
    const a = Math.min(Math.max(o.alpha / alphaMax, 1e-4), 1 - 1e-4);
    theta0.push(Math.log(a / (1 - a)), Math.log(o.halfSaturation));
  }
  const start0 = target(theta0);
  if (!Number.isFinite(start0.lp)) throw invalidInput('the starting curves are outside the priors’ support');
  const chains = opts.chains ?? 1;
  if (!Number.isInteger(chains) || chains < 1) throw invalidInput('chains must be a positive integer');
  const draws: ChannelParams[][] = [];
  const rois: number[][] = Array.from({ length: C }, () => []);
  const perChain: number[][][] = [];
  let accepted = 0;
  let keptSteps = 0;
  for (let k = 0; k < chains; k++) {
    const rng = normals((opts.seed ?? 7) + 7919 * k);
    // Chains after the first start from the MAP jittered (σ 0.5 in every coordinate), so that a
    // chain stuck near its start shows up in R̂.
    let x = theta0;
    let cur = start0;
    for (let tries = 0; k > 0 && tries < 50; tries++) {
      const jittered = theta0.map((v) => v + 0.5 * rng.z());
      const t = target(jittered);
      if (Number.isFinite(t.lp)) {
        x = jittered;
        cur = t;
        break;
      }
    }
    let chol = Matrix.eye(d, d).mul(0.05);
    let factor = 1;
    const history: number[][] = [];
    const mine: number[][] = Array.from({ length: C }, () => []);
    let windowAccepted = 0;
    const total = burnIn + keep * thin;
    for (let it = 0; it < total; it++) {
      const z = Matrix.columnVector(Array.from({ length: d }, rng.z));
      const step = chol.mmul(z).to1DArray();
      const proposal = x.map((v, i) => v + factor * step[i]!);
      const next = target(proposal);
      const accept = Math.log(rng.u()) < next.lp - cur.lp;
      if (accept) {
        x = proposal;
        cur = next;
      }
      if (it < burnIn) {
        history.push(x);
        if (accept) windowAccepted++;
        if ((it + 1) % 200 === 0) {
          // Steer the step toward ~25 % acceptance; after 1,000 steps use the chain's covariance.
          const rate = windowAccepted / 200;
          factor *= Math.exp(rate - 0.25);
          windowAccepted = 0;
          if (history.length >= 1000) {
            const recent = new Matrix(history.slice(-Math.min(history.length, 4000)));
            const mean = recent.mean('column');
            const centred = recent.clone().subRowVector(mean);
            const cov = centred
              .transpose()
              .mmul(centred)
              .div(recent.rows - 1);
            for (let i = 0; i < d; i++) cov.set(i, i, cov.get(i, i) + 1e-8);
            const dec = new CholeskyDecomposition(cov.mul(2.38 ** 2 / d));
            if (dec.isPositiveDefinite()) chol = dec.lowerTriangularMatrix;
            if (history.length === 1000) factor = 1;
          }
        }
        continue;
      }
      keptSteps++;
      if (accept) accepted++;
      if ((it - burnIn + 1) % thin === 0) {
        draws.push(cur.params);
        cur.roi.forEach((r, c) => {
          rois[c]!.push(r);
          mine[c]!.push(r);
        });
      }
    }
    perChain.push(mine);
  }
  const rhat = Array.from({ length: C }, (_, c) => splitRhat(perChain.map((ch) => ch[c]!)));
  return {
    draws,
    roi: rois.map(summary),
    rhat,
    acceptance: accepted / Math.max(1, keptSteps),
    evaluations,
  };
}

/**
 * Split-R̂ (Gelman et al., BDA3 §11.4) of one quantity over chains: each chain cut in halves; √ of
 * (pooled variance estimate / mean within-half variance). Near 1 when the halves agree; above ~1.1
 * the draws have not mixed and their summaries should not be trusted.
 */
export function splitRhat(chains: number[][]): number {
  const halves = chains.flatMap((c) => {
    const h = Math.floor(c.length / 2);
    return h >= 2 ? [c.slice(0, h), c.slice(c.length - h)] : [];
  });
  if (halves.length < 2) return Number.NaN;
  const m = halves.length;
  const len = Math.min(...halves.map((h) => h.length));
  const means = halves.map((h) => h.slice(0, len).reduce((s, v) => s + v, 0) / len);
  const grand = means.reduce((s, v) => s + v, 0) / m;
  const B = (len / (m - 1)) * means.reduce((s, v) => s + (v - grand) ** 2, 0);
  const W =
    halves.reduce(
      (s, h, j) => s + h.slice(0, len).reduce((t, v) => t + (v - means[j]!) ** 2, 0) / (len - 1),
      0,
    ) / m;
  // Halves that never moved: identical ones agree (1), differing ones have not mixed at all (∞).
  if (!(W > 0)) return B > 0 ? Number.POSITIVE_INFINITY : 1;
  return Math.sqrt(((len - 1) / len) * W + B / len) / Math.sqrt(W);
}

/**
 * Allocation entities whose response is the mean over posterior draws (at most `maxDraws`, evenly
 * spaced): the expected response of a budget. Bounds as fractions of historical spend.
 */
export function posteriorEntities(
  input: MmmInput,
  draws: ChannelParams[][],
  bounds?: { lower: number; upper: number },
  maxDraws = 100,
): AllocationEntity[] {
  const stride = Math.max(1, Math.floor(draws.length / maxDraws));
  const used = draws.filter((_, i) => i % stride === 0);
  return input.media.map((m, c) => {
    const curves = used.map((params) => channelResponse(input, c, params[c]!));
    const historical = curves[0]!.historicalSpend;
    const mean = (f: (r: (typeof curves)[number]) => number) =>
      curves.reduce((s, r) => s + f(r), 0) / curves.length;
    return {
      id: m.name,
      response: (S: number) => mean((r) => r.response(S)),
      marginal: (S: number) => mean((r) => r.marginal(S)),
      current: historical,
      ...(bounds ? { min: historical * (1 - bounds.lower), max: historical * (1 + bounds.upper) } : {}),
    };
  });
}
