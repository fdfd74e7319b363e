/**
 * Time to allocate a budget across 10,000 entities (campaigns) with concave response curves
 * rᵢ(x) = βᵢ(1 − e^{−x/kᵢ}), 10 % with a minimum, 10 % with a maximum, 5 % locked; budget = the
 * current total. Baseline in the same run: the proportional-to-current-spend split (rescale every
 * unlocked entity's current spend to the budget) — its time and its response. Median of BENCH_RUNS
 * runs (default 5) after one warm-up.
 *
 *   cd server && node --import tsx bench/allocation.bench.ts [entities]
 */
import { type AllocationEntity, allocateBudget } from '../src/modules/oracle/allocation/allocate.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const N = Number(process.argv[2] ?? 10_000);

function median(f: () => unknown): number {
  f();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    f();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

let seed = 12345;
const rand = () => {
  seed = (seed * 48271) % 2147483647;
  return seed / 2147483647;
};

function entities(analytic: boolean): AllocationEntity[] {
  seed = 12345;
  return Array.from({ length: N }, (_, i) => {
    const beta = 100 + 900 * rand();
    const k = 50 + 450 * rand();
    const current = 20 + 480 * rand();
    const u = rand();
    return {
      id: `e${i}`,
      response: (x: number) => beta * (1 - Math.exp(-x / k)),
      ...(analytic ? { marginal: (x: number) => (beta / k) * Math.exp(-x / k) } : {}),
      current,
      ...(u < 0.05
        ? { locked: true }
        : u < 0.15
          ? { min: current * 0.8 }
          : u < 0.25
            ? { max: current * 1.2 }
            : {}),
    };
  });
}

function proportional(es: AllocationEntity[], budget: number) {
  const locked = es.reduce((s, e) => s + (e.locked ? e.current! : 0), 0);
  const free = es.reduce((s, e) => s + (e.locked ? 0 : e.current!), 0);
  const f = (budget - locked) / free;
  return es.reduce((s, e) => s + e.response(e.locked ? e.current! : e.current! * f), 0);
}

const analytic = entities(true);
const numeric = entities(false);
const budget = analytic.reduce((s, e) => s + e.current!, 0) * 1.1;
const tBase = median(() => proportional(analytic, budget));
const tAnalytic = median(() => allocateBudget(analytic, budget));
const tNumeric = median(() => allocateBudget(numeric, budget));
const r = allocateBudget(analytic, budget);
const base = proportional(analytic, budget);
const rn = allocateBudget(numeric, budget);
console.log(`Allocation across ${N} entities, budget = 1.1 × current total, median of ${RUNS} runs\n`);
console.log('method | ms | total response | vs proportional');
console.log(`proportional-to-spend (baseline) | ${tBase.toFixed(2)} | ${base.toFixed(0)} | —`);
console.log(
  `Lagrangian, analytic marginals | ${tAnalytic.toFixed(1)} | ${r.totalResponse.toFixed(0)} | +${((100 * (r.totalResponse - base)) / base).toFixed(2)}%`,
);
console.log(
  `Lagrangian, finite-difference marginals | ${tNumeric.toFixed(1)} | ${rn.totalResponse.toFixed(0)} | +${((100 * (rn.totalResponse - base)) / base).toFixed(2)}%`,
);
console.log(
  `binding: ${r.bindingCount.locked} locked, ${r.bindingCount.min} at min, ${r.bindingCount.max} at max; λ = ${r.lambda.toExponential(3)}; Σ spend − budget = ${(r.totalSpend - budget).toExponential(2)}`,
);
