/**
 * Late-conversion completion curves: from the restatements a sync captured, what fraction of a
 * day's final conversions (or value) the store typically holds at each age (days since the day).
 * Pure: no I/O.
 *
 * A day of an account is observed through its ads' revisions: revision i (seen at age tᵢ) keeps the
 * value the store held until tᵢ, so the store held vᵢ for ages [tᵢ₋₁, tᵢ) and the current value from
 * the last restatement on; v₁ from the first sync after the day began (t₀). A settled day that was
 * never restated, with a known first sync, held its final figure at every age and counts too. The estimate at age a is pooled over days (Σ held ÷ Σ final: large days
 * weigh more, as they should), carried forward across ages nobody observed, made non-decreasing by
 * pool-adjacent-violators and capped at 1. The 80% band is the 10th–90th percentile of the days'
 * own ratios at that age (descriptive: a day's interval comes from nowcast/predict.ts, which also uses
 * the fraction's standard error `se`).
 */

export interface DayObservation {
  /** The day's final (current) figure, summed over its ads. */
  final: number;
  /** Per ad of the day: its restatements in order, each the value held before age `age`. */
  ads: Array<{ final: number; revisions: Array<{ age: number; value: number }> }>;
  /** Age of the current figure (the last sync); ages beyond it are not observed. */
  currentAge: number;
  /**
   * Age of the first sync after the day began, when known: the first revision's value was held from
   * then on. Unknown: one day before the first restatement (daily syncs).
   */
  firstSeenAge?: number | null;
}

export interface CompletionPoint {
  age: number;
  fraction: number;
  /** 10th and 90th percentile of the days' own completion at this age. */
  lo: number;
  hi: number;
  /** Days observed at this age (0: carried from a younger age). */
  days: number;
  /**
   * Standard error of `fraction` as an estimate of the account's mean completion at this age
   * (cluster-robust over days: Σ finalᵢ²·(ratioᵢ − fraction)² ÷ (Σ finalᵢ)², × n ÷ (n − 1)).
   */
  se: number;
}

/** Ages from which a day counts as complete (Meta's 28-day window is the longest we sync). */
export const SETTLED_AGE = 28;
/** No curve below this: a fraction near 0 would blow a day's figures up. */
const MIN_FRACTION = 0.05;

/** Value the store held for one ad at age `a`. */
function heldAt(ad: DayObservation['ads'][number], a: number): number {
  for (const r of ad.revisions) if (r.age > a) return r.value;
  return ad.final;
}

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return 1;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

/** Pool-adjacent-violators: the weighted non-decreasing fit. */
export function isotonic(values: number[], weights: number[]): number[] {
  const blocks: Array<{ v: number; w: number; n: number }> = [];
  values.forEach((v, i) => {
    blocks.push({ v, w: weights[i] as number, n: 1 });
    while (blocks.length > 1) {
      const b = blocks[blocks.length - 1] as { v: number; w: number; n: number };
      const a = blocks[blocks.length - 2] as { v: number; w: number; n: number };
      if (a.v <= b.v) break;
      const w = a.w + b.w;
      blocks.splice(-2, 2, { v: w > 0 ? (a.v * a.w + b.v * b.w) / w : (a.v + b.v) / 2, w, n: a.n + b.n });
    }
  });
  return blocks.flatMap((b) => new Array(b.n).fill(b.v) as number[]);
}

/** The completion curve for ages 0..SETTLED_AGE−1 (age ≥ SETTLED_AGE is 1). */
export function completionCurve(days: DayObservation[]): CompletionPoint[] {
  const held = new Array(SETTLED_AGE).fill(0) as number[];
  const finals = new Array(SETTLED_AGE).fill(0) as number[];
  const ratios: number[][] = Array.from({ length: SETTLED_AGE }, () => []);
  // Per age, each day's (final, held) pair: the standard error of the pooled fraction.
  const pairs: Array<Array<[number, number]>> = Array.from({ length: SETTLED_AGE }, () => []);
  for (const d of days) {
    if (!(d.final > 0)) continue;
    const firstRestated = Math.min(...d.ads.flatMap((ad) => (ad.revisions[0] ? [ad.revisions[0].age] : [])));
    // A day never restated counts only when we know when it was first seen and it is settled since:
    // it then held its final figure at every age (evidence of no delay, not an absence of evidence).
    if (
      !Number.isFinite(firstRestated) &&
      !(d.firstSeenAge != null && d.firstSeenAge >= 0 && d.currentAge >= SETTLED_AGE)
    )
      continue;
    // A first sync after the first restatement contradicts the data: fall back to the daily guess.
    const firstSeen =
      d.firstSeenAge != null && d.firstSeenAge >= 0 && d.firstSeenAge < firstRestated
        ? d.firstSeenAge
        : Math.max(0, firstRestated - 1);
    for (let a = firstSeen; a < Math.min(SETTLED_AGE, d.currentAge + 1); a++) {
      const h = d.ads.reduce((s, ad) => s + heldAt(ad, a), 0);
      held[a] = (held[a] as number) + h;
      finals[a] = (finals[a] as number) + d.final;
      (ratios[a] as number[]).push(Math.min(1, h / d.final));
      (pairs[a] as Array<[number, number]>).push([d.final, h]);
    }
  }
  // Ages nobody observed take the nearest younger observed age (or the nearest older one).
  const raw: Array<number | null> = held.map((h, a) =>
    (finals[a] as number) > 0 ? h / (finals[a] as number) : null,
  );
  const firstObserved = raw.findIndex((v) => v !== null);
  if (firstObserved < 0)
    return Array.from({ length: SETTLED_AGE }, (_, age) => ({
      age,
      fraction: 1,
      lo: 1,
      hi: 1,
      days: 0,
      se: 0,
    }));
  const src: number[] = [];
  let carry = firstObserved;
  for (let a = 0; a < SETTLED_AGE; a++) {
    if (raw[a] !== null) carry = a;
    src.push(a < firstObserved ? firstObserved : carry);
  }
  const fitted = isotonic(
    src.map((s) => Math.min(1, raw[s] as number)),
    src.map((s, a) => (s === a ? (finals[a] as number) : 0)),
  );
  return fitted.map((f, age) => {
    const r = (ratios[src[age] as number] as number[]).slice().sort((x, y) => x - y);
    const fraction = Math.max(MIN_FRACTION, Math.min(1, f));
    return {
      age,
      fraction,
      lo: Math.max(MIN_FRACTION, Math.min(fraction, quantile(r, 0.1))),
      hi: Math.min(1, Math.max(fraction, quantile(r, 0.9))),
      days: (ratios[age] as number[]).length,
      se: standardError(pairs[src[age] as number] as Array<[number, number]>),
    };
  });
}

/**
 * Cluster-robust standard error of a pooled ratio Σ held ÷ Σ final over days (each day a cluster).
 * One day alone says nothing about the spread: its fraction's binomial-like spread f(1 − f) stands in.
 */
function standardError(pairs: Array<[number, number]>): number {
  const total = pairs.reduce((s, [f]) => s + f, 0);
  if (!(total > 0)) return 0;
  const pooled = Math.min(1, pairs.reduce((s, [, h]) => s + h, 0) / total);
  if (pairs.length < 2) return Math.sqrt(Math.max(0, pooled * (1 - pooled)));
  const ss = pairs.reduce((s, [f, h]) => s + (h - pooled * f) ** 2, 0);
  const se = Math.sqrt((ss / (total * total)) * (pairs.length / (pairs.length - 1)));
  return Number.isFinite(se) ? se : 0;
}

/** Fraction complete at an age, with its band (1 once settled). */
export function completionAt(
  curve: CompletionPoint[],
  age: number,
): { fraction: number; lo: number; hi: number; se: number } {
  if (age >= SETTLED_AGE || !curve.length) return { fraction: 1, lo: 1, hi: 1, se: 0 };
  const p = curve[Math.max(0, age)] as CompletionPoint;
  return { fraction: p.fraction, lo: p.lo, hi: p.hi, se: p.se };
}
