import { describe, expect, it } from 'vitest';
import { etsForecast, fitEts } from './ets.ts';
import { decompose, isSeasonal } from './features.ts';
import { adjusted, mstlModel, seasonalNaive } from './models.ts';
import { nelderMead } from './nelder-mead.ts';
import { mae, rng, synthetic } from './testing.ts';

/** Fits on all but the last h points and returns the forecast's MAE on them. */
function holdoutMae(series: number[], h: number, run: (x: Float64Array, h: number) => { mean: number[] }) {
  const train = Float64Array.from(series.slice(0, -h));
  return mae(series.slice(-h), run(train, h).mean);
}
const naive = adjusted('naive', 1);

describe('building blocks', () => {
  it('Nelder–Mead finds the minimum of a smooth bowl', () => {
    const r = nelderMead((p) => (p[0]! - 3) ** 2 + 10 * (p[1]! + 1) ** 2, [0, 0]);
    expect(r.x[0]).toBeCloseTo(3, 3);
    expect(r.x[1]).toBeCloseTo(-1, 3);
  });

  it('SES on a noisy constant level forecasts the level with a small alpha', () => {
    const fit = fitEts(Float64Array.from(synthetic(300, { level: 50, noise: 2, seed: 3 })), 'ses');
    expect(fit.alpha).toBeLessThan(0.3);
    expect(etsForecast(fit, 1)[0]).toBeCloseTo(50, 0);
  });

  it('the damped trend stays within the M4 bounds and flattens', () => {
    const fit = fitEts(Float64Array.from(synthetic(120, { slope: 1, noise: 1, seed: 5 })), 'damped');
    expect(fit.phi).toBeGreaterThanOrEqual(0.8);
    expect(fit.phi).toBeLessThanOrEqual(0.98);
    const f = etsForecast(fit, 200);
    expect(f[199]! - f[198]!).toBeLessThan(f[1]! - f[0]!);
  });

  it('the seasonality test finds a weekly cycle and rejects white noise and short series', () => {
    expect(isSeasonal(synthetic(140, { amplitude: 10, noise: 2, seed: 1 }), 7)).toBe(true);
    expect(isSeasonal(synthetic(140, { amplitude: 0, noise: 2, seed: 1 }), 7)).toBe(false);
    expect(isSeasonal(synthetic(20, { amplitude: 10, noise: 0.1, seed: 1 }), 7)).toBe(false);
  });

  it('multiplicative decomposition recovers the seasonal indices of level × pattern', () => {
    const pattern = [0.8, 1.2, 1.0, 0.9, 1.1, 1.3, 0.7];
    const x = Array.from({ length: 70 }, (_, t) => 200 * pattern[t % 7]!);
    const d = decompose(x, 7, 'multiplicative');
    for (const [i, p] of pattern.entries()) expect(d.seasonal[i]).toBeCloseTo(p, 9);
    expect(Math.max(...d.adjusted) - Math.min(...d.adjusted)).toBeLessThan(1e-9);
  });
});

describe('every model beats the naive forecast on the structure it models', () => {
  const trend = synthetic(150, { slope: 0.8, noise: 1.5, seed: 11 });
  const weekly = synthetic(150, { amplitude: 25, noise: 2, seed: 12 });
  const level = synthetic(150, { noise: 10, seed: 13 });

  it.each(['holt', 'damped', 'theta', 'drift'])('%s on a linear trend', (kind) => {
    const model = adjusted(kind, 1);
    expect(holdoutMae(trend, 14, model.run)).toBeLessThan(0.7 * holdoutMae(trend, 14, naive.run));
  });

  it.each(['ses', 'theta', 'damped'])('%s on noise around a constant level', (kind) => {
    const model = adjusted(kind, 1);
    expect(holdoutMae(level, 14, model.run)).toBeLessThan(holdoutMae(level, 14, naive.run));
  });

  it.each(['naive', 'ses', 'holt', 'damped', 'theta', 'drift'])(
    '%s deseasonalised at 7 on a weekly cycle',
    (kind) => {
      const model = adjusted(kind, 7);
      expect(holdoutMae(weekly, 14, model.run)).toBeLessThan(0.5 * holdoutMae(weekly, 14, naive.run));
    },
  );

  it('seasonal naive on a weekly cycle', () => {
    expect(holdoutMae(weekly, 14, seasonalNaive(7).run)).toBeLessThan(
      0.5 * holdoutMae(weekly, 14, naive.run),
    );
  });

  it('MSTL on hourly data with daily and weekly cycles', () => {
    const r = rng(21);
    const hourly = Array.from(
      { length: 24 * 7 * 5 },
      (_, t) =>
        100 + 30 * Math.sin((2 * Math.PI * t) / 24) + 15 * Math.sin((2 * Math.PI * t) / 168) + 3 * r.normal(),
    );
    const model = mstlModel([24, 168]);
    expect(holdoutMae(hourly, 48, model.run)).toBeLessThan(0.3 * holdoutMae(hourly, 48, naive.run));
  });
});
