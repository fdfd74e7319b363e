/**
 * The unit conversion value is counted in, so that the nowcast's bands carry how much order value
 * varies. Pure: no I/O.
 *
 * A day's value is a sum of its conversions' values: V = X₁ + … + X_N. With N Poisson (given the day's
 * rate) and the Xᵢ independent with mean μ and squared coefficient of variation c² (variance c²μ²),
 * V is compound Poisson: mean λμ, variance λ·E[X²] = λμ²(1 + c²). Counted in units of
 * u = E[X²] ÷ E[X] = μ(1 + c²), V ÷ u has mean and variance both λ ÷ (1 + c²): a Poisson count again,
 * to the first two moments. The nowcast (nowcast/predict.ts) therefore models value as whole units
 * of u: with c² = 0 that is "each conversion is worth the average", as before; the more order value
 * varies, the fewer (and larger) the units, so the same expected value comes with a wider band.
 *
 * μ and c² come from the account's own reported rows (one per ad and day): μ = Σ value ÷ Σ conversions,
 * and, since a row of n conversions has E[(v − μn)²] = nσ² when its values are independent,
 * σ² = Σ (v − μ̂n)² ÷ (Σ n − Σ n² ÷ Σ n) (the denominator makes it unbiased with μ estimated).
 * Differences in value between ads or days count as variability too (they are, for a day's total).
 */

export interface ValueRow {
  /** Conversions of the row (may be fractional: data-driven attribution). */
  conversions: number;
  /** Their value, in any currency unit (micros in the product). */
  value: number;
}

export interface ValueUnit {
  /** Mean value of a conversion (μ). */
  mean: number;
  /** Squared coefficient of variation of one conversion's value (c²); 0 when it cannot be told. */
  cv2: number;
  /** The unit value is counted in: μ(1 + c²). */
  unit: number;
  /** Rows with conversions the estimate rests on. */
  rows: number;
}

/** Above this, c² is taken as noise in the data rather than order values (a 30× spread). */
const MAX_CV2 = 30;

/**
 * The value unit of an account from its rows. Without one whole conversion the mean is the value of
 * an average day with value (`valueDays`) and c² is 0; never NaN (1 when nothing is known).
 */
export function valueUnit(rows: ValueRow[], valueDays = 0): ValueUnit {
  const clean = rows
    .map((r) => ({
      n: Number.isFinite(r.conversions) ? Math.max(0, r.conversions) : 0,
      v: Number.isFinite(r.value) ? Math.max(0, r.value) : 0,
    }))
    .filter((r) => r.n > 0 || r.v > 0);
  const n = clean.reduce((s, r) => s + r.n, 0);
  const total = clean.reduce((s, r) => s + r.v, 0);
  if (!(n >= 1) || !(total > 0)) {
    const mean = total > 0 && valueDays > 0 ? total / valueDays : 1;
    const safe = Number.isFinite(mean) && mean > 0 ? mean : 1;
    return { mean: safe, cv2: 0, unit: safe, rows: 0 };
  }
  const mean = total / n;
  // Rows with value but no conversion carry no per-conversion information.
  const counted = clean.filter((r) => r.n > 0);
  const n2 = counted.reduce((s, r) => s + r.n * r.n, 0);
  const nc = counted.reduce((s, r) => s + r.n, 0);
  const mc = counted.reduce((s, r) => s + r.v, 0) / nc;
  const dof = nc - n2 / nc;
  let cv2 = 0;
  if (counted.length >= 2 && dof > 0 && mc > 0) {
    const ss = counted.reduce((s, r) => s + (r.v - mc * r.n) ** 2, 0);
    cv2 = ss / dof / (mc * mc);
  }
  cv2 = Number.isFinite(cv2) ? Math.min(MAX_CV2, Math.max(0, cv2)) : 0;
  return { mean, cv2, unit: mean * (1 + cv2), rows: counted.length };
}
