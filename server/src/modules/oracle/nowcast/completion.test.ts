import { describe, expect, it } from 'vitest';
import { completionAt, completionCurve, type DayObservation, isotonic, SETTLED_AGE } from './completion.ts';

/** A day whose one ad held 50 until age 2, 80 until age 4, then 100 (scaled by `k`). */
const day = (k = 1, currentAge = 20): DayObservation => ({
  final: 100 * k,
  currentAge,
  ads: [
    {
      final: 100 * k,
      revisions: [
        { age: 2, value: 50 * k },
        { age: 4, value: 80 * k },
      ],
    },
  ],
});

describe('late-conversion completion curve', () => {
  it('recovers the fraction the store held at each age, 1 once the last restatement is in', () => {
    const c = completionCurve([day(1), day(2), day(3)]);
    expect(c).toHaveLength(SETTLED_AGE);
    expect(c[1]?.fraction).toBeCloseTo(0.5);
    expect(c[0]?.fraction).toBeCloseTo(0.5);
    expect(c[2]?.fraction).toBeCloseTo(0.8);
    expect(c[3]?.fraction).toBeCloseTo(0.8);
    expect(c[4]?.fraction).toBeCloseTo(1);
    expect(completionAt(c, 40)).toEqual({ fraction: 1, lo: 1, hi: 1, se: 0 });
  });

  it("gives the fraction's standard error over days: 0 when every day agrees, shrinking with more days", () => {
    expect(completionCurve([day(1), day(2), day(3)])[1]?.se).toBeCloseTo(0, 12);
    const half = (final: number, held: number): DayObservation => ({
      final,
      currentAge: 20,
      firstSeenAge: 0,
      ads: [{ final, revisions: [{ age: 2, value: held }] }],
    });
    const few = completionCurve([half(100, 30), half(100, 70)]);
    expect(few[1]?.fraction).toBeCloseTo(0.5);
    // Two days at 0.3 and 0.7: Σ final² (ratio − 0.5)² ÷ (Σ final)² × 2 = 0.04, se 0.2.
    expect(few[1]?.se).toBeCloseTo(0.2, 6);
    const many = completionCurve(Array.from({ length: 20 }, (_, i) => half(100, i % 2 ? 30 : 70)));
    expect(many[1]?.se).toBeGreaterThan(0);
    expect(many[1]?.se).toBeLessThan(0.06);
    expect(many[5]?.se).toBe(0);
  });

  it('is non-decreasing in age even when the data are not, with a band around it', () => {
    const noisy: DayObservation = {
      final: 100,
      currentAge: 20,
      ads: [{ final: 100, revisions: [{ age: 2, value: 90 }] }],
    };
    const late: DayObservation = {
      final: 100,
      currentAge: 20,
      ads: [{ final: 100, revisions: [{ age: 3, value: 30 }] }],
    };
    const c = completionCurve([noisy, late, day(1)]);
    for (let a = 1; a < c.length; a++)
      expect(c[a]?.fraction ?? 0).toBeGreaterThanOrEqual((c[a - 1]?.fraction ?? 0) - 1e-12);
    for (const p of c) {
      expect(p.lo).toBeLessThanOrEqual(p.fraction);
      expect(p.hi).toBeGreaterThanOrEqual(p.fraction);
      expect(p.lo).toBeGreaterThan(0);
    }
    expect(c[2]?.lo).toBeLessThan(c[2]?.hi ?? 0);
  });

  it('without revisions, every age counts as complete', () => {
    expect(completionCurve([]).every((p) => p.fraction === 1 && p.lo === 1 && p.hi === 1)).toBe(true);
  });

  it('pools adjacent violators with their weights', () => {
    expect(isotonic([1, 3, 2, 4], [1, 1, 1, 1])).toEqual([1, 2.5, 2.5, 4]);
    expect(isotonic([3, 1], [3, 1])).toEqual([2.5, 2.5]);
  });

  it('counts a value as held from the first sync after the day when that is known, else from the day before its restatement', () => {
    const seenAtOnce: DayObservation = {
      final: 100,
      currentAge: 20,
      firstSeenAge: 0,
      ads: [{ final: 100, revisions: [{ age: 5, value: 30 }] }],
    };
    const daily: DayObservation = {
      final: 100,
      currentAge: 20,
      ads: [{ final: 100, revisions: [{ age: 2, value: 80 }] }],
    };
    const known = completionCurve([seenAtOnce, daily]);
    expect(known[1]?.fraction).toBeCloseTo(0.55);
    expect(known[0]?.days).toBe(1);
    const unknown = completionCurve([{ ...seenAtOnce, firstSeenAge: null }, daily]);
    expect(unknown[1]?.fraction).toBeCloseTo(0.8);
    // A first sync after the first restatement contradicts the data: ignored.
    expect(completionCurve([{ ...seenAtOnce, firstSeenAge: 9 }, daily])[1]?.fraction).toBeCloseTo(0.8);
  });

  it('a settled day never restated counts as complete from its first sync, and one still young or of unknown first sync does not', () => {
    const restated: DayObservation = {
      final: 100,
      currentAge: 40,
      firstSeenAge: 1,
      ads: [{ final: 100, revisions: [{ age: 3, value: 50 }] }],
    };
    const steady = (currentAge: number, firstSeenAge: number | null): DayObservation => ({
      final: 100,
      currentAge,
      firstSeenAge,
      ads: [{ final: 100, revisions: [] }],
    });
    expect(completionCurve([restated])[1]?.fraction).toBeCloseTo(0.5);
    expect(completionCurve([restated, steady(40, 1)])[1]?.fraction).toBeCloseTo(0.75);
    expect(completionCurve([restated, steady(10, 1)])[1]?.fraction).toBeCloseTo(0.5);
    expect(completionCurve([restated, steady(40, null)])[1]?.fraction).toBeCloseTo(0.5);
  });
});
