/**
 * BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way", Marketing Science 24(2)):
 * while alive a customer buys at Poisson rate λ ~ Gamma(r, α); after each purchase they drop out
 * with probability p ~ Beta(a, b). Expectations are eqs. (9) and (10) of the paper; the likelihood is
 * the paper's, in the log form of Hardie's implementation note (brucehardie.com/notes/004); P(alive)
 * is from the note "Computing P(alive) using the BG/NBD model" (brucehardie.com/notes/021).
 */
import { invalidInput } from '../../../platform/errors.ts';
import { hypergeometricTail, lnGamma, logAddExp, minimize } from './numerics.ts';
import { checkIdentified, checkRfm, MIN_CUSTOMERS, type RfmPoint } from './validate.ts';

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

export interface BgNbdFit {
  params: BgNbdParams;
  logLikelihood: number;
  customers: number;
  repeatCustomers: number;
  evaluations: number;
  /**
   * The data show no drop-out: the likelihood rises without bound as a → 0 or b → ∞ (drop-out
   * probability p → 0), so the fit is BG/NBD's limit, the NBD model (a and b reported as 0;
   * P(alive) = 1).
   */
  noDropout?: true;
}

/** The NBD limit of BG/NBD (p ≡ 0), marked by a = 0 (see BgNbdFit.noDropout). */
export const hasNoDropout = (params: BgNbdParams) => params.a === 0;

/** Σ ln L of the NBD (BG/NBD with p ≡ 0), over the grouped rows: lnΓ(r+x) − lnΓ(r) + r ln α − (r+x) ln(α+T). */
function nbdLogLikelihood(r: number, alpha: number, d: Prepared): number {
  let sum = 0;
  const lnGammaR = lnGamma(r);
  for (let i = 0; i < d.x.length; i++) {
    const x = d.x[i]!;
    sum +=
      d.weight[i]! * (lnGamma(r + x) - lnGammaR + r * Math.log(alpha) - (r + x) * Math.log(alpha + d.T[i]!));
  }
  return sum;
}

/**
 * Σ ln L(r, α, a, b | x, t_x, T) in the stable form
 * ln L = A₁ + A₂ + ln(e^{A₃} + δ_{x>0} e^{A₄}) with A₁ = lnΓ(r+x) − lnΓ(r) + r ln α,
 * A₂ = lnΓ(a+b) + lnΓ(b+x) − lnΓ(b) − lnΓ(a+b+x), A₃ = −(r+x) ln(α+T),
 * A₄ = ln a − ln(b+x−1) − (r+x) ln(α+t_x). The x-only terms are computed once per distinct x.
 */
export function bgnbdLogLikelihood(params: BgNbdParams, customers: readonly RfmPoint[]): number {
  const d = prepare(customers);
  return hasNoDropout(params) ? nbdLogLikelihood(params.r, params.alpha, d) : logLikelihoodOf(d, params);
}

/** Customers grouped by identical (x, t_x, T): those without repeat purchases collapse to one row per first-purchase day. */
interface Prepared {
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  weight: Float64Array;
  customers: number;
  /** Distinct frequencies with their total weight, and each row's index into them. */
  distinct: number[];
  counts: number[];
  slot: Int32Array;
}

function prepare(customers: readonly RfmPoint[], timeScale = 1): Prepared {
  const rows = new Map<string, { c: RfmPoint; w: number }>();
  for (const c of customers) {
    const key = `${c.frequency}|${c.recency}|${c.T}`;
    const row = rows.get(key);
    if (row) row.w++;
    else rows.set(key, { c, w: 1 });
  }
  const n = rows.size;
  const [x, tx, T, weight] = [
    new Float64Array(n),
    new Float64Array(n),
    new Float64Array(n),
    new Float64Array(n),
  ];
  const index = new Map<number, number>();
  const distinct: number[] = [];
  const counts: number[] = [];
  const slot = new Int32Array(n);
  let i = 0;
  for (const { c, w } of rows.values()) {
    [x[i], tx[i], T[i], weight[i]] = [c.frequency, c.recency * timeScale, c.T * timeScale, w];
    let s = index.get(c.frequency);
    if (s === undefined) {
      s = distinct.push(c.frequency) - 1;
      index.set(c.frequency, s);
      counts.push(0);
    }
    counts[s]! += w;
    slot[i++] = s;
  }
  return { x, tx, T, weight, customers: customers.length, distinct, counts, slot };
}

function logLikelihoodOf(d: Prepared, { r, alpha, a, b }: BgNbdParams): number {
  const lnA = Math.log(a);
  const base = lnGamma(a + b) - lnGamma(b) - lnGamma(r);
  const perX = d.distinct.map((x) => lnGamma(r + x) + lnGamma(b + x) - lnGamma(a + b + x) + base);
  const a4 = d.distinct.map((x) => (x > 0 ? lnA - Math.log(b + x - 1) : 0));
  let sum = 0;
  for (let s = 0; s < perX.length; s++) sum += d.counts[s]! * perX[s]!;
  sum += d.customers * r * Math.log(alpha);
  for (let i = 0; i < d.x.length; i++) {
    const x = d.x[i]!;
    const A3 = -(r + x) * Math.log(alpha + d.T[i]!);
    const term = x > 0 ? logAddExp(A3, a4[d.slot[i]!]! - (r + x) * Math.log(alpha + d.tx[i]!)) : A3;
    sum += d.weight[i]! * term;
  }
  return sum;
}

const NAMES = ['r', 'alpha', 'a', 'b'] as const;
/** Log-parameters are kept within ±WALL on the rescaled data: e^12 ≈ 160,000 is as good as infinite. */
const WALL = 12;

/**
 * Maximum-likelihood fit. Parameters are optimized as logarithms (so they stay positive) with time
 * rescaled so the oldest customer has T = 10 (α is scaled back), starting from all ones like
 * lifetimes. Throws `invalid_input` when the data cannot identify the model.
 */
export function fitBgNbd(customers: readonly RfmPoint[]): BgNbdFit {
  checkRfm(customers);
  const repeatCustomers = customers.filter((c) => c.frequency > 0).length;
  if (customers.length < MIN_CUSTOMERS)
    throw invalidInput(`BG/NBD needs at least ${MIN_CUSTOMERS} customers (got ${customers.length})`);
  if (repeatCustomers === 0)
    throw invalidInput(
      `BG/NBD needs customers with repeat purchases: none of the ${customers.length} customers bought on a second day`,
    );
  const maxT = Math.max(...customers.map((c) => c.T));
  const scale = 10 / maxT;
  const data = prepare(customers, scale);
  const n = customers.length;
  const objective = (theta: number[]) => {
    const [r, alpha, a, b] = theta.map(Math.exp) as [number, number, number, number];
    return -logLikelihoodOf(data, { r, alpha, a, b }) / n;
  };
  const best = minimize(objective, [0, 0, 0, 0], { bound: WALL });
  // The drop-out probability p ~ Beta(a, b) runs off to 0 (a → 0 or b → ∞, the rates identified):
  // nobody seems to drop out, and BG/NBD's limit, the NBD, is the fit. A short history of frequent
  // buyers does this (a few months of a gym's renewals).
  const at = best.x.map((v) => (v > WALL - 1 ? 1 : v < 1 - WALL ? -1 : 0));
  const pToZero = at[2] === -1 || at[3] === 1;
  if (pToZero && at[0] === 0 && at[1] === 0 && at[2] !== 1 && at[3] !== -1) {
    const nbd = minimize((t) => -nbdLogLikelihood(Math.exp(t[0]!), Math.exp(t[1]!), data) / n, [0, 0], {
      bound: WALL,
    });
    checkIdentified('NBD', ['r', 'alpha'], nbd, WALL, 'too few customers or too short a period');
    const [r, alphaScaled] = nbd.x.map(Math.exp) as [number, number];
    const alpha = alphaScaled / scale;
    return {
      params: { r, alpha, a: 0, b: 0 },
      logLikelihood: nbdLogLikelihood(r, alpha, prepare(customers)),
      customers: n,
      repeatCustomers,
      evaluations: best.evaluations + nbd.evaluations,
      noDropout: true,
    };
  }
  checkIdentified(
    'BG/NBD',
    NAMES,
    best,
    WALL,
    'too few customers or too short a period, or purchases the model cannot describe',
  );
  const [r, alphaScaled, a, b] = best.x.map(Math.exp) as [number, number, number, number];
  const params = { r, alpha: alphaScaled / scale, a, b };
  return {
    params,
    logLikelihood: logLikelihoodOf(prepare(customers), params),
    customers: n,
    repeatCustomers,
    evaluations: best.evaluations,
  };
}

/** ln of the likelihood's second term relative to its first: ln[a/(b+x−1)] + (r+x) ln[(α+T)/(α+t_x)]. */
function logOddsDead({ r, alpha, a, b }: BgNbdParams, c: RfmPoint): number {
  const x = c.frequency;
  return Math.log(a) - Math.log(b + x - 1) + (r + x) * (Math.log(alpha + c.T) - Math.log(alpha + c.recency));
}

/** P(alive | x, t_x, T) (note 021): 1 for a customer with no repeat purchase. */
export function probabilityAlive(params: BgNbdParams, c: RfmPoint): number {
  if (c.frequency === 0 || hasNoDropout(params)) return 1;
  return 1 / (1 + Math.exp(logOddsDead(params, c)));
}

/**
 * E[Y(t) | x, t_x, T], eq. (10): expected purchases in the next t time units. Evaluated through
 * Euler's transformation ₂F₁(A,B;C;z) = (1−z)^{C−A−B} ₂F₁(C−A, C−B; C; z), which turns
 * (1−z)^{r+x} ₂F₁(r+x, b+x; a+b+x−1; z) into (1−z)^{a−1} ₂F₁(a+b−1−r, a−1; a+b+x−1; z): small
 * parameters whatever x is, so no overflow for heavy buyers; the factors (a−1) and (a+b+x−1) are
 * divided out analytically, so a = 1 and a + b + x = 1 are not singular.
 */
export function expectedPurchases(params: BgNbdParams, c: RfmPoint, t: number): number {
  const { r, alpha, a, b } = params;
  if (!(t >= 0)) throw invalidInput(`horizon must be ≥ 0 (got ${t})`);
  if (t === 0) return 0;
  const x = c.frequency;
  // The NBD limit: the posterior mean rate (r + x) / (α + T) for t more time units.
  if (hasNoDropout(params)) return ((r + x) / (alpha + c.T)) * t;
  const C = a + b + x - 1;
  const z = t / (alpha + c.T + t);
  const lnOneMinusZ = -Math.log1p(t / (alpha + c.T));
  const am1 = a - 1;
  // C · [1 − (1−z)^{a−1}] / (a−1), with its limit −C ln(1−z) at a = 1.
  const lead = am1 === 0 ? -C * lnOneMinusZ : (-C * Math.expm1(am1 * lnOneMinusZ)) / am1;
  // C · Σ_{k≥1} (terms of ₂F₁(C−A, a−1; C; z)) / (a−1), whose first term is (C−A) z.
  const tail = hypergeometricTail((C - r - x) * z, C - r - x, am1, C, z);
  const numerator = lead - Math.exp(am1 * lnOneMinusZ) * tail;
  const denominator = x > 0 ? 1 + Math.exp(logOddsDead(params, c)) : 1;
  return numerator / denominator;
}

/** E[X(t)], eq. (9): expected purchases of a customer just acquired (x = 0, T = 0) in t time units. */
export function expectedPurchasesNewCustomer(params: BgNbdParams, t: number): number {
  return expectedPurchases(params, { frequency: 0, recency: 0, T: 0 }, t);
}
