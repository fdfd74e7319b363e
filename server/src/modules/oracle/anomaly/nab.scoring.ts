/**
 * The Numenta Anomaly Benchmark's scoring, as its code computes it (numenta/NAB `nab/sweeper.py`,
 * which reproduces the older `scorer.py` numbers): labelled windows, the scaled sigmoid that
 * rewards early detections and forgives false positives just after a window, one threshold for
 * every file, and normalisation between the null detector (no detections) and the perfect one
 * (one detection on the first row of every window). See data/anomaly_nab/SCORING.md.
 */

export interface CostProfile {
  tpWeight: number;
  fpWeight: number;
  fnWeight: number;
}

export type NabProfileName = 'standard' | 'reward_low_FP_rate' | 'reward_low_FN_rate';

/** NAB's `config/profiles.json` (tnWeight is unused by the scorer). */
export const NAB_PROFILES: Record<NabProfileName, CostProfile> = {
  standard: { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 },
  reward_low_FP_rate: { tpWeight: 1, fpWeight: 0.22, fnWeight: 1 },
  reward_low_FN_rate: { tpWeight: 1, fpWeight: 0.11, fnWeight: 2 },
};

/** One scored file: a score per row and windows as inclusive [first, last] row indices. */
export interface NabFile {
  name: string;
  scores: ArrayLike<number>;
  windows: ReadonlyArray<readonly [number, number]>;
}

export interface FileResult {
  name: string;
  score: number;
  tp: number;
  tn: number;
  fp: number;
  fn: number;
}

/** Rows excluded from scoring at the start of a file: min(floor(15% of N), 15% of 5000). */
export const probationRows = (n: number, percent = 0.15) => Math.min(Math.floor(percent * n), percent * 5000);

/** NAB's scaled sigmoid: 2/(1+e^{5x}) − 1, and −1 beyond x = 3. */
export const scaledSigmoid = (x: number) => (x > 3 ? -1 : 2 / (1 + Math.exp(5 * x)) - 1);

/**
 * What a detection at each row would earn (the "dense" S(t) of NAB's sweeper): inside a window
 * A_TP·σ(−(R−i+1)/W)/σ(−1); before the first window −A_FP; after a window A_FP·σ((i−R′)/(W′−1))
 * relative to the window that ended last. Also returns each row's window index (−1 outside).
 */
export function rowValues(n: number, windows: NabFile['windows'], p: CostProfile) {
  const value = new Float64Array(n);
  const windowOf = new Int32Array(n).fill(-1);
  const ordered = windows.map((w, k) => ({ l: w[0], r: w[1], k })).sort((a, b) => a.l - b.l);
  const top = scaledSigmoid(-1);
  let prev: { r: number; width: number } | null = null;
  let w = 0;
  for (let i = 0; i < n; i++) {
    while (w < ordered.length && ordered[w]!.r < i) {
      prev = { r: ordered[w]!.r, width: ordered[w]!.r - ordered[w]!.l + 1 };
      w++;
    }
    const cur = ordered[w];
    if (cur && i >= cur.l && i <= cur.r) {
      const width = cur.r - cur.l + 1;
      value[i] = (p.tpWeight * scaledSigmoid(-(cur.r - i + 1) / width)) / top;
      windowOf[i] = cur.k;
    } else if (prev === null) {
      value[i] = -p.fpWeight;
    } else {
      const x = prev.width > 1 ? (i - prev.r) / (prev.width - 1) : Number.POSITIVE_INFINITY;
      value[i] = p.fpWeight * scaledSigmoid(x);
    }
  }
  return { value, windowOf };
}

/** Raw score of one file at one threshold (a row is a detection iff score ≥ threshold). */
export function scoreFile(file: NabFile, threshold: number, p: CostProfile): FileResult {
  const n = file.scores.length;
  const start = probationRows(n);
  const { value, windowOf } = rowValues(n, file.windows, p);
  const best = new Array<number | null>(file.windows.length).fill(null);
  let fpSum = 0;
  let tp = 0;
  let tn = 0;
  let fp = 0;
  let fn = 0;
  for (let i = Math.ceil(start); i < n; i++) {
    const detected = file.scores[i]! >= threshold;
    const k = windowOf[i]!;
    if (k >= 0) {
      if (detected) {
        tp++;
        if (best[k] === null) best[k] = value[i]!; // earliest detection: the most valuable
      } else fn++;
    } else if (detected) {
      fp++;
      fpSum += value[i]!;
    } else tn++;
  }
  const windowSum = best.reduce<number>((s, v) => s + (v === null ? -p.fnWeight : v), 0);
  return { name: file.name, score: windowSum + fpSum, tp, tn, fp, fn };
}

export function scoreCorpus(files: readonly NabFile[], threshold: number, p: CostProfile) {
  const perFile = files.map((f) => scoreFile(f, threshold, p));
  return { perFile, score: perFile.reduce((s, r) => s + r.score, 0) };
}

/**
 * NAB's threshold optimisation (sweeper.py): every distinct score of the pooled post-probation
 * rows is a candidate "detect everything ≥ s", starting from 1.1 (no detections); the highest
 * corpus score wins and, on a tie, the higher threshold (the first met).
 */
export function sweepThreshold(files: readonly NabFile[], p: CostProfile) {
  type Row = { score: number; value: number; window: number };
  const rows: Row[] = [];
  let windowCount = 0;
  for (const f of files) {
    const { value, windowOf } = rowValues(f.scores.length, f.windows, p);
    for (let i = Math.ceil(probationRows(f.scores.length)); i < f.scores.length; i++) {
      const s = f.scores[i]!;
      rows.push({
        score: Number.isFinite(s) ? s : Number.NEGATIVE_INFINITY,
        value: value[i]!,
        window: windowOf[i]! >= 0 ? windowCount + windowOf[i]! : -1,
      });
    }
    windowCount += f.windows.length;
  }
  rows.sort((a, b) => b.score - a.score);
  const best = new Array<number | null>(windowCount).fill(null);
  let current = -p.fnWeight * windowCount;
  let top = { threshold: 1.1, score: current };
  for (let i = 0; i < rows.length; ) {
    const s = rows[i]!.score;
    for (; i < rows.length && rows[i]!.score === s; i++) {
      const r = rows[i]!;
      if (r.window < 0) current += r.value;
      else {
        const had = best[r.window]!;
        if (had === null) current += r.value + p.fnWeight;
        else if (r.value > had) current += r.value - had;
        if (had === null || r.value > had) best[r.window] = r.value;
      }
    }
    if (current > top.score) top = { threshold: s, score: current };
  }
  return top;
}

/** 100·(S − S_null)/(S_perfect − S_null) with S_null = −A_FN·K and S_perfect = A_TP·K. */
export function normalizedScore(raw: number, windowCount: number, p: CostProfile): number {
  const nullScore = -p.fnWeight * windowCount;
  const perfect = p.tpWeight * windowCount;
  return perfect === nullScore ? 0 : (100 * (raw - nullScore)) / (perfect - nullScore);
}

/** Window rows from NAB's timestamps (`…01.000000` in the JSON, `…01` in the data): exact matches. */
export function windowsToRows(
  timestamps: readonly string[],
  windows: ReadonlyArray<readonly [string, string]>,
): Array<[number, number]> {
  const index = new Map(timestamps.map((t, i) => [t.replace(/\.0+$/, ''), i]));
  return windows.map(([a, b]) => {
    const l = index.get(a.replace(/\.0+$/, ''));
    const r = index.get(b.replace(/\.0+$/, ''));
    if (l === undefined || r === undefined) throw new Error(`window ${a} … ${b} does not match a data row`);
    return [l, r];
  });
}
