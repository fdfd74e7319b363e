/**
 * L2-regularised logistic regression fitted by Newton's method (IRLS) on standardised features.
 * Small, dependency-free, deterministic: the fatigue model's coefficients come from here.
 */

export interface LogisticModel {
  names: string[];
  /** Per-feature mean and standard deviation used to standardise (sd 1 for constant columns). */
  mean: number[];
  sd: number[];
  intercept: number;
  /** Coefficients on the standardised scale, in `names` order. */
  coef: number[];
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** Solves A x = b (A symmetric positive definite, small) by Gaussian elimination with pivoting. */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    const piv = M[c]![c]!;
    if (Math.abs(piv) < 1e-12) continue;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r]![c]! / piv;
      if (f !== 0) for (let k = c; k <= n; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  return M.map((row, i) => (Math.abs(row[i]!) < 1e-12 ? 0 : row[n]! / row[i]!));
}

export function fitLogistic(
  names: string[],
  X: readonly number[][],
  y: readonly number[],
  opts: { l2?: number; iterations?: number } = {},
): LogisticModel {
  const d = names.length;
  const n = X.length;
  const l2 = opts.l2 ?? 1;
  const mean = Array.from({ length: d }, (_, j) => X.reduce((s, x) => s + x[j]!, 0) / Math.max(1, n));
  const sd = mean.map((m, j) => {
    const v = X.reduce((s, x) => s + (x[j]! - m) ** 2, 0) / Math.max(1, n);
    return v > 1e-12 ? Math.sqrt(v) : 1;
  });
  const Z = X.map((x) => [1, ...x.map((v, j) => (v - mean[j]!) / sd[j]!)]);
  let w = new Array(d + 1).fill(0) as number[];
  for (let it = 0; it < (opts.iterations ?? 30); it++) {
    const H = Array.from({ length: d + 1 }, () => new Array(d + 1).fill(0) as number[]);
    const g = new Array(d + 1).fill(0) as number[];
    for (let i = 0; i < n; i++) {
      const z = Z[i]!;
      const p = sigmoid(z.reduce((s, v, k) => s + v * w[k]!, 0));
      const r = p - y[i]!;
      const s = Math.max(p * (1 - p), 1e-9);
      for (let a = 0; a <= d; a++) {
        g[a]! += r * z[a]!;
        for (let b = a; b <= d; b++) H[a]![b]! += s * z[a]! * z[b]!;
      }
    }
    for (let a = 1; a <= d; a++) {
      g[a]! += l2 * w[a]!;
      H[a]![a]! += l2;
    }
    for (let a = 0; a <= d; a++) for (let b = 0; b < a; b++) H[a]![b] = H[b]![a]!;
    const step = solve(H, g);
    w = w.map((v, k) => v - step[k]!);
    if (Math.max(...step.map(Math.abs)) < 1e-8) break;
  }
  return { names, mean, sd, intercept: w[0]!, coef: w.slice(1) };
}

/** Per-feature contributions to the log-odds (coef × standardised value) and the probability. */
export function predictLogistic(model: LogisticModel, x: readonly number[]) {
  const contributions = model.coef.map((c, j) => {
    const z = (x[j]! - model.mean[j]!) / model.sd[j]!;
    return Number.isFinite(z) ? c * z : 0;
  });
  const logit = model.intercept + contributions.reduce((s, v) => s + v, 0);
  return { p: sigmoid(logit), logit, contributions };
}
