import { describe, expect, it } from 'vitest';
import { type CompletionPoint, completionCurve, type DayObservation, SETTLED_AGE } from './completion.ts';
import { type DayPrediction, predictFinals, REFERENCE_DAYS, type SeriesDay } from './predict.ts';

/** A curve with the given fractions by age (1 beyond), standard error `se`. */
const curveOf = (fractions: number[], se = 0): CompletionPoint[] =>
  Array.from({ length: SETTLED_AGE }, (_, age) => {
    const f = fractions[age] ?? 1;
    return { age, fraction: f, lo: f, hi: f, days: 10, se: f < 1 ? se : 0 };
  });

/** `n` days, oldest first, ages n−1..0, each `reported` on `spend`. */
const steady = (n: number, reported: number, spend = 100): SeriesDay[] =>
  Array.from({ length: n }, (_, i) => ({ age: n - 1 - i, reported, exposure: spend, active: true }));

const finiteEverywhere = (p: DayPrediction) =>
  [p.completion, p.mean, p.median, p.lo80, p.hi80, p.lo95, p.hi95, p.mass80, p.mass95].every(Number.isFinite);

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

describe('late-conversion nowcast of a day (Poisson–gamma on the completion curve)', () => {
  it("leans on the account's rate for a young day instead of dividing a small count by its fraction", () => {
    // 10 conversions a day on 100 spent; half arrive on the day itself.
    const curve = curveOf([0.5]);
    const days = steady(60, 10);
    const last = days.length - 1;
    for (const [reported, lo, hi] of [
      [1, 5, 7],
      [5, 9, 11],
      [9, 13, 15],
    ] as const) {
      days[last] = { age: 0, reported, exposure: 100, active: true };
      const [p] = predictFinals(curve, days, [last]) as [DayPrediction];
      // reported ÷ 0.5 would say 2, 10 and 18: the rate (about 5 still to come) says otherwise.
      expect(p.mean).toBeGreaterThan(lo);
      expect(p.mean).toBeLessThan(hi);
      expect(p.lo80).toBeLessThanOrEqual(p.median);
      expect(p.median).toBeLessThanOrEqual(p.hi80);
      expect(p.lo95).toBeLessThanOrEqual(p.lo80);
      expect(p.hi95).toBeGreaterThanOrEqual(p.hi80);
      expect(p.lo80).toBeGreaterThanOrEqual(reported);
      expect(p.mass80).toBeGreaterThanOrEqual(0.8 - 1e-9);
      expect(p.mass95).toBeGreaterThanOrEqual(0.95 - 1e-9);
    }
  });

  it('learns from the history how far conversions follow spend before scaling a day that spends unusually much', () => {
    const curve = curveOf([0.5]);
    // Spend between 50 and 150 (geometric mean 100): conversions in proportion (0.1 a unit of spend),
    // or the same 10 whatever the spend.
    const spends = Array.from({ length: 60 }, (_, i) => 100 * 1.5 ** Math.sin(i * 1.3));
    const history = (follows: boolean): SeriesDay[] =>
      spends.map((spend, i) => ({
        age: 59 - i,
        reported: follows ? Math.round(spend / 10) : 10,
        exposure: spend,
        active: true,
      }));
    const twice = (days: SeriesDay[]) => {
      days[59] = { age: 0, reported: 5, exposure: 200, active: true };
      return predictFinals(curve, days, [59])[0] as DayPrediction;
    };
    // In proportion: most of the way to 10 still to come on 200 spent (42 days of ±50% spend leave
    // the elasticity between about 0.6 and 1), not 5.
    const proportional = twice(history(true));
    expect(proportional.mean).toBeGreaterThan(13);
    expect(proportional.mean).toBeLessThan(15.5);
    // Not following spend: about 5 still to come, whatever the day spent (the old model said 10).
    const flat = twice(history(false));
    expect(flat.mean).toBeGreaterThan(9);
    expect(flat.mean).toBeLessThan(11.5);
    // A steady history says nothing about it: in between, with a wider band than either.
    const steadyDays = steady(60, 10);
    const unknown = twice(steadyDays);
    expect(unknown.mean).toBeGreaterThan(flat.mean);
    expect(unknown.mean).toBeLessThan(proportional.mean);
    expect(unknown.hi95 - unknown.lo95).toBeGreaterThan(flat.hi95 - flat.lo95);
    // At the usual spend the elasticity does not matter.
    steadyDays[59] = { age: 0, reported: 5, exposure: 100, active: true };
    const usual = predictFinals(curve, steadyDays, [59])[0] as DayPrediction;
    expect(usual.mean).toBeGreaterThan(9.5);
    expect(usual.mean).toBeLessThan(10.6);
  });

  it('keeps the reported figure as the likely one when less than one conversion is left to come', () => {
    const curve = curveOf([0.5, 0.8, 0.9, 0.95, 0.97, 0.99]);
    const days = steady(60, 10);
    const [old] = predictFinals(curve, days, [days.length - 5]) as [DayPrediction];
    // Age 4: 3% of ~10 still to come.
    expect(old.median).toBe(10);
    expect(old.lo80).toBe(10);
    expect(old.mean).toBeGreaterThan(10);
    expect(old.mean).toBeLessThan(10.6);
    const [settled] = predictFinals(curve, days, [0]) as [DayPrediction];
    expect(settled).toMatchObject({ completion: 1, mean: 10, median: 10, lo95: 10, hi95: 10 });
  });

  it('the fraction’s own uncertainty widens the band', () => {
    const days = steady(60, 10);
    const last = days.length - 1;
    days[last] = { age: 0, reported: 5, exposure: 100, active: true };
    const sure = predictFinals(curveOf([0.5], 0), days, [last])[0] as DayPrediction;
    const unsure = predictFinals(curveOf([0.5], 0.15), days, [last])[0] as DayPrediction;
    expect(unsure.hi95 - unsure.lo95).toBeGreaterThan(sure.hi95 - sure.lo95);
  });

  it('is calibrated and unbiased on simulated accounts: 80% of finals fall in the 80% band once whole counts are allowed for', () => {
    const random = rng(7);
    const poisson = (mean: number) => {
      // Knuth, in chunks so that exp(−mean) does not underflow.
      let n = 0;
      let left = mean;
      while (left > 0) {
        const step = Math.min(left, 30);
        left -= step;
        const limit = Math.exp(-step);
        let p = random();
        while (p > limit) {
          n++;
          p *= random();
        }
      }
      return n;
    };
    // Delay: 40% on the day, then geometric over the next days; ~8 conversions a day, gamma(4) noise.
    const delay = [0.4, 0.2, 0.12, 0.08, 0.06, 0.05, 0.04, 0.03, 0.02];
    const lagOf = () => {
      let u = random();
      for (let k = 0; k < delay.length; k++) {
        u -= delay[k] as number;
        if (u < 0) return k;
      }
      return delay.length - 1;
    };
    let pit80 = 0;
    let scoredDays = 0;
    let bias = 0;
    let finals = 0;
    let absMedian = 0;
    let absReported = 0;
    for (let account = 0; account < 12; account++) {
      const span = 200;
      const spend = Array.from({ length: span }, () => 50 + 100 * random());
      const lags = spend.map((s) => {
        const g = -Math.log(random() * random() * random() * random()) / 4;
        return Array.from({ length: poisson(0.08 * s * g) }, lagOf);
      });
      const asOf = span - 1;
      const history: DayObservation[] = [];
      const series: SeriesDay[] = [];
      for (let d = asOf - 179; d <= asOf; d++) {
        const age = asOf - d;
        const held = (a: number) => (lags[d] as number[]).filter((l) => l <= a).length;
        const revisions: Array<{ age: number; value: number }> = [];
        for (let k = 1; k <= Math.min(age, SETTLED_AGE - 1); k++)
          if (held(k) !== held(k - 1)) revisions.push({ age: k, value: held(k - 1) });
        history.push({
          final: held(age),
          currentAge: age,
          firstSeenAge: 0,
          ads: [{ final: held(age), revisions }],
        });
        series.push({ age, reported: held(age), exposure: spend[d] as number, active: true });
      }
      const curve = completionCurve(history);
      const scored = Array.from({ length: 14 }, (_, a) => series.length - 1 - a);
      predictFinals(curve, series, scored).forEach((p, a) => {
        const final = (lags[asOf - a] as number[]).length;
        const reported = (series[series.length - 1 - a] as SeriesDay).reported;
        const below = p.cdf(final - 1);
        const upTo = p.cdf(final);
        pit80 +=
          upTo - below < 1e-12
            ? Number(below >= 0.1 && below <= 0.9)
            : Math.max(0, Math.min(upTo, 0.9) - Math.max(below, 0.1)) / (upTo - below);
        scoredDays++;
        bias += p.mean - final;
        finals += final;
        if (a >= 4) {
          absMedian += Math.abs(p.median - final);
          absReported += Math.abs(reported - final);
        }
      });
    }
    expect(pit80 / scoredDays).toBeGreaterThan(0.74);
    expect(pit80 / scoredDays).toBeLessThan(0.86);
    expect(Math.abs(bias / finals)).toBeLessThan(0.03);
    expect(absMedian).toBeLessThanOrEqual(absReported);
  });

  it('never answers NaN: no history, one day, zero conversions, no spend, bad numbers', () => {
    const curve = curveOf([0.5, 0.8]);
    expect(predictFinals(curve, [], [])).toEqual([]);
    const one = predictFinals(
      curve,
      [{ age: 0, reported: 3, exposure: 100, active: true }],
      [0],
    )[0] as DayPrediction;
    // No other day to learn a rate from: the flat prior, reported ÷ fraction on average.
    expect(finiteEverywhere(one)).toBe(true);
    expect(one.mean).toBeCloseTo(6, 6);
    const zeros = steady(REFERENCE_DAYS + 5, 0);
    const z = predictFinals(curve, zeros, [zeros.length - 1])[0] as DayPrediction;
    expect(finiteEverywhere(z)).toBe(true);
    expect(z.median).toBe(0);
    expect(z.lo95).toBe(0);
    expect(z.mean).toBeLessThan(0.05);
    // An account that spends nothing: each day with rows is the exposure.
    const free = steady(50, 10, 0);
    const f = predictFinals(curve, free, [free.length - 1])[0] as DayPrediction;
    expect(f.mean).toBeGreaterThan(14);
    expect(f.mean).toBeLessThan(16);
    // A day without spend in an account that spends, and a day with nonsense.
    const odd = steady(50, 10);
    odd[49] = { age: 0, reported: 4, exposure: 0, active: true };
    odd[48] = { age: 1, reported: Number.NaN, exposure: Number.NaN, active: true };
    for (const p of predictFinals(curve, odd, [47, 48, 49])) expect(finiteEverywhere(p)).toBe(true);
    expect((predictFinals(curve, odd, [49])[0] as DayPrediction).mean).toBeCloseTo(8, 6);
    // A curve whose fraction is missing or nonsense counts the day as complete or at the floor.
    const broken = curveOf([Number.NaN], Number.NaN);
    for (const p of predictFinals(broken, steady(50, 10), [49])) expect(finiteEverywhere(p)).toBe(true);
  });

  it('large accounts take the normal approximation without losing the band', () => {
    const curve = curveOf([0.5], 0.01);
    const days = steady(60, 50_000, 1e9);
    days[59] = { age: 0, reported: 25_000, exposure: 1e9, active: true };
    const p = predictFinals(curve, days, [59])[0] as DayPrediction;
    expect(finiteEverywhere(p)).toBe(true);
    expect(p.mean).toBeGreaterThan(48_000);
    expect(p.mean).toBeLessThan(52_000);
    expect(p.lo80).toBeLessThan(p.mean);
    expect(p.hi80).toBeGreaterThan(p.mean);
    expect(p.lo95).toBeLessThan(p.lo80);
  });
});
