import { describe, expect, it } from 'vitest';
import { AKS_BASE_PENALTY, aksScaledKpi, automaticKnotSelection, knotWeightsAt } from './aks.ts';
import { weightControls } from './knots.ts';

function rng(seed: number) {
  return () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
}
/** Standard normal by Box–Muller. */
const normal = (r: () => number) => Math.sqrt(-2 * Math.log(r())) * Math.cos(2 * Math.PI * r());

/** Geo KPI: population × (geo level + common piecewise-linear time curve + noise). */
function panel(curve: (t: number) => number, panels: number, T: number, noise: number, seed: number) {
  const r = rng(seed);
  const population = Array.from({ length: panels }, () => 1e4 * (1 + 9 * r()));
  const level = Array.from({ length: panels }, () => 5 + 5 * r());
  const kpi = Float64Array.from({ length: panels * T }, (_, i) => {
    const g = Math.floor(i / T);
    return population[g]! * (level[g]! + curve(i % T) + noise * normal(r));
  });
  return { kpi, population };
}

describe('Meridian automatic knot selection (AKS)', () => {
  it('keeps knots at the bends of the common time curve and few elsewhere', () => {
    const T = 104;
    const panels = 8;
    // Rises to week 30, falls to week 70, rises again: bends at 30 and 70.
    const curve = (t: number) => (t <= 30 ? 0.1 * t : t <= 70 ? 3 - 0.1 * (t - 30) : -1 + 0.08 * (t - 70));
    const { kpi, population } = panel(curve, panels, T, 0.3, 7);
    const y = aksScaledKpi(kpi, population, panels);
    const r = automaticKnotSelection(y, panels, { features: 4 });
    expect(r.converged).toBe(AKS_BASE_PENALTY.length);
    expect(r.knots.length).toBeGreaterThanOrEqual(2);
    expect(r.knots.length).toBeLessThanOrEqual(10);
    expect([...r.knots].sort((a, b) => a - b)).toEqual(r.knots);
    expect(new Set(r.knots).size).toBe(r.knots.length);
    expect(r.knots.every((k) => Number.isInteger(k) && k >= 1 && k <= T - 3)).toBe(true);
    for (const bend of [30, 70]) expect(r.knots.some((k) => Math.abs(k - bend) <= 2)).toBe(true);
    // A larger penalty never keeps more knots here (the path runs from the smallest penalty up).
    expect(r.path[0]!.knots.length).toBeGreaterThan(r.path.at(-1)!.knots.length);
  });

  it('keeps few of the 77 candidate knots for a series with no common time pattern', () => {
    const { kpi, population } = panel(() => 0, 6, 80, 0.3, 3);
    const r = automaticKnotSelection(aksScaledKpi(kpi, population, 6), 6, { features: 2 });
    expect(r.knots.length).toBeGreaterThanOrEqual(1);
    expect(r.knots.length).toBeLessThanOrEqual(5);
  });

  it('scales the KPI per capita, standardizes it and centres each geo', () => {
    const kpi = [10, 20, 30, 400, 400, 700];
    const y = aksScaledKpi(kpi, [10, 100], 2);
    // Per capita 1, 2, 3 | 4, 4, 7: mean 3.5, sd √(21.5/6); centred per geo.
    const sd = Math.sqrt(21.5 / 6);
    const expected = [-1 / sd, 0, 1 / sd, -1 / sd, -1 / sd, 2 / sd];
    for (const [i, v] of y.entries()) expect(v).toBeCloseTo(expected[i]!, 12);
    // The units of the KPI do not matter.
    const scaled = aksScaledKpi(
      kpi.map((v) => v * 1000),
      [10, 100],
      2,
    );
    for (const [i, v] of scaled.entries()) expect(v).toBeCloseTo(y[i]!, 12);
  });

  it('refuses input it cannot use with invalid_input', () => {
    const y = new Float64Array(2 * 20).map((_, i) => Math.sin(i));
    expect(() => automaticKnotSelection(y, 2, { features: 17 })).toThrow(
      expect.objectContaining({ code: 'invalid_input' }),
    );
    expect(() => automaticKnotSelection(new Float64Array(2 * 4), 2, { features: 0 })).toThrow(
      expect.objectContaining({ code: 'invalid_input' }),
    );
    const bad = Float64Array.from(y);
    bad[3] = Number.NaN;
    expect(() => automaticKnotSelection(bad, 2, { features: 0 })).toThrow(
      expect.objectContaining({ code: 'invalid_input' }),
    );
    expect(() => aksScaledKpi([1, 2, 3], [1, 2], 2)).toThrow(
      expect.objectContaining({ code: 'invalid_input' }),
    );
  });
});

describe('knot weights at chosen weeks (Meridian l1_distance_weights)', () => {
  it('interpolates linearly between knots, is flat outside them and sums to one every week', () => {
    const W = knotWeightsAt(12, [2, 5, 9]);
    expect(W).toHaveLength(3);
    for (let t = 0; t < 12; t++) expect(W.reduce((s, w) => s + w[t]!, 0)).toBeCloseTo(1, 12);
    // Before the first knot and after the last: all weight on the end knot.
    expect([W[0]![0], W[0]![1], W[0]![2], W[2]![9], W[2]![11]]).toEqual([1, 1, 1, 1, 1]);
    expect(W[1]![5]).toBe(1);
    // Week 3 is a third of the way from knot 2 to knot 5; week 7 halfway from 5 to 9.
    expect(W[0]![3]).toBeCloseTo(2 / 3, 12);
    expect(W[1]![3]).toBeCloseTo(1 / 3, 12);
    expect(W[1]![7]).toBeCloseTo(0.5, 12);
    expect(W[2]![7]).toBeCloseTo(0.5, 12);
    expect(W[2]![3]).toBe(0);
    expect(knotWeightsAt(5, [3])[0]).toEqual(new Float64Array(5).fill(1));
    // As panel controls the first knot is left out (the panel intercepts absorb it).
    const controls = weightControls(2, 12, W);
    expect(controls).toHaveLength(2);
    expect(controls[0]!.values[12 + 7]).toBeCloseTo(0.5, 12);
  });

  it('refuses unsorted, repeated or out-of-range knots', () => {
    for (const bad of [[3, 2], [2, 2], [-1, 4], [4, 12], [], [1.5]])
      expect(() => knotWeightsAt(12, bad)).toThrow(expect.objectContaining({ code: 'invalid_input' }));
  });
});
