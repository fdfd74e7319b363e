import { describe, expect, it } from 'vitest';
import { bands, calibrate, Z80 } from './intervals.ts';
import { forecast } from './model.ts';
import { rng } from './testing.ts';

/** Share of the next h values inside the 80 % and 95 % intervals, over many simulated series. */
function coverage(simulate: (seed: number) => number[], h: number, season?: number) {
  let in80 = 0;
  let in95 = 0;
  let cells = 0;
  for (let seed = 1; seed <= 80; seed++) {
    const series = simulate(seed);
    const train = series.slice(0, -h);
    const f = forecast(train, { horizon: h, ...(season ? { season } : {}) });
    series.slice(-h).forEach((y, j) => {
      if (y >= f.lo80[j]! && y <= f.hi80[j]!) in80++;
      if (y >= f.lo95[j]! && y <= f.hi95[j]!) in95++;
      cells++;
    });
  }
  return { c80: in80 / cells, c95: in95 / cells };
}

describe('prediction intervals', () => {
  it('have roughly nominal coverage on a simulated local level (random walk plus noise)', () => {
    const cov = coverage((seed) => {
      const r = rng(seed);
      let level = 100;
      return Array.from({ length: 100 }, () => {
        level += r.normal();
        return level + 2 * r.normal();
      });
    }, 10);
    expect(cov.c80).toBeGreaterThan(0.72);
    expect(cov.c80).toBeLessThan(0.88);
    expect(cov.c95).toBeGreaterThan(0.89);
    expect(cov.c95).toBeLessThan(0.99);
  });

  it('have roughly nominal coverage on simulated daily data with a weekly cycle', () => {
    const cov = coverage(
      (seed) => {
        const r = rng(seed);
        return Array.from(
          { length: 112 },
          (_, t) => 500 + 80 * Math.sin((2 * Math.PI * t) / 7) + 20 * r.normal(),
        );
      },
      14,
      7,
    );
    expect(cov.c80).toBeGreaterThan(0.72);
    expect(cov.c80).toBeLessThan(0.88);
    expect(cov.c95).toBeGreaterThan(0.89);
    expect(cov.c95).toBeLessThan(0.99);
  });

  it('widen when the backtest errors are larger than the model says', () => {
    const runs = [0, 1, 2].map((origin) => ({
      origin,
      actual: Array.from({ length: 20 }, (_, j) => (j % 2 ? 3 : -3) * (1 + (j % 5) / 4)),
      mean: new Array<number>(20).fill(0),
      sd: new Array<number>(20).fill(1),
    }));
    const cal = calibrate(runs);
    expect(cal.c80).toBeGreaterThan(2);
    expect(cal.c95).toBeGreaterThan(2);
  });

  it('are ordered lo95 ≤ lo80 ≤ mean ≤ hi80 ≤ hi95 and floored at 0 for non-negative quantities', () => {
    const b = bands([1, 10], [2, 2], { c80: 1, c95: 0.5, cells: 60 }, true);
    expect(b.lo80).toEqual([0, 10 - 2 * Z80]);
    expect(b.lo95[1]).toBeLessThanOrEqual(b.lo80[1]!);
    expect(b.hi95[1]).toBeGreaterThanOrEqual(b.hi80[1]!);
    expect(b.lo95[0]).toBe(0);
  });
});
