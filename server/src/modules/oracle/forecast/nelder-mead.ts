/**
 * Nelder–Mead minimiser, a line-by-line port of R's `nmmin` (src/appl/optim.c) with the settings
 * `forecast::ets` uses (abstol −∞, reltol √ε, reflection 1, contraction 0.5, expansion 2). The M4
 * benchmark forecasts are only reproducible with this exact search, quirks included: the simplex
 * step is 10 % of the largest coordinate, `size` counts ten times each working step, and a shrink
 * stops the search when the polytope did not get smaller.
 */
const BIG = 1.0e35;

export interface NelderMeadResult {
  x: number[];
  value: number;
  evaluations: number;
}

export function nelderMead(
  fn: (x: number[]) => number,
  start: readonly number[],
  opts: { maxit?: number; reltol?: number } = {},
): NelderMeadResult {
  const maxit = opts.maxit ?? 2000;
  const intol = opts.reltol ?? Math.sqrt(2.220446049250313e-16);
  const alpha = 1;
  const bet = 0.5;
  const gamm = 2;
  const n = start.length;
  const b = start.slice();
  const f0 = fn(b);
  if (!Number.isFinite(f0)) return { x: b, value: Number.POSITIVE_INFINITY, evaluations: 1 };
  let funcount = 1;
  const convtol = intol * (Math.abs(f0) + intol);
  const n1 = n + 1;
  // P[j] is vertex j (coordinates), V[j] its value; slot n1 holds the centroid.
  const P: number[][] = Array.from({ length: n1 + 1 }, () => b.slice());
  const V = new Array<number>(n1 + 1).fill(0);
  V[0] = f0;
  let L = 0;
  let size = 0;
  let step = 0;
  for (let i = 0; i < n; i++) if (0.1 * Math.abs(b[i]!) > step) step = 0.1 * Math.abs(b[i]!);
  if (step === 0) step = 0.1;
  for (let j = 1; j < n1; j++) {
    const v = P[j]!;
    let trystep = step;
    while (v[j - 1] === b[j - 1]) {
      v[j - 1] = b[j - 1]! + trystep;
      trystep *= 10;
    }
    size += trystep;
  }
  let oldsize = size;
  let calcvert = true;
  const evalAt = (x: number[]) => {
    funcount++;
    const f = fn(x);
    return Number.isFinite(f) ? f : BIG;
  };
  const C = n1;
  do {
    if (calcvert) {
      for (let j = 0; j < n1; j++) if (j !== L) V[j] = evalAt(P[j]!);
      calcvert = false;
    }
    let VL = V[L]!;
    let VH = VL;
    let H = L;
    for (let j = 0; j < n1; j++) {
      if (j === L) continue;
      const f = V[j]!;
      if (f < VL) {
        L = j;
        VL = f;
      }
      if (f > VH) {
        H = j;
        VH = f;
      }
    }
    if (VH <= VL + convtol) break;
    const c = P[C]!;
    const xh = P[H]!;
    for (let i = 0; i < n; i++) {
      let temp = -xh[i]!;
      for (let j = 0; j < n1; j++) temp += P[j]![i]!;
      c[i] = temp / n;
    }
    const r = new Array<number>(n);
    for (let i = 0; i < n; i++) r[i] = (1 + alpha) * c[i]! - alpha * xh[i]!;
    const VR = evalAt(r);
    if (VR < VL) {
      const e = new Array<number>(n);
      for (let i = 0; i < n; i++) e[i] = gamm * r[i]! + (1 - gamm) * c[i]!;
      const fe = evalAt(e);
      if (fe < VR) {
        P[H] = e;
        V[H] = fe;
      } else {
        P[H] = r;
        V[H] = VR;
      }
    } else {
      if (VR < VH) {
        P[H] = r;
        V[H] = VR;
      }
      const xh2 = P[H]!;
      const q = new Array<number>(n);
      for (let i = 0; i < n; i++) q[i] = (1 - bet) * xh2[i]! + bet * c[i]!;
      const fq = evalAt(q);
      if (fq < V[H]!) {
        P[H] = q;
        V[H] = fq;
      } else if (VR >= VH) {
        calcvert = true;
        size = 0;
        const xl = P[L]!;
        for (let j = 0; j < n1; j++) {
          if (j === L) continue;
          const v = P[j]!;
          for (let i = 0; i < n; i++) {
            v[i] = bet * (v[i]! - xl[i]!) + xl[i]!;
            size += Math.abs(v[i]! - xl[i]!);
          }
        }
        if (size < oldsize) oldsize = size;
        else break;
      }
    }
  } while (funcount <= maxit);
  return { x: P[L]!.slice(), value: V[L]!, evaluations: funcount };
}
