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
  /**
   * Run only these chains of the `chains` (default all): chain k is the same whichever process runs
   * it (its seed and start depend on k only), so chains can be split across processes and joined
   * with `summarisePosterior` (see posterior.parallel.ts). Pass the MAP as `start`/`organicStart`.
   */
  chainIds?: number[];
  /** With `start`: the organic channels' starting point (default α = alphaMax/2, h = prior mean). */
  organicStart?: OrganicParams[];
  /**
   * Per-geo media coefficients as Meridian's default log-normal media effects (default off):
   * β_gm = exp(b_m + η_m·z_gm), z_gm ~ N(0, 1), η_m ~ HalfNormal(1), b_m set by the channel's ROI.
   * Each iteration adds one single-site Metropolis update per z_gm of one channel in turn (panels
   * target evaluations with the curves held), so it costs more per iteration. Needs panels > 1.
   */
  perGeoMedia?: boolean;
  /**
   * Called every 500 iterations of each chain (and at its end) with the chain's index, iterations
   * done and its total (burn-in + kept × thin), for progress on long runs. Not sent to child
   * processes: posterior.parallel.ts relays their progress to it.
   */
  onProgress?: (chain: number, done: number, total: number) => void;
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
  /** With `perGeoMedia`: η_m, the spread of each channel's log media effect across geos. */
  eta?: RoiSummary[];
  /** With `perGeoMedia`: acceptance of the single-site per-geo updates (kept steps). */
  geoAcceptance?: number;
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

/** What one chain kept: plain data, so that chains run in other processes can be joined. */
export interface ChainDraws {
  draws: ChannelParams[][];
  /** roi[c][i]: channel c's ROI at kept draw i. */
  roi: number[][];
  /** With per-geo media: eta[c][i]. */
  eta: number[][];
  accepted: number;
  keptSteps: number;
  geoAccepted: number;
  geoSteps: number;
  evaluations: number;
}

type Priors = CurvePriors & Required<Pick<CurvePriors, 'halfSaturation'>>;

export function sampleCurvePosterior(
  input: MmmInput,
  start: ChannelParams[],
  priors: Priors,
  opts: PosteriorOptions = {},
): CurvePosterior {
  return summarisePosterior(runPosteriorChains(input, start, priors, opts));
}

/** Joins chains (in chain order) into the posterior summary: ROI, R̂ across chains, acceptance. */
export function summarisePosterior(chains: ChainDraws[]): CurvePosterior {
  const C = chains[0]?.roi.length ?? 0;
  const perGeo = (chains[0]?.eta.length ?? 0) > 0;
  const sum = (f: (c: ChainDraws) => number) => chains.reduce((s, c) => s + f(c), 0);
  return {
    draws: chains.flatMap((c) => c.draws),
    roi: Array.from({ length: C }, (_, c) => summary(chains.flatMap((ch) => ch.roi[c]!))),
    rhat: Array.from({ length: C }, (_, c) => splitRhat(chains.map((ch) => ch.roi[c]!))),
    acceptance:
      sum((c) => c.accepted) /
      Math.max(
        1,
        sum((c) => c.keptSteps),
      ),
    evaluations: sum((c) => c.evaluations),
    ...(perGeo
      ? {
          eta: Array.from({ length: C }, (_, c) => summary(chains.flatMap((ch) => ch.eta[c]!))),
          geoAcceptance:
            sum((c) => c.geoAccepted) /
            Math.max(
              1,
              sum((c) => c.geoSteps),
            ),
        }
      : {}),
  };
}

/** The chains of `opts.chainIds` (default every one of `opts.chains`), each as plain data. */
export function runPosteriorChains(
  input: MmmInput,
  start: ChannelParams[],
  priors: Priors,
  opts: PosteriorOptions = {},
): ChainDraws[] {
  const keep = opts.draws ?? 500;
  const thin = opts.thin ?? 4;
  const burnIn = opts.burnIn ?? 3000;
  if (keep < 2 || thin < 1 || burnIn < 0)
    throw invalidInput('draws ≥ 2, thin ≥ 1 and burnIn ≥ 0 are required');
  const n = input.y.length;
  const C = start.length;
  const organic = input.organic ?? [];
  const O = organic.length;
  let d = 3 * C + 2 * O;
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
  // Per-geo media effects (Meridian's log-normal media effects): β_gm = exp(b_m + η_m·z_gm), z_gm ~
  // N(0, 1), η_m ~ HalfNormal(1) sampled as log η_m (θ's last C coordinates); b_m follows from the ROI
  // as in Meridian: b_m = ln(ROI_m·spend_m) − ln Σ_g e^{η_m z_gm} X_gm, X_gm the geo's weighted
  // saturated media, so ROI_m stays total incremental outcome over total spend across geos.
  const P = input.panels;
  const T = n / P;
  const perGeo = !!opts.perGeoMedia && P > 1;
  if (perGeo) d += C;
  interface Curves {
    lpPrior: number;
    cols: Float64Array[];
    /** X_gm: Σ_t w·sat per panel. */
    unit: Float64Array[];
    roi: number[];
    params: ChannelParams[];
    eta: number[];
    organicCols: Float64Array[];
  }
  /** Priors of θ and the saturated media of each channel at θ (null outside the support). */
  const curvesAt = (theta: number[]): Curves | null => {
    let lpPrior = 0;
    const cols: Float64Array[] = [];
    const unit: Float64Array[] = [];
    const roi: number[] = [];
    const params: ChannelParams[] = [];
    const eta: number[] = [];
    for (let c = 0; c < C; c++) {
      const p0 = start[c]!;
      const s = 1 / (1 + Math.exp(-theta[3 * c]!));
      const h = Math.exp(theta[3 * c + 1]!);
      const r = Math.exp(theta[3 * c + 2]!);
      if (!(h >= hs.lo && h <= hs.hi)) return null;
      lpPrior += Math.log(s * (1 - s)); // α uniform: Jacobian of the logit
      lpPrior += -((h - hs.mean) ** 2) / (2 * hs.sd ** 2) + Math.log(h); // TruncatedNormal × Jacobian h
      lpPrior += -((Math.log(r) - prior.mu) ** 2) / (2 * prior.sigma ** 2); // LogNormal × Jacobian ROI
      const p: ChannelParams = {
        alpha: alphaMax * s,
        lambda: lambdaOf(c, h, p0.shape),
        beta: 0,
        scale: p0.scale,
        ...(p0.shape ? { shape: p0.shape } : {}),
      };
      const a = adstockedScaled(input, c, p.alpha, p.scale);
      const u = new Float64Array(P);
      for (let i = 0; i < n; i++) {
        a[i] = saturate(a[i]!, p.lambda, p.shape);
        u[Math.floor(i / T)]! += w[i]! * a[i]!;
      }
      if (!(u.reduce((x, v) => x + v, 0) > 0)) return null;
      if (perGeo) {
        const e = Math.exp(theta[d - C + c]!);
        lpPrior += -(e * e) / 2 + Math.log(e); // HalfNormal(1) × Jacobian η
        eta.push(e);
      }
      cols.push(a);
      unit.push(u);
      roi.push(r);
      params.push(p);
    }
    // Organic channels: (logit α, log h), α uniform, h under the half-saturation prior, β ≥ 0 profiled.
    const organicCols: Float64Array[] = [];
    for (let j = 0; j < O; j++) {
      const s = 1 / (1 + Math.exp(-theta[3 * C + 2 * j]!));
      const h = Math.exp(theta[3 * C + 2 * j + 1]!);
      if (!(h >= hs.lo && h <= hs.hi)) return null;
      lpPrior += Math.log(s * (1 - s));
      lpPrior += -((h - hs.mean) ** 2) / (2 * hs.sd ** 2) + Math.log(h);
      organicCols.push(organicColumn(input, j, alphaMax * s, h, organicMedians[j]!));
    }
    return { lpPrior, cols, unit, roi, params, eta, organicCols };
  };
  const REJECT = { lp: Number.NEGATIVE_INFINITY, roi: [] as number[], params: [] as ChannelParams[] };
  /** Log target given the curves and the geo deviations z (C × P, row-major; ignored unless per geo). */
  const assemble = (k: Curves, z: Float64Array): { lp: number; roi: number[]; params: ChannelParams[] } => {
    evaluations++;
    const rest = Float64Array.from(input.y);
    let lp = k.lpPrior;
    const params: ChannelParams[] = [];
    for (let c = 0; c < C; c++) {
      const a = k.cols[c]!;
      const u = k.unit[c]!;
      const total = k.roi[c]! * spend[c]!;
      if (!perGeo) {
        const beta = total / u.reduce((x, v) => x + v, 0);
        for (let i = 0; i < n; i++) rest[i]! -= beta * a[i]!;
        params.push({ ...k.params[c]!, beta });
        continue;
      }
      let norm = 0;
      const e = new Float64Array(P);
      for (let g = 0; g < P; g++) {
        const zg = z[c * P + g]!;
        lp -= (zg * zg) / 2;
        e[g] = Math.exp(k.eta[c]! * zg);
        norm += e[g]! * u[g]!;
      }
      const panelBeta = Array.from(e, (v) => (total * v) / norm);
      for (let g = 0; g < P; g++) {
        const b = panelBeta[g]!;
        for (let i = g * T; i < (g + 1) * T; i++) rest[i]! -= b * a[i]!;
      }
      // β shown: the pooled coefficient giving the same total contribution.
      params.push({ ...k.params[c]!, beta: total / u.reduce((x, v) => x + v, 0), panelBeta });
    }
    const rss = O ? rssOf.withColumns(rest, k.organicCols) : rssOf(rest);
    lp += (-n / 2) * Math.log(rss / n);
    return Number.isFinite(lp) ? { lp, roi: k.roi, params } : REJECT;
  };
  const map = opts.start ? null : mapWithPriors(input, start, priors);
  const init = opts.start ?? map!.params;
  const organicInit: OrganicParams[] =
    map?.organic ??
    opts.organicStart ??
    organic.map(() => ({ alpha: alphaMax / 2, halfSaturation: hs.mean }));
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
  // η_m starts at 0.5 (HalfNormal(1)'s median is 0.67) and every z_gm at 0.
  if (perGeo) for (let c = 0; c < C; c++) theta0.push(Math.log(0.5));
  const target = (theta: number[], z: Float64Array) => {
    const k = curvesAt(theta);
    return k ? { ...assemble(k, z), curves: k } : { ...REJECT, curves: null };
  };
  const zeros = new Float64Array(perGeo ? C * P : 0);
  const start0 = target(theta0, zeros);
  if (!Number.isFinite(start0.lp)) throw invalidInput('the starting curves are outside the priors’ support');
  const chains = opts.chains ?? 1;
  if (!Number.isInteger(chains) || chains < 1) throw invalidInput('chains must be a positive integer');
  const ids = opts.chainIds ?? Array.from({ length: chains }, (_, k) => k);
  if (!ids.every((k) => Number.isInteger(k) && k >= 0 && k < chains))
    throw invalidInput('chainIds must be chain numbers below chains');
  const startEvaluations = evaluations;
  return ids.map((k, i) => {
    // The start's evaluations are counted with the first chain run here (once per process when the
    // chains are split across processes, posterior.parallel.ts).
    evaluations = i === 0 ? startEvaluations : 0;
    const draws: ChannelParams[][] = [];
    const etas: number[][] = Array.from({ length: perGeo ? C : 0 }, () => []);
    let accepted = 0;
    let keptSteps = 0;
    let geoAccepted = 0;
    let geoSteps = 0;
    const rng = normals((opts.seed ?? 7) + 7919 * k);
    // Chains after the first start from the MAP jittered (σ 0.5 in every coordinate), so that a
    // chain stuck near its start shows up in R̂.
    let x = theta0;
    let cur = start0;
    let z = zeros;
    for (let tries = 0; k > 0 && tries < 50; tries++) {
      const jittered = theta0.map((v) => v + 0.5 * rng.z());
      const zj = zeros.map(() => 0.5 * rng.z());
      const t = target(jittered, zj);
      if (Number.isFinite(t.lp)) {
        x = jittered;
        cur = t;
        z = zj;
        break;
      }
    }
    let chol = Matrix.eye(d, d).mul(0.05);
    let factor = 1;
    const history: number[][] = [];
    const mine: number[][] = Array.from({ length: C }, () => []);
    let windowAccepted = 0;
    // Per-geo step: after each θ step, one random-walk Metropolis update of each z_gm of one channel
    // (channel it mod C, geo by geo: Metropolis within Gibbs), the curves held; its step per channel
    // steered toward 44 % acceptance during burn-in.
    const geoStep = new Float64Array(perGeo ? C : 0).fill(1);
    const geoWindow = new Float64Array(perGeo ? C : 0);
    const total = burnIn + keep * thin;
    for (let it = 0; it < total; it++) {
      if (opts.onProgress && it > 0 && it % 500 === 0) opts.onProgress(k, it, total);
      const zs = Matrix.columnVector(Array.from({ length: d }, rng.z));
      const step = chol.mmul(zs).to1DArray();
      const proposal = x.map((v, i) => v + factor * step[i]!);
      const next = target(proposal, z);
      const accept = Math.log(rng.u()) < next.lp - cur.lp;
      if (accept) {
        x = proposal;
        cur = next;
      }
      if (perGeo && cur.curves) {
        const c = it % C;
        for (let g = 0; g < P; g++) {
          // z_gm moves with b_m held, so that only β_gm changes and the ROI with it: a symmetric
          // random walk in the coordinates (b_m, η_m, z_m), where ln ROI_m = b_m + ln Σ_g e^{η z} X_gm
          // − ln spend_m has Jacobian 1, so the target is the same expression.
          const k0 = cur.curves!;
          const zp = Float64Array.from(z);
          zp[c * P + g]! += geoStep[c]! * rng.z();
          const r0 = k0.roi[c]!;
          const u = k0.unit[c]!;
          let n0 = 0;
          let n1 = 0;
          for (let q = 0; q < P; q++) {
            n0 += Math.exp(k0.eta[c]! * z[c * P + q]!) * u[q]!;
            n1 += Math.exp(k0.eta[c]! * zp[c * P + q]!) * u[q]!;
          }
          const r2 = r0 * (n1 / n0);
          const roiPrior = (v: number) => -((Math.log(v) - prior.mu) ** 2) / (2 * prior.sigma ** 2);
          const roi = [...k0.roi];
          roi[c] = r2;
          const k1: Curves = { ...k0, roi, lpPrior: k0.lpPrior + roiPrior(r2) - roiPrior(r0) };
          const t = assemble(k1, zp);
          const ok = Math.log(rng.u()) < t.lp - cur.lp;
          if (ok) {
            z = zp;
            cur = { ...t, curves: k1 };
            x = [...x];
            x[3 * c + 2] = Math.log(r2);
          }
          if (it < burnIn) {
            if (ok) geoWindow[c]!++;
          } else {
            geoSteps++;
            if (ok) geoAccepted++;
          }
        }
        // Two moves along directions the likelihood does not see (b_m absorbs them), without which
        // single-site updates drift along them slowly. Shift: every z_gm of the channel moved by the
        // same s, drawn from its exact conditional N(−z̄, 1/P) (only the z prior depends on s).
        let zbar = 0;
        for (let g = 0; g < P; g++) zbar += z[c * P + g]! / P;
        const shift = -zbar + rng.z() / Math.sqrt(P);
        const zs = Float64Array.from(z);
        for (let g = 0; g < P; g++) zs[c * P + g]! += shift;
        z = zs;
        cur = { ...assemble(cur.curves, z), curves: cur.curves };
        // Scale: (η_m, z_m) → (η_m e^{−ε}, z_m e^{ε}) leaves every β_gm as it is; Metropolis with the
        // Jacobian e^{Pε} of the map (log η and z are the sampled coordinates).
        const eps = rng.z() / Math.sqrt(2 * P);
        const e0 = cur.curves!.eta[c]!;
        const e1 = e0 * Math.exp(-eps);
        const eta = [...cur.curves!.eta];
        eta[c] = e1;
        const scaled: Curves = {
          ...cur.curves!,
          eta,
          lpPrior: cur.curves!.lpPrior + (-(e1 * e1) / 2 + Math.log(e1)) - (-(e0 * e0) / 2 + Math.log(e0)),
        };
        const zc = Float64Array.from(z);
        for (let g = 0; g < P; g++) zc[c * P + g]! *= Math.exp(eps);
        const tc = assemble(scaled, zc);
        if (Math.log(rng.u()) < tc.lp - cur.lp + P * eps) {
          z = zc;
          cur = { ...tc, curves: scaled };
          x = [...x];
          x[d - C + c] = Math.log(e1);
        }
        if (it < burnIn && (it + 1) % (200 * C) === 0)
          for (let c = 0; c < C; c++) {
            geoStep[c]! *= Math.exp(geoWindow[c]! / (200 * P) - 0.44);
            geoWindow[c] = 0;
          }
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
          mine[c]!.push(r);
        });
        if (cur.curves) for (const [c, e] of cur.curves.eta.entries()) etas[c]!.push(e);
      }
    }
    opts.onProgress?.(k, total, total);
    return { draws, roi: mine, eta: etas, accepted, keptSteps, geoAccepted, geoSteps, evaluations };
  });
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
