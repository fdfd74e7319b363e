/**
 * Target-efficiency mode: the largest budget whose optimal split still meets a target ROAS
 * (response = revenue) or CPA (response = conversions; CPA ≤ target ⇔ conversions/spend ≥ 1/target).
 * With concave curves the optimal response R*(B) is concave, so the average R*(B)/B falls as B grows
 * and bisection on B finds the largest feasible budget.
 */
import { invalidInput } from '../../../platform/errors.ts';
import { type AllocationEntity, type AllocationResult, allocateBudget } from './allocate.ts';

export type EfficiencyTarget = { roas: number } | { cpa: number };

export interface TargetResult extends AllocationResult {
  /** Response per unit spend required (ROAS, or 1/CPA). */
  requiredEfficiency: number;
  achievedEfficiency: number;
  /** True when even the largest allowed budget meets the target (the budget cap binds, not the target). */
  capBinds: boolean;
}

const ITERATIONS = 50;

export function allocateForTarget(
  entities: AllocationEntity[],
  target: EfficiencyTarget,
  maxBudget: number,
): TargetResult {
  const required = 'roas' in target ? target.roas : 1 / target.cpa;
  if (!(Number.isFinite(required) && required > 0)) throw invalidInput('target must be a positive number');
  if (!(Number.isFinite(maxBudget) && maxBudget > 0))
    throw invalidInput('maxBudget must be a positive number');
  const sumMin = entities.reduce((s, e) => s + (e.locked ? (e.current ?? 0) : (e.min ?? 0)), 0);
  const sumMax = entities.reduce(
    (s, e) => s + (e.locked ? (e.current ?? 0) : (e.max ?? Number.POSITIVE_INFINITY)),
    0,
  );
  const hiBudget = Math.min(maxBudget, sumMax);
  const loBudget = Math.max(sumMin, 1e-9 * hiBudget);
  const efficiency = (r: AllocationResult) => r.totalResponse / r.totalSpend;
  const withTarget = (r: AllocationResult, capBinds: boolean): TargetResult => ({
    ...r,
    requiredEfficiency: required,
    achievedEfficiency: efficiency(r),
    capBinds,
  });
  const top = allocateBudget(entities, hiBudget);
  if (efficiency(top) >= required) return withTarget(top, true);
  const bottom = allocateBudget(entities, loBudget);
  if (efficiency(bottom) < required)
    throw invalidInput('infeasible: no budget within the bounds reaches the target', {
      bestEfficiency: efficiency(bottom),
      required,
    });
  let [a, b] = [loBudget, hiBudget];
  let best = bottom;
  for (let i = 0; i < ITERATIONS && b - a > 1e-9 * b; i++) {
    const m = 0.5 * (a + b);
    const r = allocateBudget(entities, m);
    if (efficiency(r) >= required) {
      a = m;
      best = r;
    } else b = m;
  }
  return withTarget(best, false);
}
