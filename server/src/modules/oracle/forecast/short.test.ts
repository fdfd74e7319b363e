import { describe, expect, it } from 'vitest';
import { forecast } from './model.ts';
import { tQuantile } from './short.ts';

const width = (f: ReturnType<typeof forecast>, j: number, level: 80 | 95) =>
  level === 80 ? f.hi80[j]! - f.lo80[j]! : f.hi95[j]! - f.lo95[j]!;

describe('series too short to backtest (fewer than ~12 observations)', () => {
  it('Student-t quantiles match the tables', () => {
    const table: [number, number, number][] = [
      [1, 3.078, 12.706],
      [2, 1.886, 4.303],
      [3, 1.638, 3.182],
      [4, 1.533, 2.776],
      [9, 1.383, 2.262],
      [12, 1.356, 2.179],
    ];
    for (const [df, q90, q975] of table) {
      expect(tQuantile(0.9, df)).toBeCloseTo(q90, 3);
      expect(tQuantile(0.975, df)).toBeCloseTo(q975, 3);
    }
  });

  it('projects no trend: a rising week forecasts its mean, flat, named and warned', () => {
    const f = forecast([100, 200, 300, 400, 500], { horizon: 30, nonNegative: true, frequency: 'daily' });
    expect(f.model).toBe('mean');
    expect(f.diagnostics.members).toEqual(['mean']);
    expect(f.diagnostics.intervals.method).toBe('short-series');
    expect(f.diagnostics.backtest).toBeNull();
    expect(f.mean).toEqual(new Array(30).fill(300));
    expect(f.diagnostics.warnings).toContainEqual(
      expect.stringMatching(/^only 5 observations of history: no trend is projected/),
    );
  });

  it('intervals widen with the horizon (strictly, until the floor at 0) and stay ≥ 0', () => {
    for (const s of [
      [10, 12],
      [1.6, 0.9, 2.2],
      [1100, 950, 1200, 1010, 980, 1150, 1040, 990, 1100, 1020],
    ]) {
      const f = forecast(s, { horizon: 30, nonNegative: true });
      for (let j = 1; j < 30; j++) {
        expect(f.hi80[j]).toBeGreaterThan(f.hi80[j - 1]!);
        expect(f.hi95[j]).toBeGreaterThan(f.hi95[j - 1]!);
        expect(f.lo80[j]).toBeLessThanOrEqual(f.lo80[j - 1]!);
        expect(f.lo95[j]).toBeLessThanOrEqual(f.lo95[j - 1]!);
        expect(f.lo95[j]).toBeGreaterThanOrEqual(0);
        expect(f.lo95[j]).toBeLessThanOrEqual(f.lo80[j]!);
        expect(f.hi80[j]).toBeLessThanOrEqual(f.hi95[j]!);
      }
      // Without a floor at 0, both bands are strictly wider at step 30 than at step 1.
      const free = forecast(s, { horizon: 30, nonNegative: false });
      expect(width(free, 29, 80)).toBeGreaterThan(2 * width(free, 0, 80));
      expect(width(free, 29, 95)).toBeGreaterThan(2 * width(free, 0, 95));
    }
  });

  it('one point is never more certain than two that agree with it, and neither is a zero-width band', () => {
    const one = forecast([11], { horizon: 14, nonNegative: false });
    const agree = forecast([11, 11], { horizon: 14, nonNegative: false });
    const close = forecast([10, 12], { horizon: 14, nonNegative: false });
    for (let j = 0; j < 14; j++)
      for (const level of [80, 95] as const) {
        expect(width(one, j, level)).toBeGreaterThan(width(agree, j, level));
        expect(width(one, j, level)).toBeGreaterThan(width(close, j, level));
        expect(width(agree, j, level)).toBeGreaterThan(0);
      }
    expect(one.mean[0]).toBe(11);
    expect(close.mean).toEqual(new Array(14).fill(11));
    // Two points far apart are less certain than one: the spread they show is used.
    const apart = forecast([2, 20], { horizon: 3, nonNegative: false });
    expect(width(apart, 0, 95)).toBeGreaterThan(width(one, 0, 95));
  });

  it('a constant short series gets a band relative to its level; a long constant one keeps zero width', () => {
    const f = forecast([50, 50, 50], { horizon: 7, nonNegative: true });
    expect(f.mean).toEqual(new Array(7).fill(50));
    expect(f.diagnostics.intervals.method).toBe('short-series');
    expect(f.lo80[0]).toBeLessThan(50);
    expect(f.hi80[0]).toBeGreaterThan(50);
    expect(f.hi95[6]! - f.hi95[0]!).toBeGreaterThan(0);
    const long = forecast(new Array<number>(20).fill(50), { horizon: 7, nonNegative: true });
    expect(long.diagnostics.intervals.method).toBe('zero-spread');
    expect(long.hi95).toEqual(long.mean);
  });

  it('a short series of zeros forecasts 0 with a zero band', () => {
    for (const s of [[0], [0, 0], [0, 0, 0, 0]]) {
      const f = forecast(s, { horizon: 5, nonNegative: true });
      expect(f.mean).toEqual([0, 0, 0, 0, 0]);
      expect(f.hi95).toEqual([0, 0, 0, 0, 0]);
      expect(f.diagnostics.intervals.method).toBe('zero-spread');
    }
  });

  it('series long enough to backtest still select models on the backtest', () => {
    const s = [10, 12, 11, 13, 9, 10, 12, 14, 11, 10, 13, 12, 11];
    const f = forecast(s, { horizon: 30, nonNegative: true, frequency: 'daily' });
    expect(f.diagnostics.intervals.method).not.toBe('short-series');
    expect(f.diagnostics.backtest?.origins.length).toBeGreaterThan(0);
  });
});
