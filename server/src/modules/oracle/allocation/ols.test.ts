import { describe, expect, it } from 'vitest';
import { olsWithin } from './ols.ts';

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
});
