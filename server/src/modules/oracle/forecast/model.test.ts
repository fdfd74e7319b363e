import { describe, expect, it } from 'vitest';
import { AppError } from '../../../platform/errors.ts';
import { FORECAST_VERSION, forecast } from './model.ts';
import { rng, synthetic } from './testing.ts';

const allFinite = (f: ReturnType<typeof forecast>) =>
  [f.mean, f.lo80, f.hi80, f.lo95, f.hi95].every((a) => a.every(Number.isFinite));

function invalid(run: () => unknown): AppError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('invalid_input');
    return e as AppError;
  }
  throw new Error('expected an invalid_input error');
}

describe('forecast()', () => {
  it('returns h steps with intervals, the model and its version', () => {
    const f = forecast(synthetic(120, { amplitude: 20, slope: 0.3, seed: 2 }), {
      horizon: 30,
      frequency: 'daily',
    });
    expect(f.mean).toHaveLength(30);
    expect(f.version).toBe(FORECAST_VERSION);
    expect(f.model).toMatch(/\S/);
    expect(f.diagnostics.members.length).toBeGreaterThan(0);
    expect(f.diagnostics.seasonal).toEqual([7]);
    expect(f.diagnostics.backtest?.origins).toHaveLength(3);
    for (let j = 0; j < 30; j++) {
      expect(f.lo95[j]).toBeLessThanOrEqual(f.lo80[j]!);
      expect(f.lo80[j]).toBeLessThanOrEqual(f.mean[j]!);
      expect(f.hi80[j]).toBeLessThanOrEqual(f.hi95[j]!);
    }
  });

  it('is deterministic', () => {
    const s = synthetic(90, { amplitude: 5, seed: 4 });
    expect(forecast(s, { horizon: 7, season: 7 })).toEqual(forecast(s, { horizon: 7, season: 7 }));
  });

  it('rejects an empty or all-missing series with a clear message', () => {
    expect(invalid(() => forecast([], { horizon: 7 })).message).toMatch(/empty/);
    expect(invalid(() => forecast([null, Number.NaN], { horizon: 7 })).message).toMatch(/no observed values/);
  });

  it('rejects bad horizons, seasons and infinite values', () => {
    invalid(() => forecast([1, 2, 3], { horizon: 0 }));
    invalid(() => forecast([1, 2, 3], { horizon: 1.5 }));
    invalid(() => forecast([1, 2, 3], { horizon: 100_000 }));
    invalid(() => forecast([1, 2, 3], { horizon: 3, season: 0 }));
    expect(invalid(() => forecast([1, Number.POSITIVE_INFINITY], { horizon: 3 })).details).toEqual({
      position: 1,
    });
  });

  it('rejects negative spend with its position when the quantity cannot be negative', () => {
    const e = invalid(() => forecast([10, 12, -3, 11], { horizon: 3, nonNegative: true }));
    expect(e.message).toMatch(/position 2 is negative/);
  });

  it('forecasts a series with negative values when negatives are allowed, without flooring', () => {
    const f = forecast(synthetic(60, { level: -5, noise: 3, seed: 9 }), { horizon: 5 });
    expect(f.mean.some((v) => v < 0)).toBe(true);
    expect(allFinite(f)).toBe(true);
  });

  it('gives a constant series a flat forecast with zero-width intervals', () => {
    const f = forecast(new Array<number>(40).fill(7), { horizon: 5, frequency: 'daily' });
    expect(f.mean).toEqual([7, 7, 7, 7, 7]);
    expect(f.lo95).toEqual(f.mean);
    expect(f.hi95).toEqual(f.mean);
    expect(f.diagnostics.warnings.join()).toMatch(/constant/);
  });

  it('forecasts all-zero conversions as zero', () => {
    const f = forecast(new Array<number>(30).fill(0), { horizon: 14, nonNegative: true });
    expect(f.mean.every((v) => v === 0)).toBe(true);
    expect(f.hi95.every((v) => v === 0)).toBe(true);
  });

  it('gives a single day of data a flat forecast with an interval relative to the level, widening', () => {
    const f = forecast([250], { horizon: 3, frequency: 'daily' });
    expect(f.model).toBe('mean');
    expect(f.mean).toEqual([250, 250, 250]);
    expect(f.hi80[0]! - f.lo80[0]!).toBeGreaterThan(250);
    expect(f.lo95[0]).toBe(0);
    expect(f.hi95[2]).toBeGreaterThan(f.hi95[0]!);
    expect(f.diagnostics.intervals.method).toBe('short-series');
  });

  it('fills gaps and drops leading missing values, and says so', () => {
    const s: (number | null)[] = [null, null, ...synthetic(50, { seed: 6 })];
    s[10] = null;
    s[51] = Number.NaN;
    const f = forecast(s, { horizon: 4 });
    expect(f.diagnostics.observations).toBe(50);
    expect(f.diagnostics.imputed).toBe(2);
    expect(f.diagnostics.warnings.join()).toMatch(/2 leading missing values dropped/);
    expect(allFinite(f)).toBe(true);
  });

  it('forecasts the mean rate of intermittent conversions rather than zero', () => {
    const r = rng(8);
    const s = Array.from({ length: 120 }, () => (r.uniform() < 0.1 ? 1 : 0));
    const f = forecast(s, { horizon: 30, nonNegative: true, frequency: 'daily' });
    const total = f.mean.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(1);
    expect(total).toBeLessThan(8);
  });

  it('never returns NaN, whatever the input', () => {
    const r = rng(77);
    for (let k = 0; k < 40; k++) {
      const n = 1 + Math.floor(r.uniform() * 60);
      const s = Array.from({ length: n }, () => {
        const u = r.uniform();
        if (u < 0.1) return null;
        if (u < 0.3) return 0;
        if (u < 0.35) return 1e9 * r.uniform();
        return Math.round(100 * r.uniform());
      });
      if (s.every((v) => v === null)) continue;
      const f = forecast(s, { horizon: 1 + (k % 20), season: 1 + (k % 8) });
      expect(allFinite(f)).toBe(true);
    }
  });
});
