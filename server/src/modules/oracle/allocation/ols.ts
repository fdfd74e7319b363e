/**
 * Least squares with optional panel (geo) fixed effects removed by the within transform: every column
 * and the target are demeaned inside each panel, then a small normal-equation system is solved on
 * standardized columns (Gaussian elimination with partial pivoting; a tiny ridge guards collinearity).
 */
export interface OlsFit {
  coef: number[];
  /** Fixed effect of each panel's first week (panel + week effect with time effects). */
  intercepts: number[];
  fitted: Float64Array;
  rss: number;
}

export function solveLinear(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const piv = m[c]![c]!;
    if (Math.abs(piv) < 1e-300) continue;
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / piv;
      if (f !== 0) for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= m[r]![k]! * x[k]!;
    x[r] = Math.abs(m[r]![r]!) < 1e-300 ? 0 : s / m[r]![r]!;
  }
  return x;
}

/** y and columns are row-major over panels × T (panel p owns rows p·T … p·T + T − 1). */
/** v − panel mean (− week mean + grand mean with time effects; exact for a balanced panel). */
function demeaned(v: Float64Array, panels: number, timeEffects: boolean) {
  const n = v.length;
  const T = n / panels;
  const pm = new Float64Array(panels);
  const tm = new Float64Array(T);
  let grand = 0;
  for (let p = 0; p < panels; p++)
    for (let t = 0; t < T; t++) {
      const x = v[p * T + t]!;
      pm[p]! += x / T;
      tm[t]! += x / panels;
      grand += x / n;
    }
  const out = new Float64Array(n);
  for (let p = 0; p < panels; p++)
    for (let t = 0; t < T; t++) out[p * T + t] = v[p * T + t]! - pm[p]! - (timeEffects ? tm[t]! - grand : 0);
  return out;
}

/** With `timeEffects`, a fixed effect per week too (two-way; Meridian's default of one knot per week). */
export function olsWithin(
  y: Float64Array,
  cols: Float64Array[],
  panels: number,
  timeEffects = false,
): OlsFit {
  const n = y.length;
  const T = n / panels;
  const k = cols.length;
  const demean = (v: Float64Array) => demeaned(v, panels, timeEffects);
  const yd = demean(y);
  const xd = cols.map(demean);
  const scale = xd.map((c) => Math.sqrt(c.reduce((s, v) => s + v * v, 0) / n) || 1);
  const xtx = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const xty = new Array<number>(k).fill(0);
  for (let i = 0; i < k; i++) {
    const ci = xd[i]!;
    for (let j = i; j < k; j++) {
      const cj = xd[j]!;
      let s = 0;
      for (let r = 0; r < n; r++) s += ci[r]! * cj[r]!;
      xtx[i]![j] = xtx[j]![i] = s / (scale[i]! * scale[j]!);
    }
    let s = 0;
    for (let r = 0; r < n; r++) s += ci[r]! * yd[r]!;
    xty[i] = s / scale[i]!;
  }
  for (let i = 0; i < k; i++) xtx[i]![i]! += 1e-9 * n;
  const coef = solveLinear(xtx, xty).map((c, i) => c / scale[i]!);
  const fitted = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let v = 0;
    for (let i = 0; i < k; i++) v += coef[i]! * cols[i]![r]!;
    fitted[r] = v;
  }
  // Fixed effects = the part of y − x·coef the demeaning removed.
  const rest = y.map((v, r) => v - fitted[r]!);
  const restD = demean(rest);
  const intercepts: number[] = [];
  let rss = 0;
  for (let p = 0; p < panels; p++) {
    intercepts.push(rest[p * T]! - restD[p * T]!);
    for (let t = 0; t < T; t++) {
      const r = p * T + t;
      fitted[r]! += rest[r]! - restD[r]!;
      rss += restD[r]! * restD[r]!;
    }
  }
  return { coef, intercepts, fitted, rss };
}

/**
 * The residual sum of squares of v on fixed columns (after the panel / week demeaning), for many v:
 * the columns are demeaned and their cross-product solved once, so each call costs one demeaning and
 * k dot products. For samplers and optimizers whose media part changes and whose controls do not.
 */
export function residualProfiler(cols: Float64Array[], panels: number, timeEffects = false) {
  const xd = cols.map((c) => demeaned(c, panels, timeEffects));
  const k = xd.length;
  const n = cols[0]?.length ?? 0;
  const scale = xd.map((c) => Math.sqrt(c.reduce((s, v) => s + v * v, 0) / Math.max(n, 1)) || 1);
  const xtx = Array.from({ length: k }, (_, i) =>
    Array.from(
      { length: k },
      (_, j) => xd[i]!.reduce((s, v, r) => s + v * xd[j]![r]!, 0) / (scale[i]! * scale[j]!),
    ),
  );
  for (let i = 0; i < k; i++) xtx[i]![i]! += 1e-9 * n;
  // Inverse of the (small) normal matrix, column by column.
  const inv = Array.from({ length: k }, (_, j) =>
    solveLinear(
      xtx,
      Array.from({ length: k }, (_, i) => (i === j ? 1 : 0)),
    ),
  );
  return (v: Float64Array): number => {
    const vd = demeaned(v, panels, timeEffects);
    let rss = 0;
    for (let r = 0; r < vd.length; r++) rss += vd[r]! * vd[r]!;
    if (k === 0) return rss;
    const xtv = xd.map((c, i) => {
      let s = 0;
      for (let r = 0; r < vd.length; r++) s += c[r]! * vd[r]!;
      return s / scale[i]!;
    });
    let explained = 0;
    for (let i = 0; i < k; i++) {
      let b = 0;
      for (let j = 0; j < k; j++) b += inv[j]![i]! * xtv[j]!;
      explained += b * xtv[i]!;
    }
    return Math.max(rss - explained, 0);
  };
}
