/**
 * Maximum a posteriori refit with a LogNormal(μ, σ) prior on every channel's ROI (Meridian's default
 * ROI prior is LogNormal(0.2, 0.9)), starting from a least-squares fit. Parameters per channel:
 * (logit α, log λ, log β), so β > 0; controls and fixed effects are profiled out by least squares
 * on y − media. Loss = (n/2)·ln(RSS/n) (σ² profiled) + Σ_c [ (ln ROI_c − μ)² / 2σ² + ln ROI_c ].
 */
import { minimize } from '../clv/numerics.ts';
import { adstockedScaled, type ChannelParams, channelTotals, type MmmInput } from './curves.ts';
import { olsWithin } from './ols.ts';
import { saturate } from './transforms.ts';

const ALPHA_MAX = 0.95;

export function mapWithRoiPrior(
  input: MmmInput,
  start: ChannelParams[],
  prior: { mu: number; sigma: number },
  maxEvaluations = 4000,
): { params: ChannelParams[]; evaluations: number } {
  const n = input.y.length;
  const unit = start.map((p, c) => channelTotals(input, c, { ...p, beta: 1 }));
  const spend = unit.map((u) => u.spend);
  const w = Float64Array.from(
    { length: n },
    (_, i) => input.panelScale?.[Math.floor(i / (n / input.panels))] ?? 1,
  );
  const decode = (theta: number[]): ChannelParams[] =>
    start.map((p, c) => ({
      alpha: ALPHA_MAX / (1 + Math.exp(-theta[3 * c]!)),
      lambda: Math.exp(theta[3 * c + 1]!),
      beta: Math.exp(theta[3 * c + 2]!),
      scale: p.scale,
    }));
  const loss = (theta: number[]) => {
    const params = decode(theta);
    const rest = Float64Array.from(input.y);
    let penalty = 0;
    params.forEach((p, c) => {
      const a = adstockedScaled(input, c, p.alpha, p.scale);
      let contribution = 0;
      for (let i = 0; i < n; i++) {
        const m = p.beta * saturate(a[i]!, p.lambda);
        rest[i]! -= m;
        contribution += w[i]! * m;
      }
      const logRoi = Math.log(contribution / spend[c]!);
      penalty += (logRoi - prior.mu) ** 2 / (2 * prior.sigma ** 2) + logRoi;
    });
    const ols = olsWithin(
      rest,
      input.controls.map((z) => z.values),
      input.panels,
      input.timeEffects,
    );
    return (n / 2) * Math.log(ols.rss / n) + penalty;
  };
  // A channel whose least-squares β is ≤ 0 starts at the prior's median ROI.
  const theta0 = start.flatMap((p, c) => {
    const a = Math.min(Math.max(p.alpha / ALPHA_MAX, 1e-3), 1 - 1e-3);
    const beta = p.beta > 0 ? p.beta : (Math.exp(prior.mu) * spend[c]!) / unit[c]!.contribution;
    return [Math.log(a / (1 - a)), Math.log(p.lambda), Math.log(beta)];
  });
  const r = minimize(loss, theta0, { maxEvaluations, step: 0.5, bound: 40 });
  return { params: decode(r.x), evaluations: r.evaluations };
}
