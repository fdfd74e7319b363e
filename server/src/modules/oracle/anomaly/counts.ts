/**
 * Poisson tails for small counts (clicks of one ad, conversions of a campaign). A ratio built on a
 * handful of clicks swings wildly by chance, so the entity scan also asks how improbable the
 * count itself is before it trusts a flag or a cause. Exact sums in log space up to λ = 500, a
 * continuity-corrected normal beyond (where the two agree to well under the thresholds we use).
 */
import { log10TwoSidedTail } from './robust.ts';

/** ln Γ(x) by Lanczos (g = 7, 9 terms), accurate to ~1e-13 for x > 0. */
export function lnGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

const logTerm = (i: number, lambda: number) => i * Math.log(lambda) - lambda - lnGamma(i + 1);

/** P(X ≤ k), X ~ Poisson(λ). */
export function poissonLowerTail(k: number, lambda: number): number {
  const n = Math.floor(k);
  if (n < 0) return 0;
  if (!(lambda > 0)) return 1;
  if (lambda > 500) return normalTail((n + 0.5 - lambda) / Math.sqrt(lambda), 'lower');
  // Sum downwards from the largest term, P(n), by the recurrence P(i−1) = P(i)·i/λ.
  let term = Math.exp(logTerm(n, lambda));
  let sum = term;
  for (let i = n; i > 0; i--) {
    term *= i / lambda;
    sum += term;
    if (i < lambda && term < 1e-17 * sum) break;
  }
  return Math.min(1, sum);
}

/** P(X ≥ k), X ~ Poisson(λ). */
export function poissonUpperTail(k: number, lambda: number): number {
  const n = Math.ceil(k);
  if (n <= 0) return 1;
  if (!(lambda > 0)) return 0;
  if (lambda > 500) return normalTail((n - 0.5 - lambda) / Math.sqrt(lambda), 'upper');
  // At or below the mean the upper tail is large: take the complement of the small lower one.
  if (n <= lambda) return Math.max(0, 1 - poissonLowerTail(n - 1, lambda));
  // Above it, sum upwards from P(n) by P(i+1) = P(i)·λ/(i+1).
  let term = Math.exp(logTerm(n, lambda));
  let sum = term;
  const stop = n + 50 + 20 * Math.sqrt(lambda);
  for (let i = n; i <= stop; i++) {
    term *= lambda / (i + 1);
    sum += term;
    if (i > lambda && term < 1e-17 * sum) break;
  }
  return Math.min(1, sum);
}

/** How improbable a count at least this far from λ, on its side, is. */
export function countTailP(actual: number, lambda: number): number {
  if (!Number.isFinite(actual) || !Number.isFinite(lambda)) return 1;
  return actual < lambda ? poissonLowerTail(actual, lambda) : poissonUpperTail(actual, lambda);
}

function normalTail(z: number, side: 'lower' | 'upper'): number {
  const oneSided = 10 ** log10TwoSidedTail(z) / 2;
  return (side === 'lower') === z < 0 ? oneSided : 1 - oneSided;
}
