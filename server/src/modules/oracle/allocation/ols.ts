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

/**
 * A column that is the same in every panel (a function of the week only, e.g. a time-knot weight):
 * its T values, else null. For such a column x and a demeaned vd, x·vd = Σ_t x_t Σ_p vd[p,t] — T
 * products instead of panels × T — and, the demeaning M being an orthogonal projection (exact for a
 * balanced panel), (Mx)·(Mv) = x·(Mv).
 */
function weekOnly(c: Float64Array, panels: number): Float64Array | null {
  if (panels < 2) return null;
  const T = c.length / panels;
  for (let p = 1; p < panels; p++) for (let t = 0; t < T; t++) if (c[p * T + t] !== c[t]) return null;
  return c.slice(0, T);
}

/** Σ over panels of v at each week. */
function weekSums(v: Float64Array, panels: number) {
  const T = v.length / panels;
  const s = new Float64Array(T);
  for (let p = 0; p < panels; p++) for (let t = 0; t < T; t++) s[t]! += v[p * T + t]!;
  return s;
}

const dotT = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let t = 0; t < a.length; t++) s += a[t]! * b[t]!;
  return s;
};

/** A column as olsWithin uses it: demeaned, its scale, and its week values and sums when week-only. */
interface PreparedColumn {
  d: Float64Array;
  scale: number;
  weekly: Float64Array | null;
  sums: Float64Array | null;
}

/**
 * Prepared columns by array and panel layout. Optimizers call olsWithin thousands of times with the
 * same control arrays and new media columns (fitResponseCurves' Nelder-Mead); the controls' demeaning,
 * scale and week sums are the same every time, so they are kept for as long as the array lives.
 * Columns are read only (no caller changes one after passing it).
 */
const prepared = new WeakMap<Float64Array, Map<string, PreparedColumn>>();

function prepare(c: Float64Array, panels: number, timeEffects: boolean, withSums: boolean): PreparedColumn {
  const key = `${panels}/${timeEffects}`;
  let byLayout = prepared.get(c);
  let p = byLayout?.get(key);
  if (!p) {
    const d = demeaned(c, panels, timeEffects);
    let ss = 0;
    for (let r = 0; r < d.length; r++) ss += d[r]! * d[r]!;
    p = { d, scale: Math.sqrt(ss / d.length) || 1, weekly: weekOnly(c, panels), sums: null };
    if (!byLayout) {
      byLayout = new Map();
      prepared.set(c, byLayout);
    }
    byLayout.set(key, p);
  }
  if (withSums && !p.sums) p.sums = weekSums(p.d, panels);
  return p;
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
  // Week-only columns (time knots) are dotted through the week sums of the other side.
  const anyWeekly = cols.some((c) => prepare(c, panels, timeEffects, false).weekly);
  const cp = cols.map((c) => prepare(c, panels, timeEffects, anyWeekly));
  const xd = cp.map((p) => p.d);
  const scale = cp.map((p) => p.scale);
  const weekly = cp.map((p) => p.weekly);
  const sums = anyWeekly ? cp.map((p) => p.sums!) : null;
  const ySums = sums ? weekSums(yd, panels) : null;
  const xtx = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const xty = new Array<number>(k).fill(0);
  for (let i = 0; i < k; i++) {
    const ci = xd[i]!;
    for (let j = i; j < k; j++) {
      const cj = xd[j]!;
      let s = 0;
      if (weekly[i]) s = dotT(weekly[i]!, sums![j]!);
      else if (weekly[j]) s = dotT(weekly[j]!, sums![i]!);
      else for (let r = 0; r < n; r++) s += ci[r]! * cj[r]!;
      xtx[i]![j] = xtx[j]![i] = s / (scale[i]! * scale[j]!);
    }
    let s = 0;
    if (weekly[i]) s = dotT(weekly[i]!, ySums!);
    else for (let r = 0; r < n; r++) s += ci[r]! * yd[r]!;
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
 * The demeaning M is an orthogonal projection (exact for balanced panels), so (Mx)·(Mv) = x·(Mv):
 * a column that is zero in most rows (e.g. a control given its own coefficient in one panel) is
 * dotted through its non-zero rows only, and one that is the same in every panel (a time knot)
 * through the week sums of the other side.
 *
 * `withColumns(v, Z)` adds columns Z that change from call to call (e.g. an organic channel's
 * saturated series) with coefficients constrained ≥ 0: a column whose coefficient would be negative
 * is dropped and the rest refitted (exact for one column).
 */
export function residualProfiler(cols: Float64Array[], panels: number, timeEffects = false) {
  const xd = cols.map((c) => demeaned(c, panels, timeEffects));
  const k = xd.length;
  const n = cols[0]?.length ?? 0;
  const scale = xd.map((c) => Math.sqrt(c.reduce((s, v) => s + v * v, 0) / Math.max(n, 1)) || 1);
  const weekly = cols.map((c) => weekOnly(c, panels));
  const anyWeekly = weekly.some((w) => w);
  const sparse = cols.map((c) => {
    const idx: number[] = [];
    for (let r = 0; r < c.length; r++) if (c[r] !== 0) idx.push(r);
    return idx.length < c.length / 4
      ? { idx: Int32Array.from(idx), val: Float64Array.from(idx, (r) => c[r]!) }
      : null;
  });
  const dot = (a: Float64Array, b: Float64Array) => {
    let s = 0;
    for (let r = 0; r < a.length; r++) s += a[r]! * b[r]!;
    return s;
  };
  /** X'·vd (scaled) for a demeaned vd. */
  const xt = (vd: Float64Array) => {
    const vs = anyWeekly ? weekSums(vd, panels) : null;
    return xd.map((c, i) => {
      const sp = sparse[i];
      const wk = weekly[i];
      let s = 0;
      if (wk) s = dotT(wk, vs!);
      else if (sp) for (let j = 0; j < sp.idx.length; j++) s += sp.val[j]! * vd[sp.idx[j]!]!;
      else s = dot(c, vd);
      return s / scale[i]!;
    });
  };
  const xtx = Array.from({ length: k }, (_, i) =>
    Array.from({ length: k }, (_, j) => (j < i ? 0 : dot(xd[i]!, xd[j]!) / (scale[i]! * scale[j]!))),
  );
  for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) xtx[i]![j] = xtx[j]![i]!;
  for (let i = 0; i < k; i++) xtx[i]![i]! += 1e-9 * n;
  // Inverse of the (small) normal matrix, column by column.
  const inv = Array.from({ length: k }, (_, j) =>
    solveLinear(
      xtx,
      Array.from({ length: k }, (_, i) => (i === j ? 1 : 0)),
    ),
  );
  /** aᵀ (X'X)⁻¹ b. */
  const quad = (a: number[], b: number[]) => {
    let q = 0;
    for (let i = 0; i < k; i++) {
      let t = 0;
      for (let j = 0; j < k; j++) t += inv[j]![i]! * a[j]!;
      q += t * b[i]!;
    }
    return q;
  };
  const rssOf = (v: Float64Array): number => {
    const vd = demeaned(v, panels, timeEffects);
    const rss = dot(vd, vd);
    if (k === 0) return rss;
    const xtv = xt(vd);
    return Math.max(rss - quad(xtv, xtv), 0);
  };
  const zCache = new WeakMap<Float64Array[], { zd: Float64Array[]; xtz: number[][]; A: number[][] }>();
  const withColumns = (v: Float64Array, z: Float64Array[]): number => {
    const vd = demeaned(v, panels, timeEffects);
    // The added columns' own products depend on z only: kept for the same array (the per-geo
    // sampler profiles many y − media against the same organic columns).
    let zc = zCache.get(z);
    if (!zc) {
      const zd = z.map((c) => demeaned(c, panels, timeEffects));
      const xtz = zd.map(xt);
      const A = zd.map((c, i) => zd.map((d, j) => dot(c, d) - (k ? quad(xtz[i]!, xtz[j]!) : 0)));
      zc = { zd, xtz, A };
      zCache.set(z, zc);
    }
    const { zd, xtz, A } = zc;
    const xtv = xt(vd);
    const rssX = dot(vd, vd) - (k ? quad(xtv, xtv) : 0);
    const b = zd.map((c, j) => dot(c, vd) - (k ? quad(xtz[j]!, xtv) : 0));
    let active = zd.map((_, j) => j).filter((j) => A[j]![j]! > 1e-12 * Math.max(1, dot(zd[j]!, zd[j]!)));
    for (;;) {
      if (active.length === 0) return Math.max(rssX, 0);
      const coef = solveLinear(
        active.map((i) => active.map((j) => A[i]![j]!)),
        active.map((i) => b[i]!),
      );
      const keep = active.filter((_, a) => coef[a]! >= 0);
      if (keep.length === active.length)
        return Math.max(rssX - coef.reduce((s, c, a) => s + c * b[active[a]!]!, 0), 0);
      active = keep;
    }
  };
  return Object.assign(rssOf, { withColumns });
}

export interface BaselineFit extends OlsFit {
  /** Which constraint holds at the optimum: none, the baseline at 0, or no media effect at all. */
  bound: 'none' | 'baseline' | 'media';
}

/**
 * y = a + β·x (one series, no panels or controls) by least squares subject to a ≥ 0 and β ≥ 0: a
 * baseline (what comes without this spend) cannot be negative, nor can spend destroy results.
 * Without the constraint a near-linear x lets a go below zero and β grow with it, so the media part
 * Σ β·x claims more than all of y. With a ≥ 0 and an intercept, Σ fitted = Σ y, so Σ β·x ≤ Σ y; at
 * a = 0 the slope is also capped at Σ y / Σ x, the least-squares optimum on that edge under the same
 * bound (the feasible set is convex and the objective quadratic: the best vertex-or-edge candidate is
 * the optimum).
 */
export function olsNonNegativeBaseline(y: Float64Array, x: Float64Array): BaselineFit {
  const n = y.length;
  let sy = 0;
  let sx = 0;
  let sxx = 0;
  let sxy = 0;
  for (let r = 0; r < n; r++) {
    sy += y[r]!;
    sx += x[r]!;
    sxx += x[r]! * x[r]!;
    sxy += x[r]! * y[r]!;
  }
  const rssOf = (a: number, b: number) => {
    let s = 0;
    for (let r = 0; r < n; r++) s += (y[r]! - a - b * x[r]!) ** 2;
    return s;
  };
  const candidates: Array<{ a: number; b: number; bound: BaselineFit['bound'] }> = [];
  const my = sy / n;
  const mx = sx / n;
  const cxx = sxx - n * mx * mx;
  if (cxx > 1e-12 * Math.max(sxx, 1e-300)) {
    const b = (sxy - n * mx * my) / cxx;
    const a = my - b * mx;
    if (a >= 0 && b >= 0) candidates.push({ a, b, bound: 'none' });
  }
  if (candidates.length === 0) {
    // On the edge a = 0: the no-intercept slope, within [0, Σy/Σx]; on b = 0: the mean.
    if (sxx > 0) {
      const cap = sx > 0 ? Math.max(0, sy / sx) : 0;
      candidates.push({ a: 0, b: Math.min(cap, Math.max(0, sxy / sxx)), bound: 'baseline' });
    }
    candidates.push({ a: Math.max(0, my), b: 0, bound: 'media' });
  }
  let best = candidates[0]!;
  let bestRss = rssOf(best.a, best.b);
  for (const c of candidates.slice(1)) {
    const v = rssOf(c.a, c.b);
    if (v < bestRss) [best, bestRss] = [c, v];
  }
  const fitted = x.map((v) => best.a + best.b * v);
  return { coef: [best.b], intercepts: [best.a], fitted, rss: bestRss, bound: best.bound };
}
