import { describe, expect, it } from 'vitest';
import { forecast } from './model.ts';
import { replaceOutliers } from './outliers.ts';
import { mae, rng, synthetic } from './testing.ts';

/** Daily spend with a weekly pattern (±10 around 100) and a little noise. */
const weekly = (seed: number) => synthetic(120, { amplitude: 10, noise: 2, seed });

describe('outliers replaced before fitting', () => {
  it('a single spike no longer hides the weekly pattern: the forecast keeps the week and tight intervals', () => {
    const clean = weekly(3);
    const spiky = [...clean];
    spiky[100] = 400; // one day at four times the level, 20 days before the end
    const a = forecast(spiky, { horizon: 14, frequency: 'daily' });
    const b = forecast(clean, { horizon: 14, frequency: 'daily' });
    expect(a.diagnostics.seasonal).toEqual([7]);
    expect(a.diagnostics.warnings.join(' ')).toMatch(
      /1 outlier replaced .*: 400 → [\d.]+ \(observation 101 of 120\)/,
    );
    expect(a.diagnostics.outliers).toEqual([{ index: 100, value: 400, fitted: expect.any(Number) }]);
    expect(Math.abs(a.diagnostics.outliers[0]!.fitted - clean[100]!)).toBeLessThan(10);
    // The same forecast as without the spike, within a little, and 95 % bands of a sane width.
    expect(mae(a.mean, b.mean)).toBeLessThan(1);
    for (let j = 0; j < 14; j++) expect(a.hi95[j]! - a.lo95[j]!).toBeLessThan(60);
    expect(b.diagnostics.warnings.join(' ')).not.toMatch(/outlier/);
  });

  it('leaves heavy tails, the last points, short and intermittent series alone', () => {
    const r = rng(9);
    // Many large jumps: heavy-tailed, not an isolated spike.
    const heavy = Float64Array.from(weekly(5), (v, t) => (t % 9 === 0 ? v * (2 + r.uniform()) : v));
    expect(replaceOutliers(heavy, [7]).replaced).toEqual([]);
    // A jump on the last day may be a new level.
    const last = Float64Array.from(weekly(6));
    last[119] = 400;
    expect(replaceOutliers(last, [7]).replaced).toEqual([]);
    expect(replaceOutliers(Float64Array.from(weekly(7).slice(0, 13)), [7]).replaced).toEqual([]);
    // Intermittent counts: zeros and the odd large day are the series, not outliers.
    const counts = Array.from({ length: 120 }, (_, t) => (t % 5 === 0 ? 1 + (t % 3) : 0));
    counts[60] = 40;
    const f = forecast(counts, { horizon: 7, frequency: 'daily' });
    expect(f.diagnostics.warnings.join(' ')).not.toMatch(/outlier/);
  });

  it('replaces a spike by the level and season around it, never below zero for a non-negative series', () => {
    const x = Float64Array.from(weekly(8));
    x[50] = 10_000;
    const c = replaceOutliers(x, [7]);
    expect(c.replaced.map((o) => o.index)).toEqual([50]);
    expect(c.values[50]).toBeGreaterThan(80);
    expect(c.values[50]).toBeLessThan(120);
    expect(x[50]).toBe(10_000); // the input is not modified
    const dip = Float64Array.from(weekly(8));
    dip[50] = -5_000;
    expect(replaceOutliers(dip, [7]).values[50]).toBeGreaterThan(80);
  });
});
