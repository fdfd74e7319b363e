import { describe, expect, it } from 'vitest';
import { olsNonNegativeBaseline, olsWithin } from './ols.ts';

describe('olsWithin', () => {
  it('recovers a slope exactly under panel and week fixed effects', () => {
    const panels = 4;
    const T = 30;
    const x = Float64Array.from({ length: panels * T }, (_, i) => Math.sin(i * 1.7) + (i % 7));
    const y = x.map((v, i) => 2.5 * v + 10 * Math.floor(i / T) + 3 * Math.cos(i % T));
    const twoWay = olsWithin(y, [x], panels, true);
    expect(twoWay.coef[0]).toBeCloseTo(2.5, 8);
    expect(twoWay.rss).toBeLessThan(1e-12);
    expect(twoWay.fitted[37]).toBeCloseTo(y[37]!, 8);
    // Without week effects the common weekly pattern is left in the residuals.
    expect(olsWithin(y, [x], panels, false).rss).toBeGreaterThan(1);
  });

  it('reuses a control array across calls and layouts without mixing them up', () => {
    // The same control arrays with new media columns (an optimizer's calls), and the same arrays
    // read as another panel layout: each answer is the one a fresh copy of the arrays gets.
    const panels = 4;
    const T = 30;
    const n = panels * T;
    const week = Float64Array.from({ length: n }, (_, i) => Math.max(0, (i % T) - 10) / T); // a knot
    const control = Float64Array.from({ length: n }, (_, i) => Math.cos(i * 0.37));
    for (const slope of [1.5, -0.7, 4]) {
      const media = Float64Array.from({ length: n }, (_, i) => Math.sin(i * (0.9 + slope / 10)) + 2);
      const y = media.map((v, i) => slope * v + 2 * week[i]! - control[i]! + 0.05 * Math.sin(i * 5.3));
      for (const [p, two] of [
        [panels, false],
        [panels, true],
        [2, false],
        [1, false],
      ] as const) {
        const reused = olsWithin(y, [control, week, media], p, two);
        const fresh = olsWithin(y, [control.slice(), week.slice(), media.slice()], p, two);
        expect(reused.coef).toEqual(fresh.coef);
        expect(reused.rss).toBe(fresh.rss);
      }
      expect(olsWithin(y, [control, week, media], panels, false).coef[2]).toBeCloseTo(slope, 1);
    }
  });
});

describe('olsNonNegativeBaseline', () => {
  const x = Float64Array.from({ length: 20 }, (_, i) => 1 + (i % 5) * 0.1);
  const sum = (v: Float64Array) => v.reduce((s, u) => s + u, 0);

  it('is plain least squares when the baseline and slope come out ≥ 0', () => {
    const y = x.map((v, i) => 3 + 2 * v + (i % 2 ? 0.01 : -0.01));
    const f = olsNonNegativeBaseline(y, x);
    expect(f.bound).toBe('none');
    expect(f.coef[0]).toBeCloseTo(2, 1);
    expect(f.intercepts[0]).toBeCloseTo(3, 1);
    expect(f.coef[0]! * sum(x)).toBeLessThanOrEqual(sum(y));
  });

  it('holds the baseline at 0 where free least squares puts it below, so β·Σx ≤ Σy', () => {
    // y rises faster than in proportion to x over a narrow range: the free fit's line crosses 0.
    const y = x.map((v) => 10 * (v - 0.8));
    const free = olsWithin(y, [x], 1);
    expect(free.intercepts[0]).toBeLessThan(0);
    expect(free.coef[0]! * sum(x)).toBeGreaterThan(sum(y));
    const f = olsNonNegativeBaseline(y, x);
    expect(f.bound).toBe('baseline');
    expect(f.intercepts[0]).toBe(0);
    expect(f.coef[0]! * sum(x)).toBeLessThanOrEqual(sum(y) * (1 + 1e-12));
    // Nothing feasible fits better: a grid over a ≥ 0, 0 ≤ β ≤ Σy/Σx.
    const rss = (a: number, b: number) => y.reduce((s, v, i) => s + (v - a - b * x[i]!) ** 2, 0);
    for (let a = 0; a <= 3; a += 0.25)
      for (let b = 0; b <= sum(y) / sum(x); b += 0.05) expect(rss(a, b)).toBeGreaterThanOrEqual(f.rss - 1e-9);
  });

  it('gives no media effect when the outcome falls with spend', () => {
    const y = x.map((v) => 5 - v);
    const f = olsNonNegativeBaseline(y, x);
    expect(f.bound).toBe('media');
    expect(f.coef[0]).toBe(0);
    expect(f.intercepts[0]).toBeCloseTo(sum(y) / y.length, 12);
  });
});
