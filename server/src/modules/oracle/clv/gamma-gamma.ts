/**
 * Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves for
 * customer base analysis", Journal of Marketing Research 42(4); Colombo & Jiang 1999; equations as in
 * Hardie's note "The Gamma-Gamma model of monetary value", brucehardie.com/notes/025):
 * a customer's transaction values are Gamma(p, ν) around their mean p/ν, with ν ~ Gamma(q, γ)
 * across customers. Fitted on the customers with at least one repeat purchase, on x and the mean
 * value of their repeat purchases m̄ (the first purchase is not used).
 */
import { invalidInput } from '../../../platform/errors.ts';
import { lnGamma, minimize } from './numerics.ts';
import { checkIdentified, MIN_CUSTOMERS } from './validate.ts';

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

/** Repeat purchases x and their mean value m̄. */
export interface SpendPoint {
  frequency: number;
  monetaryValue: number;
}

export interface GammaGammaFit {
  params: GammaGammaParams;
  logLikelihood: number;
  /** Customers the model was fitted on: x > 0 and m̄ > 0. */
  customers: number;
  /** Repeat customers left out because their repeat purchases were all worth 0. */
  zeroValueCustomers: number;
  /** Pearson correlation of x and m̄ over the fitted customers: the model assumes none. */
  frequencyValueCorrelation: number;
  evaluations: number;
}

/**
 * Σ ln f(m̄ | p, q, γ, x) over customers with x > 0 and m̄ > 0 (note 025):
 * lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + (px−1) ln m̄ + px ln x − (px+q) ln(γ + x m̄).
 */
export function gammaGammaLogLikelihood(params: GammaGammaParams, customers: readonly SpendPoint[]): number {
  return logLikelihoodOf(prepare(customers.filter(usable)), params);
}

const usable = (c: SpendPoint) => c.frequency > 0 && c.monetaryValue > 0;

interface Prepared {
  x: Float64Array;
  m: Float64Array;
  lnM: Float64Array;
  lnX: Float64Array;
  distinct: number[];
  slot: Int32Array;
}

function prepare(customers: readonly SpendPoint[], moneyScale = 1): Prepared {
  const n = customers.length;
  const [x, m, lnM, lnX] = [
    new Float64Array(n),
    new Float64Array(n),
    new Float64Array(n),
    new Float64Array(n),
  ];
  const index = new Map<number, number>();
  const distinct: number[] = [];
  const slot = new Int32Array(n);
  customers.forEach((c, i) => {
    x[i] = c.frequency;
    m[i] = c.monetaryValue * moneyScale;
    lnM[i] = Math.log(m[i]!);
    lnX[i] = Math.log(c.frequency);
    let s = index.get(c.frequency);
    if (s === undefined) {
      s = distinct.push(c.frequency) - 1;
      index.set(c.frequency, s);
    }
    slot[i] = s;
  });
  return { x, m, lnM, lnX, distinct, slot };
}

function logLikelihoodOf(d: Prepared, { p, q, gamma }: GammaGammaParams): number {
  const lnQ = lnGamma(q);
  const perX = d.distinct.map((x) => lnGamma(p * x + q) - lnGamma(p * x) - lnQ);
  const qLnGamma = q * Math.log(gamma);
  let sum = 0;
  for (let i = 0; i < d.x.length; i++) {
    const px = p * d.x[i]!;
    sum +=
      perX[d.slot[i]!]! +
      qLnGamma +
      (px - 1) * d.lnM[i]! +
      px * d.lnX[i]! -
      (px + q) * Math.log(gamma + d.x[i]! * d.m[i]!);
  }
  return sum;
}

const NAMES = ['p', 'q', 'gamma'] as const;
/** Log-parameters are kept within ±WALL on the rescaled data: e^12 ≈ 160,000 is as good as infinite. */
const WALL = 12;

/**
 * Maximum-likelihood fit on the repeat customers with a positive mean value. Values are rescaled to
 * mean 1 while fitting (γ is scaled back), parameters optimized as logarithms from p = 1, q = 2,
 * γ = 1 (a population mean equal to the sample mean). Throws `invalid_input` when too few customers
 * qualify or when the values do not vary enough to identify the model.
 */
export function fitGammaGamma(customers: readonly SpendPoint[]): GammaGammaFit {
  for (const [i, c] of customers.entries())
    if (
      !Number.isInteger(c.frequency) ||
      c.frequency < 0 ||
      !Number.isFinite(c.monetaryValue) ||
      c.monetaryValue < 0
    )
      throw invalidInput(`customer #${i + 1}: frequency must be a whole number ≥ 0 and monetary value ≥ 0`);
  const repeat = customers.filter((c) => c.frequency > 0);
  const used = repeat.filter(usable);
  if (used.length < MIN_CUSTOMERS)
    throw invalidInput(
      `Gamma-Gamma needs at least ${MIN_CUSTOMERS} customers with repeat purchases of positive value (got ${used.length}: ${repeat.length} repeat customers, ${repeat.length - used.length} of them with repeat purchases worth 0)`,
    );
  const mean = used.reduce((s, c) => s + c.monetaryValue, 0) / used.length;
  const data = prepare(used, 1 / mean);
  const objective = (theta: number[]) => {
    const [p, q, gamma] = theta.map(Math.exp) as [number, number, number];
    return -logLikelihoodOf(data, { p, q, gamma }) / used.length;
  };
  const best = minimize(objective, [0, Math.log(2), 0], { bound: WALL });
  checkIdentified(
    'Gamma-Gamma',
    NAMES,
    best,
    WALL,
    'too few repeat customers, or spend that barely varies between them',
  );
  const [p, q, gammaScaled] = best.x.map(Math.exp) as [number, number, number];
  const params = { p, q, gamma: gammaScaled * mean };
  return {
    params,
    logLikelihood: logLikelihoodOf(prepare(used), params),
    customers: used.length,
    zeroValueCustomers: repeat.length - used.length,
    frequencyValueCorrelation: correlation(
      used.map((c) => c.frequency),
      used.map((c) => c.monetaryValue),
    ),
    evaluations: best.evaluations,
  };
}

function correlation(a: number[], b: number[]): number {
  const n = a.length;
  const [ma, mb] = [a.reduce((s, v) => s + v, 0) / n, b.reduce((s, v) => s + v, 0) / n];
  let [sab, saa, sbb] = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

/**
 * E(M | p, q, γ, m̄, x), eq. (5) of note 025: p(γ + x m̄) / (px + q − 1), a weighted mean of the population mean
 * pγ/(q−1) and the customer's own m̄. Null when it does not exist (px + q ≤ 1: for x = 0 that is
 * q ≤ 1, a spend distribution with no finite mean).
 */
export function expectedAverageValue(params: GammaGammaParams, c: SpendPoint): number | null {
  const { p, q, gamma } = params;
  const denominator = p * c.frequency + q - 1;
  if (!(denominator > 0)) return null;
  return (p * (gamma + c.frequency * c.monetaryValue)) / denominator;
}
