import { describe, expect, it } from 'vitest';
import { allocateBudget } from './allocate.ts';
import {
  adstockedScaled,
  type ChannelParams,
  channelTotals,
  fitResponseCurves,
  type MmmInput,
} from './curves.ts';
import { mapWithRoiPrior } from './prior.ts';
import { channelEntities, channelResponse, gainInterval } from './response.ts';
import { adstock, saturate } from './transforms.ts';

function rng(seed: number) {
  return () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
}

/** Two channels with known carry-over and saturation, a trend, and small Gaussian-ish noise. */
function simulate(truth: ChannelParams[], T = 156, noise = 20): MmmInput {
  const r = rng(42);
  const x = truth.map(() => Float64Array.from({ length: T }, () => (r() < 0.7 ? r() : 0)));
  const trend = Float64Array.from({ length: T }, (_, t) => t / T);
  const y = Float64Array.from({ length: T }, (_, t) => 1000 + 300 * trend[t]!);
  truth.forEach((p, c) => {
    const a = adstock(x[c]!, p.alpha);
    for (let t = 0; t < T; t++) y[t]! += p.beta * saturate(a[t]! / p.scale, p.lambda);
  });
  for (let t = 0; t < T; t++) y[t]! += noise * (r() + r() + r() - 1.5);
  return {
    panels: 1,
    y,
    controls: [{ name: 't', values: trend }],
    media: x.map((spend, c) => ({ name: `c${c}`, spend })),
  };
}

const truth: ChannelParams[] = [
  { alpha: 0.5, lambda: 3, beta: 800, scale: 1 },
  { alpha: 0.1, lambda: 1.5, beta: 400, scale: 1 },
];

describe('adstock and saturation', () => {
  it('carries spend over with weights summing to one and saturates concavely', () => {
    const a = adstock([1, 0, 0, 0], 0.5);
    expect(a[1]! / a[0]!).toBeCloseTo(0.5, 12);
    expect(adstock(new Array(20).fill(2), 0.6)[19]).toBeCloseTo(2, 12);
    expect(saturate(0, 3)).toBe(0);
    expect(saturate(2, 3) - saturate(1, 3)).toBeLessThan(saturate(1, 3) - saturate(0, 3));
  });

  it('uses 8 weights by default and Meridian’s max_lag + 1 = 9 with adstockWindow 9', () => {
    // A pulse at week 0 in one of two panels: week t carries α^t / Σ_{l<window} α^l while t < window.
    const T = 12;
    const spend = new Float64Array(2 * T);
    spend[T] = 1;
    const base = { panels: 2, y: new Float64Array(2 * T), controls: [], media: [{ name: 'c', spend }] };
    const norm = (w: number) => Array.from({ length: w }, (_, l) => 0.5 ** l).reduce((a, b) => a + b, 0);
    const def = adstockedScaled(base, 0, 0.5, 2);
    const mer = adstockedScaled({ ...base, adstockWindow: 9 }, 0, 0.5, 2);
    for (let t = 0; t < T; t++) {
      expect(def[t]).toBe(0);
      expect(def[T + t]).toBeCloseTo(t < 8 ? 0.5 ** t / norm(8) / 2 : 0, 14);
      expect(mer[T + t]).toBeCloseTo(t < 9 ? 0.5 ** t / norm(9) / 2 : 0, 14);
    }
    expect(mer[T + 8]).toBeGreaterThan(0);
    expect(() => fitResponseCurves({ ...base, adstockWindow: 0 })).toThrow(/adstockWindow/);
  });
});

describe('fitResponseCurves', () => {
  it('recovers channel ROAS of a known process and gives a bootstrap interval', () => {
    const input = simulate(truth);
    const fit = fitResponseCurves(input, { bootstrap: 5 });
    fit.channels.forEach((ch, c) => {
      const t = channelTotals(input, c, truth[c]!);
      const trueRoas = t.contribution / t.spend;
      expect(Math.abs(ch.roas / trueRoas - 1)).toBeLessThan(0.1);
      expect(ch.roasInterval![0]).toBeLessThanOrEqual(ch.roasInterval![1]);
    });
    expect(fit.r2).toBeGreaterThan(0.9);
  });

  it('with a non-negative baseline, never credits the channel with more than the outcome', () => {
    // A near-linear channel over a narrow spend range, outcome proportional to spend: the free fit
    // trades a negative intercept for a larger β; the constrained one cannot.
    const r = rng(7);
    const T = 26;
    const spend = Float64Array.from({ length: T }, () => 100 + 10 * r());
    const y = Float64Array.from({ length: T }, (_, t) => 0.01 * spend[t]! * (0.8 + 0.4 * r()) - 0.2);
    const input: MmmInput = { panels: 1, y, controls: [], media: [{ name: 'c', spend }] };
    const observed = y.reduce((s, v) => s + v, 0);
    const free = fitResponseCurves(input, { bootstrap: 10 });
    const fit = fitResponseCurves(input, { bootstrap: 10, baseline: 'nonNegative' });
    expect(free.channels[0]!.contribution).toBeGreaterThan(observed);
    expect(fit.baseline!.intercept).toBeGreaterThanOrEqual(0);
    expect(fit.channels[0]!.contribution).toBeLessThanOrEqual(observed * (1 + 1e-9));
    for (const d of fit.channels[0]!.draws) expect(d.beta).toBeGreaterThanOrEqual(0);
    expect(() => fitResponseCurves(simulate(truth, 40), { baseline: 'nonNegative' })).toThrow(/one channel/);
  });

  it('rejects malformed input', () => {
    const input = simulate(truth, 40);
    expect(() => fitResponseCurves({ ...input, media: [] })).toThrow(/at least one media/);
    const bad = Float64Array.from(input.y);
    bad[3] = Number.NaN;
    expect(() => fitResponseCurves({ ...input, y: bad })).toThrow(/finite/);
    expect(() => fitResponseCurves({ ...input, panels: 3 })).toThrow(/panels × weeks/);
  });

  it('asks for two observations per parameter: weeks for one panel, geo-weeks for a panel', () => {
    const input = simulate(truth, 40);
    const r = rng(3);
    const extra = (k: number) =>
      Array.from({ length: k }, (_, i) => ({
        name: `z${i}`,
        values: Float64Array.from({ length: 40 }, () => r()),
      }));
    // 2 channels × 3 + 15 controls = 21 parameters > 40 weeks / 2.
    expect(() => fitResponseCurves({ ...input, controls: [...input.controls, ...extra(14)] })).toThrow(
      expect.objectContaining({ code: 'invalid_input', message: expect.stringMatching(/too few weeks/) }),
    );
    // Two panels of 20 weeks with 17 parameters: 40 observations are enough (20 weeks alone are not).
    const panel = { ...input, panels: 2, controls: [...input.controls, ...extra(10)] };
    expect(fitResponseCurves(panel).channels).toHaveLength(2);
    expect(() => fitResponseCurves({ ...panel, controls: [...panel.controls, ...extra(4)] })).toThrow(
      expect.objectContaining({
        code: 'invalid_input',
        message: expect.stringMatching(/too few observations/),
      }),
    );
  });
});

describe('channelResponse', () => {
  it('reproduces the historical contribution, has the analytic marginal, and feeds the allocator', () => {
    const input = simulate(truth, 60);
    const r = channelResponse(input, 0, truth[0]!);
    const t = channelTotals(input, 0, truth[0]!);
    expect(r.response(r.historicalSpend)).toBeCloseTo(t.contribution, 6);
    const S = r.historicalSpend * 1.3;
    const h = 1e-5 * S;
    expect(r.marginal(S)).toBeCloseTo((r.response(S + h) - r.response(S - h)) / (2 * h), 4);
    const entities = channelEntities(input, truth, { lower: 0.3, upper: 0.3 });
    const budget = entities.reduce((s, e) => s + e.current!, 0);
    const alloc = allocateBudget(entities, budget);
    expect(alloc.gain).toBeGreaterThanOrEqual(-1e-9);
    for (const a of alloc.allocations) {
      expect(a.spend).toBeGreaterThanOrEqual(0.7 * a.current! - 1e-9);
      expect(a.spend).toBeLessThanOrEqual(1.3 * a.current! + 1e-9);
    }
  });

  it('puts a bootstrap interval on the gain of a recommendation', () => {
    const input = simulate(truth, 60);
    const current = truth.map((p, c) => channelResponse(input, c, p).historicalSpend);
    const recommended = [current[0]! * 1.2, current[1]! * 0.8];
    const exact = truth.reduce((s, p, c) => {
      const r = channelResponse(input, c, p);
      return s + r.response(recommended[c]!) - r.response(current[c]!);
    }, 0);
    const same = gainInterval(input, [truth, truth], recommended, current)!;
    expect(same.p05).toBeCloseTo(exact, 9);
    expect(same.p95).toBeCloseTo(exact, 9);
    const weaker = truth.map((p) => ({ ...p, beta: p.beta / 2 }));
    const spread = gainInterval(input, [truth, weaker, truth], recommended, current)!;
    expect(spread.p05).toBeLessThan(spread.p95);
    expect(gainInterval(input, [truth], recommended, current)).toBeNull();
  });
});

describe('mapWithRoiPrior', () => {
  it('shrinks ROI to the prior when it is tight and leaves the fit alone when it is vague', () => {
    const input = simulate(truth);
    const start = fitResponseCurves(input).channels.map((c) => c.params);
    const roi = (ps: ChannelParams[]) =>
      ps.map((p, c) => {
        const t = channelTotals(input, c, p);
        return t.contribution / t.spend;
      });
    const tight = roi(mapWithRoiPrior(input, start, { mu: Math.log(50), sigma: 0.01 }, 1500).params);
    for (const r of tight) expect(Math.abs(r / 50 - 1)).toBeLessThan(0.05);
    const ls = roi(start);
    const vague = roi(mapWithRoiPrior(input, start, { mu: 0, sigma: 100 }, 1500).params);
    vague.forEach((r, c) => {
      expect(Math.abs(r / ls[c]! - 1)).toBeLessThan(0.05);
    });
  });
});
