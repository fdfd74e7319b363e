import { describe, expect, it } from 'vitest';
import { allocateBudget } from './allocate.ts';
import {
  adstockPanels,
  type ChannelParams,
  channelTotals,
  fitResponseCurves,
  type MmmInput,
} from './curves.ts';
import { knotControls, knotWeights, selectKnots } from './knots.ts';
import { olsWithin, residualProfiler, solveLinear } from './ols.ts';
import { sampleCurvePosteriorParallel } from './posterior.parallel.ts';
import { posteriorEntities, sampleCurvePosterior, splitRhat } from './posterior.ts';
import { mapWithPriors } from './prior.ts';
import { adstock, saturate } from './transforms.ts';

function rng(seed: number) {
  return () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
}

/** Hill-shaped channels; `truth[c].beta = 0` makes a channel that does nothing. */
function simulate(truth: ChannelParams[], T = 120, noise = 30): MmmInput {
  const r = rng(11);
  const x = truth.map(() => Float64Array.from({ length: T }, () => (r() < 0.8 ? 100 * (0.5 + r()) : 0)));
  // A third channel spends the same every week: its effect cannot be told from the intercept.
  x.push(new Float64Array(T).fill(80));
  const trend = Float64Array.from({ length: T }, (_, t) => t / T);
  const y = Float64Array.from({ length: T }, (_, t) => 1000 + 200 * trend[t]!);
  truth.forEach((p, c) => {
    const a = adstock(x[c]!, p.alpha);
    for (let t = 0; t < T; t++) y[t]! += p.beta * saturate(a[t]! / p.scale, p.lambda, 'hill');
  });
  for (let t = 0; t < T; t++) y[t]! += noise * (r() + r() + r() - 1.5);
  return {
    panels: 1,
    y,
    // One indicator per week of the adstock's start-up, so that the constant channel is wholly
    // confounded with the intercept.
    controls: [
      { name: 't', values: trend },
      ...Array.from({ length: 8 }, (_, w) => ({
        name: `week${w}`,
        values: Float64Array.from({ length: T }, (_, t) => (t === w ? 1 : 0)),
      })),
    ],
    media: x.map((spend, c) => ({ name: `c${c}`, spend })),
  };
}

const PRIORS = {
  roi: { mu: 0.2, sigma: 0.9 },
  halfSaturation: { mean: 0.8, sd: 0.8, lo: 0.1, hi: 10 },
};

describe('time knots', () => {
  it('interpolates linearly between equally spaced knots and picks the number of knots by BIC', () => {
    const W = knotWeights(11, 3);
    for (let t = 0; t < 11; t++) expect(W.reduce((s, w) => s + w[t]!, 0)).toBeCloseTo(1, 12);
    expect([W[0]![0], W[1]![5], W[2]![10]]).toEqual([1, 1, 1]);
    expect(W[0]![2]).toBeCloseTo(0.6, 12);
    expect(knotControls(2, 11, 3)).toHaveLength(2);
    expect(() => knotWeights(10, 0)).toThrow();
    // A broken line with a kink in the middle, plus noise: 3 knots, not 2 and not 20.
    const r = rng(5);
    const y = Array.from({ length: 121 }, (_, t) => (t < 60 ? t : 120 - t) + (r() - 0.5));
    expect(selectKnots(y).knots).toBe(3);
    const flat = Array.from({ length: 121 }, () => r());
    expect(selectKnots(flat).knots).toBe(1);
  });

  it('profiles controls out exactly as a full least-squares fit does', () => {
    const r = rng(9);
    const n = 4 * 30;
    const cols = [0, 1].map(() => Float64Array.from({ length: n }, () => r()));
    const y = Float64Array.from({ length: n }, (_, i) => 3 * cols[0]![i]! - cols[1]![i]! + r());
    for (const te of [false, true]) {
      const rss = residualProfiler(cols, 4, te)(y);
      expect(rss / olsWithin(y, cols, 4, te).rss).toBeCloseTo(1, 6);
    }
  });

  it('profiles per-panel (sparse) controls and added columns with coefficients ≥ 0 exactly', () => {
    const r = rng(13);
    const P = 4;
    const T = 30;
    const n = P * T;
    const x = Float64Array.from({ length: n }, () => r());
    // One coefficient of x per panel (zero outside the panel), as Meridian's geo-level controls.
    const perPanel = Array.from({ length: P }, (_, p) =>
      Float64Array.from(x, (v, i) => (Math.floor(i / T) === p ? v : 0)),
    );
    const z = Float64Array.from({ length: n }, () => r());
    const y = Float64Array.from({ length: n }, (_, i) => (1 + Math.floor(i / T)) * x[i]! + 2 * z[i]! + r());
    for (const te of [false, true]) {
      const prof = residualProfiler(perPanel, P, te);
      expect(prof(y) / olsWithin(y, perPanel, P, te).rss).toBeCloseTo(1, 6);
      expect(prof.withColumns(y, [z]) / olsWithin(y, [...perPanel, z], P, te).rss).toBeCloseTo(1, 6);
      // A column that would take a negative coefficient is left out.
      const minus = z.map((v) => -v);
      expect(prof.withColumns(y, [minus])).toBeCloseTo(prof(y), 6);
    }
  });
});

describe('week-only columns (time knots)', () => {
  it('are profiled exactly as a least-squares fit with panel dummies', () => {
    const r = rng(17);
    const P = 4;
    const T = 30;
    const n = P * T;
    const knots = knotControls(P, T, 4).map((c) => c.values);
    const x = Float64Array.from({ length: n }, () => r());
    const z = Float64Array.from({ length: n }, () => r());
    const y = Float64Array.from(
      { length: n },
      (_, i) => Math.floor(i / T) + 2 * knots[0]![i]! - knots[2]![i]! + 1.5 * x[i]! + z[i]! + r(),
    );
    // Reference: explicit panel dummies and every column, dense normal equations.
    const reference = (cols: Float64Array[]) => {
      const X = [
        ...Array.from({ length: P }, (_, p) =>
          Float64Array.from({ length: n }, (_, i) => (Math.floor(i / T) === p ? 1 : 0)),
        ),
        ...cols,
      ];
      const xtx = X.map((a) => X.map((b) => a.reduce((s, v, i) => s + v * b[i]!, 0)));
      const b = solveLinear(
        xtx,
        X.map((a) => a.reduce((s, v, i) => s + v * y[i]!, 0)),
      );
      const rss = y.reduce((s, v, i) => s + (v - X.reduce((f, c, k) => f + b[k]! * c[i]!, 0)) ** 2, 0);
      return { rss, coef: b.slice(P) };
    };
    const cols = [...knots, x];
    const ref = reference(cols);
    const fit = olsWithin(y, cols, P);
    expect(fit.rss / ref.rss).toBeCloseTo(1, 6);
    for (const [i, c] of fit.coef.entries()) expect(c).toBeCloseTo(ref.coef[i]!, 5);
    const prof = residualProfiler(cols, P);
    expect(prof(y) / ref.rss).toBeCloseTo(1, 6);
    expect(prof.withColumns(y, [z]) / reference([...cols, z]).rss).toBeCloseTo(1, 6);
  });
});

describe('organic media', () => {
  it('gives an organic channel its own carry-over and saturation and keeps it out of paid ROI', () => {
    const truth: ChannelParams[] = [
      { alpha: 0.4, lambda: 1, beta: 600, scale: 100 },
      { alpha: 0.3, lambda: 1, beta: 300, scale: 100 },
    ];
    const base = simulate(truth, 150, 20);
    const r = rng(21);
    const T = base.y.length;
    // Organic impressions partly follow channel 0 and add a saturating effect of 400 at most.
    const o = Float64Array.from(base.media[0]!.spend, (v) => 0.5 * v + 100 * r());
    const ao = adstock(o, 0.6, 9);
    const med = [...o].sort((a, b) => a - b)[Math.floor(T / 2)]!;
    const y = Float64Array.from(base.y, (v, t) => v + (400 * (ao[t]! / med)) / (ao[t]! / med + 0.5));
    const withOrganic: MmmInput = {
      ...base,
      y,
      media: base.media.slice(0, 2),
      organic: [{ name: 'organic', values: o }],
      adstockWindow: 9,
    };
    const without: MmmInput = { ...withOrganic, organic: [] };
    const start = fitResponseCurves(without, { saturation: 'hill' }).channels.map((c) => c.params);
    const trueT = channelTotals(withOrganic, 0, { ...truth[0]!, shape: 'hill' });
    const trueRoi = trueT.contribution / trueT.spend;
    const roiErr = (input: MmmInput) => {
      const map = mapWithPriors(input, start, { ...PRIORS, alphaMax: 1 });
      const t = channelTotals(input, 0, map.params[0]!);
      return { err: Math.abs(t.contribution / t.spend / trueRoi - 1), map };
    };
    const a = roiErr(withOrganic);
    const b = roiErr(without);
    expect(a.map.organic).toHaveLength(1);
    expect(a.map.organic[0]!.halfSaturation).toBeGreaterThan(0.2);
    expect(a.map.organic[0]!.halfSaturation).toBeLessThan(1.5);
    expect(a.err).toBeLessThan(0.1);
    // Left out, the organic effect is credited to the paid channel it follows.
    expect(b.err).toBeGreaterThan(a.err + 0.1);
    expect(() => fitResponseCurves(withOrganic)).toThrow(/organic/);
    const post = sampleCurvePosterior(
      withOrganic,
      start,
      { ...PRIORS, alphaMax: 1 },
      {
        draws: 60,
        burnIn: 600,
        seed: 5,
      },
    );
    expect(Math.abs(post.roi[0]!.mean / trueRoi - 1)).toBeLessThan(0.15);
    for (const d of post.draws) expect(d).toHaveLength(2);
  });
});

describe('sampleCurvePosterior', () => {
  const truth: ChannelParams[] = [
    { alpha: 0.4, lambda: 1, beta: 600, scale: 100 },
    { alpha: 0.3, lambda: 1, beta: 0, scale: 100 },
  ];
  // simulate() adds the constant third channel; it has no effect on y either.
  const input = simulate(truth);
  const start = fitResponseCurves(input, { saturation: 'hill' }).channels.map((c) => c.params);
  const post = sampleCurvePosterior(input, start, PRIORS, {
    draws: 500,
    burnIn: 2000,
    thin: 5,
    seed: 3,
    chains: 2,
  });
  const trueRoi = channelTotals(input, 0, { ...truth[0]!, shape: 'hill' });

  it('measures a channel the data see, and mixes', () => {
    const roi0 = trueRoi.contribution / trueRoi.spend;
    expect(Math.abs(post.roi[0]!.mean / roi0 - 1)).toBeLessThan(0.15);
    expect(post.roi[0]!.p95 / post.roi[0]!.p05).toBeLessThan(2);
    // The channel that does nothing: small, and well below the one that works.
    expect(post.roi[1]!.p95).toBeLessThan(1.5);
    expect(post.roi[1]!.mean).toBeLessThan(post.roi[0]!.mean / 3);
    expect(post.acceptance).toBeGreaterThan(0.05);
    expect(post.acceptance).toBeLessThan(0.7);
    expect(post.draws).toHaveLength(1000);
    for (const r of post.rhat) expect(r).toBeLessThan(1.1);
    for (const d of post.draws) for (const p of d) expect(p.shape).toBe('hill');
  });

  it('leaves a channel the data cannot see at the prior: its mean, not its mode', () => {
    const map = mapWithPriors(input, start, PRIORS).params;
    const t = channelTotals(input, 2, map[2]!);
    // LogNormal(0.2, 0.9): mean e^{0.605} ≈ 1.83, 5–95 % 0.28–5.3, mode e^{−0.61} ≈ 0.54.
    expect(t.contribution / t.spend).toBeLessThan(1);
    expect(post.roi[2]!.mean).toBeGreaterThan(1.2);
    expect(post.roi[2]!.mean).toBeLessThan(2.6);
    expect(post.roi[2]!.p05).toBeLessThan(0.6);
    expect(post.roi[2]!.p95).toBeGreaterThan(3);
  });

  it('allocates on the expected response of the draws within the bounds', () => {
    const entities = posteriorEntities(input, post.draws, { lower: 0.3, upper: 0.3 }, 20);
    const budget = entities.reduce((s, e) => s + e.current!, 0);
    const a = allocateBudget(entities, budget);
    expect(a.totalSpend).toBeCloseTo(budget, 3);
    // Money moves from the channel that does nothing to the one that works, within the bounds.
    const [works, idle] = [a.allocations[0]!, a.allocations[1]!];
    expect(works.spend).toBeGreaterThan(works.current! * 1.05);
    expect(idle.spend).toBeLessThan(idle.current! * 0.95);
    for (const x of a.allocations) {
      expect(x.spend).toBeGreaterThanOrEqual(x.current! * 0.7 - 1e-6);
      expect(x.spend).toBeLessThanOrEqual(x.current! * 1.3 + 1e-6);
    }
    expect(a.gain!).toBeGreaterThan(0);
  });

  it('flags chains that disagree with R̂', () => {
    const same = Array.from({ length: 4 }, (_, k) =>
      Array.from({ length: 200 }, (_, i) => Math.sin(i * 7.1 + k)),
    );
    expect(splitRhat(same)).toBeLessThan(1.05);
    const apart = [same[0]!, same[1]!.map((v) => v + 3)];
    expect(splitRhat(apart)).toBeGreaterThan(1.5);
    // Chains that never moved, at different places: not mixed at all.
    expect(splitRhat([new Array(10).fill(1), new Array(10).fill(2)])).toBe(Number.POSITIVE_INFINITY);
    expect(splitRhat([new Array(10).fill(1), new Array(10).fill(1)])).toBe(1);
  });

  it('refuses starting curves outside the priors and nonsense settings', () => {
    expect(() => sampleCurvePosterior(input, start, PRIORS, { draws: 1 })).toThrow(/draws/);
    const outside = start.map((p) => ({ ...p, lambda: 1e6 }));
    expect(() => sampleCurvePosterior(input, start, PRIORS, { start: outside, draws: 10 })).toThrow(
      /support/,
    );
  });
});

describe('sampleCurvePosterior with per-geo media effects', () => {
  // Six geos, one channel whose coefficient differs by geo (×6 from the lowest to the highest), a
  // shared effect per week and an intercept per geo.
  const P = 6;
  const T = 100;
  const trueBeta = [200, 400, 800, 300, 1200, 600];
  const r = rng(21);
  const spend = Float64Array.from({ length: P * T }, () => (r() < 0.85 ? 100 * (0.3 + 1.4 * r()) : 0));
  const a = adstockPanels(spend, P, 0.4, 100);
  const week = Float64Array.from({ length: T }, (_, t) => 300 * Math.sin(t / 8));
  const y = Float64Array.from(
    { length: P * T },
    (_, i) =>
      500 +
      100 * Math.floor(i / T) +
      week[i % T]! +
      trueBeta[Math.floor(i / T)]! * saturate(a[i]!, 1, 'hill'),
  );
  for (let i = 0; i < y.length; i++) y[i]! += 15 * (r() + r() + r() - 1.5);
  const input: MmmInput = { panels: P, y, controls: [], media: [{ name: 'c0', spend }], timeEffects: true };
  const truth: ChannelParams = {
    alpha: 0.4,
    lambda: 1,
    beta: 0,
    scale: 100,
    shape: 'hill',
    panelBeta: trueBeta,
  };
  const trueTotals = channelTotals(input, 0, truth);
  const start = [{ alpha: 0.3, lambda: 1.5, beta: 500, scale: 100, shape: 'hill' as const }];
  const opts = { draws: 1000, burnIn: 3000, thin: 3, seed: 4, chains: 2, start };
  const post = sampleCurvePosterior(input, start, { ...PRIORS, alphaMax: 1 }, { ...opts, perGeoMedia: true });
  const pooled = sampleCurvePosterior(input, start, { ...PRIORS, alphaMax: 1 }, opts);

  it('recovers each geo’s coefficient, the spread across geos and the ROI over all geos', () => {
    const mean = trueBeta.map(
      (_, g) => post.draws.reduce((s, d) => s + d[0]!.panelBeta![g]!, 0) / post.draws.length,
    );
    for (const [g, b] of trueBeta.entries()) expect(Math.abs(mean[g]! / b - 1)).toBeLessThan(0.15);
    // The log coefficients' spread is 0.6; η is its posterior, well away from 0 (pooled).
    expect(post.eta![0]!.mean).toBeGreaterThan(0.3);
    expect(post.eta![0]!.mean).toBeLessThan(1.5);
    const trueRoi = trueTotals.contribution / trueTotals.spend;
    expect(Math.abs(post.roi[0]!.mean / trueRoi - 1)).toBeLessThan(0.1);
    expect(post.roi[0]!.p05).toBeLessThan(trueRoi);
    expect(post.roi[0]!.p95).toBeGreaterThan(trueRoi);
    // The half-saturation–ROI ridge mixes slowly at this low noise (R̂ ≈ 1.15 here): converged
    // enough for the checks above, not more.
    expect(post.rhat[0]).toBeLessThan(1.25);
    expect(post.geoAcceptance).toBeGreaterThan(0.1);
    // ROI is total incremental outcome over total spend: the draws' own totals agree with it.
    const d = post.draws.at(-1)![0]!;
    const t = channelTotals(input, 0, d);
    expect(t.contribution / t.spend).toBeGreaterThan(0);
    // The expected response at the historical budget is the fitted contribution, geo by geo summed.
    const [e] = posteriorEntities(input, post.draws);
    expect(Math.abs(e!.response(e!.current!) / trueTotals.contribution - 1)).toBeLessThan(0.1);
  });

  it('gives the same draws with its chains split across processes', async () => {
    const short = { ...opts, draws: 40, burnIn: 200, chains: 3, perGeoMedia: true };
    const priors = { ...PRIORS, alphaMax: 1 };
    const one = sampleCurvePosterior(input, start, priors, short);
    const progress: Array<[number, number, number]> = [];
    const split = await sampleCurvePosteriorParallel(
      input,
      start,
      priors,
      { ...short, onProgress: (chain, done, total) => progress.push([chain, done, total]) },
      2,
    );
    // The children's progress reaches the caller: every chain reports its end, burn-in included.
    const total = short.burnIn + short.draws * opts.thin;
    expect(
      progress
        .filter(([, done]) => done === total)
        .map(([c]) => c)
        .sort(),
    ).toEqual([0, 1, 2]);
    expect(progress.every(([c, done, t]) => c < 3 && t === total && done > 0 && done <= t)).toBe(true);
    // Every 500 iterations too: a long chain reports as it goes.
    const steps: number[] = [];
    sampleCurvePosterior(input, start, priors, {
      ...short,
      chains: 1,
      burnIn: 1100,
      onProgress: (_c, done) => steps.push(done),
    });
    expect(steps).toEqual([500, 1000, 1100 + short.draws * opts.thin]);
    // A callback that throws fails the call with its error (the children are stopped).
    await expect(
      sampleCurvePosteriorParallel(
        input,
        start,
        priors,
        {
          ...short,
          onProgress: () => {
            throw new Error('progress sink closed');
          },
        },
        2,
      ),
    ).rejects.toThrow('progress sink closed');
    expect(split.draws).toEqual(one.draws);
    expect(split.roi).toEqual(one.roi);
    expect(split.rhat).toEqual(one.rhat);
    expect(split.eta).toEqual(one.eta);
    expect(split.acceptance).toBe(one.acceptance);
    expect(split.draws).toHaveLength(120);
    await expect(
      sampleCurvePosteriorParallel(input, start, priors, { ...short, chainIds: [0] }, 2),
    ).rejects.toThrow(/chainIds/);
    await expect(sampleCurvePosteriorParallel(input, start, priors, short, Number.NaN)).rejects.toThrow(
      /processes/,
    );
    // A chain that fails in its child process fails the whole call with its reason.
    await expect(
      sampleCurvePosteriorParallel(input, start, priors, { ...short, draws: 1 }, 2),
    ).rejects.toThrow(/posterior chains failed: draws/);
  });

  it('is off by default: one pooled coefficient, which fits worse', () => {
    expect(pooled.eta).toBeUndefined();
    expect(pooled.draws[0]![0]!.panelBeta).toBeUndefined();
    // With one coefficient for all geos, the geos' differences go to the residual: the geo-level
    // fit of the last draw is worse than with per-geo coefficients.
    const sse = (p: ChannelParams) => {
      const fitted = adstockPanels(spend, P, p.alpha, p.scale);
      const res = Float64Array.from(
        y,
        (v, i) => v - (p.panelBeta?.[Math.floor(i / T)] ?? p.beta) * saturate(fitted[i]!, p.lambda, 'hill'),
      );
      return residualProfiler([], P, true)(res);
    };
    expect(sse(pooled.draws.at(-1)![0]!)).toBeGreaterThan(2 * sse(post.draws.at(-1)![0]!));
  });
});
