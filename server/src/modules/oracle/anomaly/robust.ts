/**
 * Small robust statistics for the detector: medians by selection (no full sort), the MAD, and the
 * log of a normal tail probability that stays finite far into the tail (no underflow to 0).
 */

/** Median of `values[0..n)`; `scratch` is overwritten. NaN-free input is the caller's job. */
export function medianOf(values: ArrayLike<number>, n = values.length, scratch?: Float64Array): number {
  if (n <= 0) return 0;
  const a = scratch && scratch.length >= n ? scratch : new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = values[i]!;
  const mid = n >> 1;
  const hi = select(a, n, mid);
  if (n % 2 === 1) return hi;
  // The lower middle is the largest value left of `mid` after selection.
  let lo = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < mid; i++) if (a[i]! > lo) lo = a[i]!;
  return (lo + hi) / 2;
}

/** Median absolute deviation from `center` (unscaled). */
export function madOf(
  values: ArrayLike<number>,
  center: number,
  n = values.length,
  scratch?: Float64Array,
): number {
  if (n <= 0) return 0;
  const a = scratch && scratch.length >= n ? scratch : new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.abs(values[i]! - center);
  return medianOf(a, n, a);
}

/** 1.4826 × MAD estimates σ for normal data. */
export const MAD_TO_SIGMA = 1.4826;

/** Hoare quickselect: after the call a[k] holds the k-th smallest of a[0..n) and it is returned. */
function select(a: Float64Array, n: number, k: number): number {
  let left = 0;
  let right = n - 1;
  while (right > left) {
    const pivot = a[(left + right) >> 1]!;
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return a[k]!;
}

const LN10 = Math.log(10);

/**
 * log10 of the two-sided normal tail P(|Z| ≥ z) = erfc(z/√2), by the Numerical Recipes erfc
 * approximation (relative error < 1.2e-7) evaluated in log space, so z = 40 gives ≈ −349, not −∞.
 */
export function log10TwoSidedTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 0 : -1e6;
  const t = 1 / (1 + 0.5 * x);
  const poly =
    -x * x -
    1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t *
                      (0.27886807 +
                        t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return Math.min(0, (Math.log(t) + poly) / LN10);
}

export const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));
