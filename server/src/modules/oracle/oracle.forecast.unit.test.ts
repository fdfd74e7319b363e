import { describe, expect, it } from 'vitest';
import { forecast } from './forecast/index.ts';
import { computeForecast, roasErrorCorrelation } from './oracle.forecast.ts';
import { addDays, type DailySeries } from './oracle.series.ts';

const from = '2026-06-01';
function series(spend: number[], revenue: number[]): DailySeries {
  return {
    from,
    to: addDays(from, spend.length - 1),
    dates: spend.map((_, i) => addDays(from, i)),
    spendMicros: spend,
    conversions: revenue.map((r) => Math.round(r / 50e6)),
    revenueMicros: revenue,
    impressions: spend.map((s) => Math.round(s / 10_000)),
    clicks: spend.map((s) => Math.round(s / 1e6)),
    currency: 'USD',
    warnings: [],
  };
}

// A deterministic, irregular spend (no weekly pattern a model could learn): hard to forecast.
const jumpy = Array.from({ length: 84 }, (_, i) =>
  Math.round((100 + 80 * Math.sin(i * 2.3) ** 2 + ((i * 37) % 23)) * 1e6),
);
const entity = { type: 'organization' as const, id: '' };

describe('ROAS forecast confidence', () => {
  it('is the ratio’s own: revenue a steady 3× a jumpy spend gives a confident ROAS, though neither part is', () => {
    const s = series(
      jumpy,
      jumpy.map((v) => 3 * v),
    );
    const spend = computeForecast(entity, s, 'spend', 14);
    const roas = computeForecast(entity, s, 'roas', 14);
    expect(spend.confidence).not.toBeNull();
    expect(spend.confidence as number).toBeLessThan(0.9);
    expect(roas.confidence).not.toBeNull();
    expect(roas.confidence as number).toBeGreaterThan(0.95);
    expect(roas.confidence as number).toBeGreaterThan(spend.confidence as number);
    for (const p of roas.points) expect(Math.abs(p.mean - 3)).toBeLessThan(0.15);
  });

  it('a steady spend and revenue whose ratio swings is not confident about ROAS', () => {
    const steady = Array.from({ length: 84 }, (_, i) => 100e6 + (i % 7) * 1e6);
    // Revenue alternates between two levels in an irregular order: ROAS swings between 1 and 5.
    const revenue = jumpy.map((v, i) => ((v / 1e6 + i) % 3 < 1.5 ? 100e6 : 500e6));
    const roas = computeForecast(entity, series(steady, revenue), 'roas', 14);
    expect(roas.confidence).not.toBeNull();
    expect(roas.confidence as number).toBeLessThan(0.7);
  });

  it('is null when there is no backtest (too few days), never NaN', () => {
    const s = series(
      jumpy.slice(0, 5),
      jumpy.slice(0, 5).map((v) => 2 * v),
    );
    const roas = computeForecast(entity, s, 'roas', 7);
    expect(roas.confidence).toBeNull();
  });
});

describe('ROAS bands use the correlation of the revenue and spend errors', () => {
  const run = (v: number[]) => forecast(v, { horizon: 14, frequency: 'daily', nonNegative: true });
  // Another irregular series, unrelated to `jumpy`.
  const other = Array.from({ length: 84 }, (_, i) =>
    Math.round((300 + 200 * Math.cos(i * 1.7) ** 2 + ((i * 53) % 31) * 3) * 1e6),
  );

  it('revenue moving with spend: ρ near 1 (shrunk), and a ROAS band far narrower than independence gives', () => {
    const revenue = jumpy.map((v, i) => Math.round(v * 3 * (1 + 0.02 * Math.sin(i * 0.9))));
    const s = series(jumpy, revenue);
    const rho = roasErrorCorrelation(run(revenue), run(jumpy), s);
    expect(rho).toBeGreaterThan(0.6);
    expect(rho).toBeLessThan(1);
    const roas = computeForecast(entity, s, 'roas', 14);
    const spend = computeForecast(entity, s, 'spend', 14);
    const rev = computeForecast(entity, s, 'revenue', 14);
    const rel = (p: { mean: number; lo95: number; hi95: number }) =>
      (p.hi95 - p.lo95) / (2 * 1.959964 * p.mean);
    for (let j = 0; j < 14; j++) {
      const independent = Math.hypot(rel(spend.points[j]!), rel(rev.points[j]!));
      const logHalfWidth = Math.log(roas.points[j]!.hi95 / roas.points[j]!.lo95) / (2 * 1.959964);
      expect(logHalfWidth).toBeLessThan(0.85 * independent);
      expect(roas.points[j]!.lo95).toBeGreaterThan(0);
    }
  });

  it('unrelated revenue and spend: ρ small; without a backtest ρ = 0', () => {
    const s = series(jumpy, other);
    expect(Math.abs(roasErrorCorrelation(run(other), run(jumpy), s))).toBeLessThan(0.35);
    const short = series(jumpy.slice(0, 5), other.slice(0, 5));
    expect(roasErrorCorrelation(run(other.slice(0, 5)), run(jumpy.slice(0, 5)), short)).toBe(0);
  });
});
