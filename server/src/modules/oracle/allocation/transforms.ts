/**
 * Media transforms of the response model: normalized geometric adstock (carry-over, PyMC-Marketing's
 * convention: weights αˡ / Σαˡ for l < L_MAX) and logistic saturation (1 − e^{−λu}) / (1 + e^{−λu}),
 * which is concave and increasing for u ≥ 0, so the allocator's Lagrangian is exact on it.
 */
export const L_MAX = 8;

/** Adstock of one series; weights sum to 1, so a constant spend s has steady-state adstock s. */
export function adstock(x: ArrayLike<number>, alpha: number, lMax = L_MAX): Float64Array {
  const w = new Float64Array(lMax);
  let sum = 0;
  for (let l = 0; l < lMax; l++) {
    w[l] = alpha ** l;
    sum += w[l]!;
  }
  const out = new Float64Array(x.length);
  for (let t = 0; t < x.length; t++) {
    let v = 0;
    for (let l = 0; l < lMax && l <= t; l++) v += w[l]! * x[t - l]!;
    out[t] = v / sum;
  }
  return out;
}

export function saturate(u: number, lambda: number): number {
  const e = Math.exp(-lambda * u);
  return (1 - e) / (1 + e);
}

/** d/dv of (1 − e^{−v}) / (1 + e^{−v}). */
export function saturateSlope(v: number): number {
  const e = Math.exp(-v);
  return (2 * e) / ((1 + e) * (1 + e));
}
