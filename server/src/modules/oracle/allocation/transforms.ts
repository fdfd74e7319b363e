/**
 * Media transforms of the response model: normalized geometric adstock (carry-over, PyMC-Marketing's
 * convention: weights αˡ / Σαˡ for l < L_MAX) and a saturation of v = λu, either logistic
 * (1 − e^{−v}) / (1 + e^{−v}) (PyMC-Marketing's) or Hill with slope 1, v / (1 + v) (Meridian's
 * default, half-saturation at u = 1/λ). Both are concave and increasing for u ≥ 0, so the
 * allocator's Lagrangian is exact on them.
 */
export type Saturation = 'logistic' | 'hill';
export const L_MAX = 8;

/** Unnormalized geometric weights αˡ, l < lMax. */
export function adstockWeights(alpha: number, lMax = L_MAX): Float64Array {
  const w = new Float64Array(lMax);
  for (let l = 0; l < lMax; l++) w[l] = alpha ** l;
  return w;
}

/** Adstock of one series; weights sum to 1, so a constant spend s has steady-state adstock s. */
export function adstock(x: ArrayLike<number>, alpha: number, lMax = L_MAX): Float64Array {
  const w = adstockWeights(alpha, lMax);
  let sum = 0;
  for (let l = 0; l < lMax; l++) sum += w[l]!;
  const out = new Float64Array(x.length);
  for (let t = 0; t < x.length; t++) {
    let v = 0;
    for (let l = 0; l < lMax && l <= t; l++) v += w[l]! * x[t - l]!;
    out[t] = v / sum;
  }
  return out;
}

export function saturate(u: number, lambda: number, shape: Saturation = 'logistic'): number {
  const v = lambda * u;
  if (shape === 'hill') return v / (1 + v);
  const e = Math.exp(-v);
  return (1 - e) / (1 + e);
}

/** d/dv of the saturation at v = λu. */
export function saturateSlope(v: number, shape: Saturation = 'logistic'): number {
  if (shape === 'hill') return 1 / ((1 + v) * (1 + v));
  const e = Math.exp(-v);
  return (2 * e) / ((1 + e) * (1 + e));
}

/** u at which the saturation reaches half of its maximum, times λ: ln 3 (logistic) or 1 (Hill). */
export function halfSaturation(shape: Saturation = 'logistic'): number {
  return shape === 'hill' ? 1 : Math.log(3);
}
