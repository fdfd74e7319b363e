/**
 * A fitted channel as a response curve of its total budget S for the allocator: the historical
 * spend pattern (across weeks and panels) scaled by m = S / S_hist, carried over and saturated
 * (the same convention as Meridian's optimizer). Adstock is linear, so adstock(m·x) = m·adstock(x)
 * is computed once; R(S) = β Σ w_p sat(λ·m·A) is concave in S and its marginal is analytic.
 * Carry-over past the last week is not counted.
 */
import type { AllocationEntity } from './allocate.ts';
import { adstockedScaled, type ChannelParams, type MmmInput } from './curves.ts';
import { saturate, saturateSlope } from './transforms.ts';

export interface ChannelResponse {
  historicalSpend: number;
  response: (budget: number) => number;
  marginal: (budget: number) => number;
}

export function channelResponse(input: MmmInput, c: number, p: ChannelParams): ChannelResponse {
  const a = adstockedScaled(input, c, p.alpha, p.scale);
  const x = input.media[c]!.spend;
  const T = x.length / input.panels;
  // w = panel weight × (the panel's own coefficient / β when per-geo coefficients are given).
  const beta = Math.max(0, p.beta);
  const w = new Float64Array(a.length);
  let historicalSpend = 0;
  for (let q = 0; q < input.panels; q++) {
    const scale = input.panelScale?.[q] ?? 1;
    const own = p.panelBeta ? Math.max(0, p.panelBeta[q] ?? 0) / (beta || 1) : 1;
    for (let t = 0; t < T; t++) {
      w[q * T + t] = scale * own;
      historicalSpend += scale * x[q * T + t]!;
    }
  }
  // Only non-zero adstock cells matter.
  const idx: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i]! > 0) idx.push(i);
  const H = historicalSpend || 1;
  return {
    historicalSpend,
    response: (S) => {
      const m = S / H;
      let s = 0;
      for (const i of idx) s += w[i]! * saturate(p.lambda * m * a[i]!, 1, p.shape);
      return beta * s;
    },
    marginal: (S) => {
      const m = S / H;
      let s = 0;
      for (const i of idx) s += w[i]! * p.lambda * a[i]! * saturateSlope(p.lambda * m * a[i]!, p.shape);
      return (beta * s) / H;
    },
  };
}

/** Allocation entities from fitted channels; bounds as fractions of historical spend (e.g. ±30 %). */
export function channelEntities(
  input: MmmInput,
  params: ChannelParams[],
  bounds?: { lower: number; upper: number },
): AllocationEntity[] {
  return params.map((p, c) => {
    const r = channelResponse(input, c, p);
    return {
      id: input.media[c]!.name,
      response: r.response,
      marginal: r.marginal,
      current: r.historicalSpend,
      ...(bounds
        ? { min: r.historicalSpend * (1 - bounds.lower), max: r.historicalSpend * (1 + bounds.upper) }
        : {}),
    };
  });
}

/**
 * What a recommendation is worth, with uncertainty: response(recommended) − response(current) under
 * each bootstrap draw of the curves (5 %, 50 %, 95 % quantiles). Null without draws.
 */
export function gainInterval(
  input: MmmInput,
  draws: ChannelParams[][],
  recommended: number[],
  current: number[],
): { p05: number; p50: number; p95: number } | null {
  if (draws.length < 2) return null;
  const gains = draws
    .map((params) =>
      params.reduce((s, p, c) => {
        const r = channelResponse(input, c, p);
        return s + r.response(recommended[c]!) - r.response(current[c]!);
      }, 0),
    )
    .sort((a, b) => a - b);
  const q = (v: number) => {
    const i = (gains.length - 1) * v;
    const lo = Math.floor(i);
    return gains[lo]! + (gains[Math.min(lo + 1, gains.length - 1)]! - gains[lo]!) * (i - lo);
  };
  return { p05: q(0.05), p50: q(0.5), p95: q(0.95) };
}
