import { describe, expect, it } from 'vitest';
import { type AllocationEntity, allocateBudget } from './allocate.ts';
import { allocateForTarget } from './target.ts';

/** r(x) = a·ln(1 + x): r'(x) = a/(1+x); unconstrained optimum xᵢ = aᵢ/λ − 1 with Σ xᵢ = B. */
const logCurve = (id: string, a: number, extra: Partial<AllocationEntity> = {}): AllocationEntity => ({
  id,
  response: (x) => a * Math.log1p(x),
  marginal: (x) => a / (1 + x),
  ...extra,
});

describe('allocateBudget', () => {
  it('matches the closed-form optimum on concave curves', () => {
    const a = [1, 2, 3, 4];
    const budget = 20;
    const lambda = a.reduce((s, v) => s + v, 0) / (budget + a.length);
    const r = allocateBudget(
      a.map((v, i) => logCurve(`e${i}`, v)),
      budget,
    );
    r.allocations.forEach((x, i) => {
      expect(x.spend).toBeCloseTo(a[i]! / lambda - 1, 6);
    });
    expect(r.totalSpend).toBeCloseTo(budget, 9);
    expect(r.lambda).toBeCloseTo(lambda, 6);
    expect(r.bindingCount).toEqual({ locked: 0, min: 0, max: 0 });
  });

  it('beats every random feasible split (finite-difference marginals)', () => {
    const curves = [5, 1, 3].map((b, i) => ({
      id: `c${i}`,
      response: (x: number) => b * (1 - Math.exp(-x / (i + 1))),
    }));
    const best = allocateBudget(curves, 6).totalResponse;
    let seed = 7;
    const rand = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (let k = 0; k < 200; k++) {
      const w = [rand(), rand(), rand()];
      const s = w.reduce((p, v) => p + v, 0);
      const total = curves.reduce((p, c, i) => p + c.response((6 * w[i]!) / s), 0);
      expect(total).toBeLessThanOrEqual(best + 1e-9);
    }
  });

  it('respects min, max and locks and says which bind', () => {
    const r = allocateBudget(
      [
        logCurve('big', 10, { max: 5, current: 4 }),
        logCurve('small', 0.1, { min: 2, current: 4 }),
        logCurve('fixed', 5, { locked: true, current: 3 }),
        logCurve('free', 2, { current: 4 }),
      ],
      15,
    );
    const byId = Object.fromEntries(r.allocations.map((a) => [a.id, a]));
    expect(byId.big!.spend).toBeCloseTo(5, 9);
    expect(byId.big!.binding).toBe('max');
    expect(byId.small!.spend).toBeCloseTo(2, 9);
    expect(byId.small!.binding).toBe('min');
    expect(byId.fixed!.spend).toBe(3);
    expect(byId.fixed!.binding).toBe('locked');
    expect(byId.free!.spend).toBeCloseTo(5, 9);
    expect(byId.free!.binding).toBeNull();
    expect(r.bindingCount).toEqual({ locked: 1, min: 1, max: 1 });
    expect(r.gain).toBeGreaterThan(0);
    expect(r.gain).toBeCloseTo(r.totalResponse - r.currentResponse!, 12);
  });

  it('rejects bad input with a clear error', () => {
    const c = [logCurve('a', 1), logCurve('b', 1)];
    expect(() => allocateBudget(c, 0)).toThrow(/budget must be a positive/);
    expect(() => allocateBudget(c, Number.NaN)).toThrow(/budget must be a positive/);
    expect(() => allocateBudget([logCurve('a', 1, { min: 6 }), logCurve('b', 1, { min: 6 })], 10)).toThrow(
      /infeasible: minimums/,
    );
    expect(() => allocateBudget([logCurve('a', 1, { max: 1 }), logCurve('b', 1, { max: 1 })], 10)).toThrow(
      /infeasible: maximums/,
    );
    expect(() => allocateBudget([logCurve('a', 1, { min: 3, max: 2 })], 10)).toThrow(/invalid bounds/);
    expect(() => allocateBudget([logCurve('a', 1, { locked: true })], 10)).toThrow(/locked/);
    expect(() => allocateBudget([], 10)).toThrow(/at least one/);
  });

  it('never returns NaN, even for flat (fully saturated) curves', () => {
    const r = allocateBudget(
      [
        { id: 'flat', response: () => 3 },
        { id: 'zero', response: () => 0 },
      ],
      10,
    );
    expect(r.totalSpend).toBeCloseTo(10, 9);
    for (const a of r.allocations) {
      expect(Number.isFinite(a.spend)).toBe(true);
      expect(Number.isFinite(a.marginal)).toBe(true);
    }
    expect(r.totalResponse).toBe(3);
  });
});

describe('allocateForTarget', () => {
  it('finds the largest budget whose optimal split meets the ROAS target', () => {
    // Two identical curves 2·ln(1+x): optimal split is even, average ROAS = 4·ln(1+B/2)/B.
    const c = [logCurve('a', 2), logCurve('b', 2)];
    const r = allocateForTarget(c, { roas: 1 }, 1000);
    expect(r.achievedEfficiency).toBeGreaterThanOrEqual(1);
    expect(r.capBinds).toBe(false);
    const B = r.totalSpend;
    expect((4 * Math.log1p(B / 2 + 1e-4)) / (B + 2e-4)).toBeLessThan(1);
    expect(() => allocateForTarget(c, { roas: 100 }, 1000)).toThrow(/infeasible/);
    expect(allocateForTarget(c, { cpa: 100 }, 5).capBinds).toBe(true);
  });
});
