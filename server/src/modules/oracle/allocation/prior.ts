/**
 * Maximum a posteriori refit of the response curves under priors, starting from a least-squares fit:
 * - ROI of every channel ~ LogNormal(μ, σ) (Meridian's default ROI prior is LogNormal(0.2, 0.9));
 * - optionally, the half-saturation point of every channel, in units of the channel's median
 *   non-zero spend, ~ TruncatedNormal(mean, sd) on [lo, hi] (Meridian's default `ec` prior on
 *   median-scaled media is TruncatedNormal(0.8, 0.8) on [0.1, 10]). Without it a channel whose
 *   spend hardly varies can take a curve that is linear or saturated at once, and the allocator
 *   then moves the whole bound on it.
 * Parameters per channel: (logit α, log λ, log β), so β > 0; controls and fixed effects are profiled
 * out by least squares on y − media. Loss = (n/2)·ln(RSS/n) (σ² profiled)
 *   + Σ_c [ (ln ROI_c − μ)² / 2σ² + ln ROI_c ] + Σ_c (h_c − mean)² / 2 sd²   (h_c outside [lo, hi]: ∞).
 * Organic media (`input.organic`) add (logit α, log h) each, the same half-saturation prior, and a
 * coefficient ≥ 0 profiled with the controls (Meridian's HalfNormal(5) on its standardized KPI is
 * nearly flat); they have no spend, hence no ROI prior.
 */
import { minimize } from '../clv/numerics.ts';
import {
  adstockedScaled,
  adstockPanels,
  type ChannelParams,
  channelTotals,
  type MmmInput,
} from './curves.ts';
import { residualProfiler } from './ols.ts';
import { halfSaturation, saturate } from './transforms.ts';

const ALPHA_MAX = 0.95;

export interface CurvePriors {
  roi: { mu: number; sigma: number };
  halfSaturation?: { mean: number; sd: number; lo: number; hi: number };
  /** Upper end of the adstock decay's uniform prior (default 0.95; Meridian's Uniform(0, 1) is 1). */
  alphaMax?: number;
}

/** Organic channel j as a column: Hill(adstock(x; α) / median non-zero x; half-saturation h), slope 1. */
export function organicColumn(input: MmmInput, j: number, alpha: number, h: number, median: number) {
  const a = adstockPanels(input.organic![j]!.values, input.panels, alpha, median, input.adstockWindow);
  for (let i = 0; i < a.length; i++) a[i] = a[i]! / (a[i]! + h);
  return a;
}

export interface OrganicParams {
  alpha: number;
  /** Half-saturation in units of the channel's median non-zero value. */
  halfSaturation: number;
}

/** Median of the non-zero values of a channel's spend (1 when it never spends). */
export function medianNonZero(v: Float64Array): number {
  const s = Array.from(v)
    .filter((x) => x > 0)
    .sort((a, b) => a - b);
  if (s.length === 0) return 1;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function mapWithPriors(
  input: MmmInput,
  start: ChannelParams[],
  priors: CurvePriors,
  maxEvaluations = 4000,
): { params: ChannelParams[]; organic: OrganicParams[]; evaluations: number } {
  const n = input.y.length;
  const { roi: prior, halfSaturation: hs } = priors;
  const alphaMax = priors.alphaMax ?? ALPHA_MAX;
  const C = start.length;
  const organic = input.organic ?? [];
  const organicMedians = organic.map((o) => medianNonZero(o.values));
  const unit = start.map((p, c) => channelTotals(input, c, { ...p, beta: 1 }));
  const spend = unit.map((u) => u.spend);
  const medians = input.media.map((m) => medianNonZero(m.spend));
  const w = Float64Array.from(
    { length: n },
    (_, i) => input.panelScale?.[Math.floor(i / (n / input.panels))] ?? 1,
  );
  const decode = (theta: number[]): ChannelParams[] =>
    start.map((p, c) => ({
      alpha: alphaMax / (1 + Math.exp(-theta[3 * c]!)),
      lambda: Math.exp(theta[3 * c + 1]!),
      beta: Math.exp(theta[3 * c + 2]!),
      scale: p.scale,
      ...(p.shape ? { shape: p.shape } : {}),
    }));
  const rssOf = residualProfiler(
    input.controls.map((z) => z.values),
    input.panels,
    input.timeEffects,
  );
  const decodeOrganic = (theta: number[]): OrganicParams[] =>
    organic.map((_, j) => ({
      alpha: alphaMax / (1 + Math.exp(-theta[3 * C + 2 * j]!)),
      halfSaturation: Math.exp(theta[3 * C + 2 * j + 1]!),
    }));
  const loss = (theta: number[]) => {
    const params = decode(theta);
    const rest = Float64Array.from(input.y);
    let penalty = 0;
    const organicCols: Float64Array[] = [];
    for (const [j, o] of decodeOrganic(theta).entries()) {
      const h = o.halfSaturation;
      if (hs) {
        if (h < hs.lo || h > hs.hi) return Number.POSITIVE_INFINITY;
        penalty += (h - hs.mean) ** 2 / (2 * hs.sd ** 2);
      }
      organicCols.push(organicColumn(input, j, o.alpha, h, organicMedians[j]!));
    }
    for (const [c, p] of params.entries()) {
      if (hs) {
        const h = (halfSaturation(p.shape) / p.lambda) * (p.scale / medians[c]!);
        if (h < hs.lo || h > hs.hi) return Number.POSITIVE_INFINITY;
        penalty += (h - hs.mean) ** 2 / (2 * hs.sd ** 2);
      }
      const a = adstockedScaled(input, c, p.alpha, p.scale);
      let contribution = 0;
      for (let i = 0; i < n; i++) {
        const m = p.beta * saturate(a[i]!, p.lambda, p.shape);
        rest[i]! -= m;
        contribution += w[i]! * m;
      }
      // A channel that never spends has no ROI to put a prior on.
      if (!(spend[c]! > 0)) continue;
      const logRoi = Math.log(contribution / spend[c]!);
      penalty += (logRoi - prior.mu) ** 2 / (2 * prior.sigma ** 2) + logRoi;
    }
    const rss = organicCols.length ? rssOf.withColumns(rest, organicCols) : rssOf(rest);
    return (n / 2) * Math.log(Math.max(rss, 1e-300) / n) + penalty;
  };
  // A channel whose least-squares β is ≤ 0 starts at the prior's median ROI; a λ outside the
  // half-saturation prior's support starts at its mean.
  const theta0 = start.flatMap((p, c) => {
    const a = Math.min(Math.max(p.alpha / alphaMax, 1e-3), 1 - 1e-3);
    let lambda = p.lambda;
    if (hs) {
      const h = (halfSaturation(p.shape) / lambda) * (p.scale / medians[c]!);
      if (!(h >= hs.lo && h <= hs.hi)) lambda = (halfSaturation(p.shape) * p.scale) / (hs.mean * medians[c]!);
    }
    const u = channelTotals(input, c, { ...p, lambda, beta: 1 }).contribution;
    const beta = p.beta > 0 && lambda === p.lambda ? p.beta : (Math.exp(prior.mu) * spend[c]!) / u;
    return [Math.log(a / (1 - a)), Math.log(lambda), Math.log(beta)];
  });
  // Organic channels start at α = alphaMax / 2 and the half-saturation prior's mean (or 1).
  for (const _ of organic) theta0.push(0, Math.log(hs?.mean ?? 1));
  const r = minimize(loss, theta0, { maxEvaluations, step: 0.5, bound: 40 });
  return { params: decode(r.x), organic: decodeOrganic(r.x), evaluations: r.evaluations };
}

/** MAP under the ROI prior alone. */
export function mapWithRoiPrior(
  input: MmmInput,
  start: ChannelParams[],
  prior: { mu: number; sigma: number },
  maxEvaluations = 4000,
): { params: ChannelParams[]; organic: OrganicParams[]; evaluations: number } {
  return mapWithPriors(input, start, { roi: prior }, maxEvaluations);
}
