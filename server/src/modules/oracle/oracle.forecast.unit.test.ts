import { describe, expect, it } from 'vitest';
import { computeForecast } from './oracle.forecast.ts';
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
