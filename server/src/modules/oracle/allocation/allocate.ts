/**
 * Budget allocation over concave, non-decreasing response curves (one per campaign or channel).
 *
 * maximize Σ rᵢ(xᵢ)  s.t.  Σ xᵢ = B,  loᵢ ≤ xᵢ ≤ hiᵢ  (locked: loᵢ = hiᵢ = currentᵢ)
 *
 * KKT: every entity strictly inside its bounds has the same marginal return λ; entities at a bound
 * have r'(lo) ≤ λ (min binds) or r'(hi) ≥ λ (max binds). For concave rᵢ, xᵢ(λ) = clamp(r'ᵢ⁻¹(λ))
 * is non-increasing in λ, so bisection on λ until Σ xᵢ(λ) = B is exact up to tolerance and costs
 * O(n · iterations): fast enough for 10,000 entities. Non-concave curves get a local answer only.
 */
import { invalidInput } from '../../../platform/errors.ts';

export interface AllocationEntity {
  id: string;
  /** Response (conversions or revenue) for a spend; concave and non-decreasing on [min, max]. */
  response: (spend: number) => number;
  /** r'(spend); finite differences of `response` when omitted. */
  marginal?: (spend: number) => number;
  /** The current spend (the split the recommendation is compared with). */
  current?: number;
  min?: number;
  max?: number;
  /** Keep spend at `current`. */
  locked?: boolean;
}

export type Binding = 'locked' | 'min' | 'max' | null;

export interface EntityAllocation {
  id: string;
  spend: number;
  current: number | null;
  response: number;
  currentResponse: number | null;
  marginal: number;
  binding: Binding;
}

export interface AllocationResult {
  allocations: EntityAllocation[];
  budget: number;
  totalSpend: number;
  totalResponse: number;
  /** Σ r(current) when every entity has a current spend, else null. */
  currentResponse: number | null;
  /** What the recommendation is worth: totalResponse − currentResponse. */
  gain: number | null;
  /** Shared marginal return at the optimum (response per unit of spend of the last unit). */
  lambda: number;
  bindingCount: { locked: number; min: number; max: number };
}

const OUTER_ITERATIONS = 100;
const INNER_ITERATIONS = 60;

interface Prepared {
  e: AllocationEntity;
  lo: number;
  hi: number;
  d: (x: number) => number;
}

function finiteDifference(r: (x: number) => number, lo: number) {
  return (x: number) => {
    const h = 1e-6 * Math.max(1, Math.abs(x));
    const a = Math.max(lo, x - h);
    return (r(a + 2 * h) - r(a)) / (2 * h);
  };
}

function prepare(entities: AllocationEntity[]): Prepared[] {
  if (entities.length === 0) throw invalidInput('allocation needs at least one entity');
  const seen = new Set<string>();
  return entities.map((e) => {
    if (seen.has(e.id)) throw invalidInput(`duplicate entity id ${e.id}`);
    seen.add(e.id);
    if (e.locked && !(Number.isFinite(e.current) && e.current! >= 0))
      throw invalidInput(`entity ${e.id} is locked but has no current spend`);
    const lo = e.locked ? e.current! : (e.min ?? 0);
    const hi = e.locked ? e.current! : (e.max ?? Number.POSITIVE_INFINITY);
    if (!(lo >= 0) || Number.isNaN(hi) || hi < lo)
      throw invalidInput(`entity ${e.id} has invalid bounds [${lo}, ${hi}]`);
    return { e, lo, hi, d: e.marginal ?? finiteDifference(e.response, lo) };
  });
}

/** Spend at which r'(x) = λ, searched in [lo, hi] (which must contain the answer or be its clamp). */
function spendAt(p: Prepared, lambda: number, lo: number, hi: number): number {
  if (lo >= hi) return lo;
  if (!(p.d(lo) > lambda)) return lo;
  if (p.d(hi) >= lambda) return hi;
  let [a, b] = [lo, hi];
  for (let i = 0; i < INNER_ITERATIONS && b - a > 1e-12 * Math.max(1, b); i++) {
    const m = 0.5 * (a + b);
    if (p.d(m) > lambda) a = m;
    else b = m;
  }
  return 0.5 * (a + b);
}

/** Maximize total response under a total budget, per-entity bounds and locks. */
export function allocateBudget(entities: AllocationEntity[], budget: number): AllocationResult {
  if (!Number.isFinite(budget) || budget <= 0) throw invalidInput('budget must be a positive number');
  const ps = prepare(entities);
  const sumLo = ps.reduce((s, p) => s + p.lo, 0);
  const sumHi = ps.reduce((s, p) => s + p.hi, 0);
  const tol = 1e-9 * budget;
  if (sumLo > budget + tol)
    throw invalidInput(
      `infeasible: minimums and locked spends total ${Math.round(sumLo)}, above the budget ${Math.round(budget)}`,
      {
        sumMin: sumLo,
      },
    );
  if (sumHi < budget - tol)
    throw invalidInput(
      `infeasible: maximums and locked spends total ${Math.round(sumHi)}, below the budget ${Math.round(budget)}`,
      {
        sumMax: sumHi,
      },
    );
  // No entity can take more than what is left after everyone else's minimum.
  const cap = budget - sumLo;
  let lamHi = 0;
  for (const p of ps) if (p.lo < p.hi) lamHi = Math.max(lamHi, p.d(p.lo));
  if (!Number.isFinite(lamHi)) throw invalidInput('a response curve has an infinite marginal return');
  let lamLo = 0;
  // x(λ) is non-increasing, so x(λ) ∈ [x(lamHi), x(lamLo)]: each entity's search bracket shrinks
  // with the outer bisection, which makes later passes nearly free.
  let atHi = ps.map((p) => p.lo);
  let atLo = ps.map((p) => spendAt(p, 0, p.lo, Math.min(p.hi, p.lo + cap)));
  // Σ x(λ) is non-increasing: find λ with Σ x(λ) = B.
  for (let i = 0; i < OUTER_ITERATIONS && lamHi - lamLo > 1e-15 * Math.max(1, lamHi); i++) {
    const m = 0.5 * (lamLo + lamHi);
    const xs = ps.map((p, j) => spendAt(p, m, atHi[j]!, atLo[j]!));
    if (xs.reduce((s, x) => s + x, 0) > budget) {
      lamLo = m;
      atLo = xs;
    } else {
      lamHi = m;
      atHi = xs;
    }
  }
  const lambda = 0.5 * (lamLo + lamHi);
  const spends = ps.map((p, j) => spendAt(p, lambda, atHi[j]!, atLo[j]!));
  distributeResidual(ps, spends, budget);
  return summarize(ps, spends, budget, lambda);
}

/**
 * Spread the bisection's last rounding (tiny) over entities with room, so Σ x = B exactly: first over
 * the entities strictly inside their bounds (they share the marginal return, so moving them costs
 * nothing to first order), and only then over all. Taking it from an entity at its maximum would move
 * it just off its bound, and it would no longer be reported as bound there.
 */
function distributeResidual(ps: Prepared[], spends: number[], budget: number) {
  const inside = ps.map((p, i) => spends[i]! > p.lo && spends[i]! < p.hi);
  for (let pass = 0; pass < 4; pass++) {
    const residual = budget - spends.reduce((s, x) => s + x, 0);
    if (Math.abs(residual) <= 1e-12 * budget) return;
    const room = ps.map((p, i) =>
      pass === 0 && !inside[i] ? 0 : residual > 0 ? Math.min(p.hi, budget) - spends[i]! : spends[i]! - p.lo,
    );
    const totalRoom = room.reduce((s, r) => s + Math.max(0, r), 0);
    if (totalRoom <= 0) {
      if (pass === 0) continue;
      return;
    }
    const share = Math.min(1, Math.abs(residual) / totalRoom);
    for (let i = 0; i < ps.length; i++) spends[i]! += Math.sign(residual) * Math.max(0, room[i]!) * share;
  }
}

function summarize(ps: Prepared[], spends: number[], budget: number, lambda: number): AllocationResult {
  const bindingCount = { locked: 0, min: 0, max: 0 };
  const allHaveCurrent = ps.every((p) => Number.isFinite(p.e.current));
  const allocations = ps.map((p, i): EntityAllocation => {
    const x = spends[i]!;
    const eps = 1e-7 * Math.max(1, budget);
    const marginal = p.d(x);
    let binding: Binding = null;
    if (p.e.locked) binding = 'locked';
    else if (x <= p.lo + eps && marginal < lambda * (1 - 1e-6)) binding = 'min';
    else if (x >= p.hi - eps && marginal > lambda * (1 + 1e-6)) binding = 'max';
    if (binding) bindingCount[binding]++;
    const current = Number.isFinite(p.e.current) ? p.e.current! : null;
    return {
      id: p.e.id,
      spend: x,
      current,
      response: p.e.response(x),
      currentResponse: current === null ? null : p.e.response(current),
      marginal,
      binding,
    };
  });
  const totalResponse = allocations.reduce((s, a) => s + a.response, 0);
  const currentResponse = allHaveCurrent
    ? allocations.reduce((s, a) => s + (a.currentResponse ?? 0), 0)
    : null;
  if (!Number.isFinite(totalResponse)) throw invalidInput('a response curve returned a non-finite value');
  return {
    allocations,
    budget,
    totalSpend: spends.reduce((s, x) => s + x, 0),
    totalResponse,
    currentResponse,
    gain: currentResponse === null ? null : totalResponse - currentResponse,
    lambda,
    bindingCount,
  };
}
