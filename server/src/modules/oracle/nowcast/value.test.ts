import { describe, expect, it } from 'vitest';
import { type CompletionPoint, SETTLED_AGE } from './completion.ts';
import { type DayPrediction, predictFinals, type SeriesDay } from './predict.ts';
import { type ValueRow, valueUnit } from './value.ts';

/** Deterministic uniform numbers (mulberry32). */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const finite = (u: ReturnType<typeof valueUnit>) =>
  [u.mean, u.cv2, u.unit].every(Number.isFinite) && u.unit > 0 && u.cv2 >= 0;

describe('the unit conversion value is counted in (order-value variability)', () => {
  it('is the mean value when every conversion is worth the same, and grows with how much values vary', () => {
    const constant: ValueRow[] = [1, 2, 3, 5, 1, 4].map((n) => ({ conversions: n, value: 80 * n }));
    expect(valueUnit(constant)).toMatchObject({ mean: 80, cv2: 0, unit: 80 });
    // One conversion a row, worth 50 or 150: μ = 100, σ² = 2500 (× 20/19 unbiased) → c² ≈ 0.26.
    const varied: ValueRow[] = Array.from({ length: 20 }, (_, i) => ({
      conversions: 1,
      value: i % 2 ? 150 : 50,
    }));
    const u = valueUnit(varied);
    expect(u.mean).toBeCloseTo(100, 9);
    expect(u.cv2).toBeCloseTo((2500 * 20) / 19 / 10_000, 9);
    expect(u.unit).toBeCloseTo(100 * (1 + u.cv2), 9);
  });

  it('recovers the spread of one conversion’s value from daily rows of several conversions', () => {
    const random = rng(11);
    // Values gamma(shape 2, mean 60): c² = 0.5; rows of 0–8 conversions.
    const gamma2 = () => -Math.log(random() * random()) * 30;
    const rows: ValueRow[] = Array.from({ length: 3000 }, () => {
      const n = Math.floor(random() * 9);
      let v = 0;
      for (let j = 0; j < n; j++) v += gamma2();
      return { conversions: n, value: v };
    });
    const u = valueUnit(rows);
    expect(u.mean).toBeGreaterThan(57);
    expect(u.mean).toBeLessThan(63);
    expect(u.cv2).toBeGreaterThan(0.42);
    expect(u.cv2).toBeLessThan(0.58);
  });

  it('never answers NaN: no rows, no conversions, one row, nonsense', () => {
    expect(valueUnit([])).toMatchObject({ mean: 1, cv2: 0, unit: 1 });
    const noConversions = valueUnit([{ conversions: 0, value: 500 }], 2);
    expect(noConversions).toMatchObject({ mean: 250, cv2: 0, unit: 250 });
    expect(valueUnit([{ conversions: 0, value: 0 }])).toMatchObject({ unit: 1 });
    const one = valueUnit([{ conversions: 3, value: 90 }]);
    expect(one).toMatchObject({ mean: 30, cv2: 0, unit: 30 });
    const odd = valueUnit([
      { conversions: Number.NaN, value: 10 },
      { conversions: 2, value: Number.POSITIVE_INFINITY },
      { conversions: 1, value: 40 },
      { conversions: 1, value: 60 },
      { conversions: -1, value: -5 },
    ]);
    expect(finite(odd)).toBe(true);
    // Fractional (data-driven) conversions are fine.
    expect(
      finite(
        valueUnit([
          { conversions: 0.4, value: 12 },
          { conversions: 1.6, value: 50 },
        ]),
      ),
    ).toBe(true);
  });

  it('widens the value band of a day (the ROAS band) when order values vary, keeping its mean', () => {
    const curve: CompletionPoint[] = Array.from({ length: SETTLED_AGE }, (_, age) => {
      const f = age === 0 ? 0.5 : age === 1 ? 0.8 : 1;
      return { age, fraction: f, lo: f, hi: f, days: 10, se: 0 };
    });
    // 10 conversions a day worth 100 on average; the last day has 500 of value reported so far.
    const days: SeriesDay[] = Array.from({ length: 60 }, (_, i) => ({
      age: 59 - i,
      reported: 1000,
      exposure: 100,
      active: true,
    }));
    days[59] = { age: 0, reported: 500, exposure: 100, active: true };
    const inUnits = (u: number) => days.map((d) => ({ ...d, reported: d.reported / u }));
    const fixed = predictFinals(curve, inUnits(100), [59], 100)[0] as DayPrediction;
    const varies = predictFinals(curve, inUnits(100 * 1.8), [59], 100 * 1.8)[0] as DayPrediction;
    expect(varies.hi80 - varies.lo80).toBeGreaterThan(fixed.hi80 - fixed.lo80);
    expect(varies.hi95 - varies.lo95).toBeGreaterThan(fixed.hi95 - fixed.lo95);
    expect(varies.mean).toBeGreaterThan(fixed.mean * 0.97);
    expect(varies.mean).toBeLessThan(fixed.mean * 1.03);
    for (const p of [fixed, varies])
      expect([p.mean, p.median, p.lo80, p.hi80, p.lo95, p.hi95].every(Number.isFinite)).toBe(true);
  });
});
